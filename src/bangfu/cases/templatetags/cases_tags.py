"""Pieces of the case procedure's pages: the case summary every step's screen shows, and what
other apps' pages show (the household file)."""

from django import template

from bangfu.orgs.scope import has_perm_at

from ..selectors import case_summary, household_cases

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


@register.inclusion_tag("cases/_case_summary.html")
def case_summary_card(case):
    """The case a step acts on, restated above the step's form (a case read through the scope)."""
    return {"case": case, "summary": case_summary(case=case)}
