"""The case list's filters (core.listing): what people look a case up by, all in the URL."""

from django import forms

from bangfu.core.listing import ListFilterForm, date_from_field, date_to_field, search_field
from bangfu.orgs.models import Organisation

from .models import AidType, CaseState


class CaseFilterForm(ListFilterForm):
    q = search_field("申请人姓名（开头）、个案编号或完整的18位身份证号码")
    street = forms.ModelChoiceField(label="街镇", queryset=Organisation.objects.none(), empty_label="全部街镇")
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *CaseState.choices])
    aid_type = forms.ChoiceField(label="帮扶类型", choices=[("", "全部类型"), *AidType.choices])
    date_from = date_from_field("申请日期自")
    date_to = date_to_field("申请日期至")

    def __init__(self, data=None, *, streets, **kwargs):
        super().__init__(data, **kwargs)
        self.offer("street", streets)
