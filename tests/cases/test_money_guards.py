"""The case's money is guarded by the database like the ledger (migration cases/0002):
payments, payment records and transitions take no UPDATE (beyond recording the receipt and
the posting, once) and no DELETE, through the ORM or raw SQL; TRUNCATE too on PostgreSQL."""

import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.cases import services
from bangfu.cases.models import Payment, PaymentRecord, Transition
from bangfu.funds.verify import ledger_problems

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(cast):
    factories.fund_street()
    c = factories.approve(factories.case(cast.intake_a), "4000.00")
    return services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a), method="cash", idempotency_key=uuid.uuid4()
    )


def _refused(sql, params=()):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_payment SET amount = amount * 10 WHERE id = %s",
        "UPDATE cases_payment SET case_id = case_id, method = 'transfer' WHERE id = %s",
        "UPDATE cases_payment SET paid_at = paid_at - INTERVAL '1 day' WHERE id = %s",
        "DELETE FROM cases_payment WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_a_payment(payment, sql):
    if "INTERVAL" in sql and connection.vendor != "postgresql":
        sql = "UPDATE cases_payment SET paid_at = '2021-01-01 00:00:00' WHERE id = %s"
    _refused(sql, [payment.pk])
    assert Payment.objects.get(pk=payment.pk).amount == 4000


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_paymentrecord SET amount = 400 WHERE payment_id = %s",
        "UPDATE cases_paymentrecord SET paid_on = '2021-01-01' WHERE payment_id = %s",
        "UPDATE cases_paymentrecord SET street_id = street_id + 1 WHERE payment_id = %s",
        # Marked posted already: the mark is not changed or withdrawn.
        "UPDATE cases_paymentrecord SET posted_at = NULL WHERE payment_id = %s",
        "UPDATE cases_paymentrecord SET ledger_reference = 'JZ99999999' WHERE payment_id = %s",
        "DELETE FROM cases_paymentrecord WHERE payment_id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_a_payment_record(payment, sql):
    _refused(sql, [payment.pk])
    assert PaymentRecord.objects.get(payment=payment).amount == 4000


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_transition SET to_state = 'approved' WHERE case_id = %s AND action = 'pay'",
        "UPDATE cases_transition SET comment = '' WHERE case_id = %s",
        "DELETE FROM cases_transition WHERE case_id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_transitions(payment, sql):
    before = list(Transition.objects.filter(case_id=payment.case_id).values_list("action", "to_state"))
    _refused(sql, [payment.case_id])
    assert (
        list(Transition.objects.filter(case_id=payment.case_id).values_list("action", "to_state")) == before
    )


def test_the_orm_cannot_change_or_delete_them_either(payment):
    payment.amount = 40000
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        payment.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PaymentRecord.objects.filter(payment=payment).update(amount=40000)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Transition.objects.filter(case_id=payment.case_id).update(comment="改")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Transition.objects.filter(case_id=payment.case_id).delete()
    assert Transition.objects.filter(case_id=payment.case_id, action="pay").exists()


def test_the_receipt_is_recorded_once(payment):
    """The one UPDATE a payment takes: its signed receipt, from empty, once."""
    Payment.objects.filter(pk=payment.pk).update(receipt_kind="signature", receipt_at=timezone.now())
    _refused("UPDATE cases_payment SET receipt_kind = 'upload' WHERE id = %s", [payment.pk])
    _refused("UPDATE cases_payment SET receipt_at = NULL WHERE id = %s", [payment.pk])
    assert Payment.objects.get(pk=payment.pk).receipt_kind == "signature"


def test_a_legacy_record_is_marked_posted_once(cast):
    """The one UPDATE a payment record takes: marked posted (and its reference), from empty, once."""
    from tests.funds.conftest import unposted_case

    record = unposted_case(cast, "100.00")
    PaymentRecord.objects.filter(pk=record.pk).update(posted_at=timezone.now(), ledger_reference="JZ00000001")
    _refused("UPDATE cases_paymentrecord SET ledger_reference = 'JZ00000002' WHERE id = %s", [record.pk])
    assert PaymentRecord.objects.get(pk=record.pk).ledger_reference == "JZ00000001"


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["cases_payment", "cases_paymentrecord", "cases_transition"])
def test_postgres_refuses_truncate(payment, table):
    with connection.cursor() as cursor:  # TRUNCATE refuses to run while the ledger's deferred checks wait
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _refused(f"TRUNCATE {table} CASCADE")


def test_verify_reports_a_dropped_guard(payment):
    assert [p for p in ledger_problems() if p.check == "guards"] == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_transition DISABLE TRIGGER cases_transition_append_only")
        else:
            cursor.execute("DROP TRIGGER cases_transition_no_update")
    (problem,) = [p.message for p in ledger_problems() if p.check == "guards"]
    assert "cases_transition" in problem and "缺失或被停用" in problem
