"""Filing under real parallel connections (PostgreSQL only): the plan's row lock lets one officer
answer a filing once, and the numbering lock never gives two plans one filing number."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.projects import filing
from bangfu.projects.models import PlanState, PlanStep, Project
from tests.cases.test_concurrency import run_together
from tests.projects.conftest import DISTRICT, as_

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushable_db"),
]
PLANS, THREADS = 6, 12


def test_parallel_acceptances_file_each_plan_once_with_its_own_number(cast, district_money):
    owner = Organisation.objects.get(code=DISTRICT)
    plans = []
    for n in range(PLANS):
        plan = filing.plan_create(
            actor=as_(cast.district_cn), owner=owner, title=f"并发项目{n}", unit_value=Decimal("100"),
            budget=Decimal("1000"), fund_source=district_money, period_start=date(2026, 7, 1),
            period_end=date(2026, 12, 31),
        )  # fmt: skip
        plans.append(filing.transition(actor=as_(cast.district_cn), project=plan, action="submit"))
    officers = (cast.foundation, cast.foundation2)

    def accept(i):
        project = Project.objects.get(pk=plans[i % PLANS].pk)
        return filing.transition(actor=as_(officers[i % 2]), project=project, action="accept")

    results = run_together(accept, THREADS)
    assert sum(isinstance(r, Project) for r in results) == PLANS
    assert all(r.code == "wrong_state" for r in results if isinstance(r, Refused))
    filed = Project.objects.filter(pk__in=[p.pk for p in plans])
    assert set(filed.values_list("state", flat=True)) == {PlanState.FILED}
    numbers = sorted(filed.values_list("filing_number", flat=True), key=lambda s: int(s[9:-1]))
    assert numbers == [f"沪帮备〔{timezone.localdate().year}〕{n}号" for n in range(1, PLANS + 1)]
    assert PlanStep.objects.filter(action="accept").count() == PLANS
