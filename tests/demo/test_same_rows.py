"""A synthetic payment is spelled as a real one: the bulk writer of `bangfu synth --cases` and the
case procedure (`case_pay` → `funds.payment_post`) build their rows with the same builders, so
the same fields are set, with the same memo, key and reference formats; and the ledger the
synthetic cases leave verifies clean through the CLI."""

import re
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from bangfu.aid.models import AidRecord
from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.cases.models import Case, CaseState, FollowUp, Payment, PaymentRecord, Transition
from bangfu.cases.workflow import follow_up_due
from bangfu.funds.models import Posting, Transaction, TransactionKind
from bangfu.funds.verify import ledger_problems
from tests.cases import factories

pytestmark = pytest.mark.django_db


def filled(row) -> set[str]:
    """The names of the fields this row has a value in."""
    return {f.attname for f in row._meta.concrete_fields if getattr(row, f.attname) not in (None, "")}


def rows_of(case: Case) -> dict:
    payment = Payment.objects.get(case=case)
    record = PaymentRecord.objects.get(payment=payment)
    txn = Transaction.objects.get(payment_record=record)
    return {
        "payment": payment,
        "record": record,
        "transaction": txn,
        "postings": list(Posting.objects.filter(transaction=txn).order_by("pk")),
        "aid": AidRecord.objects.get(case_payment=payment),
        "follow_up": FollowUp.objects.get(case=case),
        "pay": Transition.objects.get(case=case, action="pay"),
    }


def assert_spelled_as_the_procedure_does(case: Case, rows: dict) -> None:
    payment, record, txn, postings = rows["payment"], rows["record"], rows["transaction"], rows["postings"]
    assert record.amount == payment.amount == case.approved_amount
    assert (record.case_id, record.household_id, record.street_id) == (
        case.pk,
        case.household_id,
        case.street_id,
    )
    assert record.aid_type == case.aid_type and record.category in (
        "dibao",
        "low_income",
        "rigid_expense",
        "other",
    )
    assert txn.kind == TransactionKind.PAYMENT and txn.sealed
    assert txn.memo == f"个案 {case.number} 帮扶金发放"
    assert txn.idempotency_key == f"payment:{record.event_id}"
    assert txn.counterparty == case.street.name and txn.date == record.paid_on
    assert record.ledger_reference == txn.number and re.fullmatch(r"JZ\d{8}", txn.number)
    assert record.posted_at is not None
    assert [(p.account, p.amount) for p in postings] == [("aid", record.amount), ("fund", -record.amount)]
    assert {(p.org_id, p.case_id, p.date) for p in postings} == {(case.street_id, case.pk, record.paid_on)}
    aid = rows["aid"]
    assert (aid.form, aid.kind, aid.value, aid.date) == ("case", "money", record.amount, record.paid_on)
    assert (aid.household_id, aid.person_id, aid.organisation_id) == (
        case.household_id, case.applicant_id, case.street_id,
    )  # fmt: skip
    assert aid.ledger_transaction_id == txn.pk and aid.fund_source_id == postings[0].fund_source_id
    assert rows["follow_up"].due_date == follow_up_due(record.paid_on)
    pay = rows["pay"]
    assert (pay.from_state, pay.to_state, pay.comment) == (CaseState.APPROVED, CaseState.PAID, "")


def test_a_synthetic_payment_has_the_rows_of_a_real_one(recent_policy, cast, today):
    # A real payment, through the procedure, from the street's money.
    factories.fund_street("310105001")
    real_case = factories.approve(factories.case(cast.intake_a), "4000.00")
    case_services.case_pay(
        case=real_case,
        actor=Actor.for_user(cast.cashier_a, "test"),
        method="cash",
        idempotency_key=uuid.uuid4(),
    )
    real_case.refresh_from_db()
    real = rows_of(real_case)
    # Synthetic ones, in bulk; a paid case not yet signed for or followed up, as the real one is.
    call_command("synth", households=200, district="310105", seed=3, workers=0, quiet=True, stdout=StringIO())
    call_command("synth", cases=300, district="310105", seed=3, quiet=True, stdout=StringIO())
    paid = Case.objects.filter(state=CaseState.PAID, help_first=False).exclude(pk=real_case.pk)
    assert paid.exists()
    synthetic_case = paid.order_by("pk").first()
    synthetic = rows_of(synthetic_case)

    for case, rows in ((real_case, real), (synthetic_case, synthetic)):
        assert_spelled_as_the_procedure_does(case, rows)
    # The same fields set on every row, and on each posting.
    for name in ("payment", "record", "transaction", "aid", "follow_up", "pay"):
        assert filled(synthetic[name]) == filled(real[name]), name
    assert [filled(p) for p in synthetic["postings"]] == [filled(p) for p in real["postings"]]


def test_the_ledger_verifies_clean_after_synthetic_cases(recent_policy):
    call_command("synth", households=300, district="310105", seed=9, workers=0, quiet=True, stdout=StringIO())
    call_command("synth", cases=400, district="310105", seed=9, quiet=True, stdout=StringIO())
    assert PaymentRecord.objects.filter(posted_at__isnull=False).count() > 0
    assert not PaymentRecord.objects.filter(posted_at=None).exists()
    assert Transaction.objects.filter(sealed=False).count() == 0
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "账目核对通过：未发现问题。" in out.getvalue()
    assert ledger_problems() == []
