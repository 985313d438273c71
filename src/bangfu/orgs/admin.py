"""Configuration in the Django admin: organisations, users and their roles, API tokens.

The system admin manages accounts and configuration here; the security admin grants and
withdraws roles on the user's page, through `grant_role` / `withdraw_role`, never their
own. What each may do comes from their roles (SPEC §1), never from Django's superuser
flag. Registry models are deliberately not registered: neither sees residents' files.
Every change made here also goes to the append-only audit log.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.forms import ModelForm
from bangfu.core.refusal import Refused
from bangfu.core.views import refusals_to

from .models import ApiToken, Organisation, RoleAssignment, User
from .scope import has_perm
from .services import (
    administrator_role,
    api_token_issue,
    api_token_revoke,
    grant_check,
    grant_role,
    password_set_check,
    token_hash,
    withdraw_check,
    withdraw_role,
)

# Groups and Django's model permissions are not used: roles decide (bangfu.orgs.roles).
admin.site.unregister(Group)


def _manages(request) -> bool:
    return has_perm(request.user, "users.manage")


def _grants(request) -> bool:
    return has_perm(request.user, "roles.grant")


class AuditedAdmin(admin.ModelAdmin):
    """Mirror the admin's own change log into the audit log (who, when, from where).

    Configuration is the system admin's: only `users.manage` reads and writes it here.
    """

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return _manages(request)

    def has_add_permission(self, request):
        return _manages(request)

    def has_change_permission(self, request, obj=None):
        return _manages(request)

    def has_delete_permission(self, request, obj=None):
        return _manages(request)

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

    def has_view_permission(self, request, obj=None):
        # The security admin picks the organisation of a role from this list.
        return _manages(request) or _grants(request)


def _checked(check, **kwargs) -> None:
    """Run a service's check inside a form's clean, which speaks ValidationError, not Refused."""
    try:
        check(**kwargs)
    except Refused as e:
        raise ValidationError(e.message, code=e.code) from None


class RoleAssignmentFormSet(BaseInlineFormSet):
    """Checks every new role of the form with the service's own rules, against what the
    user will hold once this form is saved (its withdrawals done)."""

    actor: Actor | None = None  # set per request by the inline

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # A form ticked for deletion counts for nothing in the formset's validity: a refused
        # withdrawal is the formset's own error.
        refused = []
        for form in self.deleted_forms:
            if form.instance.pk:
                try:
                    _checked(withdraw_check, actor=self.actor, assignment=form.instance)
                except ValidationError as e:
                    refused.extend(e.messages)
        if refused:
            raise ValidationError(refused)
        withdrawn = {f.instance.pk for f in self.deleted_forms if f.instance.pk}
        held = [a.role for a in self.instance.role_assignments.all() if a.pk not in withdrawn]
        new = [
            f
            for f in self.forms
            if f.instance._state.adding and f.has_changed() and f not in self.deleted_forms
        ]
        for form in new:
            others = [f.cleaned_data["role"] for f in new if f is not form]
            try:
                _checked(
                    grant_check,
                    actor=self.actor,
                    user=self.instance,
                    role=form.cleaned_data["role"],
                    org=form.cleaned_data["org"],
                    held=held + others,
                )
            except ValidationError as e:
                form.add_error(None, e)


class RoleAssignmentInline(admin.TabularInline):
    """Roles on the user's page: the security admin adds and withdraws them (never on their
    own page); everyone else who reaches the page sees them read only. A role is granted
    or withdrawn, never edited in place."""

    model = RoleAssignment
    formset = RoleAssignmentFormSet
    extra = 1
    autocomplete_fields = ("org",)
    verbose_name = "角色"
    verbose_name_plural = "角色（按组织；由安全管理员授予和撤销）"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = Actor.from_request(request)
        return formset

    def _grants_for(self, request, obj) -> bool:
        return obj is not None and obj.pk != request.user.pk and _grants(request)

    def has_view_permission(self, request, obj=None):
        return _manages(request) or _grants(request)

    def has_add_permission(self, request, obj=None):
        return self._grants_for(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._grants_for(request, obj)

    def has_change_permission(self, request, obj=None):
        return False


_USER_FIELDS = (
    "login",
    "password",
    "full_name",
    "email",
    "is_active",
    "is_staff",
    "last_login",
    "date_joined",
)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("login", "full_name", "roles", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "role_assignments__role")
    search_fields = ("username", "full_name", "role_assignments__org__name", "role_assignments__org__code")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "email")}),
        ("账号状态", {"fields": ("is_active", "is_staff")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    change_user_password_template = "orgs/change_password.html"  # noqa: S105 - a template: titled with the name, not the login

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or _manages(request):
            return fieldsets
        # The security admin has no business with the password, not even its hash; it reads the
        # login (read-only) as `login` shows it.
        shown = {"username": "login"}
        return [
            (name, {**opts, "fields": [shown.get(f, f) for f in opts["fields"] if f != "password"]})
            for name, opts in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "password" in form.base_fields:
            # Whether a password is set and the button to reset it; not the hash's algorithm and salt.
            form.base_fields["password"].widget.template_name = "orgs/password_state.html"
        return form

    @admin.display(description="用户名", ordering="username")
    def login(self, user) -> str:
        # A login is typed as it is written: marked as not Chinese text (translate="no").
        return format_html('<span translate="no">{}</span>', user.username)

    def get_inlines(self, request, obj):
        # A new account starts with no role: the security admin grants them afterwards.
        return () if obj is None else (RoleAssignmentInline,)

    def get_readonly_fields(self, request, obj=None):
        # The security admin reaches the page for the roles only; the account is the system admin's.
        return super().get_readonly_fields(request, obj) if _manages(request) else _USER_FIELDS

    def has_view_permission(self, request, obj=None):
        return _manages(request) or _grants(request)

    def has_change_permission(self, request, obj=None):
        return _manages(request) or _grants(request)

    def has_delete_permission(self, request, obj=None):
        # An account holding roles is not deleted before the security admin withdraws them
        # (the list's "delete selected" asks this for each account too).
        return _manages(request) and (obj is None or not obj.role_assignments.exists())

    def user_change_password(self, request, id, form_url=""):
        if not _manages(request):
            raise PermissionDenied
        user = self.get_object(request, id)
        if user is not None:
            with refusals_to(request) as tried:
                password_set_check(actor=Actor.from_request(request), user=user)
            if not tried.ok:
                return HttpResponseRedirect(reverse("admin:orgs_user_change", args=[user.pk]))
        return super().user_change_password(request, id, form_url)

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        # Roles change through the one service that checks and audits them.
        actor = Actor.from_request(request)
        formset.save(commit=False)
        for assignment in formset.deleted_objects:
            withdraw_role(actor=actor, assignment=assignment)
        for assignment in formset.new_objects:
            grant_role(actor=actor, user=form.instance, role=assignment.role, org=assignment.org)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_assignments__org")

    @admin.display(description="角色")
    def roles(self, user) -> str:
        return "；".join(str(a) for a in user.role_assignments.all()) or "—"


class ApiTokenAddForm(ModelForm):
    expires_at = forms.DateTimeField(label="有效期至", required=False, help_text="留空则自签发起一年。")

    class Meta:
        model = ApiToken
        fields = ("user", "name", "expires_at")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if held := administrator_role(user):
            raise forms.ValidationError(f"不能为管理员账号签发令牌：{user}担任“{held}”。")
        return user

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
