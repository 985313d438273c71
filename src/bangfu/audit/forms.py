"""The audit log's filter: a date range, the person who acted, the organisation, the kind of
object and the action, all in the URL so that a filtered log can be bookmarked and exported."""

from django import forms

from bangfu.core.listing import ListFilterForm

from .describe import action_label
from .services import ACTION_LABELS
from .targets import type_choices


class LogFilterForm(ListFilterForm):
    """The filters of the log; a range that ends before it starts is refused (ListFilterForm)."""

    date_from = forms.DateField(label="起始日期", required=False)
    date_to = forms.DateField(label="截止日期", required=False)
    actor = forms.CharField(
        label="操作者",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "姓名或账号"}),
    )
    org = forms.TypedChoiceField(label="组织", required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label="对象类型", required=False)
    action = forms.ChoiceField(label="操作", required=False)
    id = forms.CharField(label="对象编号", required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, orgs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", "全部"), *orgs]
        self.fields["type"].choices = [("", "全部"), *type_choices()]
        actions = sorted(ACTION_LABELS, key=lambda a: (a.startswith("case."), a))
        self.fields["action"].choices = [("", "全部")] + [(a, action_label(a)) for a in actions]

    def filters(self) -> dict:
        """The valid filters by name (empty ones left out), as the selector and the export take them."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
