"""The demo's project aid (bangfu.demo.projects): both plans through the whole procedure, by the
services, so that every page of project aid has something real to show."""

from io import StringIO

import pytest
from django.core.management import call_command

from bangfu.aid.models import AidForm, AidRecord
from bangfu.demo.projects import DISTRICT_PLAN, FOUNDATION_PLAN
from bangfu.funds.models import Account, Posting
from bangfu.funds.verify import ledger_problems
from bangfu.projects.models import BatchState, CheckResult, ItemState, PlanState, Project


@pytest.fixture
def demo(today, db):
    call_command("demo", stdout=StringIO())


def test_a_foundation_plan_and_a_district_plan_filed_enrolled_delivered_verified(demo):
    foundation = Project.objects.get(code=FOUNDATION_PLAN)
    district = Project.objects.get(code=DISTRICT_PLAN)
    assert foundation.owner.kind == "foundation" and foundation.lottery_funded
    assert district.owner.code == "310105" and not district.lottery_funded
    for plan in (foundation, district):
        assert plan.state == PlanState.FILED and plan.filing_number.startswith("沪帮备")
        assert plan.enrolments.count() > 10
        delivered = plan.batches.filter(state=BatchState.DELIVERED)
        assert delivered.exists()
        # The item not reached waits in a follow-up batch.
        assert plan.batches.filter(state=BatchState.PREPARED, follows__isnull=False).exists()
        checks = [c.result for v in plan.verifications.all() for c in v.checks.all()]
        assert CheckResult.RECEIVED in checks and CheckResult.PROBLEM in checks
    # The district's plan was returned once with remarks before it was filed.
    assert [s.action for s in district.steps.order_by("at", "id")] == ["submit", "return", "submit", "accept"]
    assert [s.action for s in foundation.steps.order_by("at", "id")] == ["submit", "approve"]
    assert foundation.steps.get(action="approve").user.username == "fd_reviewer"
    # A batch each month of the year, every delivered item an aid record, the money posted.
    months = {b.delivered_on.replace(day=1) for b in foundation.batches.filter(state=BatchState.DELIVERED)}
    assert len(months) == 12
    items = ItemState.DELIVERED
    records = AidRecord.objects.filter(form=AidForm.PROJECT, reverses=None)
    assert records.filter(project_item__project=foundation).count() == foundation.batches.filter(
        items__state=items
    ).count()
    assert records.filter(project_item__project=district, kind="goods", ledger_transaction=None).exists()
    posted = sum(p.amount for p in Posting.objects.filter(account=Account.AID, project=foundation))
    assert posted == sum(r.value for r in records.filter(project_item__project=foundation))
    evaluation = foundation.evaluations.get()
    assert 0 < evaluation.score <= 100 and evaluation.grade
    assert ledger_problems() == []
