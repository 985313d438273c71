"""Forms of the registry: they parse and check input; the services decide and write.

No form saves anything itself. Every message is in Chinese and says how to put it right.
"""

from __future__ import annotations

import re

from django import forms
from django.forms import formset_factory

from bangfu.core.forms import CHOOSE, FactDateField, Form, MoneyField
from bangfu.core.idnumber import IdNumberError, validate_id_number
from bangfu.orgs.models import Organisation, OrgKind

from .models import Category, CategorySource, MeansKind, Relationship

_PHONE = re.compile(r"^[0-9+\-\s]{5,20}$")
_ACCOUNT = re.compile(r"^\d{8,30}$")


def hukou_districts():
    # The 16 administrative districts; 光明集团 is an aid organisation, not a hukou place.
    return Organisation.objects.filter(kind=OrgKind.DISTRICT, code__regex=r"^\d{6}$").order_by("code")


class MemberForm(Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号码",
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
        help_text="18位，最后一位可以是X；性别与出生日期据此自动填写。",
    )
    relationship = forms.ChoiceField(label="与户主关系", choices=[("", CHOOSE), *Relationship.choices])
    hukou_district = forms.ModelChoiceField(
        label="户籍区", queryset=Organisation.objects.none(), required=False, empty_label="（非本市户籍）"
    )
    resides_in_district = forms.BooleanField(label="在本区居住", required=False, initial=True)
    resides_since = FactDateField(label="居住起始日期", required=False)
    non_local_spouse_or_child = forms.BooleanField(
        label="外省市配偶或子女（与本市户籍居民共同生活）", required=False
    )
    disability = forms.BooleanField(label="残疾", required=False)
    serious_illness = forms.BooleanField(label="大重病", required=False)
    lost_work_capacity = forms.BooleanField(label="完全丧失劳动能力", required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    bank_name = forms.CharField(label="开户银行", max_length=60, required=False)
    bank_account = forms.CharField(
        label="银行账号", max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hukou_district"].queryset = hukou_districts()
        self.id_warnings: list[str] = []

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        if not raw:
            return raw
        try:
            checked = validate_id_number(raw)
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.id_warnings = checked.warnings
        return checked.number

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError("联系电话只能包含数字、空格和“-”，5至20位。")
        return phone

    def clean_bank_account(self) -> str:
        account = self.cleaned_data["bank_account"].replace(" ", "")
        if account and not _ACCOUNT.match(account):
            raise forms.ValidationError("银行账号应为8至30位数字。")
        return account

    def clean(self):
        data = super().clean()
        if data.get("bank_account") and not data.get("bank_name"):
            self.add_error("bank_name", "填写了银行账号时，请同时填写开户银行。")
        return data

    def person_data(self) -> dict:
        """The cleaned values as a member dict for the services."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("DELETE", "move_existing")}


class NewMemberForm(MemberForm):
    """A member row of the new-household form; `move_existing` is offered only after a
    duplicate was found in a file the worker may edit."""

    move_existing = forms.BooleanField(label="将此人从原档案迁入本户", required=False)

    def person_data(self) -> dict:
        data = super().person_data()
        if self.cleaned_data.get("move_existing"):
            data["move_existing"] = True
        return data


class MemberEditForm(MemberForm):
    """Editing a member: the ID number and bank account are never sent to the page in
    full (that would be an unlogged reveal); left empty, they stay as they are."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = f"当前：{person.id_number_masked}。留空则不修改。"
        self.fields["bank_account"].help_text = (
            f"当前：{person.bank_account_masked}。留空则不修改。" if person.bank_account else "目前未登记。"
        )

    def person_data(self) -> dict:
        data = super().person_data()
        for key in ("id_number", "bank_account"):
            if not data.get(key):
                data.pop(key, None)
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if not rows:
            raise forms.ValidationError("请至少登记一名家庭成员。")
        heads = [f for f in rows if f.cleaned_data.get("relationship") == Relationship.HEAD]
        if len(heads) != 1:
            raise forms.ValidationError("每户须有且只有一名户主，请检查各成员的“与户主关系”。")
        seen: dict[str, int] = {}
        for i, f in enumerate(rows):
            number = f.cleaned_data.get("id_number")
            if number in seen:
                f.add_error("id_number", f"与第{seen[number] + 1}名成员的身份证号码相同。")
            seen[number] = i

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "不登记此成员"

    def member_forms(self) -> list[MemberForm]:
        return [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]


MemberFormSet = formset_factory(
    NewMemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    min_num=1,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class HouseholdForm(Form):
    address = forms.CharField(label="居住地址", max_length=200)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    committee = forms.ModelChoiceField(
        label="居（村）委", queryset=Organisation.objects.none(), required=False, empty_label="（未指定）"
    )

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Organisation.objects.filter(
            kind=OrgKind.COMMITTEE, parent__in=streets, active=True
        )
        if not self.fields["committee"].queryset.exists():
            del self.fields["committee"]

    clean_phone = MemberForm.clean_phone


class HouseholdCreateForm(HouseholdForm):
    street = forms.ModelChoiceField(
        label="所属街镇",
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": "只能在您负责的街镇建档，请重新选择。"},
    )
    category = forms.ChoiceField(
        label="家庭类别", required=False, choices=[("", "（暂不登记）"), *Category.choices[:-1]]
    )
    category_from = forms.DateField(label="类别有效期起", required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, streets=streets, **kwargs)
        self.fields["street"].queryset = streets
        if streets.count() == 1:
            self.fields["street"].initial = streets.first()
        self.order_fields(["street", "address", "phone", "committee", "category", "category_from"])

    def clean(self):
        data = super().clean()
        if data.get("category") and not data.get("category_from"):
            self.add_error("category_from", "登记家庭类别时，请填写有效期起。")
        if data.get("committee") and data.get("street") and data["committee"].parent_id != data["street"].pk:
            self.add_error("committee", "所选居（村）委不属于该街镇。")
        return data


class HouseholdEditForm(HouseholdForm):
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CategoryForm(Form):
    category = forms.ChoiceField(label="家庭类别", choices=[("", CHOOSE), *Category.choices[:-1]])
    valid_from = forms.DateField(label="有效期起")
    valid_to = forms.DateField(label="有效期止", required=False, help_text="长期有效可留空。")
    source = forms.ChoiceField(label="来源", choices=CategorySource.choices, initial=CategorySource.MANUAL)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "有效期止不能早于有效期起。")
        return data


class CategoryEndForm(Form):
    valid_to = forms.DateField(label="终止日期")


class MeansForm(Form):
    kind = forms.ChoiceField(label="类别", choices=[("", CHOOSE), *MeansKind.choices])
    amount = MoneyField(label="金额（元）", help_text="")
    as_of = FactDateField(label="核定日期")
    description = forms.CharField(
        label="说明", max_length=100, required=False, help_text="如：退休金、存款、房屋"
    )


class RemoveForm(Form):
    reason = forms.CharField(label="移除原因", max_length=200)


class MergeForm(Form):
    duplicate = forms.CharField(
        label="重复档案的档案编号",
        max_length=20,
        help_text="该档案的成员、类别和收入财产将并入本档案，原档案标记为“已合并”。",
    )
    reason = forms.CharField(
        label="合并原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
