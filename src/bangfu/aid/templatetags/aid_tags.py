from django import template
from django.urls import reverse
from django.utils import timezone

from bangfu.aid.selectors import year_by_form_and_kind
from bangfu.orgs.scope import has_perm_at

register = template.Library()


@register.inclusion_tag("aid/_household_aid.html", takes_context=True)
def household_aid_section(context, household):
    """This year's aid on the household file, by form and kind (SPEC §4), a project's aid by its
    plan. `household` was read through the user's scope by the page (registry.selectors.
    household_get); a plan is linked only for those who may read it (`projects.view` at its
    owner, as `projects.selectors.may`: aid sits below project aid and does not import it)."""
    user = context["request"].user
    year = timezone.localdate().year
    rows = year_by_form_and_kind(household.pk, year)
    for row in rows:
        for plan in row["plans"]:
            allowed = plan["plan_id"] is not None and has_perm_at(user, "projects.view", plan["owner_id"])
            plan["url"] = reverse("projects:detail", args=[plan["plan_id"]]) if allowed else None
    return {"year": year, "rows": rows}
