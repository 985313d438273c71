"""Dates that record facts: the one rule that they cannot lie in the future."""

from datetime import date, datetime

from django.utils import timezone


def future_fact(day: date | None, label: str = "日期") -> str | None:
    """Why `day` cannot record a fact (a donation received, an invoice, a visit made, a residence
    start), or None when it can: a fact has happened, so its day is today in Shanghai or before.
    A date that plans (a next visit, an agreement's end, a deadline) is not checked by this."""
    today = timezone.localdate()
    if day is None or day <= today:
        return None
    return f"{label}不能晚于今天（{today.year}年{today.month}月{today.day}日）。"


def format_date(value) -> str:
    """2025年1月10日 (SPEC §10): a date, a datetime (its Shanghai day) or an ISO date string as
    stored in JSON; anything else is returned as it is."""
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10]) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return value


def format_datetime(value) -> str:
    """2025年1月10日 14:35, in Shanghai."""
    if not value:
        return "—"
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
