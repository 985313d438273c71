"""Plans as far as delivery, made as rows (the enrolment and batch procedures are tested on their
own): households enrolled, batches approved by a second person and delivered, their items; and
the plans' indicators.

`batch_of`, `item_in`, `record_of` make one batch, one item, one aid record; `deliver` makes a
plan's batches from `Lot`s, each item for a household of its own (for verification, evaluation
and the audit page, which count items); the `delivered` fixture is a world of named households
whose delivered items are aid records (`aid.builders.project_items_delivered`), their money posted by
`funds.aid_pay` (for the pages that show project aid beside the other aid: the household file,
the monthly report, the dashboards):

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

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from bangfu.aid.builders import project_items_delivered
from bangfu.aid.models import AidRecord
from bangfu.funds import services as funds
from bangfu.orgs.models import Organisation
from bangfu.projects.models import (
    Batch,
    BatchItem,
    BatchState,
    Dimension,
    Enrolment,
    EnrolmentVia,
    Indicator,
    ItemState,
    Project,
)
from bangfu.registry.models import Household
from tests.cases import factories

from .conftest import DISTRICT, FOUNDATION, OTHER_STREET, STREET, as_, key, make_plan

HUANGPU_STREET = "310101002"  # 黄浦区 南京东路街道


# --- rows ----------------------------------------------------------------------------------------


def batch_of(
    plan: Project, number: int, day: date | None, *, preparer, approver, txn=None, due: date | None = None
) -> Batch:
    """Batch `number` of the plan, prepared by one and approved by another; delivered on `day`
    (by the approver), or still approved when `day` is None."""
    return Batch.objects.create(
        project=plan, number=number, due_date=due or day, prepared_by=preparer, approved_by=approver,
        state=BatchState.DELIVERED if day else BatchState.APPROVED, delivered_on=day,
        delivered_by=approver if day else None, ledger_transaction=txn,
    )  # fmt: skip


def item_in(
    batch: Batch, household: Household, *, state=ItemState.DELIVERED, note="", value=None
) -> BatchItem:
    """The household's item in the batch (enrolled in the plan if it is not yet), at the plan's
    unit value unless `value` says otherwise."""
    plan = batch.project
    enrolment, _ = Enrolment.objects.get_or_create(
        project=plan, household=household, defaults={"via": EnrolmentVia.ONE, "person": household.members.first()}
    )  # fmt: skip
    return BatchItem.objects.create(
        batch=batch, project=plan, enrolment=enrolment, household=household, person=household.members.first(),
        kind=plan.aid_kind, value=plan.unit_value if value is None else Decimal(value), hours=plan.hours,
        state=state, note=note, delivered_on=batch.delivered_on if state == ItemState.DELIVERED else None,
    )  # fmt: skip


def record_of(item: BatchItem, txn=None):
    """The item's aid record, as the delivery writes it."""
    project_items_delivered(
        BatchItem.objects.filter(pk=item.pk), transaction_id=txn.pk if txn else None,
        fund_source_id=item.project.fund_source_id,
    )  # fmt: skip
    return AidRecord.objects.get(project_item=item)


# --- a plan's batches, by lots -------------------------------------------------------------------


@dataclass(frozen=True)
class Lot:
    """One batch: how many items are delivered, how many not, when due and when delivered."""

    delivered: int
    due: date
    delivered_on: date | None
    undelivered: int = 0


def deliver(project: Project, lots: list[Lot], *, preparer, approver, value: str = "1000.00") -> list[Batch]:
    """The plan's batches, numbered from 1, one per lot; each item for a new household of 长宁区
    华阳路街道 (an approved batch's items are all undelivered: 联系不上)."""
    out = []
    for number, lot in enumerate(lots, start=1):
        batch = batch_of(project, number, lot.delivered_on, preparer=preparer, approver=approver, due=lot.due)
        n = lot.delivered + lot.undelivered
        batch.item_count, batch.total = n, Decimal(value) * n
        batch.save(update_fields=["item_count", "total"])
        for k in range(n):
            done = k < lot.delivered and lot.delivered_on is not None
            item_in(
                batch, factories.household(STREET), value=value,
                state=ItemState.DELIVERED if done else ItemState.UNDELIVERED, note="" if done else "联系不上",
            )  # fmt: skip
        out.append(batch)
    return out


# --- indicators ----------------------------------------------------------------------------------


def indicator(
    project: Project, dimension: str, name: str, target, *, source="", unit="", weight=1, actual=None
):
    return Indicator.objects.create(
        project=project, dimension=dimension, name=name, source=source, unit=unit, target=Decimal(str(target)),
        weight=Decimal(str(weight)), actual=None if actual is None else Decimal(str(actual)),
        evidence="问卷调查汇总表" if actual is not None else "",
    )  # fmt: skip


def default_indicators(project: Project) -> dict[str, Indicator]:
    """The contract's default indicators (measures and the four entered by hand), by a short key."""
    return {
        "decision": indicator(project, Dimension.DECISION, "立项依据充分、绩效目标明确", 100, unit="分"),
        "budget_execution": indicator(project, Dimension.PROCESS, "预算执行率", 95, source="budget_execution", unit="%"),
        "organisation": indicator(project, Dimension.PROCESS, "组织实施规范", 100, unit="分"),
        "households_reached": indicator(
            project, Dimension.OUTPUT, "受益户数", project.target_households, source="households_reached", unit="户"
        ),
        "amount_delivered": indicator(
            project, Dimension.OUTPUT, "发放金额", project.budget, source="amount_delivered", unit="元"
        ),
        "batches_on_time": indicator(project, Dimension.OUTPUT, "按时发放率", 100, source="batches_on_time", unit="%"),
        "verified_received": indicator(
            project, Dimension.OUTPUT, "核查确认收到率", 95, source="verified_received", unit="%"
        ),
        "relief": indicator(project, Dimension.BENEFIT, "受助家庭困难缓解率", 90, unit="%"),
        "satisfaction": indicator(project, Dimension.SATISFACTION, "受助家庭满意度", 90, unit="%"),
    }  # fmt: skip


# --- the delivered world -------------------------------------------------------------------------


@dataclass
class World:
    lottery_plan: Project  # first
    goods_plan: Project  # goods
    service_plan: Project  # service
    h1: Household
    h2: Household
    h3: Household
    h4: Household


def world_batch(plan: Project, number: int, day: date, cast, txn=None) -> Batch:
    """A delivered batch of the world: prepared by `foundation`, approved by `foundation2`."""
    return batch_of(plan, number, day, preparer=cast.foundation, approver=cast.foundation2, txn=txn)


def _titled(plan: Project, title: str) -> Project:
    plan.title = title
    plan.save(update_fields=["title"])
    return plan


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
    b = world_batch(first, 1, date(2026, 6, 10), cast, txn)
    for h in (h1, h3, h4):
        record_of(item_in(b, h), txn)
    item_in(b, h2, state=ItemState.UNDELIVERED, note="联系不上")

    b = world_batch(goods, 1, date(2026, 6, 12), cast)
    for h in (h1, h3):
        record_of(item_in(b, h))

    record_of(item_in(world_batch(service, 1, date(2026, 5, 20), cast), h1))
    record_of(item_in(world_batch(service, 2, date(2026, 6, 5), cast), h2))
    # h1 paused in service after its delivery.
    Enrolment.objects.filter(project=service, household=h1).update(state="paused", reason="住院期间暂停服务")
    return World(first, goods, service, h1, h2, h3, h4)
