"""A plan as far as delivery, made as rows (the enrolment and batch procedures are tested on their
own): households enrolled, batches approved by a second person and delivered, their items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
from tests.cases import factories

from .conftest import STREET


@dataclass(frozen=True)
class Lot:
    """One batch: how many items are delivered, how many not, when due and when delivered."""

    delivered: int
    due: date
    delivered_on: date | None
    undelivered: int = 0


def deliver(project: Project, lots: list[Lot], *, preparer, approver, value: str = "1000.00") -> list[Batch]:
    out = []
    for number, lot in enumerate(lots, start=1):
        batch = Batch.objects.create(
            project=project, number=number, due_date=lot.due, prepared_by=preparer, approved_by=approver,
            state=BatchState.DELIVERED if lot.delivered_on else BatchState.APPROVED,
            item_count=lot.delivered + lot.undelivered,
            total=Decimal(value) * (lot.delivered + lot.undelivered),
            delivered_on=lot.delivered_on, delivered_by=approver if lot.delivered_on else None,
        )  # fmt: skip
        for k in range(lot.delivered + lot.undelivered):
            h = factories.household(STREET)
            person = h.members.first()
            enrolment = Enrolment.objects.create(
                project=project, household=h, person=person, via=EnrolmentVia.ONE
            )
            done = k < lot.delivered and lot.delivered_on is not None
            BatchItem.objects.create(
                batch=batch, project=project, enrolment=enrolment, household=h, person=person,
                kind=project.aid_kind, value=Decimal(value),
                state=ItemState.DELIVERED if done else ItemState.UNDELIVERED,
                delivered_on=lot.delivered_on if done else None, note="" if done else "联系不上",
            )  # fmt: skip
        out.append(batch)
    return out


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
