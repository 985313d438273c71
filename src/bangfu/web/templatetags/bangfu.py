"""Display helpers: money and dates as people in Shanghai read them (SPEC §10)."""

from django import template

from bangfu.core.dates import cn_datetime, shown_date
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
    """2025年1月10日, from a date, a moment or an ISO text (a snapshot's date)."""
    return shown_date(value)


@register.filter
def cndatetime(value):
    return cn_datetime(value) if value else "—"


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
