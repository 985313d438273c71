"""The month of a report: when it is due (a dated parameter), its bounds, and its figures."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from bangfu.orgs.models import Organisation

from .figures import period_figures

# --- the due date: a dated parameter -------------------------------------------------------------


@dataclass(frozen=True)
class DueDay:
    day: int  # the day of the month after the reported month
    starts: date
    reference: str


# 沪民救发〔2025〕1号 四(二) "区、街镇帮扶组织每月按时填报业务及资金使用报表" and 长民发〔2016〕31号 五.2
# "按要求每月上报" require the report every month but fix no day. The 10th of the next month is
# our default (a month's payments are posted and reconciled within the first week): a
# decision to confirm with the foundation; a later rule is a new row with its own start.
REPORT_DUE_DAYS: tuple[DueDay, ...] = (
    DueDay(
        10,
        date(2016, 7, 1),
        "沪民救发〔2025〕1号 四(二)；长民发〔2016〕31号 五.2（报送日由平台设定，待基金会确认）",
    ),
)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def due_date(year: int, month: int) -> date:
    """The day the report of (year, month) is due: the rule in force on the first of the next month."""
    ny, nm = _next_month(year, month)
    first = date(ny, nm, 1)
    rules = sorted(REPORT_DUE_DAYS, key=lambda r: r.starts)
    rule = next((r for r in reversed(rules) if r.starts <= first), rules[0])
    return date(ny, nm, min(rule.day, calendar.monthrange(ny, nm)[1]))


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
