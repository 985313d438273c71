"""Reading jobs: a job and its result are its owner's alone.

The result was computed within the owner's scope (the cases they may see, the districts they
reach), so another user, whatever their own scope, could read figures made from a different
set of rows; they start their own. Someone else's job answers 404, as a record out of scope.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Job


def jobs_of(*, user, kind: str | None = None, **params) -> QuerySet[Job]:
    """The user's jobs, newest first; of one kind, and with these parameters, when given."""
    qs = Job.objects.filter(owner=user).select_related("org").order_by("-created_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    for key, value in params.items():
        qs = qs.filter(**{f"params__{key}": value})
    return qs


def job_get(*, user, pk: int) -> Job:
    return get_object_or_404(jobs_of(user=user).select_related("owner"), pk=pk)
