"""Whether a household may be enrolled in a plan on a day (SPEC §4; docs/projects.md 年度上限).

A household may be enrolled when the plan is filed, the household is on file (在册), it is in
the plan's target group on the day, it is not enrolled in the plan already, and the plan's value
per beneficiary keeps it within the annual caps of the policy in force for its district on the
day (长民发〔2016〕31号 三(四) for 长宁区): the aid of the counted forms in the calendar year that
stands (a reversed delivery and its reversal count for nothing), plus the cases approved and not
yet paid, plus the project items waiting in open batches due in that year (prepared or approved,
of any plan: money, goods at their value), plus the plan's value. A service's value counts toward no amount. A district with no
policy in force cannot be checked and its households are not enrolled: the caps are never taken
as zero or as absent.

`enrolling=False` is the re-check when a batch is prepared: an enrolled household is not
"already enrolled"; `exclude_batch`: the re-check of a batch's own households at its approval
and delivery (its items are the value being judged, not aid already promised). `bulk_problems` reads a bounded number of queries whatever the count; the
one-household check is the bulk check of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from bangfu.aid.models import AMOUNT_KINDS, AidForm, AidRecord
from bangfu.aid.selectors import with_counts_on
from bangfu.cases import selectors as case_selectors
from bangfu.core.bulk import one_of
from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO
from bangfu.policy import selectors as policy_selectors
from bangfu.policy.engine import counted_forms
from bangfu.registry.models import Household, HouseholdStatus

from .models import OPEN_BATCH_STATES, BatchItem, Enrolment, EnrolmentState, ItemState, PlanState, Project
from .targets import Target

HOUSEHOLD_INACTIVE = "household_inactive"
NOT_IN_TARGET = "not_in_target"
ALREADY_ENROLLED = "already_enrolled"
OVER_ANNUAL_AMOUNT = "over_annual_amount"
OVER_ANNUAL_EVENTS = "over_annual_events"
NO_POLICY_IN_FORCE = "no_policy_in_force"
CAP_CODES = (OVER_ANNUAL_AMOUNT, OVER_ANNUAL_EVENTS)
PLAN_NOT_FILED = "plan_not_filed"

# What each code means, for counts by reason (the query's summary, the batch re-check).
LABELS = {
    HOUSEHOLD_INACTIVE: "家庭档案不在册",
    NOT_IN_TARGET: "不符合帮扶对象条件",
    ALREADY_ENROLLED: "已纳入本项目",
    OVER_ANNUAL_AMOUNT: "超过全年累计帮扶资金上限",
    OVER_ANNUAL_EVENTS: "超过每年帮扶次数上限",
    NO_POLICY_IN_FORCE: "所在区没有生效的帮扶政策",
    PLAN_NOT_FILED: "项目未备案",
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str  # Chinese, shown as it is


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f} 元"


def plan_value(project: Project) -> Decimal:
    """What the plan gives one beneficiary toward an amount cap: money, goods at their value; a
    service counts toward none."""
    return project.unit_value if project.aid_kind in AMOUNT_KINDS else ZERO


def problems(project: Project, household: Household, day: date, *, enrolling: bool = True) -> list[Problem]:
    """Why `household` may not be enrolled in `project` on `day` (empty: it may)."""
    return bulk_problems(project, [household.pk], day, enrolling=enrolling).get(household.pk, [])


def bulk_problems(
    project: Project,
    household_ids: Iterable[int] | QuerySet,
    day: date,
    *,
    enrolling: bool = True,
    group: set[int] | None = None,
    exclude_batch: int | None = None,
) -> dict[int, list[Problem]]:
    """`problems` for many households at once, in a bounded number of queries (a queryset of ids
    is used as a subquery); only the households with a problem appear. `group`: the plan's
    target group on `day` as its query (`Target.households`) has just answered, given by a
    caller that read it to find these households (the query's enrolment), so that the group's
    query, the longest of the checks, is not run twice for the same answer."""
    ids = household_ids if isinstance(household_ids, QuerySet) else list(dict.fromkeys(household_ids))
    if not isinstance(ids, QuerySet) and not ids:
        return {}
    found: dict[int, list[Problem]] = {}

    def add(hid: int, code: str, message: str) -> None:
        found.setdefault(hid, []).append(Problem(code, message))

    def within(field: str):
        """The households asked about, as a filter on `field`: the queryset as a subquery, a
        list as one parameter (`one_of`)."""
        return Q(**{f"{field}__in": ids}) if isinstance(ids, QuerySet) else one_of(field, ids)

    rows = list(
        Household.objects.filter(within("pk")).values_list(
            "pk", "status", "street__parent__code", "street__parent__name"
        )
    )
    if project.state != PlanState.FILED:
        message = f"项目“{project.title}”{'未备案' if project.state != PlanState.CLOSED else '已结项'}，不能纳入帮扶对象。"
        return {pk: [Problem(PLAN_NOT_FILED, message)] for pk, *_ in rows}
    if not isinstance(ids, QuerySet):
        known = {pk for pk, *_ in rows}
        for hid in ids:
            if hid not in known:
                add(hid, HOUSEHOLD_INACTIVE, "家庭档案不存在。")

    active = [(pk, district, name) for pk, status, district, name in rows if status == HouseholdStatus.ACTIVE]
    for pk, status, *_ in rows:
        if status != HouseholdStatus.ACTIVE:
            label = HouseholdStatus(status).label if status in HouseholdStatus.values else status
            add(pk, HOUSEHOLD_INACTIVE, f"家庭档案{label}，不在册，不能纳入。")
    if not active:
        return found
    active_ids = [pk for pk, *_ in active]
    active_set = set(active_ids)

    in_target = group
    if in_target is None:
        in_target = set(
            Target.from_json(project.target)
            .households(project.owner, day)
            .filter(within("pk"))
            .values_list("pk", flat=True)
        )
    for pk in active_ids:
        if pk not in in_target:
            add(pk, NOT_IN_TARGET, f"该家庭在{cn_date(day)}不符合本项目的帮扶对象条件。")

    if enrolling:
        enrolled = Enrolment.objects.filter(within("household_id"), project=project).order_by()
        for pk, state in enrolled.values_list("household_id", "state"):
            if pk in active_set:
                add(
                    pk,
                    ALREADY_ENROLLED,
                    f"该家庭已纳入本项目（{EnrolmentState(state).label}），不能重复纳入。",
                )

    _caps(project, active, within, day, add, exclude_batch)
    return found


def _caps(
    project: Project,
    active: list[tuple[int, str, str]],
    within,
    day: date,
    add,
    exclude_batch: int | None = None,
) -> None:
    """The annual caps of the policy in force for each household's district (三(四))."""
    book = policy_selectors.policy_book()
    districts = {district: name for _, district, name in active}
    versions = {code: book.in_force(code, day) for code in districts}
    params = {}
    for code, ps in versions.items():
        if ps is None:
            continue
        p = ps.at(day)
        amount_forms = counted_forms(p, "annual.max_amount.forms")
        events_forms = counted_forms(p, "annual.max_events.forms")
        params[code] = (p["annual.max_amount"], amount_forms, p["annual.max_events"], events_forms)
    for pk, district, name in active:
        if versions[district] is None:
            add(
                pk,
                NO_POLICY_IN_FORCE,
                f"{name}在{cn_date(day)}没有生效的帮扶政策，无法核对年度帮扶上限，不能纳入。",
            )
    checked = [(pk, district) for pk, district, _ in active if district in params]
    counts_amount = {
        d
        for d, (_, forms, _, _) in params.items()
        if AidForm.PROJECT in forms and project.aid_kind in AMOUNT_KINDS
    }
    counts_events = {d for d, (_, _, _, forms) in params.items() if AidForm.PROJECT in forms}
    if not any(d in counts_amount or d in counts_events for _, d in checked):
        return

    # The aid that stands in the calendar year, by household, form and kind: one query.
    given: dict[int, list[tuple[str, str, int, Decimal]]] = {}
    standing = (
        with_counts_on(AidRecord.objects.filter(within("household_id")))
        .filter(counts_on__year=day.year, reverses__isnull=True)
        .filter(~Exists(AidRecord.objects.filter(reverses=OuterRef("pk"))))
        .values("household_id", "form", "kind")
        .annotate(n=Count("pk"), total=Coalesce(Sum("value"), ZERO))
        .order_by()
    )
    for row in standing:
        given.setdefault(row["household_id"], []).append((row["form"], row["kind"], row["n"], row["total"]))
    # Case aid promised and without its record yet (approved, or paid and not yet posted): one query.
    promised = case_selectors.promised_case_aid(within("household_id"), day.year)

    # Project aid promised and not yet delivered: the money and goods of the items waiting in the
    # open batches (prepared or approved, of any plan) due in the year: one query.
    waiting = {
        row["household_id"]: row["total"]
        for row in BatchItem.objects.filter(
            within("household_id"),
            state=ItemState.PENDING,
            kind__in=list(AMOUNT_KINDS),
            batch__state__in=OPEN_BATCH_STATES,
            batch__due_date__year=day.year,
        )
        .exclude(batch_id=exclude_batch)
        .values("household_id")
        .annotate(total=Coalesce(Sum("value"), ZERO))
        .order_by()
    }

    value = plan_value(project)
    for pk, district in checked:
        max_amount, amount_forms, max_events, events_forms = params[district]
        rows = given.get(pk, ())
        case_n, case_total = promised.get(pk, (0, ZERO))
        if district in counts_amount:
            total = sum((t for f, k, _, t in rows if f in amount_forms and k in AMOUNT_KINDS), ZERO)
            if AidForm.CASE in amount_forms:
                total += case_total
            total += waiting.get(pk, ZERO)
            if total + value > max_amount.value:
                add(
                    pk,
                    OVER_ANNUAL_AMOUNT,
                    f"本年度已获帮扶 {_yuan(total)}，加本项目 {_yuan(value)}将超过全年累计 "
                    f"{_yuan(max_amount.value)}上限（{max_amount.reference}）",
                )
        if district in counts_events:
            events = sum(n for f, _, n, _ in rows if f in events_forms)
            if AidForm.CASE in events_forms:
                events += case_n
            if events + 1 > int(max_events.value):
                add(
                    pk,
                    OVER_ANNUAL_EVENTS,
                    f"本年度已获帮扶 {events} 次，加本项目将超过每年 {max_events.value} 次上限"
                    f"（{max_events.reference}）",
                )
