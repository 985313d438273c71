"""Project aid on the household file (SPEC §4): the household's enrolments in plans, their
state and reason, and what each batch delivered or did not deliver to it."""

from django import template
from django.urls import reverse

from bangfu.orgs.scope import has_perm_at

from ..models import BatchItem, Enrolment, ItemState

register = template.Library()

# What the file lists of a batch item: what was delivered, what was not (and why), and what is
# waiting in an open batch. A cancelled batch's items are not a delivery to this household.
SHOWN_ITEMS = (ItemState.DELIVERED, ItemState.UNDELIVERED, ItemState.PENDING)


def may_read_plan(user, project) -> bool:
    """May the user open the plan's page: `projects.view` at its owner (the foundation and the
    bureau read every plan, a district its own). The same check as `projects.selectors.may`
    (user, "projects.view", project); the owner's id is enough, so no owner row is read."""
    return has_perm_at(user, "projects.view", project.owner_id)


def plan_url(user, project) -> str | None:
    """The plan's page for those who may read it, else None (the plan is then named, not linked)."""
    return reverse("projects:detail", args=[project.pk]) if may_read_plan(user, project) else None


def household_projects(*, user, household) -> list[Enrolment]:
    """The household's enrolments, each with its plan (`plan_url` set for the reader) and its
    batch items (`deliveries`, newest batch first), in two queries. `household` was read through
    the user's registry scope (a street reads its own households' enrolments)."""
    enrolments = list(
        Enrolment.objects.filter(household=household)
        .select_related("project__owner", "project__fund_source")
        .order_by("-enrolled_at", "-pk")
    )
    items: dict[int, list[BatchItem]] = {}
    if enrolments:
        for item in (
            BatchItem.objects.filter(household=household, state__in=SHOWN_ITEMS)
            .select_related("batch")
            .order_by("-batch__number", "-pk")
        ):
            items.setdefault(item.enrolment_id, []).append(item)
    for e in enrolments:
        e.plan_url = plan_url(user, e.project)
        e.deliveries = items.get(e.pk, [])
    return enrolments


@register.inclusion_tag("projects/_household_projects.html", takes_context=True)
def household_projects_section(context, household):
    """The file's 项目帮扶 section, and the offer to enrol the household (`_household_enrol.html`)."""
    request = context["request"]
    return {
        "household": household,
        "enrolments": household_projects(user=request.user, household=household),
        "request": request,
        "user": request.user,
    }
