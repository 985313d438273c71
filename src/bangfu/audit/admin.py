"""The audit log in the admin: read only, and only for those who may read the log.

Entries name residents (a person's name in `target_repr`), so the system admin, who
sees no personal data, does not see them here either; auditors and the supervisor do,
within their scope. What changed is shown as the log's page shows it (`describe`): labels,
before → after, a birth date as its year only (SPEC §10).
"""

from django.contrib import admin

from bangfu.orgs.readonly_admin import ReadOnlyAdmin

from .describe import describe_entries
from .models import AuditEntry
from .selectors import audit_entries


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    view_perm = "audit.view"
    list_display = ("at", "actor_label", "ip", "action", "target_type", "target_id", "target_repr", "org")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_id", "target_repr", "note")
    date_hierarchy = "at"
    exclude = ("before", "after")
    readonly_fields = ("changes_shown",)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.described = describe_entries([obj], user=request.user)[0]
        return obj

    @admin.display(description="变更内容")
    def changes_shown(self, obj):
        described = getattr(obj, "described", None)
        return "；".join(c.text for c in described.changes) if described else "—"

    def get_queryset(self, request):
        return audit_entries(user=request.user)
