"""个案看板: the case procedure at a glance, beside the money one (资金看板) — cases by state, by
area and by aid type, the days from application to payment, and what is overdue: follow-ups
(回访, `workflow.follow_up_due`) and the paperwork of help-first cases (补办手续,
`workflow.paperwork_rule`, `selectors.overdue_paperwork`).

Everything is in the reader's scope (`cases.view`): a street sees its own street, a district its
streets, the foundation and the bureau the city, grouped by district. Every figure is an
aggregate query (GROUP BY state, area, aid type or day count), never a loop over cases, so the
city's page costs the same dozen queries as a street's. Beside them, the project aid delivered to
the area's households (by plan and fund source), from the aid records. The days from application to payment
come back as a histogram (one row per distinct day count), from which the median and the 90th
percentile are read: the nearest-rank percentiles, i.e. a day count some case really took.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from math import ceil

from django.contrib.auth.decorators import login_required
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from bangfu.aid.selectors import empty_project_aid, project_aid_dated, project_aid_totals
from bangfu.core.dates import month_window
from bangfu.core.money import FEN, ZERO
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import Scope, require_perm_somewhere, scope_for

from .models import OPEN_STATES, AidType, Case, CaseState, FollowUp, PaymentRecord
from .selectors import overdue_paperwork

# The processing-time chart's bars: (label, up to this many days; None = no upper bound).
DAY_BUCKETS = (
    ("7天内", 7),
    ("8–14天", 14),
    ("15–30天", 30),
    ("31–60天", 60),
    ("61–90天", 90),
    ("90天以上", None),
)


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a {days: cases} histogram: the least day count reached by at
    least `share` of the cases (the median at 0.5: the middle case's, the lower of the two middles
    when the number is even). None without cases."""
    n = sum(histogram.values())
    if not n:
        return None
    rank, seen = max(1, ceil(share * n)), 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return days
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Area:
    """How the page groups by place: streets within a district, districts across the city."""

    label: str  # the column's heading
    case_field: str  # the lookup from a case (or a payment record) to the area's organisation id
    orgs: list[Organisation]


def _area(scope: Scope) -> Area:
    districts = Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("code")
    if not scope.city_wide:
        districts = districts.filter(pk__in=scope.org_ids)
    districts = list(districts)
    if len(districts) > 1:
        return Area("区", "street__parent_id", districts)
    streets = Organisation.objects.filter(kind=OrgKind.STREET).order_by("code")
    return Area("街镇", "street_id", list(scope.filter(streets, "pk")))


def _days() -> ExpressionWrapper:
    return ExpressionWrapper(F("paid_on") - F("case__application_date"), output_field=DurationField())


def _amount(value) -> Decimal:
    # SQLite sums decimals without their places (4000 for 4000.00).
    return (value or ZERO).quantize(FEN)


def _as_days(value) -> int:
    # A date difference comes back as a timedelta on every backend (Django's temporal subtraction).
    return value.days if isinstance(value, timedelta) else int(value)


def case_dashboard(*, user, start: date, end: date, today: date) -> dict:
    """The figures of the cases applied for, and the payments made, from `start` to `end`, and
    what is overdue on `today`, in the user's scope."""
    scope = scope_for(user, "cases.view")
    area = _area(scope)
    cases = scope.filter(Case.objects.all(), "street")
    applied = cases.filter(application_date__range=(start, end))
    paid = scope.filter(PaymentRecord.objects.filter(paid_on__range=(start, end)), "street")
    follow_ups = scope.filter(
        FollowUp.objects.filter(done_at__isnull=True, case__state=CaseState.PAID, due_date__lt=today),
        "case__street",
    )
    paperwork = overdue_paperwork(cases, today)

    by_state = dict(applied.values_list("state").annotate(n=Count("id")))
    states = [{"key": k, "label": v, "cases": by_state.get(k, 0)} for k, v in CaseState.choices]

    rows: dict[int, dict] = {
        o.pk: {
            "label": o.name,
            "applied": 0,
            "open": 0,
            "paid": 0,
            "amount": ZERO,
            "follow_ups": 0,
            "paperwork": 0,
        }
        for o in area.orgs
    }

    def add(pairs, column: str) -> None:
        for org_id, value in pairs:
            if org_id in rows:
                rows[org_id][column] = _amount(value) if column == "amount" else value

    f = area.case_field
    add(applied.values_list(f).annotate(n=Count("id")), "applied")
    add(applied.filter(state__in=OPEN_STATES).values_list(f).annotate(n=Count("id")), "open")
    add(paid.values_list(f).annotate(n=Count("id")), "paid")
    add(paid.values_list(f).annotate(s=Sum("amount")), "amount")
    add(follow_ups.values_list(f"case__{f}").annotate(n=Count("case", distinct=True)), "follow_ups")
    add(paperwork.values_list(f).annotate(n=Count("id")), "paperwork")
    by_area = list(rows.values())

    types: dict[str, dict] = {
        k: {"key": k, "label": v, "applied": 0, "paid": 0, "amount": ZERO, "hist": {}}
        for k, v in AidType.choices
    }
    for k, n in applied.values_list("aid_type").annotate(n=Count("id")):
        types[k]["applied"] = n
    for k, n, s in paid.values_list("aid_type").annotate(n=Count("id"), s=Sum("amount")):
        types[k].update(paid=n, amount=_amount(s))
    histogram: dict[int, int] = defaultdict(int)
    for k, days, n in paid.annotate(days=_days()).values_list("aid_type", "days").annotate(n=Count("id")):
        types[k]["hist"][_as_days(days)] = n
        histogram[_as_days(days)] += n
    by_aid_type = []
    for t in types.values():
        hist = t.pop("hist")
        by_aid_type.append({**t, "median": percentile(hist, 0.5), "p90": percentile(hist, 0.9)})

    def total(rows_: list[dict], *columns: str) -> dict:
        return {c: sum((r[c] for r in rows_), ZERO if c == "amount" else 0) for c in columns}

    area_total = total(by_area, "applied", "open", "paid", "amount", "follow_ups", "paperwork")
    type_total = {
        **total(by_aid_type, "applied", "paid", "amount"),
        "median": percentile(histogram, 0.5),
        "p90": percentile(histogram, 0.9),
    }
    buckets, lower = [], 0
    for label, upper in DAY_BUCKETS:
        n = sum(c for d, c in histogram.items() if d >= lower and (upper is None or d <= upper))
        buckets.append({"label": label, "cases": n})
        lower = (upper or 0) + 1
    return {
        "area_label": area.label,
        "city_wide": scope.city_wide,
        "states": states,
        "by_area": by_area,
        "area_total": area_total,
        "by_aid_type": by_aid_type,
        "type_total": type_total,
        "days": buckets,
        "open_now": cases.filter(state__in=OPEN_STATES).count(),
        "follow_ups_overdue": area_total["follow_ups"],
        "paperwork_overdue": area_total["paperwork"],
        "projects": project_aid(scope, start, end),
    }


def project_aid(scope: Scope, start: date, end: date) -> dict:
    """Beside the cases, the project aid (SPEC §4) delivered in the period to the households of
    the area (a record is delivered by the household's street), net of reversals, by plan and by
    fund source: four grouped queries (aid.selectors)."""
    qs = scope.filter(project_aid_dated(start, end), "organisation")
    return project_aid_totals(qs).get(None) or empty_project_aid()


def _charts(f: dict) -> dict:
    """Chart.js data: counts as numbers, amounts as strings made from the Decimal."""
    return {
        "state": {"labels": [s["label"] for s in f["states"]],
                  "datasets": [{"label": "个案数", "data": [s["cases"] for s in f["states"]]}]},
        "area": {"labels": [r["label"] for r in f["by_area"]],
                 "datasets": [{"label": "受理", "data": [r["applied"] for r in f["by_area"]]},
                              {"label": "发放", "data": [r["paid"] for r in f["by_area"]]}]},
        "aid_type": {"labels": [t["label"] for t in f["by_aid_type"]],
                     "datasets": [{"label": "受理", "data": [t["applied"] for t in f["by_aid_type"]]},
                                  {"label": "发放", "data": [t["paid"] for t in f["by_aid_type"]]}]},
        "days": {"labels": [b["label"] for b in f["days"]],
                 "datasets": [{"label": "发放个案数", "data": [b["cases"] for b in f["days"]]}]},
    }  # fmt: skip


@login_required
def case_dashboard_page(request):
    """个案看板, for every reader of cases in their own scope."""
    require_perm_somewhere(request.user, "cases.view")
    today = timezone.localdate()
    window = month_window(request.GET.get("from"), request.GET.get("to"), today)
    figures = case_dashboard(user=request.user, start=window.start, end=window.end, today=today)
    cases_url = reverse("cases:list")
    return render(
        request,
        "cases/dashboard.html",
        {**figures, "window": window, "today": today, "chart_data": _charts(figures),
         "follow_ups_url": f"{cases_url}?queue=follow_up_overdue",
         "paperwork_url": f"{cases_url}?queue=paperwork_overdue"},
    )  # fmt: skip
