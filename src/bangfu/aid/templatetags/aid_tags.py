from django import template
from django.utils import timezone

from bangfu.aid.selectors import plan_page, year_by_form_and_kind

register = template.Library()


@register.inclusion_tag("aid/_household_aid.html", takes_context=True)
def household_aid_section(context, household):
    """This year's aid on the household file, by form and kind (SPEC §4), a project's aid by its
    plan. `household` was read through the user's scope by the page (registry.selectors.
    household_get); a plan is linked only for those who may open it (`aid.selectors.plan_page`)."""
    user = context["request"].user
    year = timezone.localdate().year
    rows = year_by_form_and_kind(household.pk, year)
    for row in rows:
        for plan in row["plans"]:
            plan["url"] = plan_page(user, plan["plan_id"], plan["owner_id"])
    return {"year": year, "rows": rows}
