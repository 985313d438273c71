"""The sortable column header of a list (`core.listing`): a link that sorts by the column and keeps
the list's filters, the column in force marked ▲/▼ and with aria-sort."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, listing, column: str, label: str, css: str = ""):
    """`{% sort_th listing "date" "申请日期" "money" %}`: ascending first, then the other way."""
    params = context["request"].GET.copy()
    params.pop("page", None)  # a new order starts at its first page
    current = listing.sort_column == column
    descending = current and listing.descending
    params["sort"] = column if (not current or descending) else f"-{column}"
    if current:
        aria, mark = ("descending", " ▼") if descending else ("ascending", " ▲")
        title = "当前按此列降序，点击改为升序" if descending else "当前按此列升序，点击改为降序"
    else:
        aria, mark, title = "none", "", "点击按此列排序"
    return format_html(
        '<th{} aria-sort="{}"><a class="sort-link" href="?{}" title="{}">{}{}</a></th>',
        format_html(' class="{}"', css) if css else "",
        aria,
        params.urlencode(),
        title,
        label,
        mark,
    )


def _others(context, form):
    """The query parameters that are not the form's filters nor the page (a queue, an
    organisation, the sort): what filtering again must keep."""
    params = context["request"].GET.copy()
    for key in [*form.fields, "page"]:
        params.pop(key, None)
    return params


@register.simple_tag(takes_context=True)
def keep_params(context, form):
    """Hidden inputs carrying the other query parameters through the filter form."""
    return format_html_join(
        "", '<input type="hidden" name="{}" value="{}">',
        ((key, value) for key, values in _others(context, form).lists() for value in values),
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def without_filters(context, form):
    """The query string with the filters cleared (the queue and the sort kept)."""
    return _others(context, form).urlencode()
