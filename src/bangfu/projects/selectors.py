"""Scoped reads of project aid (SPEC §1, §4): a plan is its owner's, read by the owner's staff
and those above it — the foundation and the bureau read every plan, a district its own (never
another district's, nor the foundation's). A plan outside scope answers 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from bangfu.orgs.scope import has_perm_at, scope_for

from .models import Enrolment, Project


def plans_visible(user) -> QuerySet[Project]:
    """The plans the user may read: their owner within the user's `projects.view` scope."""
    qs = Project.objects.select_related("owner", "fund_source")
    return scope_for(user, "projects.view").filter(qs, "owner_id")


def plan_visible(user, pk) -> Project:
    """One plan the user may read; Http404 outside scope (its existence does not leak)."""
    try:
        return plans_visible(user).get(pk=int(pk))
    except (Project.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def may(user, perm: str, project: Project) -> bool:
    """Whether the user holds `perm` at the plan's owner (or above it)."""
    return has_perm_at(user, perm, project.owner_id)


def household_enrolments(user, household) -> QuerySet[Enrolment]:
    """The household's enrolments, for its file: the reader has already passed the household's
    registry scope (a street reads its own households' enrolments, whoever owns the plan)."""
    return (
        Enrolment.objects.filter(household=household)
        .select_related("project", "project__owner", "project__fund_source", "person")
        .order_by("-enrolled_at", "-id")
    )
