"""The annual caps (长民发〔2016〕31号 三(四): 全年累计帮扶资金不超过8万元) across a batch's life: the
items waiting in open batches count as promised aid, the re-check at preparation is on the batch's
day, and approval and delivery refuse a household that aid given since would take over the cap."""

from datetime import date
from decimal import Decimal

import pytest

from bangfu.aid.models import AidRecord
from bangfu.cases.models import Case, CaseState
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.projects import batches
from bangfu.projects.eligibility import problems
from bangfu.projects.models import BatchItem, BatchState, Enrolment, EnrolmentState, EnrolmentVia, ItemState
from tests.cases import factories
from tests.projects.conftest import DISTRICT, STREET, as_, changning_version, make_plan

pytestmark = pytest.mark.django_db

DUE = date(2026, 6, 30)


def enrolled(plan, h) -> Enrolment:
    return Enrolment.objects.create(
        project=plan, household=h, via=EnrolmentVia.ONE, state=EnrolmentState.ENROLLED
    )


def plan_of(district_money, value: str):
    return make_plan(owner=DISTRICT, fund_source=district_money, unit_value=value, budget="200000.00")


def test_two_plans_batches_in_the_same_year_are_caught_at_preparation(
    cast, today, changning_in_force, district_money
):
    h = factories.household(STREET, category="dibao")
    first, second = plan_of(district_money, "50000.00"), plan_of(district_money, "40000.00")
    enrolled(first, h)
    e = enrolled(second, h)
    batches.prepare(actor=as_(cast.district_cn), project=first, due_date=DUE)
    # The first plan's 50,000 waits in an open batch: the second plan's 40,000 would cross 80,000.
    found = problems(second, h, today, enrolling=False)
    assert [p.code for p in found] == ["over_annual_amount"] and "50,000.00 元" in found[0].message
    with pytest.raises(Refused) as refused:
        batches.prepare(actor=as_(cast.district_cn), project=second, due_date=DUE)
    assert refused.value.code == "nothing_to_prepare"
    e.refresh_from_db()
    assert e.state == EnrolmentState.NOT_ELIGIBLE and "80,000.00 元" in e.reason


def test_the_recheck_at_preparation_is_on_the_batchs_day(cast, today, changning_in_force, district_money):
    changning_version(cast, code="changning-2027", valid_from=date(2027, 1, 1), valid_to=date(2027, 12, 31))
    h = factories.household(STREET, category="dibao")
    AidRecord.objects.create(
        household=h, form="project", kind="goods", value=Decimal("79500.00"), date=date(2026, 2, 1),
        organisation=Organisation.objects.get(code=STREET),
    )  # fmt: skip
    plan = make_plan(
        owner=DISTRICT,
        fund_source=district_money,
        unit_value="1000.00",
        period=(date(2026, 1, 1), date(2027, 12, 31)),
    )
    e = enrolled(plan, h)
    # Due in January 2027: the 79,500 of 2026 do not count in 2027's 80,000.
    b = batches.prepare(actor=as_(cast.district_cn), project=plan, due_date=date(2027, 1, 5))
    e.refresh_from_db()
    assert e.state == EnrolmentState.ENROLLED
    assert list(BatchItem.objects.filter(batch=b).values_list("household_id", flat=True)) == [h.pk]


def test_aid_promised_after_preparation_is_caught_at_approval_and_delivery(
    cast, today, changning_in_force, district_money
):
    plan = plan_of(district_money, "50000.00")
    h, other = factories.household(STREET, category="dibao"), factories.household(STREET, category="dibao")
    enrolled(plan, h)
    enrolled(plan, other)
    b = batches.prepare(actor=as_(cast.district_cn), project=plan, due_date=DUE)
    # A case of 40,000 approved after the batch was prepared: 50,000 more would cross 80,000.
    case = factories.approve(factories.case(cast.intake_a, h, application_date=date(2026, 6, 1)), "40000.00")
    with pytest.raises(Refused) as refused:
        batches.approve(actor=as_(cast.finance_cn), batch=b)
    assert refused.value.code == "over_annual_cap" and h.file_number in refused.value.message
    assert "90,000.00" not in refused.value.message and "40,000.00 元" in refused.value.message
    # Approved before the case: the delivery refuses it, unless its item is named undelivered.
    Case.objects.filter(pk=case.pk).update(state=CaseState.REJECTED)
    batches.approve(actor=as_(cast.finance_cn), batch=b)
    Case.objects.filter(pk=case.pk).update(state=CaseState.APPROVED)
    with pytest.raises(Refused) as refused:
        batches.deliver(actor=as_(cast.district_cn), batch=b, day=today)
    assert refused.value.code == "over_annual_cap"
    b.refresh_from_db()
    assert (
        b.state == BatchState.APPROVED and not AidRecord.objects.filter(household=h, form="project").exists()
    )
    item = BatchItem.objects.get(batch=b, household=h)
    batches.deliver(
        actor=as_(cast.district_cn), batch=b, day=today, undelivered={item.pk: "超过全年累计帮扶上限"}
    )
    item.refresh_from_db()
    assert item.state == ItemState.UNDELIVERED
    assert BatchItem.objects.get(batch=b, household=other).state == ItemState.DELIVERED
