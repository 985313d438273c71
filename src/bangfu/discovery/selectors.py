"""Scoped reads of discovery records. Every read starts from the user's scope (discovery.visit)."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from bangfu.orgs.scope import has_perm, scope_for
from bangfu.registry.models import Household, HouseholdStatus, Person, Relationship

from .models import Lead, ScreeningVisit


def households_due_for_visit(
    *, user, today: date | None = None, q: str = "", street=None
) -> QuerySet[Household]:
    """Active households with no visit yet, or whose last visit's next date has come, with their
    head (`active_members`, one query for a page). `q`: a file number (prefix) or the beginning
    of the head's name."""
    today = today or timezone.localdate()
    qs = scope_for(user, "discovery.visit").filter(
        Household.objects.filter(status=HouseholdStatus.ACTIVE), "street"
    )
    recent = ScreeningVisit.objects.filter(household=OuterRef("pk"), next_visit_due__gt=today)
    qs = qs.filter(~Exists(recent))
    q = (q or "").strip()
    if q and _FILE_NUMBER.match(q):
        qs = qs.filter(file_number__startswith=q)
    elif q:
        heads = Person.objects.filter(name__startswith=q, active=True, relationship=Relationship.HEAD)
        qs = qs.filter(pk__in=heads.values("household_id"))
    if street is not None:
        qs = qs.filter(street=street)
    members = Person.objects.filter(active=True).order_by("pk")
    return (
        qs.select_related("street")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="active_members"))
        .order_by("street", "file_number")
    )


# The due list's sortable columns (core.listing).
DUE_SORTS = {"file_number": ("file_number",), "street": ("street__code", "file_number")}
_FILE_NUMBER = re.compile(r"^[\dT][\d-]*$")


def leads_open(*, user) -> QuerySet[Lead]:
    qs = Lead.objects.filter(closed_at__isnull=True).select_related("household", "street")
    return scope_for(user, "discovery.visit").filter(qs, "street")


def lead_get(*, user, pk: int) -> Lead:
    return get_object_or_404(leads_open(user=user), pk=pk)


def visits(*, user) -> QuerySet[ScreeningVisit]:
    qs = ScreeningVisit.objects.select_related("household", "by")
    return scope_for(user, "discovery.visit").filter(qs, "street")


def visit_get(*, user, pk: int) -> ScreeningVisit:
    return get_object_or_404(visits(user=user), pk=pk)


def work_queue_tiles(user) -> list[dict]:
    """The home page's discovery tiles (as `cases.selectors.work_queue_tiles`): households due
    for a visit and open leads, for those who make the visits."""
    if not has_perm(user, "discovery.visit"):
        return []
    url = reverse("discovery:discovery")
    return [
        {
            "label": "待排摸家庭",
            "count": households_due_for_visit(user=user).count(),
            "url": url,
            "overdue": False,
        },
        {
            "label": "待跟进线索",
            "count": leads_open(user=user).count(),
            "url": f"{url}#leads",
            "overdue": False,
        },
    ]
