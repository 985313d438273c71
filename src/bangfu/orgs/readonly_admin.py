"""A model in the admin that is only read: shown to those holding `view_perm` (a permission of
`orgs/roles.py`), never added, changed nor deleted there — its rows are written through their
services (audited), or only ever inserted (the audit log)."""

from django.contrib import admin

from .scope import has_perm


class ReadOnlyAdmin(admin.ModelAdmin):
    view_perm = ""  # set by each subclass

    def has_module_permission(self, request):
        return has_perm(request.user, self.view_perm)

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, self.view_perm)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
