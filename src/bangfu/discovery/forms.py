"""Forms of active discovery: they parse and check the shape of input; rules live in the services."""

from django import forms

from bangfu.cases.models import AidType
from bangfu.core.forms import FactDateField, Form

from .models import Finding, LeadSource


class LeadForm(Form):
    """A lead raised by staff from the household file (SPEC §3): what was seen, and by what channel."""

    source = forms.ChoiceField(label="线索来源", choices=LeadSource.choices, initial=LeadSource.REFERRAL)
    description = forms.CharField(
        label="线索内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写线索内容：看到或听说了什么、何时、由谁转介。"},
    )


class VisitForm(Form):
    visited_on = FactDateField(label="排摸日期")
    finding = forms.ChoiceField(label="发现情况", choices=Finding.choices)
    notes = forms.CharField(label="情况记录", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_visit_due = forms.DateField(label="下次排摸日期")
    open_application = forms.BooleanField(label="启动综合帮扶申请", required=False)
    applicant = forms.TypedChoiceField(label="申请人", coerce=int, required=False)
    aid_type = forms.ChoiceField(label="帮扶类型", choices=AidType.choices, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [("", "—")] + [(p.pk, p.name) for p in members]
