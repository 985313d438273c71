"""Reading the audit log, through the user's scope."""

from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from bangfu.orgs.scope import descendants, scope_for

from .models import AuditEntry


def _start_of(day: date) -> datetime:
    # The day as people in Shanghai live it; a range on `at` itself keeps its index usable.
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(
    *,
    user,
    target_type: str | None = None,
    target_id: str | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str | None = None,
    org: int | None = None,
) -> QuerySet:
    """The rows `user` may read, narrowed by the log's filter: `date_to` is inclusive, `actor`
    matches the person's name or account, `org` takes the organisation and all below it."""
    qs = AuditEntry.objects.select_related("user", "org")
    scope = scope_for(user, "audit.view")
    if not scope.city_wide:
        # Entries about an organisation are seen by auditors of it and above.
        qs = scope.filter(qs, "org")
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=str(target_id))
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    if actor:
        qs = qs.filter(Q(user__full_name__icontains=actor) | Q(user__username=actor))
    if org:
        qs = qs.filter(org_id__in=descendants([org]))
    return qs


# The organisations one filters the log by: a committee's rows are found through its street.
FILTER_ORG_KINDS = ("bureau", "foundation", "district", "street", "department")


def audit_orgs(*, user) -> list[tuple[int, str]]:
    """(pk, name) of the organisations whose rows `user` may read, the bureau first."""
    Organisation = apps.get_model("orgs.Organisation")
    orgs = Organisation.objects.filter(kind__in=FILTER_ORG_KINDS).order_by("kind", "code")
    order = {kind: i for i, kind in enumerate(FILTER_ORG_KINDS)}
    rows = scope_for(user, "audit.view").filter(orgs, "pk").values_list("pk", "name", "kind")
    return [(pk, name) for pk, name, _ in sorted(rows, key=lambda r: order[r[2]])]
