"""Pieces of active discovery that other apps' pages show (the household file)."""

from django import template

from bangfu.orgs.scope import has_perm_at

from ..selectors import leads_open

register = template.Library()


@register.inclusion_tag("discovery/_household_leads.html", takes_context=True)
def household_leads_section(context, household):
    """The household file's open leads, shown (and raised) only by those who follow them up."""
    user = context["request"].user
    return {
        "household": household,
        "can_raise_lead": has_perm_at(user, "discovery.visit", household.street_id),
        "household_leads": leads_open(user=user).filter(household=household),
        "request": context["request"],
    }
