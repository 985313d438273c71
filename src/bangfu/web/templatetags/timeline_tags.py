"""The household file's timeline (bangfu.web.timeline), as a section of the file page."""

from django import template

from bangfu.web.timeline import household_timeline

register = template.Library()

# Entries shown before "show all": enough for a year or two of an ordinary household.
SHOWN = 30


@register.inclusion_tag("web/_household_timeline.html", takes_context=True)
def household_timeline_section(context, household):
    """`household` was read through the user's scope by the page; every source keeps to it."""
    request = context["request"]
    show_all = request.GET.get("timeline") == "all"
    timeline = household_timeline(user=request.user, household=household, limit=None if show_all else SHOWN)
    return {"household": household, "timeline": timeline, "show_all": show_all, "request": request}
