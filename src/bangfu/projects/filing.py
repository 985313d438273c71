"""A plan of project aid and its filing 备案, as a table (SPEC §4; 沪民救发〔2025〕1号 二(二)).

    草拟 → 待备案 → 已备案 (→ 已结项)
             ↘ 已退回 → (修改) → 待备案

A district organisation draws up its plan and reports it to the foundation (报市帮困互助基金会
备案), which accepts it with a filing number or returns it with remarks; the foundation's own
plans, on city lottery money (使用市级福彩金), are approved by a second foundation officer (four
eyes: never the one who submitted it). Once filed, the budget, the target group, the aid and
the performance targets no longer change.

Each `Step` row says which plans it is for (the owner's kind), from which states, where it
leads, which permission takes it (held at the plan's owner itself for its own staff's steps),
who may not take it although the role may (four eyes), and what the plan must show. One
function, `transition`, runs a row: it locks the plan, checks, moves the state, and writes the
`PlanStep` (with the plan as submitted) and the audit entry in one transaction.
`available_actions` offers what the user's role may take now, disabled with the very reason
`transition` refuses with, from the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangfu.aid.models import AidKind
from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO, MoneyError, format_yuan, parse_money
from bangfu.core.refusal import Refused
from bangfu.funds.models import FundKind, FundSource
from bangfu.funds.services import entitlement_problem
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.people import actor_name
from bangfu.orgs.roles import PERMISSIONS

from . import selectors
from .indicators import default_indicators, follow_plan_figures, weights_problem
from .models import EDITABLE_STATES, OWNER_KINDS, Indicator, PlanStep, Project
from .models import PlanState as S
from .targets import Target

# The fields of a plan people draw up (SPEC §4), as `plan_create` and `plan_update` take them.
PLAN_FIELDS = (
    "title", "purpose", "target", "aid_kind", "unit_value", "item", "hours", "budget", "fund_source",
    "period_start", "period_end", "target_households",
)  # fmt: skip

FILING_PREFIX = "沪帮备"


def owners_for(user) -> list[Organisation]:
    """The organisations whose plans this user draws up (foundation or district, their own)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Organisation.objects.filter(
            kind__in=OWNER_KINDS,
            pk__in=user.role_assignments.filter(role__in=PERMISSIONS["projects.plan"]).values("org_id"),
        ).order_by("kind", "code")
    )


def _kind_label(owner: Organisation) -> str:
    return "基金会" if owner.kind == OrgKind.FOUNDATION else "区帮扶组织"


# --- the money a plan draws on ------------------------------------------------------------------


def fund_problem(owner: Organisation, source: FundSource, project: Project) -> str | None:
    """Why the plan may not draw on this source, or None (专款专用, 沪民救发〔2025〕1号 四(二))."""
    problem = entitlement_problem(source, project=project)
    if problem:
        return problem
    # 二(二): 市帮困互助基金会……使用市级福彩金开展阶段性、辅助性的帮扶服务.
    if owner.kind == OrgKind.FOUNDATION and source.kind != FundKind.LOTTERY:
        return (
            f"基金会的项目使用市级福彩金（沪民救发〔2025〕1号 二(二)），"
            f"“{source.name}”是{source.get_kind_display()}。"
        )
    return None


def entitled_sources(owner: Organisation, project: Project | None = None) -> list[FundSource]:
    """The sources a plan of this owner may draw on: the choices of the plan's form."""
    ref = project or Project(owner=owner, code="", title="")
    return [s for s in FundSource.objects.filter(active=True) if fund_problem(owner, s, ref) is None]


# --- reading what people typed ------------------------------------------------------------------


def _money(value, label: str, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return parse_money(str(value))
    except MoneyError as e:
        raise Refused(f"{label}：{e.message}", code="invalid_input", field=field) from None


def _hours(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Refused("服务时数须为数字。", code="invalid_input", field="hours") from None
    if hours <= 0 or hours >= Decimal("1000000") or hours != hours.quantize(Decimal("0.01")):
        raise Refused("服务时数须大于零，最多两位小数。", code="invalid_input", field="hours")
    return hours


def _text(value, label: str, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Refused(f"请填写{label}。", code="invalid_input", field=field)
    if max_length and len(text) > max_length:
        raise Refused(f"{label}不能超过{max_length}个字。", code="invalid_input", field=field)
    return text


def _cleaned(owner: Organisation, data: dict, project: Project) -> dict:
    """The plan's fields checked (SPEC §4), refused with a Chinese message naming the field."""
    out: dict = {}
    out["title"] = _text(data.get("title"), "项目名称", "title", required=True, max_length=200)
    out["purpose"] = _text(data.get("purpose"), "项目目的", "purpose")
    target = data.get("target") or {}
    target = target if isinstance(target, Target) else Target.from_json(target)
    out["target"] = target.checked(owner).to_json()
    kind = data.get("aid_kind") or AidKind.MONEY
    if kind not in AidKind.values:
        raise Refused("请选择帮扶方式。", code="invalid_input", field="aid_kind")
    out["aid_kind"] = kind
    unit_value = _money(data.get("unit_value"), "每户标准", "unit_value")
    if unit_value is None or unit_value <= ZERO:
        what = {"money": "每户帮扶金额", "goods": "实物的单位价值", "service": "服务的价值"}[kind]
        raise Refused(f"{what}须大于零。", code="invalid_input", field="unit_value")
    out["unit_value"] = unit_value
    out["item"] = _text(data.get("item"), "物品或服务内容", "item", max_length=100)
    if kind in (AidKind.GOODS, AidKind.SERVICE) and not out["item"]:
        raise Refused(f"{AidKind(kind).label}帮扶须填写物品或服务内容。", code="invalid_input", field="item")
    # Hours belong to a service; a money or goods plan keeps none, whatever was typed.
    hours = _hours(data.get("hours")) if kind == AidKind.SERVICE else None
    if kind == AidKind.SERVICE and hours is None:
        raise Refused("服务帮扶须填写服务时数。", code="invalid_input", field="hours")
    out["hours"] = hours
    budget = _money(data.get("budget"), "预算", "budget")
    if budget is not None and budget <= ZERO:
        raise Refused("预算须大于零。", code="invalid_input", field="budget")
    out["budget"] = budget or ZERO
    source = data.get("fund_source")
    if source is not None:
        if not isinstance(source, FundSource):
            source = FundSource.objects.filter(pk=source).first()
            if source is None:
                raise Refused("资金来源不存在。", code="invalid_input", field="fund_source")
        if problem := fund_problem(owner, source, project):
            raise Refused(problem, code="not_entitled", field="fund_source")
    out["fund_source"] = source
    start, end = data.get("period_start"), data.get("period_end")
    for value, name in ((start, "period_start"), (end, "period_end")):
        if value is not None and not isinstance(value, date):
            raise Refused("请填写有效的日期。", code="invalid_input", field=name)
    if start and end and end < start:
        raise Refused("实施期止不能早于实施期起。", code="invalid_input", field="period_end")
    out["period_start"], out["period_end"] = start, end
    households = data.get("target_households") or 0
    if not isinstance(households, int) or isinstance(households, bool) or not 0 <= households <= 10_000_000:
        raise Refused("计划帮扶户数须为不小于零的整数。", code="invalid_input", field="target_households")
    out["target_households"] = households
    return out


def _unknown(fields: dict) -> None:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")


def _code(owner: Organisation, year: int) -> str:
    """XM2026-0001: the next free plan code of the year."""
    head = f"XM{year}-"
    n = Project.objects.filter(code__startswith=head).count() + 1
    while Project.objects.filter(code=f"{head}{n:04d}").exists():
        n += 1
    return f"{head}{n:04d}"


def _facts(project: Project) -> dict:
    """The plan's fields as the audit log keeps them (no personal data)."""
    return {
        "title": project.title,
        # The target group in words, as the plan's page says it (the log shows no stored codes).
        "target": "；".join(Target.from_json(project.target).describe()),
        "aid_kind": project.aid_kind,
        "unit_value": str(project.unit_value),
        "item": project.item,
        "hours": None if project.hours is None else str(project.hours),
        "budget": str(project.budget),
        "fund_source": project.fund_source.code if project.fund_source_id else None,
        "period_start": project.period_start.isoformat() if project.period_start else None,
        "period_end": project.period_end.isoformat() if project.period_end else None,
        "target_households": project.target_households,
    }


# --- drawing up and editing -----------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: Actor, owner: Organisation, code: str = "", **fields) -> Project:
    """A new plan, in draft, with the default indicators (`indicators.DEFAULT_INDICATORS`),
    drawn up by the owner's own staff (a district approver for the district, a foundation
    officer for the foundation)."""
    _unknown(fields)
    if owner.kind not in OWNER_KINDS:
        raise Refused(
            f"项目主体须为基金会或区帮扶组织，“{owner.name}”不是。", code="invalid_input", field="owner"
        )
    selectors.authorise(
        actor, "projects.plan", owner, f"您不能以{owner.name}的名义编制项目。", own_staff=True,
        code="not_allowed", field="owner",
    )  # fmt: skip
    code = (code or "").strip()
    if code and (len(code) > 64 or Project.objects.filter(code=code).exists()):
        raise Refused(f"项目编号 {code} 已存在或过长。", code="code_taken", field="code")
    draft = Project(owner=owner, code=code or "", title=(fields.get("title") or "").strip())
    cleaned = _cleaned(owner, fields, draft)
    year = timezone.localdate().year
    for _ in range(5):
        project = Project(owner=owner, code=code or _code(owner, year), created_by=actor.user, **cleaned)
        try:
            # Two plans drawn up at once may reach for the same code: the second takes the next.
            with transaction.atomic():
                project.save()
            break
        except IntegrityError:
            if code:
                raise Refused(f"项目编号 {code} 已存在。", code="code_taken", field="code") from None
    else:
        raise Refused("项目编号分配冲突，请稍后再试。", code="busy", status=409)
    Indicator.objects.bulk_create(default_indicators(project))
    audit_record(actor=actor, action="create", target=project, org=owner, after=_facts(project))
    return project


def edit_refusal(user, project: Project) -> Refused | None:
    """Why this user may not change the plan now, or None: only its owner's own staff, and only
    while it is a draft or was returned (备案后预算和绩效目标不再变更)."""
    if not selectors.may(user, "projects.plan", project, own_staff=True):
        return Refused(
            f"只有{project.owner.name}的项目编制人员可以修改该项目。", code="not_allowed", status=403
        )
    if project.state in EDITABLE_STATES:
        return None
    if project.state == S.SUBMITTED:
        message = "项目已提交，审核期间不能修改；如需修改，请由基金会项目官员退回。"
    else:
        message = (
            f"项目{project.get_state_display()}（备案号 {project.filing_number}），"
            "预算、帮扶对象、帮扶方式和绩效目标不再变更。"
        )
    return Refused(message, code="frozen", status=409)


def may_edit(user, project: Project) -> bool:
    return edit_refusal(user, project) is None


@transaction.atomic
def plan_update(*, actor: Actor, project: Project, **fields) -> Project:
    """Change a draft or returned plan; the fields not given stay as they are."""
    _unknown(fields)
    # Locked: an edit and a submission of the same plan cannot cross (the submission would send
    # what no one sees on the page).
    locked = (
        Project.objects.select_for_update(of=("self",))
        .select_related("owner", "fund_source")
        .get(pk=project.pk)
    )
    if refusal := edit_refusal(actor.user, locked):
        raise refusal
    current = {name: getattr(locked, name) for name in PLAN_FIELDS}
    cleaned = _cleaned(locked.owner, {**current, **fields}, locked)
    before = _facts(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.save()
    follow_plan_figures(locked, before)
    # A project registered for the ledger only (`services.project_create`) gets its indicators
    # when it is first drawn up as a plan.
    if not locked.indicators.exists():
        Indicator.objects.bulk_create(default_indicators(locked))
    after = _facts(locked)
    changed = [k for k in after if after[k] != before[k]]
    audit_record(
        actor=actor, action="update", target=locked, org=locked.owner,
        before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
    )  # fmt: skip
    project.refresh_from_db()
    return locked


def snapshot(project: Project) -> dict:
    """The plan as submitted, kept on its `PlanStep` (what the reviewer was sent)."""
    return {
        **_facts(project),
        "code": project.code,
        "owner": project.owner.name,
        "purpose": project.purpose,
        "target_described": Target.from_json(project.target).describe(),
        "fund_source_name": project.fund_source.name if project.fund_source_id else None,
        "weights": project.weights,
        "indicators": [
            {
                "dimension": i.dimension,
                "name": i.name,
                "source": i.source,
                "unit": i.unit,
                "target": str(i.target),
                "weight": str(i.weight),
            }
            for i in project.indicators.all()
        ],
    }


# --- what a step requires ----------------------------------------------------------------------

Check = Callable[[Project], "str | None"]
Who = Callable[[object, Project], "str | None"]


def _complete(project: Project) -> str | None:
    # SPEC §4: a plan is sent with its fund source, period, budget and performance targets.
    missing = []
    if project.fund_source_id is None:
        missing.append("资金来源")
    if project.period_start is None or project.period_end is None:
        missing.append("实施期起止日期")
    if project.budget is None or project.budget <= ZERO:
        missing.append("预算")
    if not project.indicators.exists():
        missing.append("绩效指标")
    if missing:
        return f"提交前须填写：{'、'.join(missing)}。"
    return None


def _valid(project: Project) -> str | None:
    """The plan's fields still hold (a source may have been stopped, an area changed since)."""
    try:
        _cleaned(project.owner, {name: getattr(project, name) for name in PLAN_FIELDS}, project)
    except Refused as e:
        return e.message
    return weights_problem(project.weights or {})


def submitter(project: Project):
    """Who sent the plan in its last submission (the first pair of eyes)."""
    step = project.steps.filter(action="submit").order_by("-at", "-id").first()
    return step.user if step else None


def _not_submitter(user, project: Project) -> str | None:
    # SPEC §4: foundation plans are approved by a second foundation officer (four eyes).
    sent_by = submitter(project)
    if sent_by is not None and user is not None and sent_by.pk == user.pk:
        return "该项目由您提交，须由另一位基金会项目官员审核（双人复核）。"
    return None


# --- what a step does ----------------------------------------------------------------------------


def _do_submit(project: Project, actor: Actor) -> dict:
    return snapshot(project)


def next_filing_number(day: date) -> str:
    """沪帮备〔2026〕N号: numbered within the year of filing, from 1."""
    # Locks the foundation's row: two filings at once cannot take the same number.
    Organisation.objects.select_for_update().filter(kind=OrgKind.FOUNDATION).first()
    head = f"{FILING_PREFIX}〔{day.year}〕"
    pattern = re.compile(rf"{re.escape(head)}(\d+)号")
    used = Project.objects.filter(filing_number__startswith=head).values_list("filing_number", flat=True)
    n = max((int(m.group(1)) for f in used if (m := pattern.fullmatch(f))), default=0)
    return f"{head}{n + 1}号"


def _do_file(project: Project, actor: Actor) -> dict:
    project.filing_number = next_filing_number(timezone.localdate())
    project.filed_at = timezone.now()
    return {"filing_number": project.filing_number}


# --- the table -----------------------------------------------------------------------------------

D, F = OrgKind.DISTRICT, OrgKind.FOUNDATION
BOTH = (D, F)
READY = (_complete, _valid)


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    owners: tuple[str, ...]  # the plans it is for, by their owner's kind
    sources: tuple[str, ...]
    target: str
    perm: str
    at_owner: bool = False  # the role held at the plan's owner itself (its own staff)
    who: tuple[Who, ...] = ()  # who may not, although the role may (four eyes)
    requires: tuple[Check, ...] = ()
    remarks_required: bool = False
    effect: Callable[[Project, Actor], dict] | None = None


STEPS: tuple[Step, ...] = (
    # 二(二): 各区……研究制定帮扶计划，开展帮扶项目，报市帮困互助基金会备案.
    Step("submit", "报基金会备案", (D,), (S.DRAFT, S.RETURNED), S.SUBMITTED, "projects.plan",
         at_owner=True, requires=READY, effect=_do_submit),
    # A foundation plan goes to a second officer.
    Step("submit", "提交审批", (F,), (S.DRAFT, S.RETURNED), S.SUBMITTED, "projects.plan",
         at_owner=True, requires=READY, effect=_do_submit),
    # The foundation accepts a district's filing: a filing number; budget and targets frozen.
    Step("accept", "予以备案", (D,), (S.SUBMITTED,), S.FILED, "projects.file",
         requires=READY, effect=_do_file),
    # Four eyes (SPEC §4): never the officer who submitted it.
    Step("approve", "审批通过", (F,), (S.SUBMITTED,), S.FILED, "projects.file",
         who=(_not_submitter,), requires=READY, effect=_do_file),
    Step("return", "退回修改", BOTH, (S.SUBMITTED,), S.RETURNED, "projects.file",
         who=(_not_submitter,), remarks_required=True),
    Step("close", "结项", BOTH, (S.FILED,), S.CLOSED, "projects.plan", at_owner=True),
)  # fmt: skip

ACTIONS = tuple(dict.fromkeys(s.action for s in STEPS))
ACTION_LABELS = {s.action: s.label for s in reversed(STEPS)}
# The log names an action whatever the plan's owner: a step named per owner by both names.
register_actions(
    {f"project.{a}": "／".join(dict.fromkeys(s.label for s in STEPS if s.action == a)) for a in ACTIONS}
)


def step_label(action: str, owner_kind: str) -> str:
    row = next((s for s in STEPS if s.action == action and owner_kind in s.owners), None)
    return row.label if row else ACTION_LABELS.get(action, action)


def _may_take(user, project: Project, step: Step) -> bool:
    return selectors.may(user, step.perm, project, own_staff=step.at_owner)


def _judge(user, project: Project, action: str) -> tuple[Step | None, Refused | None]:
    """The row the user would take and, when the step cannot be taken now, the refusal."""
    rows = [s for s in STEPS if s.action == action]
    if not rows:
        return None, Refused(f"未知操作：{action}", code="unknown_action", status=404)
    applies = [s for s in rows if project.owner.kind in s.owners]
    if not applies:
        return None, Refused(
            f"“{rows[0].label}”不适用于{_kind_label(project.owner)}的项目。",
            code="not_applicable",
            status=409,
        )
    here = [s for s in applies if project.state in s.sources]
    if not here:
        return None, Refused(
            f"项目当前状态为“{project.get_state_display()}”，不能办理“{applies[0].label}”。",
            code="wrong_state", status=409,
        )  # fmt: skip
    step = next((s for s in here if _may_take(user, project, s)), None)
    if step is None:
        row = here[0]
        message = (
            f"只有{project.owner.name}的项目编制人员可以办理“{row.label}”。"
            if row.at_owner
            else f"您没有办理“{row.label}”的权限（须由基金会项目官员办理）。"
        )
        return None, Refused(message, code="not_allowed", status=403)
    for check in step.who:
        if problem := check(user, project):
            return step, Refused(problem, code=check.__name__.lstrip("_"), status=403)
    for check in step.requires:
        if problem := check(project):
            return step, Refused(problem, code=check.__name__.lstrip("_"))
    return step, None


@dataclass(frozen=True)
class Offer:
    """An action as the plan's page offers it: allowed now, or disabled with the reason (the
    very text and code `transition` refuses with)."""

    action: str
    label: str
    allowed: bool
    reason: str = ""
    code: str = ""
    remarks_required: bool = False

    @property
    def secondary(self) -> bool:
        return self.action in ("return", "close")


def available_actions(user, project: Project) -> list[Offer]:
    """What this user may do with the plan in its state, each allowed or disabled with the
    reason. A step the user's role never takes here is left out."""
    out = []
    for action in ACTIONS:
        step, refusal = _judge(user, project, action)
        if step is None:
            continue
        if refusal is None:
            out.append(Offer(action, step.label, True, remarks_required=step.remarks_required))
        else:
            out.append(Offer(action, step.label, False, refusal.message, refusal.code, step.remarks_required))
    return out


def offer(user, project: Project, action: str) -> Offer:
    """One action, as `available_actions` would offer it (not allowed, with the reason, when the
    state or the role rules it out)."""
    step, refusal = _judge(user, project, action)
    label = step.label if step else step_label(action, project.owner.kind)
    if refusal is None:
        return Offer(action, label, True, remarks_required=step.remarks_required)
    return Offer(action, label, False, refusal.message, refusal.code, bool(step and step.remarks_required))


def transition(*, actor: Actor, project: Project, action: str, remarks: str = "") -> Project:
    """Run one row of the table on the plan; `Refused` when the procedure does not allow it."""
    with transaction.atomic():
        # Locked: two officers answering one filing at once, or a filing and an edit, queue here;
        # the second sees the state the first left.
        locked = (
            Project.objects.select_for_update(of=("self",))
            .select_related("owner", "fund_source")
            .get(pk=project.pk)
        )
        step, refusal = _judge(actor.user, locked, action)
        if refusal is not None:
            raise refusal
        remarks = (remarks or "").strip()
        if step.remarks_required and not remarks:
            raise Refused(f"“{step.label}”须填写意见。", code="remarks_required", field="remarks")
        before = locked.state
        kept = step.effect(locked, actor) if step.effect else {}
        locked.state = step.target
        locked.save()
        PlanStep.objects.create(
            project=locked, action=action, from_state=before, to_state=locked.state, user=actor.user,
            actor_label=actor.label or "anonymous", remarks=remarks, snapshot=kept,
        )  # fmt: skip
        audit_record(
            actor=actor,
            action=f"project.{action}",
            target=locked,
            org=locked.owner,
            before={"state": before},
            after={"state": locked.state, "filing_number": locked.filing_number},
            note=f"{step.label}{'：' + remarks if remarks else ''}",
        )
    project.refresh_from_db()
    return locked


def history(project: Project) -> list[dict]:
    """The plan's filing steps as its page shows them."""
    rows = []
    steps = project.steps.select_related("user").prefetch_related("user__role_assignments")
    for s in steps:
        shown = s.snapshot or {}
        sent = []
        if s.action == "submit" and shown:
            sent = [
                f"预算 {format_yuan(Decimal(shown['budget']))}",
                f"计划帮扶 {shown['target_households']} 户",
            ]
            if shown.get("fund_source_name"):
                sent.append(f"资金来源 {shown['fund_source_name']}")
            if shown.get("period_start") and shown.get("period_end"):
                sent.append(f"实施期 {cn_date(shown['period_start'])}至{cn_date(shown['period_end'])}")
        rows.append(
            {
                "at": s.at,
                "actor": actor_name(s.user, s.actor_label),
                "label": step_label(s.action, project.owner.kind),
                "from_state": s.get_from_state_display(),
                "to_state": s.get_to_state_display(),
                "remarks": s.remarks,
                "sent": sent,
                "filing_number": shown.get("filing_number", ""),
            }
        )
    return rows
