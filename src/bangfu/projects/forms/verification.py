"""Forms of delivery verification: the draw, and one check's result."""

from django import forms

from bangfu.core.forms import Form
from bangfu.core.listing import ListFilterForm

from ..models import CheckChannel, CheckResult, Verification


class DrawForm(Form):
    method = forms.ChoiceField(label="抽取方式", choices=Verification.Method.choices, initial="share")
    share = forms.DecimalField(
        label="抽取比例（%）", required=False, max_digits=5, decimal_places=2,
        help_text="按比例抽取时填写，大于0且不超过100，向上取整。",
    )  # fmt: skip
    number = forms.IntegerField(label="抽取数量", required=False, help_text="按数量抽取时填写。")


RESULTS = [(v, label) for v, label in CheckResult.choices if v != CheckResult.PENDING]


class CheckForm(Form):
    result = forms.ChoiceField(label="核查结果", choices=RESULTS)
    channel = forms.ChoiceField(label="核查方式", choices=CheckChannel.choices)
    note = forms.CharField(
        label="说明", required=False, max_length=200, help_text="未收到或收到但有问题时必填。"
    )


class CheckFilterForm(ListFilterForm):
    result = forms.ChoiceField(label="核查结果", choices=[("", "全部"), *CheckResult.choices])
