"""The audit log in the admin: read only, and only for those who may read the log.

Entries name residents (a person's name in `target_repr`), so the system admin, who
sees no personal data, does not see them here either; auditors and the supervisor do,
within their scope.
"""

from django.contrib import admin

from bangfu.orgs.readonly_admin import ReadOnlyAdmin
from bangfu.registry.presentation import redact_birth_dates

from .models import AuditEntry
from .selectors import audit_entries


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    view_perm = "audit.view"
    list_display = ("at", "actor_label", "ip", "action", "target_type", "target_id", "target_repr", "org")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_id", "target_repr", "note")
    date_hierarchy = "at"
    # Before/after as the log page shows them: a full birth date in an older row is cut to
    # its year, since beside the masked ID number it is the whole number (SPEC §10).
    exclude = ("before", "after")
    readonly_fields = ("before_shown", "after_shown")

    @admin.display(description="变更前")
    def before_shown(self, obj):
        return redact_birth_dates(obj.before)

    @admin.display(description="变更后")
    def after_shown(self, obj):
        return redact_birth_dates(obj.after)

    def get_queryset(self, request):
        return audit_entries(user=request.user)
