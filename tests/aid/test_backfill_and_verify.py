"""The payments made before the aid record existed join it (migration aid/0003), and
`bangfu ledger verify` holds the aid records to the ledger."""

import importlib
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from bangfu.aid import services as aid_services
from bangfu.aid.models import AidRecord
from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.funds import services as funds
from bangfu.funds.models import Transaction
from bangfu.funds.verify import ledger_verify
from bangfu.orgs.models import Organisation
from tests.cases import factories

pytestmark = pytest.mark.django_db

backfill = importlib.import_module(
    "bangfu.aid.migrations.0003_case_payment_records"
).write_case_payment_records


def _pay(cast, amount="4000.00"):
    c = factories.approve(factories.case(cast.intake_a), amount)
    case_services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    return c


def _reverse(cast, c, day=date(2021, 6, 3)):
    txn = Transaction.objects.get(payment_record__payment__case=c)
    return funds.transaction_reverse(
        actor=Actor.for_user(cast.finance_cn, "test"), txn=txn, day=day, reason="有误"
    )


def _aid_findings():
    return [p.message for p in ledger_verify().problems if p.check == "aid"]


@pytest.fixture
def before_the_aid_record(monkeypatch):
    """Payments and reversals as the platform made them before it wrote aid records."""
    monkeypatch.setattr(aid_services, "case_payment_record", lambda **kw: None)
    monkeypatch.setattr(aid_services, "reversal_records", lambda **kw: [])
    return monkeypatch


def test_the_migration_writes_the_records_of_earlier_payments_and_their_reversals(
    cast, funds_2021, before_the_aid_record
):
    kept = _pay(cast, "4000.00")
    taken_back = _pay(cast, "1500.00")
    rev = _reverse(cast, taken_back)
    unposted = factories.approve(factories.case(cast.intake_a), "800.00")  # approved, never paid
    before_the_aid_record.undo()
    assert not AidRecord.objects.exists()
    found = _aid_findings()
    assert len(found) == 2 and all("没有对应的帮扶记录" in m for m in found)
    assert f"个案 {kept.number}，¥4,000.00" in found[0] and f"个案 {taken_back.number}，¥1,500.00" in found[1]

    backfill(apps, None)

    first = AidRecord.objects.get(case_payment__case=kept)
    assert (first.form, first.kind, first.value, first.date) == (
        "case",
        "money",
        Decimal("4000.00"),
        date(2021, 6, 1),
    )
    assert first.ledger_transaction == Transaction.objects.get(payment_record__payment__case=kept)
    assert first.person_id == kept.applicant_id and first.organisation.code == "310105001"
    assert first.fund_source.code == "T-CZ"
    original = AidRecord.objects.get(case_payment__case=taken_back, reverses=None)
    reversal = AidRecord.objects.get(reverses=original)
    assert (reversal.value, reversal.date, reversal.ledger_transaction) == (
        Decimal("-1500.00"),
        date(2021, 6, 3),
        rev,
    )
    assert not AidRecord.objects.filter(case_payment__case=unposted).exists()
    assert _aid_findings() == []

    backfill(apps, None)  # run again (a re-applied migration): nothing written twice
    assert AidRecord.objects.count() == 3


def test_verify_finds_a_reversal_without_its_reversal_record(cast, funds_2021, monkeypatch):
    c = _pay(cast)
    monkeypatch.setattr(aid_services, "reversal_records", lambda **kw: [])
    _reverse(cast, c)
    record = AidRecord.objects.get()
    txn = Transaction.objects.get(payment_record__payment__case=c)
    assert _aid_findings() == [
        f"帮扶记录 #{record.pk}（¥4,000.00）的凭证 JZ{txn.pk:08d} 已冲销，但没有冲销帮扶记录。"
    ]


def test_verify_finds_money_aid_records_that_are_not_what_their_transaction_paid(cast, funds_2021):
    c = _pay(cast)
    txn = Transaction.objects.get(payment_record__payment__case=c)
    assert _aid_findings() == []
    AidRecord.objects.create(
        household=c.household, form="project", kind="money", value=Decimal("100.00"), date=date(2021, 6, 1),
        organisation=Organisation.objects.get(code="310105001"), ledger_transaction=txn,
    )  # fmt: skip
    assert _aid_findings() == [
        f"帮扶记录（2 条，合计 ¥4,100.00）的凭证 JZ{txn.pk:08d} 帮扶支出为 ¥4,000.00，与之不符。"
    ]


def test_verify_finds_the_aid_guard_lifted(cast, funds_2021):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE aid_aidrecord DISABLE TRIGGER aid_aidrecord_append_only")
            name = "aid_aidrecord_append_only"
        else:
            cursor.execute("DROP TRIGGER aid_aidrecord_no_update")
            name = "aid_aidrecord_no_update"
    guards = [p.message for p in ledger_verify().problems if p.check == "guards"]
    assert guards == [f"数据库保护触发器 {name} 缺失或被停用：账目可能被直接改写。"]
