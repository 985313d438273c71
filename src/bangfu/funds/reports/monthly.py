"""The month of a report: when it is due (a dated city rule), its bounds, and its figures."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from bangfu.orgs.models import Organisation
from bangfu.policy.parameters import Param, city_parameter, city_rules

from .figures import period_figures

# --- the due date: a dated city rule ------------------------------------------------------------
# `reports.monthly_due_day` (params/city/shanghai.toml): the documents require the report every
# month but fix no day; the reference says so.


def due_rule(year: int, month: int) -> Param:
    """The due-day rule for the report of (year, month): the one in force on the first of the
    next month; a month before the first rule (the platform has none) takes the first."""
    ny, nm = _next_month(year, month)
    return (
        city_parameter("reports.monthly_due_day", date(ny, nm, 1))
        or city_rules().history("reports.monthly_due_day")[0]
    )


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def due_date(year: int, month: int) -> date:
    """The day the report of (year, month) is due, in the next month (its last day at the latest)."""
    ny, nm = _next_month(year, month)
    return date(ny, nm, min(due_rule(year, month).value, calendar.monthrange(ny, nm)[1]))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def parse_month(text: str) -> tuple[int, int]:
    """'2025-03' → (2025, 3); ValueError with a Chinese message otherwise."""
    try:
        y, m = (int(p) for p in (text or "").strip().split("-"))
    except ValueError:
        raise ValueError("月份格式不正确，请按“年-月”填写，例如 2025-03。") from None
    if not (2000 <= y <= 2100 and 1 <= m <= 12):
        raise ValueError("月份超出范围：年份 2000–2100，月份 1–12。")
    return y, m


# --- the figures ---------------------------------------------------------------------------------


def monthly_figures(orgs: Iterable[Organisation], year: int, month: int) -> dict[int, dict]:
    """业务及资金使用报表 of each district or street in `orgs` for the month."""
    start, end = month_bounds(year, month)
    figures = period_figures(orgs, start, end)
    for f in figures.values():
        f["kind"] = "monthly"
        f["period"].update(year=year, month=month)
    return figures


def monthly_report_figures(org: Organisation, year: int, month: int) -> dict:
    return monthly_figures([org], year, month)[org.pk]
