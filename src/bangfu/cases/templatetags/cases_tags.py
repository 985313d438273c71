"""Pieces of the case procedure's pages: the case summary every step's screen shows, and what
other apps' pages show (the household file)."""

from django import template

from bangfu.orgs.scope import has_perm_at

from ..selectors import case_summary, household_cases
from ..services import case_may_open

register = template.Library()


@register.inclusion_tag("cases/_household_cases.html", takes_context=True)
def household_cases_section(context, household):
    """The household file's cases, payments and follow-ups, read through the user's scope."""
    user = context["request"].user
    # 受理申请 is offered to those who take in applications at the household's street: enabled
    # or disabled with the reason the service would refuse with.
    may_intake = has_perm_at(user, "cases.intake", household.street_id)
    can_open, why_not = case_may_open(household) if may_intake else (False, "")
    return {
        "household": household,
        "household_cases": household_cases(user=user, household=household),
        "may_intake": may_intake,
        "can_open_case": can_open,
        "why_not_open": why_not,
        "request": context["request"],
    }


@register.inclusion_tag("cases/_case_summary.html")
def case_summary_card(case):
    """The case a step acts on, restated above the step's form (a case read through the scope)."""
    return {"case": case, "summary": case_summary(case=case)}
