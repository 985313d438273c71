"""Scoped reads of project aid (SPEC §1, §4): a plan is its owner's, read by the owner's staff
and those above it — the foundation and the bureau read every plan, a district its own (never
another district's, nor the foundation's). A plan outside scope answers 404.

The one question every part asks, "may the user do X at the plan's owner", is `may` (and
`authorise`, the services' refusal of it); `own_staff=True` asks for a role held at the owner
itself (its own staff draw up and submit its plans: the foundation reads a district's plan but
does not draw it up)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.orgs.roles import PERMISSIONS
from bangfu.orgs.scope import has_perm_at, scope_for

from .models import Enrolment, Project

READ = "projects.view"


def plans_visible(user, perm: str = READ) -> QuerySet[Project]:
    """The plans the user may read (or, with `perm`, act on): their owner within the user's
    scope of that permission."""
    qs = Project.objects.select_related("owner", "fund_source")
    return scope_for(user, perm).filter(qs, "owner_id")


def plan_visible(user, pk, perm: str = READ) -> Project:
    """One plan the user may read (or act on, with `perm`); Http404 outside scope (its existence
    does not leak)."""
    try:
        return plans_visible(user, perm).get(pk=int(pk))
    except (Project.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _owner_id(plan_or_owner) -> int | None:
    if isinstance(plan_or_owner, Project):
        return plan_or_owner.owner_id
    if isinstance(plan_or_owner, Organisation):
        return plan_or_owner.pk
    return plan_or_owner


def may(user, perm: str, plan_or_owner, *, own_staff: bool = False) -> bool:
    """Whether the user holds `perm` at the plan's owner (or above it; with `own_staff`, at the
    owner itself). A plan not yet made is asked about by its owner (an organisation or its id)."""
    owner_id = _owner_id(plan_or_owner)
    if not own_staff:
        return has_perm_at(user, perm, owner_id)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role_assignments.filter(org_id=owner_id, role__in=PERMISSIONS[perm]).exists()


def authorise(actor: Actor, perm: str, plan_or_owner, message: str, *, own_staff: bool = False, **refusal):
    """A person without `perm` at the plan's owner is refused with `message` (403, `forbidden`
    unless `refusal` says otherwise); work the system does on its own is not asked."""
    if actor.user is not None and not may(actor.user, perm, plan_or_owner, own_staff=own_staff):
        raise Refused(message, **{"code": "forbidden", "status": 403, **refusal})


def plan_url(user, plan_id: int, owner_id: int) -> str | None:
    """The plan's page for a reader who may read it, else None (the plan is then named, not
    linked): the household file, its timeline and its aid by form link a plan by this. The
    owner's id is enough, so no row is read."""
    return reverse("projects:detail", args=[plan_id]) if may(user, READ, owner_id) else None


def household_enrolments(user, household) -> QuerySet[Enrolment]:
    """The household's enrolments, for its file: the reader has already passed the household's
    registry scope (a street reads its own households' enrolments, whoever owns the plan)."""
    return (
        Enrolment.objects.filter(household=household)
        .select_related("project", "project__owner", "project__fund_source", "person")
        .order_by("-enrolled_at", "-id")
    )
