"""Performance evaluation 绩效评价 (SPEC §4; 沪民救发〔2025〕1号 四(一), 四(三) 加强绩效管理).

Each indicator has a target (set at filing), a weight within its dimension, and an actual value:
computed by the platform where its `source` names a measure (`MEASURES`), entered by hand with
evidence where it cannot be.

    achievement   = min(actual / target, 1), never below 0;
                    a target of 0 asks for nothing: any actual value achieves it in full
    share         = indicator weight / the weights of its dimension's indicators
    points        = dimension weight × share × achievement
    score         = Σ points, rounded once to 2 places (ROUND_HALF_UP), out of the plan's
                    dimension weights (决策10 过程10 产出40 效益30 满意度10 unless edited)
    grade         = 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60 (of the rounded score)

An indicator without an actual value — a hand-entered one not yet entered, or a measure with
nothing to measure yet (no batch delivered, no check done, no budget) — achieves 0 and is listed
as missing. The points shown per indicator are rounded for reading; the score adds them unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.dates import cn_datetime
from bangfu.core.refusal import Refused

from . import selectors, verification
from .models import (
    DEFAULT_WEIGHTS,
    Batch,
    BatchItem,
    BatchState,
    Check,
    CheckResult,
    Dimension,
    Evaluation,
    Grade,
    Indicator,
    ItemState,
    PlanState,
    Project,
)

ENTER = "project.indicator.enter"
EVALUATE = "project.evaluate"
register_actions({ENTER: "填报绩效指标", EVALUATE: "绩效评价"})

CENT = Decimal("0.01")
ONE = Decimal(1)
ZERO = Decimal(0)
HUNDRED = Decimal(100)

# The measures the platform computes (Indicator.source), with their unit.
MEASURES = {
    "households_reached": ("受益户数", "户"),
    "amount_delivered": ("发放金额", "元"),
    "budget_execution": ("预算执行率", "%"),
    "batches_on_time": ("按时发放批次比例", "%"),
    "verified_received": ("核查确认收到比例", "%"),
}

# (lowest score, grade), highest first.
GRADES = ((Decimal(90), Grade.EXCELLENT), (Decimal(80), Grade.GOOD), (Decimal(60), Grade.FAIR))

# Plans that have something to evaluate: filed (under way) or closed.
EVALUABLE_STATES = (PlanState.FILED, PlanState.CLOSED)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * HUNDRED / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def measures(project: Project) -> dict[str, Decimal | None]:
    """Every measure of `MEASURES` from the plan's data; None where there is nothing to measure."""
    delivered = BatchItem.objects.filter(project=project, state=ItemState.DELIVERED).aggregate(
        households=Count("household", distinct=True), amount=Sum("value")
    )
    amount = (delivered["amount"] or ZERO).quantize(CENT)
    batches = Batch.objects.filter(project=project, state=BatchState.DELIVERED).aggregate(
        n=Count("id"), on_time=Count("id", filter=Q(delivered_on__lte=F("due_date")))
    )
    checks = Check.objects.filter(verification__project=project).aggregate(
        done=Count("id", filter=~Q(result=CheckResult.PENDING)),
        received=Count("id", filter=Q(result=CheckResult.RECEIVED)),
    )
    return {
        "households_reached": Decimal(delivered["households"]),
        "amount_delivered": amount,
        "budget_execution": _percent(amount, project.budget) if project.budget else None,
        "batches_on_time": _percent(Decimal(batches["on_time"]), Decimal(batches["n"]))
        if batches["n"]
        else None,
        "verified_received": verification.received_share(checks["received"], checks["done"]),
    }


def grade_of(score: Decimal) -> str:
    for lowest, grade in GRADES:
        if score >= lowest:
            return grade
    return Grade.POOR


def achievement(actual: Decimal | None, target: Decimal) -> Decimal:
    if actual is None:
        return ZERO
    if target <= 0:
        return ONE
    return max(ZERO, min(actual / target, ONE))


@dataclass
class Line:
    """One indicator as scored."""

    indicator_id: int
    dimension: str
    dimension_label: str
    name: str
    unit: str
    source: str
    target: Decimal
    weight: Decimal
    actual: Decimal | None
    achievement: Decimal
    share: Decimal  # of its dimension, 0–1
    points: Decimal  # unrounded
    evidence: str = ""

    @property
    def computed(self) -> bool:
        return bool(self.source)

    @property
    def missing(self) -> bool:
        return self.actual is None

    @property
    def points_shown(self) -> Decimal:
        return self.points.quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def achievement_percent(self) -> Decimal:
        return (self.achievement * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class DimensionScore:
    code: str
    label: str
    weight: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((line.points for line in self.lines), ZERO)

    @property
    def points_shown(self) -> Decimal:
        return self.points.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Scored:
    score: Decimal
    grade: str
    dimensions: list[DimensionScore]
    measures: dict[str, Decimal | None]

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label

    @property
    def lines(self) -> list[Line]:
        return [line for d in self.dimensions for line in d.lines]

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.lines if line.missing]


def weights_of(project: Project) -> dict[str, Decimal]:
    stored = project.weights or {}
    return {
        str(code): Decimal(str(stored.get(str(code), default))) for code, default in DEFAULT_WEIGHTS.items()
    }


def scored(project: Project, *, indicators: list[Indicator] | None = None) -> Scored:
    """The plan's score now: its indicators with the measures computed from its data."""
    computed = measures(project)
    weights = weights_of(project)
    indicators = list(project.indicators.order_by("id")) if indicators is None else indicators
    dimensions = []
    for code, weight in weights.items():
        mine = [i for i in indicators if i.dimension == code]
        total = sum((i.weight for i in mine), ZERO)
        dim = DimensionScore(code=code, label=Dimension(code).label, weight=weight)
        for i in mine:
            actual = computed.get(i.source) if i.source else i.actual
            reached = achievement(actual, i.target)
            share = i.weight / total if total > 0 else ZERO
            dim.lines.append(
                Line(
                    indicator_id=i.pk, dimension=code, dimension_label=dim.label, name=i.name, unit=i.unit,
                    source=i.source, target=i.target, weight=i.weight, actual=actual, achievement=reached,
                    share=share, points=weight * share * reached, evidence=i.evidence,
                )
            )  # fmt: skip
        dimensions.append(dim)
    score = sum((d.points for d in dimensions), ZERO).quantize(CENT, rounding=ROUND_HALF_UP)
    return Scored(score=score, grade=grade_of(score), dimensions=dimensions, measures=computed)


def _authorise(actor: Actor, project: Project) -> None:
    selectors.authorise(actor, "projects.evaluate", project, f"您无权对项目 {project.code} 进行绩效评价。")


def _evaluable(project: Project) -> None:
    if project.state not in EVALUABLE_STATES:
        raise Refused(
            f"项目 {project.code} {project.get_state_display()}，备案（或批准）后方可进行绩效评价。",
            code="invalid_state",
        )


@transaction.atomic
def enter_actual(*, actor: Actor, indicator: Indicator, actual, evidence: str) -> Indicator:
    """The actual value of a hand-entered indicator, with the evidence it rests on."""
    indicator = Indicator.objects.select_for_update().select_related("project__owner").get(pk=indicator.pk)
    project = indicator.project
    _authorise(actor, project)
    _evaluable(project)
    if indicator.source:
        raise Refused(f"指标“{indicator.name}”由平台根据发放和核查数据计算，不能手工填报。", code="computed")
    try:
        value = Decimal(str(actual).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise Refused("实际值须为数字。", code="invalid_input", field="actual") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise Refused("实际值须为不小于零的数字。", code="invalid_input", field="actual")
    evidence = (evidence or "").strip()
    if not evidence:
        raise Refused("请填写佐证说明（实际值的依据和材料）。", code="invalid_input", field="evidence")
    before = {
        "actual": str(indicator.actual) if indicator.actual is not None else None,
        "evidence": indicator.evidence,
    }
    indicator.actual, indicator.evidence = value, evidence
    indicator.entered_by, indicator.entered_at = actor.user, timezone.now()
    indicator.save(update_fields=["actual", "evidence", "entered_by", "entered_at"])
    audit_record(
        actor=actor, action=ENTER, target=indicator, org=project.owner, before=before,
        after={"project": project.code, "actual": str(value), "evidence": evidence},
    )  # fmt: skip
    return indicator


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def details_of(result: Scored) -> dict:
    """What an evaluation keeps: every indicator's target, actual, achievement and points."""
    return {
        "score": str(result.score),
        "grade": result.grade,
        "measures": {k: _text(v) for k, v in result.measures.items()},
        "dimensions": [
            {
                "code": d.code, "label": d.label, "weight": str(d.weight), "points": str(d.points_shown),
                "indicators": [
                    {
                        "id": line.indicator_id, "name": line.name, "unit": line.unit, "source": line.source,
                        "target": str(line.target), "weight": str(line.weight), "actual": _text(line.actual),
                        "achievement": str(line.achievement_percent), "points": str(line.points_shown),
                        "missing": line.missing, "evidence": line.evidence,
                    }
                    for line in d.lines
                ],
            }
            for d in result.dimensions
        ],
        "missing": [line.name for line in result.missing],
    }  # fmt: skip


@transaction.atomic
def evaluate(*, actor: Actor, project: Project, conclusion: str = "") -> Evaluation:
    """Score the plan now and keep it: the score, the grade and every indicator as scored."""
    project = Project.objects.select_for_update().select_related("owner").get(pk=project.pk)
    _authorise(actor, project)
    _evaluable(project)
    indicators = list(project.indicators.order_by("id"))
    if not indicators:
        raise Refused(f"项目 {project.code} 尚无绩效指标，无法评价。", code="no_indicators")
    conclusion = (conclusion or "").strip()
    if len(conclusion) > 2000:
        raise Refused("评价结论不能超过2000个字。", code="invalid_input", field="conclusion")
    result = scored(project, indicators=indicators)
    details = details_of(result)
    # The form sent twice: nothing changed since the last evaluation, so nothing new is kept.
    last = project.evaluations.order_by("-evaluated_at", "-id").first()
    if last is not None and (last.score, last.grade, last.details, last.conclusion) == (
        result.score, result.grade, details, conclusion,
    ):  # fmt: skip
        raise Refused(
            f"评价结果与{cn_datetime(last.evaluated_at)}的评价相同（{last.score}分），未重复保存。",
            code="unchanged", status=409,
        )  # fmt: skip
    evaluation = Evaluation.objects.create(
        project=project, score=result.score, grade=result.grade, details=details,
        conclusion=conclusion, evaluated_by=actor.user,
    )  # fmt: skip
    audit_record(
        actor=actor, action=EVALUATE, target=evaluation, org=project.owner,
        after={"project": project.code, "score": str(result.score), "grade": result.grade,
               "missing": [line.name for line in result.missing]},
    )  # fmt: skip
    return evaluation
