"""The one scoping door: which organisations a user reaches with a permission.

Every read of personal data goes through `Scope.filter` (via each app's selectors).
A permission held at an organisation reaches it and everything below it; held at the
bureau or the foundation it reaches the whole city. Records outside scope answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from .roles import PERMISSIONS

_CITY_WIDE_KINDS = {"bureau", "foundation"}
_TREE_VERSION_KEY = "orgs:tree-version"
_tree_cache: dict = {"version": None, "children": {}, "kind": {}}


def move_tree_version() -> None:
    """Make every process reload the tree at its next read (no database needed)."""
    try:
        cache.incr(_TREE_VERSION_KEY)
    except ValueError:
        cache.set(_TREE_VERSION_KEY, 1, None)


def bump_tree_version() -> None:
    """Called when an organisation changes, so every process reloads the tree.

    Once now, for this transaction's own reads, and once more when it commits: a process that
    reloaded in between read the tree without the change and would keep it.
    """
    move_tree_version()
    transaction.on_commit(move_tree_version)


def _tree() -> tuple[dict[int, list[int]], dict[int, str]]:
    # The tree is small (~250 rows) and read on every request: keep it in memory and
    # reload only when the version in the shared cache moves.
    version = cache.get(_TREE_VERSION_KEY, 0)
    if _tree_cache["version"] != version:
        from .models import Organisation

        children: dict[int, list[int]] = {}
        kind: dict[int, str] = {}
        for pk, parent_id, k in Organisation.objects.values_list("pk", "parent_id", "kind"):
            children.setdefault(parent_id, []).append(pk)
            kind[pk] = k
        _tree_cache.update(version=version, children=children, kind=kind)
    return _tree_cache["children"], _tree_cache["kind"]


def descendants(org_ids) -> set[int]:
    children, _ = _tree()
    seen: set[int] = set()
    stack = list(org_ids)
    while stack:
        pk = stack.pop()
        if pk not in seen:
            seen.add(pk)
            stack.extend(children.get(pk, ()))
    return seen


@dataclass(frozen=True)
class Scope:
    """The organisations reached. `org_ids is None` means the whole city."""

    org_ids: frozenset[int] | None

    @property
    def city_wide(self) -> bool:
        return self.org_ids is None

    @property
    def empty(self) -> bool:
        return self.org_ids is not None and not self.org_ids

    def allows(self, org_id: int | None) -> bool:
        return self.org_ids is None or org_id in self.org_ids

    def filter(self, qs: QuerySet, field: str) -> QuerySet:
        """Keep the rows whose organisation (`field`, a lookup path to an Organisation) is in scope."""
        if self.org_ids is None:
            return qs
        if not self.org_ids:
            return qs.none()
        return qs.filter(**{f"{field}__in": self.org_ids})


def _assignments(user) -> list[tuple[int, str]]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_bangfu_roles", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("org_id", "role"))
        user._bangfu_roles = cached
    return cached


def scope_for(user, perm: str) -> Scope:
    roles = PERMISSIONS[perm]
    held_at = {org_id for org_id, role in _assignments(user) if role in roles}
    if not held_at:
        return Scope(frozenset())
    _, kind = _tree()
    if any(kind.get(pk) in _CITY_WIDE_KINDS for pk in held_at):
        return Scope(None)
    return Scope(frozenset(descendants(held_at)))


def has_perm(user, perm: str) -> bool:
    """Does the user hold the permission anywhere?"""
    return not scope_for(user, perm).empty


def has_perm_at(user, perm: str, org) -> bool:
    org_id = org if isinstance(org, int) else getattr(org, "pk", None)
    return scope_for(user, perm).allows(org_id)


def require_perm(user, perm: str, org) -> None:
    """Refuse as if the record did not exist: its existence must not leak."""
    if not has_perm_at(user, perm, org):
        raise Http404


def require_perm_somewhere(user, perm: str) -> None:
    """For pages that are not about one record (lists, forms): a plain 403."""
    if not has_perm(user, perm):
        raise PermissionDenied


def roles_of(user) -> set[str]:
    return {role for _, role in _assignments(user)}
