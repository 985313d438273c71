"""Whether a household may be enrolled in a plan (SPEC §4; 长民发〔2016〕31号 三(四)): on file, in
the target group, not enrolled already, within the annual caps of the policy in force."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.aid.builders import reversal_row
from bangfu.aid.models import AidRecord
from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.orgs.models import Organisation
from bangfu.projects.eligibility import bulk_problems, problems
from bangfu.projects.models import Enrolment, EnrolmentState, EnrolmentVia
from bangfu.registry.models import Household, HouseholdStatus
from tests.cases import factories
from tests.projects.conftest import DISTRICT, STREET, changning_version, make_plan

pytestmark = pytest.mark.django_db

IN_2026 = date(2026, 3, 2)


def codes(found) -> list[str]:
    return [p.code for p in found]


def project_aid(h, value: str, *, kind: str = "goods", day: date = date(2026, 2, 1), hours=None) -> AidRecord:
    """A delivered project item of goods or a service, as the batch delivery records it."""
    return AidRecord.objects.create(
        household=h, form="project", kind=kind, value=Decimal(value), hours=hours, date=day,
        organisation=Organisation.objects.get(code=STREET),
    )  # fmt: skip


def case_approved(cast, h, amount: str, day: date = IN_2026):
    """A 2026 case of the household, approved for `amount` and not yet paid."""
    return factories.approve(factories.case(cast.intake_a, h, application_date=day), amount)


def case_paid(cast, h, amount: str):
    c = case_approved(cast, h, amount)
    factories.fund_street(STREET, "200000.00", day=date(2026, 1, 2))
    case_services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    return c


@pytest.fixture
def cn_plan(today, changning_in_force):
    """长宁区's money plan of 1,000 per household for 低保 households of its streets."""
    return make_plan(owner=DISTRICT, target={"categories": ["dibao"]})


def test_a_household_in_the_group_within_the_caps_may_be_enrolled(today, cn_plan):
    h = factories.household(STREET, category="dibao")
    assert problems(cn_plan, h, today) == []


def test_each_reason_is_named(today, cast, cn_plan):
    closed = factories.household(STREET, category="dibao", status=HouseholdStatus.CLOSED)
    not_dibao = factories.household(STREET, category="low_income")
    enrolled = factories.household(STREET, category="dibao")
    Enrolment.objects.create(project=cn_plan, household=enrolled, via=EnrolmentVia.ONE)
    assert codes(problems(cn_plan, closed, today)) == ["household_inactive"]
    assert "不在册" in problems(cn_plan, closed, today)[0].message
    assert codes(problems(cn_plan, not_dibao, today)) == ["not_in_target"]
    assert codes(problems(cn_plan, enrolled, today)) == ["already_enrolled"]
    # The batch re-check: an enrolled household is not "already enrolled".
    assert problems(cn_plan, enrolled, today, enrolling=False) == []
    draft = make_plan(owner=DISTRICT, state="submitted")
    found = problems(draft, factories.household(STREET, category="dibao"), today)
    assert codes(found) == ["plan_not_filed"] and "未备案" in found[0].message


def test_a_paused_enrolment_is_still_an_enrolment(today, cn_plan):
    h = factories.household(STREET, category="dibao")
    Enrolment.objects.create(project=cn_plan, household=h, via=EnrolmentVia.ONE, state=EnrolmentState.PAUSED)
    found = problems(cn_plan, h, today)
    assert codes(found) == ["already_enrolled"] and "暂停" in found[0].message


def test_no_policy_in_force_is_a_refusal_never_a_zero_cap(today, cast):
    """The published changning-2016 ends in 2021: without a version covering 2026 no 长宁区
    household can be checked against its caps, and none is enrolled."""
    plan = make_plan(owner=DISTRICT)
    found = problems(plan, factories.household(STREET, category="dibao"), today)
    assert codes(found) == ["no_policy_in_force"]
    assert "长宁区" in found[0].message and "2026年6月17日" in found[0].message
    # A service plan as well: the caps cannot be read at all.
    service = make_plan(owner=DISTRICT, aid_kind="service", unit_value="300.00", hours="10")
    assert codes(problems(service, factories.household(STREET), today)) == ["no_policy_in_force"]


def test_case_aid_approved_and_not_paid_counts_with_the_plans_value(today, cast, cn_plan):
    h = factories.household(STREET, category="dibao")
    case_approved(cast, h, "79500.00")
    found = problems(cn_plan, h, today)
    assert codes(found) == ["over_annual_amount"]
    assert found[0].message == (
        "本年度已获帮扶 79,500.00 元，加本项目 1,000.00 元将超过全年累计 80,000.00 元上限"
        "（长民发〔2016〕31号 三(四)）"
    )
    # Up to the cap itself is within it; goods count at their value; a service counts for nothing.
    assert (
        problems(make_plan(owner=DISTRICT, target={"categories": ["dibao"]}, unit_value="500.00"), h, today)
        == []
    )
    goods = make_plan(owner=DISTRICT, aid_kind="goods", unit_value="600.00", item="米面油")
    assert codes(problems(goods, h, today)) == ["over_annual_amount"]
    service = make_plan(owner=DISTRICT, aid_kind="service", unit_value="5000.00", hours="20", item="居家照护")
    assert problems(service, h, today) == []


def test_paid_case_aid_and_project_aid_count_together(today, cast, cn_plan):
    h = factories.household(STREET, category="dibao")
    case_paid(cast, h, "40000.00")
    assert AidRecord.objects.filter(household=h, form="case").count() == 1
    project_aid(h, "39500.00")
    project_aid(h, "9000.00", kind="service", hours=Decimal("30"))  # a service: no amount
    found = problems(cn_plan, h, today)
    assert codes(found) == ["over_annual_amount"] and "79,500.00 元" in found[0].message


def test_a_reversed_delivery_and_last_years_aid_count_for_nothing(today, cn_plan):
    h = factories.household(STREET, category="dibao")
    wrong = project_aid(h, "60000.00")
    reversal_row(wrong, transaction_id=None, day=date(2026, 2, 3)).save()
    project_aid(h, "70000.00", day=date(2025, 12, 30))
    project_aid(h, "78000.00")
    assert problems(cn_plan, h, today) == []
    project_aid(h, "1500.00")
    assert "79,500.00 元" in problems(cn_plan, h, today)[0].message


def test_the_events_cap_counts_a_project_only_when_its_forms_say_so(today, cast, changning_in_force):
    """changning's two events count case aid only: two cases leave a project open."""
    h = factories.household(STREET, category="dibao")
    case_approved(cast, h, "100.00")
    case_approved(cast, h, "100.00", day=date(2026, 4, 1))
    plan = make_plan(owner=DISTRICT, target={"categories": ["dibao"]})
    assert problems(plan, h, today) == []


def test_the_events_cap_when_a_version_counts_projects(cast, today):
    changning_version(
        cast, code="changning-2026", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
        values=(("annual.max_events.forms", "case,project"),),
    )  # fmt: skip
    h = factories.household(STREET, category="dibao")
    plan = make_plan(owner=DISTRICT, target={"categories": ["dibao"]})
    case_approved(cast, h, "100.00")
    assert problems(plan, h, today) == []
    project_aid(h, "100.00", kind="service", hours=Decimal("2"))  # a service is an event
    found = problems(plan, h, today)
    assert codes(found) == ["over_annual_events"]
    assert "2 次" in found[0].message and "长民发〔2016〕31号 三(四)" in found[0].message


def test_a_foundation_plan_reads_each_households_district(today, changning_in_force):
    plan = make_plan(target={"categories": ["dibao"]})
    cn = factories.household(STREET, category="dibao")
    hp = factories.household("310101002", category="dibao")
    assert bulk_problems(plan, [cn.pk, hp.pk], today) == {hp.pk: problems(plan, hp, today)}
    assert codes(problems(plan, hp, today)) == ["no_policy_in_force"]
    assert "黄浦区" in problems(plan, hp, today)[0].message


def test_the_bulk_check_reads_a_bounded_number_of_queries(today, cast, cn_plan):
    def count(n: int) -> tuple[int, set, int]:
        households = [factories.household(STREET, category="dibao") for _ in range(n)]
        project_aid(households[0], "79500.00")
        Enrolment.objects.create(project=cn_plan, household=households[1], via=EnrolmentVia.ONE)
        ids = [h.pk for h in households] + [factories.household(STREET, category="low_income").pk]
        with CaptureQueriesContext(connection) as queries:
            found = bulk_problems(cn_plan, ids, today)
        return len(queries), {codes(v)[0] for v in found.values()}, len(found)

    few, reasons, n_found = count(3)
    many, _, n_many = count(40)
    assert few == many and few <= 12
    assert reasons == {"over_annual_amount", "already_enrolled", "not_in_target"} and n_found == n_many == 3
    # A queryset of ids is read as a subquery: the same answers.
    fine = factories.household(STREET, category="dibao")
    other = factories.household(STREET, category="low_income")
    both = Household.objects.filter(pk__in=[fine.pk, other.pk]).values("pk")
    assert codes(bulk_problems(cn_plan, both, today)[other.pk]) == ["not_in_target"]
    assert fine.pk not in bulk_problems(cn_plan, both, today)
    assert bulk_problems(cn_plan, Household.objects.none(), today) == {}
