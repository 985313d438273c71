"""The demo's year of money (`bangfu demo` → bangfu.funds.demo): real flows through the services,
every month of the last twelve, a clean ledger, and nothing written twice."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bangfu.cases.models import Case, CaseState, PaymentRecord
from bangfu.funds.demo import _months, demo_funds
from bangfu.funds.models import Account, Agreement, Posting, Transaction, TransactionKind
from bangfu.funds.verify import ledger_problems


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_a_year_of_flows_through_the_services(demo):
    assert "演示资金流水" in demo and "个案发放" in demo
    # An agreement with each demo district, signed, and money allocated under it.
    agreements = Agreement.objects.filter(number__startswith="XY-DEMO-")
    assert set(agreements.values_list("district__code", "status")) == {
        ("310105", "signed"),
        ("310101", "signed"),
    }
    assert all(a.allocations.exists() for a in agreements)
    kinds = set(Transaction.objects.values_list("kind", flat=True))
    assert {
        TransactionKind.LOTTERY_RECEIPT, TransactionKind.FISCAL_MATCHING, TransactionKind.DONATION,
        TransactionKind.ALLOCATION, TransactionKind.PASS_THROUGH, TransactionKind.PASS_THROUGH_RETURN,
        TransactionKind.PAYMENT, TransactionKind.WORK_EXPENSE, TransactionKind.MANAGEMENT_FEE,
        TransactionKind.REVERSAL,
    } <= kinds  # fmt: skip
    # Cases went through the procedure, were paid across the year and posted to the ledger.
    paid = Case.objects.filter(state=CaseState.PAID)
    assert paid.count() >= 30
    assert set(paid.values_list("aid_type", flat=True)) == {"medical", "emergency"}
    assert not PaymentRecord.objects.filter(posted_at__isnull=True).exists()
    months = {
        m.date() if hasattr(m, "date") and callable(m.date) else m
        for m in Posting.objects.filter(account=Account.AID, case__isnull=False)
        .annotate(m=TruncMonth("date"))
        .values_list("m", flat=True)
    }
    assert months == set(_months(timezone.localdate()))
    # Every street spent and charged work expenses; the foundation charged its fee.
    by_street = dict(
        Posting.objects.filter(account=Account.WORK_EXPENSE)
        .values("org__code")
        .annotate(n=Count("id"))
        .values_list("org__code", "n")
    )
    assert set(by_street) == {"310105001", "310105002", "310101002"}
    assert Posting.objects.filter(account=Account.MANAGEMENT_FEE).aggregate(t=Sum("amount"))["t"] > 0


def test_the_demo_ledger_verifies_clean(demo):
    assert [str(p) for p in ledger_problems()] == []


def test_running_it_again_writes_nothing(demo):
    before = (Transaction.objects.count(), Posting.objects.count(), Case.objects.count())
    assert demo_funds() is None
    out = StringIO()
    call_command("demo", stdout=out)
    assert "演示资金流水：已存在，未再生成。" in out.getvalue()
    assert (Transaction.objects.count(), Posting.objects.count(), Case.objects.count()) == before
