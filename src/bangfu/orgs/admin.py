"""Configuration in the Django admin: organisations, users and their roles, API tokens.

The system admin works here. Registry models are deliberately not registered: the
system admin manages people's accounts, not residents' files (SPEC §1). Every change
made here also goes to the append-only audit log.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record

from .models import ApiToken, Organisation, RoleAssignment, User
from .services import api_token_issue, api_token_revoke, token_hash


class AuditedAdmin(admin.ModelAdmin):
    """Mirror the admin's own change log into the audit log (who, when, from where)."""

    def _audit(self, request, obj, action: str, message) -> None:
        # The admin passes its change message as structured data; keep a plain summary.
        note = message if isinstance(message, str) and message else "配置管理（后台）"
        audit_record(actor=Actor.from_request(request), action=action, target=obj, note=note[:500])

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "create", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "update", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", "删除")
        return super().log_deletions(request, queryset)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    # Organisation.clean() checks that the parent is of an allowed kind; the admin's
    # form runs it on every save.
    list_display = ("code", "name", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)


class RoleAssignmentInline(admin.TabularInline):
    # RoleAssignment.clean() refuses a role at the wrong kind of organisation.
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ("org",)
    verbose_name = "角色"
    verbose_name_plural = "角色（按组织）"


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    inlines = (RoleAssignmentInline,)
    list_display = ("username", "full_name", "roles", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "role_assignments__role")
    search_fields = ("username", "full_name", "role_assignments__org__name", "role_assignments__org__code")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "email")}),
        ("账号状态", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_assignments__org")

    @admin.display(description="角色")
    def roles(self, user) -> str:
        return "；".join(str(a) for a in user.role_assignments.all()) or "—"


class ApiTokenAddForm(forms.ModelForm):
    expires_at = forms.DateTimeField(label="有效期至", required=False, help_text="留空则自签发起一年。")

    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")

    def clean_expires_at(self):
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("有效期须晚于现在。")
        return value


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Issuing a token goes through the service; the token is shown once, then only its hash exists."""

    list_display = ("name", "user", "created_at", "expires_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "user__username")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ("user", "name", "expires_at")
            if obj is None
            else ("user", "name", "created_at", "expires_at", "revoked")
        )

    def get_readonly_fields(self, request, obj=None):
        # A revoked token stays revoked (the action below revokes); a token is not extended.
        return () if obj is None else ("user", "created_at", "expires_at", "revoked")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token = api_token_issue(
            actor=Actor.from_request(request), user=obj.user, name=obj.name, expires_at=obj.expires_at
        )
        issued = ApiToken.objects.get(token_hash=token_hash(token))
        obj.pk, obj.token_hash, obj.created_at = issued.pk, issued.token_hash, issued.created_at
        obj.expires_at = issued.expires_at
        obj._state.adding = False
        messages.warning(request, f"新令牌：{token} —— 只显示这一次，请立即复制并妥善交给对方系统。")

    def log_addition(self, request, obj, message):
        # api_token_issue has already written the audit row for the new token.
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked=False):
            api_token_revoke(actor=Actor.from_request(request), token=token)
        messages.success(request, "所选令牌已吊销。")
