"""An admin page that only shows: for rows written through services (audited) and pointed at
by the ledger, which the admin must neither add, change nor delete."""

from django.contrib import admin

from bangfu.orgs.scope import has_perm


class ReadOnlyAdmin(admin.ModelAdmin):
    view_perm = "funds.view"  # who may read the rows (anywhere in their scope)

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
