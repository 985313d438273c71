"""`bangfu synth --cases N`: lawful synthetic cases over the synthetic households, through the CLI."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from bangfu.cases.models import Case, CaseState, FollowUp, PaymentRecord, Transition
from bangfu.cases.selectors import work_queue_tiles
from bangfu.funds.models import Posting, Transaction

pytestmark = pytest.mark.django_db
S = CaseState


def synth(**options):
    call_command("synth", quiet=True, **options)


def snapshot():
    return sorted(
        Case.objects.values_list(
            "household__file_number", "application_date", "aid_type", "state", "payment__amount"
        )
    )


def test_cases_go_through_the_whole_procedure_and_reach_the_ledger(recent_policy, cast):
    synth(households=400, district="310105", seed=11, workers=0)
    synth(cases=600, district="310105", seed=11)
    cases = Case.objects.all()
    assert cases.count() == 600
    assert not cases.exclude(street__parent__code="310105").exists()
    states = set(cases.values_list("state", flat=True))
    assert {S.APPLIED, S.REVIEWING, S.APPROVED, S.PAID, S.CLOSED, S.REJECTED} <= states
    # Every case numbered as the intake numbers it, with its transitions.
    for c in cases.filter(state=S.CLOSED)[:50]:
        assert c.number == f"GA{c.application_date:%Y}{c.pk:07d}"
        actions = list(Transition.objects.filter(case=c).order_by("pk").values_list("action", flat=True))
        assert actions[0] == "apply" and actions[-3:] == ["pay", "receipt", "follow_up"]
        assert c.proposal["eligible"] and c.payment.amount == Decimal(c.proposal["recommended_amount"])
        assert hasattr(c, "investigation") and c.panel_review.attendance.count() == 7
    # Paid and closed cases: one payment, one record, posted once, the postings equal to it.
    paid = cases.filter(state__in=(S.PAID, S.CLOSED))
    assert PaymentRecord.objects.count() == paid.count() > 0
    assert not PaymentRecord.objects.filter(posted_at=None).exists()
    for r in PaymentRecord.objects.all()[:50]:
        t = Transaction.objects.get(payment_record=r)
        assert r.ledger_reference == t.number
        assert Posting.objects.filter(transaction=t, account="aid").get().amount == r.amount
    assert FollowUp.objects.filter(done_at=None).count() == cases.filter(state=S.PAID).count()
    # The annual caps hold per household and year (三(四)).
    per_year = defaultdict(list)
    for household, day, amount in paid.values_list("household_id", "application_date", "payment__amount"):
        per_year[(household, day.year)].append(amount)
    assert all(len(v) <= 2 and sum(v) <= Decimal("80000.00") for v in per_year.values())
    # The ledger reconciles, and the street's queues have work in them.
    call_command("ledger", "verify")
    tiles = {t["label"]: t["count"] for t in work_queue_tiles(cast.assessor_a)}
    assert sum(tiles.values()) > 0, tiles


def test_the_same_seed_makes_the_same_cases(recent_policy):
    synth(households=200, district="310105", seed=21, workers=0)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        synth(cases=150, district="310105", seed=5)
        first = snapshot()
        raise Rollback
    assert not Case.objects.exists()
    synth(cases=150, district="310105", seed=5)
    assert snapshot() == first
    synth(cases=150, district="310105", seed=6)
    assert snapshot() != first * 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cases": 0}, "个案数必须是正整数"),
        ({}, "请指定 --households"),
        ({"cases": 10, "district": "310105", "start": "2021-02-30"}, "--from 须为日期"),
        (
            {"cases": 10, "district": "310101", "start": "2020-01-01", "end": "2020-12-31"},
            "没有生效的已发布政策",
        ),
        ({"cases": 10, "district": "310105", "start": "2020-01-01", "end": "2020-12-31"}, "没有在册家庭"),
    ],
)
def test_bad_requests_are_refused_in_chinese(options, message):
    with pytest.raises(CommandError, match=message):
        synth(**options)
    assert not Case.objects.exists()
