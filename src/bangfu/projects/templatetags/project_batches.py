"""The plan page's section on batches (`projects/sections/batches.html`)."""

from django import template

from .. import batches
from ..models import Batch, BatchState

register = template.Library()

SHOWN = 5


@register.inclusion_tag("projects/batches/_section.html", takes_context=True)
def plan_batches(context, project):
    """The plan's latest batches, the counts by state, and the offer to prepare one."""
    request = context.get("request")
    user = request.user if request is not None else context["user"]
    rows = Batch.objects.filter(project=project).order_by("-number")
    may, reason = batches.may_prepare(user, project)
    delivered = rows.filter(state=BatchState.DELIVERED)
    return {
        "project": project,
        "latest": list(rows[:SHOWN]),
        "count": rows.count(),
        "delivered": delivered.count(),
        "open": rows.filter(state__in=(BatchState.PREPARED, BatchState.APPROVED)).count(),
        "may_prepare": may,
        "prepare_reason": reason if batches.may_handle(user, project) else "",
    }
