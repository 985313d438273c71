"""Scoped reads of households and people. Every read of personal data starts here.

Each function takes the user and goes through `scope_for(user, "registry.view")`, so a
record outside the user's organisations is simply not found (404 in the views).
"""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bangfu.audit.models import AuditEntry
from bangfu.core.crypto import lookup_hash
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import scope_for

from .models import Category, Household, HouseholdCategory, HouseholdStatus, Means, Person, Relationship

# A household is in one category at a time; should two periods ever overlap (data
# imported from the monitoring platform), the more protective one is shown.
CATEGORY_PRECEDENCE = [Category.DIBAO, Category.LOW_INCOME, Category.RIGID_EXPENSE]

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_FILE_NUMBER = re.compile(r"^\d{3,9}(-\d{0,7})?$")


def households(*, user) -> QuerySet[Household]:
    """All households the user may see (any status)."""
    return scope_for(user, "registry.view").filter(Household.objects.all(), "street")


def household_get(*, user, pk: int) -> Household:
    """One household, or 404 when it does not exist or is outside the user's scope."""
    return get_object_or_404(
        households(user=user).select_related("street__parent", "committee", "merged_into"), pk=pk
    )


def household_by_file_number(*, user, file_number: str) -> Household | None:
    return households(user=user).select_related("street").filter(file_number=file_number.strip()).first()


def person_get(*, user, household: Household, pk: int) -> Person:
    """A member of a household the caller already holds (itself fetched through scope)."""
    qs = scope_for(user, "registry.view").filter(
        Person.objects.filter(household=household), "household__street"
    )
    return get_object_or_404(qs.select_related("household__street"), pk=pk)


def category_get(*, user, household: Household, pk: int) -> HouseholdCategory:
    qs = scope_for(user, "registry.view").filter(
        HouseholdCategory.objects.filter(household=household), "household__street"
    )
    return get_object_or_404(qs, pk=pk)


def _current_categories(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def household_counts(*, user) -> dict:
    today = timezone.localdate()
    active = households(user=user).filter(status=HouseholdStatus.ACTIVE)
    dibao_now = HouseholdCategory.objects.filter(
        _current_categories(today), household=OuterRef("pk"), category=Category.DIBAO
    )
    return {"active": active.count(), "dibao": active.filter(Exists(dibao_now)).count()}


def household_counts_by_street(*, user) -> list:
    """Each street in scope with its number of active households (zero included), for a
    district's home page: one grouped query."""
    streets = Organisation.objects.filter(kind=OrgKind.STREET)
    return list(
        scope_for(user, "registry.view")
        .filter(streets, "pk")
        .annotate(n=Count("households", filter=Q(households__status=HouseholdStatus.ACTIVE)))
        .order_by("code")
    )


def is_id_number_query(q: str) -> bool:
    return bool(_ID_NUMBER.match((q or "").strip()))


# The household list's sortable columns (core.listing); the primary key breaks ties.
HOUSEHOLD_SORTS = {
    "file_number": ("file_number",),
    "street": ("street__code",),
    "created": ("created_at",),
}


def household_search(
    *, user, q: str = "", category: str | None = None, street: int | None = None, day: date | None = None
) -> QuerySet[Household]:
    """Households in scope matching `q`, newest first, ready for the list page.

    `q` is read as an 18-character ID number (exact, through its keyed hash, and only at
    the streets where the user may reveal ID numbers), a file
    number (exact or prefix, e.g. "310105001-00001"), or else the beginning of a
    member's name. Each of these is served by an index: `id_hash`, and the
    `varchar_pattern_ops` indexes that Django creates on PostgreSQL for the indexed
    `file_number` and `name` columns (LIKE 'prefix%'). Merged files are left out
    unless asked for by file number, so an old number still leads to its new file.
    """
    day = day or timezone.localdate()
    qs = households(user=user)
    q = (q or "").strip()
    if is_id_number_query(q):
        # Only where the user may reveal ID numbers: to anyone else a hit would confirm a
        # guess, and the mask with the birth year leaves only a few dozen numbers to try.
        holders = Person.objects.filter(id_hash=lookup_hash(q.upper())).values("household_id")
        qs = scope_for(user, "registry.reveal").filter(qs.filter(pk__in=holders), "street")
    elif _FILE_NUMBER.match(q):
        qs = qs.filter(file_number=q) if len(q) == 17 else qs.filter(file_number__startswith=q)
    elif q:
        named = Person.objects.filter(name__startswith=q, active=True).values("household_id")
        qs = qs.filter(pk__in=named).exclude(status=HouseholdStatus.MERGED)
    else:
        qs = qs.exclude(status=HouseholdStatus.MERGED)
    if street:
        qs = qs.filter(street_id=street)
    if category:
        current = HouseholdCategory.objects.filter(_current_categories(day), household=OuterRef("pk"))
        if category == Category.OTHER:
            qs = qs.exclude(Exists(current.filter(category__in=CATEGORY_PRECEDENCE)))
        else:
            qs = qs.filter(Exists(current.filter(category=category)))
    # Two prefetches, one query each, for the whole page: the head and the categories
    # current today (no query per row).
    return (
        qs.select_related("street")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Person.objects.filter(active=True).order_by("pk"),
                to_attr="active_members",
            ),
            Prefetch(
                "categories",
                queryset=HouseholdCategory.objects.filter(_current_categories(day)),
                to_attr="current_categories",
            ),
        )
        .order_by("-pk")
    )


def household_category_on(household: Household, day: date) -> str:
    """The category code that holds on `day`, "other" when none does.

    Uses the `current_categories` prefetched by `household_search` when it is there
    (for today's list) and the household's categories otherwise.
    """
    rows = getattr(household, "current_categories", None)
    if rows is None or day != timezone.localdate():
        rows = household.categories.all()
    return category_on(rows, day)


def category_on(rows, day: date) -> str:
    """The category code of these category rows that holds on `day`, "other" when none does
    (the bulk writers of synthetic data call it on rows they read in one query)."""
    codes = {c.category for c in rows if c.current_on(day)}
    # Plain strings, as a row read from the database has them (the policy engine checks types).
    return str(next((code for code in CATEGORY_PRECEDENCE if code in codes), Category.OTHER))


def household_head(household: Household) -> Person | None:
    members = getattr(household, "active_members", None)
    if members is None:
        members = household.members.filter(active=True)
    return next((p for p in members if p.relationship == Relationship.HEAD), None)


def household_members(*, user, household: Household) -> QuerySet[Person]:
    """All members ever on the file (active first), with their income and assets."""
    qs = scope_for(user, "registry.view").filter(
        Person.objects.filter(household=household), "household__street"
    )
    return qs.select_related("hukou_district").prefetch_related("means").order_by("-active", "pk")


def household_history(*, user, household: Household) -> QuerySet[AuditEntry]:
    """The audit rows of the file: the household, its members, categories and means, and
    any file merged into it. Later issues add cases and payments to this trail."""
    if not scope_for(user, "registry.view").allows(household.street_id):
        return AuditEntry.objects.none()
    household_ids = [household.pk, *household.merged_from.values_list("pk", flat=True)]
    person_ids = list(Person.objects.filter(household_id__in=household_ids).values_list("pk", flat=True))
    category_ids = HouseholdCategory.objects.filter(household_id__in=household_ids).values_list(
        "pk", flat=True
    )
    means_ids = Means.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)

    def about(label: str, ids) -> Q:
        return Q(target_type=label, target_id__in=[str(pk) for pk in ids])

    return (
        AuditEntry.objects.filter(
            about("registry.household", household_ids)
            | about("registry.person", person_ids)
            | about("registry.householdcategory", category_ids)
            | about("registry.means", means_ids)
        )
        .select_related("user")
        .order_by("-at", "-pk")
    )


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
