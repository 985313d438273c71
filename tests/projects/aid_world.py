"""A world of delivered project aid, for the pages that show it beside the other aid (the
household file, the monthly report, the dashboards). The plans, enrolments, batches and items
are rows made directly (each part of the procedure has its own tests); every delivered item is
an aid record made by `aid.builders.project_items_delivered`, its money posted by `funds.aid_pay`.

    lottery_plan  困难家庭助学金, the foundation's, city lottery money (彩票公益金资助), money ¥1,000;
                  batch 1, 10 June 2026: h1 delivered, h2 not delivered (联系不上), h3 delivered,
                  h4 delivered — one ledger transaction of ¥3,000 at the foundation
    goods_plan    长宁区节日慰问, 长宁区's, its fiscal matching money, goods (米油) at ¥300;
                  batch 1, 12 June 2026: h1 and h3 delivered
    service_plan  长宁区居家照护, 长宁区's, its fiscal matching money, a service (居家照护), 4 hours
                  valued ¥200; batch 1, 20 May 2026: h1 delivered (then paused);
                  batch 2, 5 June 2026: h2 delivered

h1 and h2 are of 华阳路街道, h3 of 江苏路街道 (both 长宁区), h4 of 黄浦区 南京东路街道.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from bangfu.aid.builders import project_items_delivered
from bangfu.aid.models import AidRecord
from bangfu.funds import services as funds
from bangfu.orgs.models import Organisation
from bangfu.projects.models import Batch, BatchItem, BatchState, Enrolment, ItemState, Project
from bangfu.registry.models import Household
from tests.cases import factories

from .conftest import DISTRICT, FOUNDATION, OTHER_STREET, STREET, as_, key, make_plan

HUANGPU_STREET = "310101002"  # 黄浦区 南京东路街道


@dataclass
class World:
    lottery_plan: Project  # first
    goods_plan: Project  # goods
    service_plan: Project  # service
    h1: Household
    h2: Household
    h3: Household
    h4: Household


def _titled(plan: Project, title: str) -> Project:
    plan.title = title
    plan.save(update_fields=["title"])
    return plan


def batch_of(plan: Project, number: int, day: date, cast, txn=None) -> Batch:
    return Batch.objects.create(
        project=plan, number=number, state=BatchState.DELIVERED, due_date=day, prepared_by=cast.foundation,
        approved_by=cast.foundation2, delivered_by=cast.foundation, delivered_on=day, ledger_transaction=txn,
    )  # fmt: skip


def item_in(batch: Batch, household: Household, *, state=ItemState.DELIVERED, note="") -> BatchItem:
    plan = batch.project
    enrolment, _ = Enrolment.objects.get_or_create(project=plan, household=household, defaults={"via": "one"})
    return BatchItem.objects.create(
        batch=batch, project=plan, enrolment=enrolment, household=household, person=household.members.first(),
        kind=plan.aid_kind, value=plan.unit_value, hours=plan.hours, state=state, note=note,
        delivered_on=batch.delivered_on if state == ItemState.DELIVERED else None,
    )  # fmt: skip


def record_of(item: BatchItem, txn=None):
    plan = item.project
    project_items_delivered(
        BatchItem.objects.filter(pk=item.pk), transaction_id=txn.pk if txn else None,
        fund_source_id=plan.fund_source_id,
    )  # fmt: skip
    return AidRecord.objects.get(project_item=item)


@pytest.fixture(name="delivered")
def delivered_fixture(today, cast, lottery, district_money) -> World:
    h1, h2 = factories.household(STREET, category="dibao"), factories.household(STREET)
    h3, h4 = factories.household(OTHER_STREET), factories.household(HUANGPU_STREET)
    first = _titled(make_plan(owner=FOUNDATION, fund_source=lottery, unit_value="1000.00"), "困难家庭助学金")
    goods = _titled(
        make_plan(
            owner=DISTRICT, fund_source=district_money, aid_kind="goods", unit_value="300.00", item="米油"
        ),
        "长宁区节日慰问",
    )
    service = _titled(
        make_plan(owner=DISTRICT, fund_source=district_money, aid_kind="service", unit_value="200.00",
                  hours="4.00", item="居家照护"),
        "长宁区居家照护",
    )  # fmt: skip

    txn = funds.aid_pay(
        actor=as_(cast.foundation_fin), org=Organisation.objects.get(code=FOUNDATION), source=lottery,
        amount="3000.00", day=date(2026, 6, 10), memo="困难家庭助学金第1批", idempotency_key=key(), project=first,
    )  # fmt: skip
    b = batch_of(first, 1, date(2026, 6, 10), cast, txn)
    for h in (h1, h3, h4):
        record_of(item_in(b, h), txn)
    item_in(b, h2, state=ItemState.UNDELIVERED, note="联系不上")

    b = batch_of(goods, 1, date(2026, 6, 12), cast)
    for h in (h1, h3):
        record_of(item_in(b, h))

    record_of(item_in(batch_of(service, 1, date(2026, 5, 20), cast), h1))
    record_of(item_in(batch_of(service, 2, date(2026, 6, 5), cast), h2))
    # h1 paused in service after its delivery.
    Enrolment.objects.filter(project=service, household=h1).update(state="paused", reason="住院期间暂停服务")
    return World(first, goods, service, h1, h2, h3, h4)
