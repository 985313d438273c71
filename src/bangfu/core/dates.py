"""Dates as people read them (2026年12月1日, never ISO in visible text), and the one rule of the
dates that record facts: they cannot lie in the future."""

from datetime import date, datetime

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
