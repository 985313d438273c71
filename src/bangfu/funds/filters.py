"""The voucher list's filters (core.listing), all in the URL."""

from django import forms

from bangfu.core.listing import ListFilterForm, date_from_field, date_to_field, search_field
from bangfu.orgs.models import Organisation

from .models import FundSource, TransactionKind


class VoucherFilterForm(ListFilterForm):
    q = search_field("凭证号（如 JZ00000042）或摘要中的文字")
    org = forms.ModelChoiceField(label="组织", queryset=Organisation.objects.none(), empty_label="全部（职责范围内）")
    kind = forms.ChoiceField(label="业务类型", choices=[("", "全部"), *TransactionKind.choices])
    fund_source = forms.ModelChoiceField(
        label="资金来源", queryset=FundSource.objects.order_by("code"), empty_label="全部来源"
    )
    case = forms.CharField(
        label="个案编号", max_length=24, widget=forms.TextInput(attrs={"placeholder": "GA…", "autocomplete": "off"})
    )
    date_from = date_from_field("记账日期自")
    date_to = date_to_field("记账日期至")

    def __init__(self, data=None, *, orgs, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["org"].queryset = orgs

    def clean_case(self):
        return self.cleaned_data["case"].strip().upper()
