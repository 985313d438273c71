"""A plan's performance indicators 绩效指标 (SPEC §4; 沪民救发〔2025〕1号 四(一) 绩效评价, 四(三)
加强绩效管理): the defaults every plan starts with, and their targets and weights, set while the
plan may still change (draft or returned) and frozen with it at filing.

The five measures with a `source` are computed by the platform (`projects.evaluation`); the
others are entered by hand with their evidence. The targets of households reached and amount
delivered are the plan's own figures (target households, budget) and follow them while the
plan is drafted, until someone sets them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.refusal import Refused

from .models import Dimension, Indicator, Project


@dataclass(frozen=True)
class Default:
    dimension: str
    name: str
    source: str  # the measure's code, "" when entered by hand
    unit: str
    target: Decimal | None  # None: the plan's own figure (`follows`)
    follows: str = ""  # the plan's field the target is taken from


DEFAULT_INDICATORS: tuple[Default, ...] = (
    Default(Dimension.DECISION, "立项依据充分、绩效目标明确", "", "分", Decimal("100")),
    Default(Dimension.PROCESS, "预算执行率", "budget_execution", "%", Decimal("95")),
    Default(Dimension.PROCESS, "组织实施规范", "", "分", Decimal("100")),
    Default(Dimension.OUTPUT, "受益户数", "households_reached", "户", None, "target_households"),
    Default(Dimension.OUTPUT, "发放金额", "amount_delivered", "元", None, "budget"),
    Default(Dimension.OUTPUT, "按时发放批次比例", "batches_on_time", "%", Decimal("100")),
    Default(Dimension.OUTPUT, "核查确认收到比例", "verified_received", "%", Decimal("95")),
    Default(Dimension.BENEFIT, "受助家庭困难缓解率", "", "%", Decimal("90")),
    Default(Dimension.SATISFACTION, "受助家庭满意度", "", "%", Decimal("90")),
)

# The measures whose target is one of the plan's figures.
FOLLOWING = {d.source: d.follows for d in DEFAULT_INDICATORS if d.follows}

register_actions({"project.indicators": "修改绩效指标"})


def default_indicators(project: Project) -> list[Indicator]:
    """The plan's default indicators, unsaved."""
    return [
        Indicator(
            project=project,
            dimension=d.dimension,
            name=d.name,
            source=d.source,
            unit=d.unit,
            target=Decimal(getattr(project, d.follows) or 0) if d.follows else d.target,
        )
        for d in DEFAULT_INDICATORS
    ]


def follow_plan_figures(project: Project, before: dict) -> None:
    """After the plan's target households or budget changed: the indicators whose target was
    the old figure take the new one (a target set apart by hand stays)."""
    for source, field in FOLLOWING.items():
        old, new = Decimal(before.get(field) or 0), Decimal(getattr(project, field) or 0)
        if old != new:
            project.indicators.filter(source=source, target=old).update(target=new)


def weights_problem(weights: dict) -> str | None:
    """Why the five dimensions' weights cannot stand, or None: each a whole number from 0 to
    100, together 100."""
    total = 0
    for dim in Dimension:
        value = weights.get(str(dim))
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            return f"“{dim.label}”的权重须为0至100之间的整数。"
        total += value
    if total != 100:
        return f"五个维度的权重合计须为100，现为{total}。"
    return None


def _decimal(value, label: str, *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise Refused(f"{label}须为数字。", code="invalid_input") from None
    if number < 0 or (positive and number == 0) or number >= Decimal("1e12"):
        raise Refused(f"{label}须{'大于' if positive else '不小于'}零。", code="invalid_input")
    return number


@transaction.atomic
def indicators_update(
    *,
    actor: Actor,
    project: Project,
    weights: dict,
    targets: dict[int, object],
    indicator_weights: dict[int, object] | None = None,
) -> Project:
    """Set the five dimensions' weights (together 100) and the indicators' targets and weights,
    while the plan may change (its owner's staff only: `filing.may_edit`)."""
    from .filing import edit_refusal

    locked = Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project.pk)
    if refusal := edit_refusal(actor.user, locked):
        raise refusal
    weights = {str(k): v for k, v in weights.items()}
    if problem := weights_problem(weights):
        raise Refused(problem, code="invalid_input", field="weights")
    indicators = {i.pk: i for i in locked.indicators.all()}
    before = {
        "weights": locked.weights,
        "targets": {str(pk): str(i.target) for pk, i in indicators.items()},
    }
    for pk, value in targets.items():
        indicator = indicators.get(int(pk))
        if indicator is None:
            raise Refused("指标不属于该项目。", code="invalid_input")
        indicator.target = _decimal(value, f"“{indicator.name}”的目标值")
    for pk, value in (indicator_weights or {}).items():
        indicator = indicators.get(int(pk))
        if indicator is None:
            raise Refused("指标不属于该项目。", code="invalid_input")
        indicator.weight = _decimal(value, f"“{indicator.name}”的指标权重", positive=True)
    Indicator.objects.bulk_update(indicators.values(), ["target", "weight"])
    locked.weights = {str(d): weights[str(d)] for d in Dimension}
    locked.save(update_fields=["weights", "updated_at"])
    audit_record(
        actor=actor,
        action="project.indicators",
        target=locked,
        org=locked.owner,
        before=before,
        after={
            "weights": locked.weights,
            "targets": {str(pk): str(i.target) for pk, i in indicators.items()},
        },
    )
    return locked


def by_dimension(project: Project) -> list[dict]:
    """The indicators grouped by dimension, in the framework's order, with the dimension's weight."""
    weights = project.weights or {}
    rows = list(project.indicators.all())
    return [
        {
            "dimension": dim,
            "label": dim.label,
            "weight": weights.get(str(dim), 0),
            "indicators": [i for i in rows if i.dimension == dim],
        }
        for dim in Dimension
    ]
