"""Dates as people read them (2026年12月1日, never ISO in visible text), and the one rule of the
dates that record facts: they cannot lie in the future."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone


def cn_date(day: date | datetime | str) -> str:
    """2026年12月1日: the one way a date is shown (the `cndate` filter, messages, PDFs). A moment
    is shown as its day in Shanghai; an ISO text (as JSON snapshots keep dates) as its date."""
    if isinstance(day, str):
        day = date.fromisoformat(day) if len(day) == 10 else datetime.fromisoformat(day)
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def shown_date(value) -> str:
    """cn_date for what a page or the audit log shows: — for nothing, and a text that is not a
    date as it is."""
    if not value:
        return "—"
    try:
        return cn_date(value)
    except (TypeError, ValueError):
        return value


def cn_datetime(moment: datetime) -> str:
    """2026年12月1日 14:35, in Shanghai."""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def future_fact(day: date | None, label: str = "日期") -> str | None:
    """Why `day` cannot record a fact (a donation received, an invoice, a visit made, a residence
    start), or None when it can: a fact has happened, so its day is today in Shanghai or before.
    A date that plans (a next visit, an agreement's end, a deadline) is not checked by this."""
    today = timezone.localdate()
    if day is None or day <= today:
        return None
    return f"{label}不能晚于今天（{cn_date(today)}）。"


# --- a window of months, as the dashboards take it ---------------------------------------------


def add_months(first: date, n: int) -> date:
    """The first day of the month `n` months after `first`'s (before, when negative)."""
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _month_start(text: str | None, default: date) -> tuple[date, str]:
    if not text:
        return default, ""
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1), ""
    except ValueError:
        return default, f"月份“{text}”格式不正确，请按“年-月”填写，例如 2026-01。"


@dataclass(frozen=True)
class MonthWindow:
    start: date  # the first day of the first month
    last: date  # the first day of the last month
    end: date  # the last day of the last month
    months: list[date]  # the first day of each month
    errors: list[str]  # what was wrong with the months asked for, and what is shown instead


MAX_MONTHS = 60


def month_window(from_text: str | None, to_text: str | None, today: date) -> MonthWindow:
    """The months from `from_text` to `to_text` (年-月, as a month input sends them), by default
    the twelve months up to today's; a bad or reversed pair falls back with a Chinese reason."""
    this_month = today.replace(day=1)
    start, error1 = _month_start(from_text, add_months(this_month, -11))
    last, error2 = _month_start(to_text, this_month)
    errors = [e for e in (error1, error2) if e]
    if last < start:
        errors.append("截止月份不能早于起始月份，已改为显示近12个月。")
        start, last = add_months(this_month, -11), this_month
    if (last.year * 12 + last.month) - (start.year * 12 + start.month) >= MAX_MONTHS:
        errors.append(f"一次最多显示{MAX_MONTHS}个月，已从截止月份往前取{MAX_MONTHS}个月。")
        start = add_months(last, -(MAX_MONTHS - 1))
    months = [add_months(start, i) for i in range((last.year - start.year) * 12 + last.month - start.month + 1)]
    return MonthWindow(start, last, add_months(last, 1) - timedelta(days=1), months, errors)
