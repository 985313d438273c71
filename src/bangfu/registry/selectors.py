"""Scoped reads of households and people. Every read of personal data starts here."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bangfu.core.crypto import lookup_hash
from bangfu.orgs.scope import scope_for

from .models import Household, HouseholdStatus, Person


def households(*, user) -> QuerySet[Household]:
    """All households the user may see (any status)."""
    return scope_for(user, "registry.view").filter(Household.objects.all(), "street")


def household_get(*, user, pk: int) -> Household:
    """One household, or 404 when it does not exist or is outside the user's scope."""
    return get_object_or_404(households(user=user).select_related("street__parent", "committee"), pk=pk)


def household_counts(*, user) -> dict:
    today = timezone.localdate()
    current_dibao = Q(categories__category="dibao", categories__valid_from__lte=today) & (
        Q(categories__valid_to__isnull=True) | Q(categories__valid_to__gte=today)
    )
    active = households(user=user).filter(status=HouseholdStatus.ACTIVE)
    return {
        "active": active.count(),
        "dibao": active.filter(current_dibao).values("pk").distinct().count(),
    }


def person_by_id_number(*, user, id_number: str) -> QuerySet[Person]:
    """Exact look-up by ID number through its keyed hash, within scope."""
    qs = Person.objects.filter(id_hash=lookup_hash(id_number))
    return scope_for(user, "registry.view").filter(qs, "household__street")


def active_person_with_id_anywhere(id_number: str) -> Person | None:
    """City-wide duplicate check (SPEC §2). Deliberately unscoped: a street must learn that
    the person is already on file elsewhere, though it will not see that file."""
    return (
        Person.objects.select_related("household__street")
        .filter(id_hash=lookup_hash(id_number), active=True)
        .first()
    )
