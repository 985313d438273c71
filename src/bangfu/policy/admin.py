"""Policy versions in the admin: drafted, edited, submitted and published through the same
services as the pages (so every change is checked, four-eyed and in the audit log).
Published versions are read-only here as everywhere."""

from django import forms
from django.contrib import admin, messages

from bangfu.audit.actor import Actor
from bangfu.core.forms import ModelForm
from bangfu.core.refusal import Refused
from bangfu.orgs.scope import has_perm

from . import selectors, services
from .forms import version_code_field
from .models import ParameterValue, Policy
from .parameters import SPECS, ParameterError, canonical_text


class ValueInlineForm(ModelForm):
    name = forms.ChoiceField(label="参数", choices=[(s.name, f"{s.label}（{s.name}）") for s in SPECS])

    class Meta:
        model = ParameterValue
        fields = ("name", "start", "value", "reference", "generally")

    def clean(self):
        data = super().clean()
        spec = next((s for s in SPECS if s.name == data.get("name")), None)
        if spec is not None and data.get("value") is not None:
            try:
                data["value"] = canonical_text(spec, data["value"])
            except ParameterError as e:
                self.add_error("value", str(e))
        return data


class ValueInline(admin.TabularInline):
    model = ParameterValue
    form = ValueInlineForm
    extra = 0

    def _editable(self, request, obj) -> bool:
        return obj is not None and services.can_edit(request.user, obj)[0]

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, "policy.view")

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class PolicyAddForm(ModelForm):
    code = version_code_field()
    copy_from = forms.ModelChoiceField(
        label="底稿", queryset=Policy.objects.none(), help_text="新版本从该版本复制全部参数"
    )

    class Meta:
        model = Policy
        fields = ("district", "code", "title", "document", "valid_from", "valid_to", "validity_reference")


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "district", "document", "valid_from", "valid_to", "status", "builtin")
    list_filter = ("status", "district")
    search_fields = ("code", "title", "document")
    inlines = [ValueInline]
    actions = ["submit_for_review", "publish"]
    fields = (
        "district",
        "code",
        "title",
        "document",
        "valid_from",
        "valid_to",
        "validity_reference",
        "status",
        "review_note",
    )
    readonly_fields = ("status", "review_note")

    def get_queryset(self, request):
        return selectors.policies_visible(user=request.user)

    def has_module_permission(self, request):
        return has_perm(request.user, "policy.view")

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, "policy.view")

    def has_add_permission(self, request):
        return has_perm(request.user, "policy.draft")

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return has_perm(request.user, "policy.draft")
        return services.can_edit(request.user, obj)[0]

    def has_delete_permission(self, request, obj=None):
        return obj is not None and services.can_edit(request.user, obj)[0]

    def get_readonly_fields(self, request, obj=None):
        # The district and the code name the version: fixed once it exists.
        return (*self.readonly_fields, "district", "code") if obj is not None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*PolicyAddForm.Meta.fields, "copy_from")
        return self.fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PolicyAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["copy_from"].queryset = selectors.policies_visible(user=request.user)
            form.base_fields["district"].queryset = selectors.districts_where(
                user=request.user, perm="policy.draft"
            )
        return form

    def save_model(self, request, obj, form, change):
        actor = Actor.from_request(request)
        header = {
            f: form.cleaned_data[f]
            for f in ("title", "document", "valid_from", "valid_to", "validity_reference")
        }
        if change:
            services.policy_update(actor=actor, policy=obj, **header)
            return
        created = services.policy_draft_create(
            actor=actor,
            district=form.cleaned_data["district"],
            code=form.cleaned_data["code"],
            copy_from=form.cleaned_data["copy_from"],
            **header,
        )
        # The admin goes on with `obj` (its log entry, its redirect): make it the created row.
        obj.pk = created.pk
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        actor = Actor.from_request(request)
        policy = form.instance
        # What formset.save() would have recorded, for the admin's own change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() and not (
                formset.can_delete and formset._should_delete_form(inline_form)
            ):
                continue
            row = inline_form.instance if inline_form.instance.pk else None
            if formset._should_delete_form(inline_form):
                if row is not None:
                    services.parameter_value_delete(actor=actor, policy=policy, value=row)
                    formset.deleted_objects.append(row)
                continue
            data = inline_form.cleaned_data
            if row is not None and (row.name, row.start) != (data["name"], data["start"]):
                services.parameter_value_delete(actor=actor, policy=policy, value=row)
            saved = services.parameter_value_set(
                actor=actor,
                policy=policy,
                name=data["name"],
                start=data["start"],
                value=data["value"],
                reference=data["reference"],
                generally=data["generally"],
            )
            if row is None:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, inline_form.changed_data))

    def delete_model(self, request, obj):
        services.policy_discard(actor=Actor.from_request(request), policy=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.policy_discard(actor=Actor.from_request(request), policy=obj)

    def _run(self, request, queryset, service, done: str):
        for policy in queryset:
            try:
                service(actor=Actor.from_request(request), policy=policy)
            except Refused as e:
                self.message_user(request, f"{policy.code}：{e.message}", messages.ERROR)
            else:
                self.message_user(request, f"{policy.code}：{done}", messages.SUCCESS)

    @admin.action(description="提交审核")
    def submit_for_review(self, request, queryset):
        self._run(request, queryset, services.policy_submit, "已提交审核。")

    @admin.action(description="发布（须由未参与编写的区服务社审批人执行）")
    def publish(self, request, queryset):
        self._run(request, queryset, services.policy_publish, "已发布。")
