"""Project aid on the household file (SPEC §4): the household's enrolments in plans, their
state and reason, and what each batch delivered or did not deliver to it."""

from django import template

from .. import selectors
from ..models import BatchItem, Enrolment, ItemState

register = template.Library()

# What the file lists of a batch item: what was delivered, what was not (and why), and what is
# waiting in an open batch. A cancelled batch's items are not a delivery to this household.
SHOWN_ITEMS = (ItemState.DELIVERED, ItemState.UNDELIVERED, ItemState.PENDING)


def household_projects(*, user, household) -> list[Enrolment]:
    """The household's enrolments (`selectors.household_enrolments`), each with its plan
    (`plan_url` set for the reader) and its batch items (`deliveries`, newest batch first), in
    two queries. `household` was read through the user's registry scope."""
    enrolments = list(selectors.household_enrolments(user, household))
    items: dict[int, list[BatchItem]] = {}
    if enrolments:
        for item in (
            BatchItem.objects.filter(household=household, state__in=SHOWN_ITEMS)
            .select_related("batch")
            .order_by("-batch__number", "-pk")
        ):
            items.setdefault(item.enrolment_id, []).append(item)
    for e in enrolments:
        e.plan_url = selectors.plan_url(user, e.project_id, e.project.owner_id)
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
