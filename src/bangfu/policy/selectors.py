"""Reading policy versions: the one in force, the book the engine evaluates against, and
the versions a user may see.

Published versions are public rules: every member of staff with `policy.view` reads them.
Drafts and versions under review are seen only within the scope of `policy.view` at their
district (that district's staff, and the city-wide foundation, bureau and auditors).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from bangfu.orgs.models import Organisation
from bangfu.orgs.scope import has_perm, scope_for

from .engine import ParameterSet, PolicyBook
from .models import Policy
from .parameters import SPECS, Spec


def policy_in_force(district_code: str, day: date) -> Policy | None:
    """The published version of the district that covers `day` (versions never overlap)."""
    return (
        Policy.objects.filter(
            status=Policy.Status.PUBLISHED,
            district__code=district_code,
            valid_from__lte=day,
            valid_to__gte=day,
        )
        .select_related("district")
        .prefetch_related("values")
        .first()
    )


def policy_book() -> PolicyBook:
    """Every published version and the districts of the network, ready for the engine.

    Three queries, whatever the number of evaluations that follow (the batch command loads
    it once).
    """
    published = (
        Policy.objects.filter(status=Policy.Status.PUBLISHED)
        .select_related("district")
        .prefetch_related("values")
    )
    return PolicyBook([ParameterSet(p.as_data()) for p in published], network_districts())


def network_districts() -> dict[str, str]:
    """The districts of the organisation network, code -> name: the `district` an evaluation may name."""
    return dict(Organisation.objects.filter(kind="district").values_list("code", "name"))


def parameter_set(policy: Policy) -> ParameterSet:
    """Any version, draft included, as the engine reads it (for trying a draft out)."""
    return ParameterSet(policy.as_data())


def missing_parameters(policy: Policy) -> list[Spec]:
    """The required parameters the version has no value for: it cannot be evaluated without them."""
    present = {v.name for v in policy.values.all()}
    return [s for s in SPECS if s.required and s.name not in present]


def policies_visible(*, user) -> QuerySet:
    qs = Policy.objects.select_related("district")
    if not has_perm(user, "policy.view"):
        return qs.none()
    scope = scope_for(user, "policy.view")
    if scope.city_wide:
        return qs
    return qs.filter(Q(status=Policy.Status.PUBLISHED) | Q(district_id__in=scope.org_ids))


def policy_visible(*, user, code: str) -> Policy | None:
    return policies_visible(user=user).filter(code=code).first()


def districts_where(*, user, perm: str) -> QuerySet:
    """The district organisations at which the user holds `perm` (e.g. where they may draft)."""
    scope = scope_for(user, perm)
    return scope.filter(Organisation.objects.filter(kind="district", active=True), "pk")
