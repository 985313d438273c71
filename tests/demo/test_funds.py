"""The demo's year of money (`bangfu demo` → bangfu.demo.funds): real flows through the services,
every month of the last twelve, a clean ledger, and nothing written twice; whatever day it runs
on (the edge days of tests/conftest.py), the year is complete and nothing in it lies ahead."""

from collections import Counter
from datetime import date
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Count, Max, Sum
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.cases.models import Case, CaseState, PaymentRecord
from bangfu.core.refusal import Refused
from bangfu.demo.funds import _months, demo_funds
from bangfu.funds.models import Account, Agreement, Posting, Transaction, TransactionKind
from bangfu.funds.reports import services as report_services
from bangfu.funds.reports.annual import annual_figures
from bangfu.funds.reports.monthly import monthly_report_figures
from bangfu.funds.verify import ledger_problems
from bangfu.orgs.models import Organisation, User
from tests.conftest import EDGE_DAYS

# The dates that plan what is still to come; every other date and time of the platform records
# something that has happened, and none of those may lie after the moment the demo ran.
PLANS = {
    ("policy.Policy", "valid_from"),  # next year's draft
    ("policy.Policy", "valid_to"),
    ("policy.ParameterValue", "start"),
    ("funds.Agreement", "valid_to"),
    ("registry.HouseholdCategory", "valid_to"),
    ("cases.Case", "paperwork_due"),
    ("cases.FollowUp", "due_date"),
    ("discovery.ScreeningVisit", "next_visit_due"),
    ("projects.Project", "period_end"),
}


def _models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"orgs", "audit", "registry", "policy", "cases", "discovery", "funds", "aid", "projects"}
    ]


@pytest.fixture
def demo(today, db):
    """The demo, run today; what it printed, and the last row of each table before it ran (what
    the migrations wrote, with the real clock when the test database was made, is not the demo's)."""
    before = {m: m.objects.aggregate(x=Max("pk"))["x"] or 0 for m in _models()}
    out = StringIO()
    call_command("demo", stdout=out)
    return SimpleNamespace(output=out.getvalue(), before=before)


def _first(day: date) -> date:
    return day.replace(day=1)


def _by_month(dates) -> Counter:
    return Counter(_first(d) for d in dates)


def _facts_after(demo, today: date) -> list[str]:
    """Every date or time the demo wrote that records a fact and lies after today (or now)."""
    now = timezone.now()
    found = []
    for m in _models():
        for f in m._meta.concrete_fields:
            if not isinstance(f, models.DateField) or (m._meta.label, f.name) in PLANS:
                continue
            latest = m.objects.filter(pk__gt=demo.before[m]).aggregate(x=Max(f.name))["x"]
            limit = now if isinstance(f, models.DateTimeField) else today
            if latest is not None and latest > limit:
                found.append(f"{m._meta.label}.{f.name} = {latest}")
    return found


@pytest.mark.parametrize("today", EDGE_DAYS, indirect=True)
def test_a_whole_clean_year_on_any_day(demo, today):
    """On New Year's Day, a leap day, the 1st and the 11th of a month and New Year's Eve: the
    twelve months up to today each have their movements, today's month too, nothing lies after
    today, the ledger verifies clean, and the reports read it."""
    months = _months(today)
    assert len(months) == 12 and months[-1] == _first(today)
    assert months[0] == date(today.year - (today.month < 12), today.month % 12 + 1, 1)
    case_aid = _by_month(
        Posting.objects.filter(account=Account.AID, case__isnull=False).values_list("date", flat=True)
    )
    project_aid = _by_month(
        Posting.objects.filter(account=Account.AID, project__code="XM-ZX-DEMO").values_list("date", flat=True)
    )
    lottery = _by_month(
        Transaction.objects.filter(kind=TransactionKind.LOTTERY_RECEIPT).values_list("date", flat=True)
    )
    assert set(case_aid) == set(project_aid) == set(months)
    assert set(lottery) == set(months[::3])
    assert not PaymentRecord.objects.filter(posted_at__isnull=True).exists()
    assert _facts_after(demo, today) == []
    assert [str(p) for p in ledger_problems()] == []

    # The reports: this month's (not over, so it cannot be filed yet) carries this month's cases;
    # last month's is filed by the street, accepted by the district, and still verifies clean.
    street, district = Organisation.objects.get(code="310105001"), Organisation.objects.get(code="310105")
    paid = PaymentRecord.objects.filter(street__parent=district, paid_on__gte=_first(today))
    figures = monthly_report_figures(district, today.year, today.month)
    assert figures["cases"]["total"]["cases"] == paid.count()
    assert figures["cases"]["total"]["amount"] == sum((r.payment.amount for r in paid), Decimal(0))
    filer, reviewer = (
        Actor.for_user(User.objects.get(username=u), "test") for u in ("cn_hy_approver", "cn_finance")
    )
    with pytest.raises(Refused, match="尚未结束"):
        report_services.monthly_report_file(actor=filer, org=street, year=today.year, month=today.month)
    last = months[-2]
    report = report_services.monthly_report_file(actor=filer, org=street, year=last.year, month=last.month)
    report_services.monthly_report_accept(actor=reviewer, report=report)
    assert report.figures["cases"]["total"]["cases"] > 0
    assert [str(p) for p in ledger_problems()] == []
    annual = annual_figures(district, today.year)
    assert annual["months"][today.month - 1]["aid"] > 0
    assert annual["unposted"]["cases"] == 0


def test_a_year_of_flows_through_the_services(demo, today):
    assert "演示资金流水" in demo.output and "个案发放" in demo.output
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
    # Every street spent and charged work expenses; the foundation charged its fee.
    by_street = dict(
        Posting.objects.filter(account=Account.WORK_EXPENSE)
        .values("org__code")
        .annotate(n=Count("id"))
        .values_list("org__code", "n")
    )
    assert set(by_street) == {"310105001", "310105002", "310101002"}
    assert Posting.objects.filter(account=Account.MANAGEMENT_FEE).aggregate(t=Sum("amount"))["t"] > 0


def test_running_it_again_writes_nothing(demo):
    before = (Transaction.objects.count(), Posting.objects.count(), Case.objects.count())
    assert demo_funds() is None
    out = StringIO()
    call_command("demo", stdout=out)
    assert "演示资金流水：已存在，未再生成。" in out.getvalue()
    assert (Transaction.objects.count(), Posting.objects.count(), Case.objects.count()) == before
