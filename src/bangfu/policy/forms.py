"""Forms for drafting a policy version and trying the engine out."""

from django import forms

from bangfu.core.dates import cn_date
from bangfu.core.forms import Form

from .models import VERSION_CODE_RULE, Policy
from .parameters import FLAG, SPECS, ParameterError, canonical_text


def version_code_field() -> forms.SlugField:
    return forms.SlugField(
        label="版本编号",
        max_length=64,
        allow_unicode=True,
        help_text="汉字、字母、数字和连字符，如 长宁-2022",
        error_messages={"invalid": VERSION_CODE_RULE},
    )


class PolicyHeaderForm(Form):
    title = forms.CharField(label="标题", max_length=200)
    document = forms.CharField(label="文号", max_length=100, help_text="如 长民发〔2016〕31号")
    valid_from = forms.DateField(label="施行日期")
    valid_to = forms.DateField(label="有效期至")
    validity_reference = forms.CharField(
        label="有效期依据", max_length=200, help_text="文件中规定施行日期和有效期的条款"
    )

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "有效期截止日不能早于施行日期。")
        return data


class PolicyCreateForm(PolicyHeaderForm):
    district = forms.ModelChoiceField(label="区", queryset=None)
    code = version_code_field()
    copy_from = forms.ModelChoiceField(
        label="底稿", queryset=None, help_text="新版本从该版本复制全部参数，再逐项修改"
    )
    field_order = [
        "district",
        "code",
        "title",
        "document",
        "valid_from",
        "valid_to",
        "validity_reference",
        "copy_from",
    ]

    def __init__(self, *args, districts, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["copy_from"].queryset = sources

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Policy.objects.filter(code=code).exists():
            raise forms.ValidationError("该版本编号已被使用。")
        return code


class ValueForm(Form):
    name = forms.ChoiceField(label="参数", choices=[(s.name, s.label) for s in SPECS])
    start = forms.DateField(label="起始日期")
    value = forms.CharField(
        label="取值",
        max_length=500,
        help_text="金额如 20000.00；比例如 0.60；是否填 是 或 否；代码用逗号分隔",
    )
    reference = forms.CharField(label="依据条款", max_length=200, help_text="如 长民发〔2016〕31号 三(一)1")
    generally = forms.BooleanField(
        label="“一般”限额", required=False, help_text="文件写“一般”的限额：可经书面说明并报区审批后突破"
    )

    # A yes-or-no parameter is typed and shown as 是/否; its stored text is the data files' true/false.
    FLAG_TYPED = {"是": "true", "否": "false"}
    FLAG_SHOWN = {v: k for k, v in FLAG_TYPED.items()}

    def __init__(self, *args, policy: Policy, **kwargs):
        initial = kwargs.get("initial") or {}
        if initial.get("value") in self.FLAG_SHOWN:
            kwargs["initial"] = {**initial, "value": self.FLAG_SHOWN[initial["value"]]}
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean(self):
        data = super().clean()
        spec = next((s for s in SPECS if s.name == data.get("name")), None)
        if spec is not None and data.get("value") is not None:
            if spec.kind == FLAG:
                data["value"] = self.FLAG_TYPED.get(data["value"].strip(), data["value"])
            try:
                data["value"] = canonical_text(spec, data["value"])
            except ParameterError as e:
                self.add_error("value", str(e))
        start = data.get("start")
        if start and not self.policy.valid_from <= start <= self.policy.valid_to:
            self.add_error(
                "start", f"起始日期须在有效期{cn_date(self.policy.valid_from)}至{cn_date(self.policy.valid_to)}之内。"
            )
        return data


class ReturnForm(Form):
    note = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 3}))


class WhatIfForm(Form):
    """The period of a what-if: the application dates of the cases to re-evaluate."""

    MAX_DAYS = 366 * 3  # three years of a district's cases: still a page's worth of work

    start = forms.DateField(label="申请日期起")
    end = forms.DateField(label="申请日期止")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "截止日期不能早于起始日期。")
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", "一次最多测算三年的个案；更长的时期请用命令 bangfu policy what-if。")
        return data
