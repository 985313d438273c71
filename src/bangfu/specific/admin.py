"""Specific-aid plans in the admin: read only, for those who see the funds. A plan is registered
through `plan_create` (audited), never edited here: fund sources and postings point at it."""

from django.contrib import admin

from bangfu.orgs.readonly_admin import ReadOnlyAdmin

from .models import Plan


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    view_perm = "funds.view"
    list_display = ("code", "title", "department", "created_at")
    search_fields = ("code", "title")
    list_select_related = ("department",)
