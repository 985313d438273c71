"""Reads of aid records: what a household received (SPEC §4).

The year a record belongs to is the year of its `counts_on` day: for case aid the
application date of its case (长民发〔2016〕31号 三(四) counts a household's cases by the calendar
year of their application, as the case procedure always has: a case applied in December and
paid in January is aid of December's year), for the other forms the day of delivery.

A reversed record and its reversal cancel out: a reversed delivery is neither an event nor
money received. Callers that read for a user (the household file) have already read the
household through the user's scope (registry.selectors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from bangfu.core.money import FEN, ZERO

from .models import AidForm, AidKind, AidRecord

# The aid app sits below project aid and reads a record's plan only through the record's foreign
# key (the batch item's project, denormalised from its batch): by lookups, never by import.
PLAN = "project_item__project"

# The page of a record's plan for a reader (None: named, not linked). Project aid, above, says
# who may open it and registers its rule (`projects.selectors.plan_url`, from projects.apps).
_plan_page: Callable[[object, int, int], str | None] | None = None


def register_plan_page(page: Callable[[object, int, int], str | None]) -> None:
    global _plan_page
    _plan_page = page


def plan_page(user, plan_id: int | None, owner_id: int | None) -> str | None:
    """The plan's page `(user, plan id, owner id)` for a reader who may open it, else None."""
    if plan_id is None or _plan_page is None:
        return None
    return _plan_page(user, plan_id, owner_id)


@dataclass
class AidYear:
    """A household's aid in one calendar year: the events (deliveries not reversed), their
    value, and the records of the year (reversals included, in date order)."""

    events: int = 0
    total: Decimal = ZERO
    records: list[AidRecord] = field(default_factory=list)

    @property
    def standing(self) -> list[AidRecord]:
        """The deliveries of the year that stand: neither a reversal nor reversed."""
        return [r for r in self.records if r.reverses_id is None and not r.reversed]


def with_counts_on(qs: QuerySet) -> QuerySet:
    """`counts_on`: the day whose calendar year the record belongs to (see the module docstring)."""
    return qs.annotate(
        counts_on=Case(
            When(form=AidForm.CASE, then=F("case_payment__case__application_date")),
            default=F("date"),
            output_field=DateField(),
        )
    )


def aid_in_year(
    household_id: int,
    year: int,
    *,
    forms: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    exclude_case_id: int | None = None,
) -> AidYear:
    """The household's aid dated in `year`, of the given forms and kinds (all when None);
    `exclude_case_id`: leave out that case's payment (the case being judged)."""
    qs = with_counts_on(AidRecord.objects.filter(household_id=household_id)).filter(counts_on__year=year)
    if forms is not None:
        qs = qs.filter(form__in=list(forms))
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if exclude_case_id is not None:
        qs = qs.exclude(case_payment__case_id=exclude_case_id)
    records = list(
        qs.annotate(reversed=Exists(AidRecord.objects.filter(reverses=OuterRef("pk")))).order_by(
            "counts_on", "date", "pk"
        )
    )
    year_aid = AidYear(records=records)
    year_aid.events = len(year_aid.standing)
    year_aid.total = sum((r.value for r in year_aid.standing), ZERO)
    return year_aid


def _add_to(cell: dict, r: AidRecord) -> None:
    cell["events"] += 1
    cell["total"] += r.value
    if r.hours is not None:
        cell["hours"] = (cell["hours"] or ZERO) + r.hours


def year_by_form_and_kind(household_id: int, year: int) -> list[dict]:
    """The household file's table: per form and kind with aid in the year, the events and
    value (standing deliveries only), in the order of the choices. A project cell lists its
    plans (`plans`: code, title, plan_id, owner_id, lottery_funded, events, total, hours), read
    in one more query when the year has project aid."""
    year_aid = aid_in_year(household_id, year)
    cells: dict[tuple[str, str], dict] = {}
    for r in year_aid.standing:
        _add_to(
            cells.setdefault((r.form, r.kind), {"events": 0, "total": ZERO, "hours": None, "plans": []}), r
        )
    project = [r for r in year_aid.standing if r.form == AidForm.PROJECT]
    if project:
        plan_of = {
            row["pk"]: row
            for row in AidRecord.objects.filter(pk__in=[r.pk for r in project]).values(
                "pk", f"{PLAN}_id", f"{PLAN}__code", f"{PLAN}__title", f"{PLAN}__owner_id",
                f"{PLAN}__fund_source__kind",
            )
        }  # fmt: skip
        plans: dict[tuple[str, int | None], dict] = {}
        for r in project:
            p = plan_of[r.pk]
            plan = plans.get((r.kind, p[f"{PLAN}_id"]))
            if plan is None:
                plan = plans[(r.kind, p[f"{PLAN}_id"])] = {
                    "plan_id": p[f"{PLAN}_id"],
                    "code": p[f"{PLAN}__code"] or "",
                    "title": p[f"{PLAN}__title"] or "未关联项目",
                    "owner_id": p[f"{PLAN}__owner_id"],
                    "lottery_funded": p[f"{PLAN}__fund_source__kind"] == "lottery",
                    "events": 0,
                    "total": ZERO,
                    "hours": None,
                }
                cells[(r.form, r.kind)]["plans"].append(plan)
            _add_to(plan, r)
        for cell in cells.values():
            cell["plans"].sort(key=lambda plan: plan["code"])
    return [
        {
            "form": form,
            "form_label": form_label,
            "kind": kind,
            "kind_label": kind_label,
            **cells[(form, kind)],
        }
        for form, form_label in AidForm.choices
        for kind, kind_label in AidKind.choices
        if (form, kind) in cells
    ]


def case_payments_delivered(start: date, end: date) -> QuerySet:
    """The case payments delivered in [start, end]: their original records (a reversal later
    is a movement of its own period, as in the ledger), for the monthly report's case figures."""
    return AidRecord.objects.filter(form=AidForm.CASE, reverses=None, date__gte=start, date__lte=end)


# --- project aid by plan and by fund source ------------------------------------------------------


def project_aid_delivered(start: date, end: date) -> QuerySet:
    """The project aid delivered in [start, end]: the original records (a reversal later is a
    movement of its own period, as for the case figures), for the monthly report."""
    return AidRecord.objects.filter(form=AidForm.PROJECT, reverses=None, date__gte=start, date__lte=end)


def project_aid_dated(start: date, end: date) -> QuerySet:
    """Every project aid record dated in [start, end], reversals included (their values are
    negative): the period's aid net of reversals, for the dashboards."""
    return AidRecord.objects.filter(form=AidForm.PROJECT, date__gte=start, date__lte=end)


PROJECT_AID_COUNTS = ("households", "items")
PROJECT_AID_VALUES = ("money", "goods", "service", "amount")


def _project_sums() -> dict:
    original = Q(reverses__isnull=True)
    return {
        # A household and a delivery are counted by their original record; a reversal takes the
        # value back (and an item: `undone`).
        "households": Count("household_id", distinct=True, filter=original),
        "delivered": Count("pk", filter=original),
        "undone": Count("pk", filter=~original),
        "money": Sum("value", filter=Q(kind=AidKind.MONEY)),
        "goods": Sum("value", filter=Q(kind=AidKind.GOODS)),
        "service": Sum("value", filter=Q(kind=AidKind.SERVICE)),
        "hours": Sum("hours"),
    }


def _exact(value) -> Decimal:
    # SQLite adds NUMERIC as floating point: a grouped sum may carry a tail.
    return ZERO if value is None else Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def _project_figures(r: dict | None) -> dict:
    r = r or {}
    row = {
        "households": r.get("households", 0),
        "items": r.get("delivered", 0) - r.get("undone", 0),
        "money": _exact(r.get("money")),
        "goods": _exact(r.get("goods")),
        "service": _exact(r.get("service")),
        "hours": _exact(r.get("hours")),
    }
    row["amount"] = row["money"] + row["goods"] + row["service"]
    return row


def empty_project_aid() -> dict:
    return {
        "by_plan": [],
        "by_source": [],
        "total": {"key": "total", "label": "合计", **_project_figures(None)},
    }


def project_aid_totals(qs: QuerySet, *, group: str | None = None) -> dict:
    """Project aid of the records `qs` by plan, by fund source and in total: per row the
    households, the deliveries, money, goods and service values (and their sum, `amount`) and
    service hours. Keyed by the value of `group` (a field or annotation of `qs`: the report's
    organisation), or by None when not grouped. Four queries whatever the number of records.

    A plan row: key (code), label (title), plan_id, owner_id, owner (name), lottery_funded (the
    plan draws on city lottery money: 彩票公益金资助). A source row: key (code), label (name),
    fund_kind; the source is the record's, else its plan's; aid paid from no fund (goods or a
    service given in kind) is a row of its own."""
    g = [group] if group else []
    sums = _project_sums()
    qs = qs.annotate(aid_source_id=Coalesce("fund_source_id", f"{PLAN}__fund_source_id")).order_by()
    plan_fields = [f"{PLAN}_id", f"{PLAN}__code", f"{PLAN}__title", f"{PLAN}__owner_id", f"{PLAN}__owner__name",
                   f"{PLAN}__fund_source__kind"]  # fmt: skip
    by_plan = list(qs.values(*g, *plan_fields).annotate(**sums))
    by_source = list(qs.values(*g, "aid_source_id").annotate(**sums))
    if group:
        totals = {r[group]: r for r in qs.values(group).annotate(**sums)}
    else:  # one row of the whole (`values()` without fields would group by every field)
        total = qs.aggregate(**sums)
        totals = {None: total} if total["delivered"] or total["undone"] else {}
    source_model = AidRecord._meta.get_field("fund_source").related_model
    source_ids = {r["aid_source_id"] for r in by_source} - {None}
    sources = {s.pk: s for s in source_model.objects.filter(pk__in=source_ids)} if source_ids else {}

    out: dict = {}
    for key, r in totals.items():
        out[key] = {
            "by_plan": [],
            "by_source": [],
            "total": {"key": "total", "label": "合计", **_project_figures(r)},
        }
    for r in sorted(by_plan, key=lambda r: r[f"{PLAN}__code"] or ""):
        out[r[group] if group else None]["by_plan"].append(
            {
                "key": r[f"{PLAN}__code"] or "",
                "label": r[f"{PLAN}__title"] or "未关联项目",
                "plan_id": r[f"{PLAN}_id"],
                "owner_id": r[f"{PLAN}__owner_id"],
                "owner": r[f"{PLAN}__owner__name"],
                "lottery_funded": r[f"{PLAN}__fund_source__kind"] == "lottery",
                **_project_figures(r),
            }
        )

    def source_order(r: dict) -> tuple:
        s = sources.get(r["aid_source_id"])
        return (1, 0, "") if s is None else (0, s.draw_order, s.code)

    for r in sorted(by_source, key=source_order):
        s = sources.get(r["aid_source_id"])
        out[r[group] if group else None]["by_source"].append(
            {
                "key": s.code if s else "none",
                "label": s.name if s else "未列资金来源（实物或服务）",
                "fund_kind": s.get_kind_display() if s else "",
                **_project_figures(r),
            }
        )
    return out
