"""Forms of the performance evaluation: a hand-entered indicator's actual value, and the evaluation."""

from django import forms

from bangfu.core.forms import Form


class ActualForm(Form):
    actual = forms.DecimalField(label="实际值", max_digits=14, decimal_places=2, min_value=0)
    evidence = forms.CharField(
        label="佐证说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        help_text="实际值的依据：调查、问卷、台账或材料名称。",
    )  # fmt: skip


class EvaluateForm(Form):
    conclusion = forms.CharField(
        label="评价结论", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
