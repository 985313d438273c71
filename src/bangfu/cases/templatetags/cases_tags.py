"""Pieces of the case procedure that other apps' pages show (the household file)."""

from django import template

from bangfu.orgs.scope import has_perm_at

from ..selectors import household_cases

register = template.Library()


@register.inclusion_tag("cases/_household_cases.html", takes_context=True)
def household_cases_section(context, household):
    """The household file's cases, payments and follow-ups, read through the user's scope."""
    user = context["request"].user
    return {
        "household": household,
        "household_cases": household_cases(user=user, household=household),
        "can_open_case": household.status == "active"
        and has_perm_at(user, "cases.intake", household.street_id),
        "request": context["request"],
    }
