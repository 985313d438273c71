from django import template
from django.utils import timezone

from bangfu.aid.selectors import year_by_form_and_kind

register = template.Library()


@register.inclusion_tag("aid/_household_aid.html")
def household_aid_section(household):
    """This year's aid on the household file, by form and kind (SPEC §4). `household` was read
    through the user's scope by the page (registry.selectors.household_get)."""
    year = timezone.localdate().year
    rows = year_by_form_and_kind(household.pk, year)
    return {"year": year, "rows": rows}
