"""Dates that record facts: the one rule that they cannot lie in the future."""

from datetime import date

from django.utils import timezone


def format_day(day: date) -> str:
    """A day as people read it, the one way: 2026年12月1日 (never ISO in visible text)."""
    return f"{day.year}年{day.month}月{day.day}日"


def future_fact(day: date | None, label: str = "日期") -> str | None:
    """Why `day` cannot record a fact (a donation received, an invoice, a visit made, a residence
    start), or None when it can: a fact has happened, so its day is today in Shanghai or before.
    A date that plans (a next visit, an agreement's end, a deadline) is not checked by this."""
    today = timezone.localdate()
    if day is None or day <= today:
        return None
    return f"{label}不能晚于今天（{format_day(today)}）。"
