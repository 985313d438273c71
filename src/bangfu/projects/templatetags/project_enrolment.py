"""Enrolment on the plan's page and the household file: the plan page's section (counts by
state, the ways in) and the file's 纳入项目 (the plans the reader may enrol the household into)."""

from django import template
from django.utils import timezone

from bangfu.projects import enrolment
from bangfu.projects.forms.enrolment import HouseholdEnrolForm

register = template.Library()


def _reader(context):
    request = context.get("request")
    return request.user if request is not None else context.get("user")


@register.simple_tag(takes_context=True)
def plan_enrolment_section(context, project):
    user = _reader(context)
    return {
        "counts": enrolment.counts_by_state(project),
        "may_manage": user is not None and enrolment.may_manage(user, project),
    }


@register.simple_tag(takes_context=True)
def household_enrol_offer(context, household):
    """`household` was read through the reader's registry scope by the household page."""
    user = _reader(context)
    if user is None:
        return {"plans": []}
    plans = enrolment.enrollable_plans(user, household, timezone.localdate())
    if not plans:
        return {"plans": []}
    members = list(household.members.filter(active=True).order_by("id"))
    return {"plans": plans, "form": HouseholdEnrolForm(plans=plans, members=members)}
