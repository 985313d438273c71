"""The filing list's filters (core.listing): the month, a district, the filing state; in the URL."""

from django import forms
from django.core.exceptions import ValidationError

from bangfu.core.listing import ListFilterForm
from bangfu.orgs.models import Organisation

from . import monthly

# What a row of the filing list can be in (FilingRow.state).
FILING_STATES = [
    ("not_filed", "未报送"),
    ("overdue", "逾期未报送"),
    ("submitted", "已报送·待审核"),
    ("returned", "已退回"),
    ("accepted", "审核通过"),
]


class FilingFilterForm(ListFilterForm):
    month = forms.CharField(label="报表月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    district = forms.ModelChoiceField(label="区", queryset=Organisation.objects.none(), empty_label="全部区")
    state = forms.ChoiceField(label="报送状态", choices=[("", "全部"), *FILING_STATES])

    def __init__(self, data=None, *, districts, **kwargs):
        super().__init__(data, **kwargs)
        self.offer("district", districts)

    def clean_month(self):
        text = self.cleaned_data["month"]
        if not text:
            return None
        try:
            return monthly.parse_month(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
