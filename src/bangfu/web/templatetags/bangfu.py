"""Display helpers: money and dates as people in Shanghai read them (SPEC §10)."""

from datetime import date, datetime

from django import template
from django.utils import timezone

from bangfu.core.dates import format_day
from bangfu.core.money import format_capitals, format_change, format_difference, format_yuan

register = template.Library()


@register.filter
def yuan(value):
    return format_yuan(value)


@register.filter
def capitals(value):
    """壹万贰仟叁佰肆拾伍元陆角柒分 (大写金额)"""
    return format_capitals(value) if value is not None else "—"


@register.filter
def difference(value):
    return format_difference(value)


@register.filter
def change(value):
    return format_change(value)


@register.filter
def cndate(value):
    """2025年1月10日"""
    if not value:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    if isinstance(value, date):
        return format_day(value)
    return value


@register.filter
def cndatetime(value):
    if not value:
        return "—"
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some keys replaced (for paging links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
