"""Dates that record facts: the one rule that they cannot lie in the future."""

from datetime import date

from django.utils import timezone


def future_fact(day: date | None, label: str = "日期") -> str | None:
    """Why `day` cannot record a fact (a donation received, an invoice, a visit made, a residence
    start), or None when it can: a fact has happened, so its day is today in Shanghai or before.
    A date that plans (a next visit, an agreement's end, a deadline) is not checked by this."""
    today = timezone.localdate()
    if day is None or day <= today:
        return None
    return f"{label}不能晚于今天（{today.year}年{today.month}月{today.day}日）。"
