"""The discovery list's filters (core.listing), all in the URL."""

from django import forms

from bangfu.core.listing import ListFilterForm, search_field
from bangfu.orgs.models import Organisation


class DueFilterForm(ListFilterForm):
    q = search_field("档案编号或户主姓名（开头）")
    street = forms.ModelChoiceField(label="街镇", queryset=Organisation.objects.none(), empty_label="全部街镇")

    def __init__(self, data=None, *, streets, **kwargs):
        super().__init__(data, **kwargs)
        self.offer("street", streets)
