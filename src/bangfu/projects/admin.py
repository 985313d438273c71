"""Projects in the admin: read only, for those who see the funds. A project is registered
through `project_create` (audited), never edited here: fund sources and postings point at it."""

from django.contrib import admin

from bangfu.orgs.readonly_admin import ReadOnlyAdmin

from .models import Project


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    view_perm = "funds.view"
    list_display = ("code", "title", "owner", "created_at")
    search_fields = ("code", "title")
    list_select_related = ("owner",)
