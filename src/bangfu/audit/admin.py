"""The audit log in the admin: read only, and only for those who may read the log.

Entries name residents (a person's name in `target_repr`), so the system admin, who
sees no personal data, does not see them here either; auditors and the supervisor do,
within their scope.
"""

from django.contrib import admin

from bangfu.orgs.scope import has_perm

from .models import AuditEntry
from .selectors import audit_entries


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "ip", "action", "target_type", "target_id", "target_repr", "org")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_id", "target_repr", "note")
    date_hierarchy = "at"

    def get_queryset(self, request):
        return audit_entries(user=request.user)

    def has_module_permission(self, request):
        return has_perm(request.user, "audit.view")

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, "audit.view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
