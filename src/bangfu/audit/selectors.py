"""Reading the audit log, through the user's scope."""

from django.db.models import QuerySet

from bangfu.orgs.scope import scope_for

from .models import AuditEntry


def audit_entries(*, user, target_type: str | None = None, target_id: str | None = None) -> QuerySet:
    qs = AuditEntry.objects.select_related("user", "org")
    scope = scope_for(user, "audit.view")
    if not scope.city_wide:
        # Entries about an organisation are seen by auditors of it and above.
        qs = scope.filter(qs, "org")
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=str(target_id))
    return qs
