"""The household list's filters (core.listing), all in the URL."""

from django import forms

from bangfu.core.listing import ListFilterForm, search_field
from bangfu.orgs.models import Organisation

from .models import Category


class HouseholdFilterForm(ListFilterForm):
    q = search_field("档案编号、成员姓名或完整的18位身份证号码")
    category = forms.ChoiceField(label="当前类别", choices=[("", "全部"), *Category.choices])
    street = forms.ModelChoiceField(label="街镇", queryset=Organisation.objects.none(), empty_label="全部街镇")

    def __init__(self, data=None, *, streets, **kwargs):
        super().__init__(data, **kwargs)
        self.offer("street", streets)
