"""Forms of the fund pages: they parse and check the shape of input (a date, an amount with two
decimals); every rule of the ledger (balances, caps, agreements, earmarks) is the services'."""

from decimal import Decimal

from django import forms

from bangfu.core.forms import CHOOSE, FactDateField, Form, MoneyField
from bangfu.orgs.models import Organisation, OrgKind

from .models import DONATION_KINDS, FundKind, FundSource
from .services import new_key

TEXT_ROWS = {"rows": 3}


def money(label: str, help_text: str = "") -> MoneyField:
    # A movement of money is never zero or negative (a correction is a reversal).
    return MoneyField(
        label=label, min_value=Decimal("0.01"), help_text=help_text or "单位：元，最多两位小数。"
    )


def date_field(label: str = "记账日期", *, fact: bool = True) -> forms.DateField:
    """A movement's date records a fact (money received, allocated, spent): never after today.
    An agreement's dates plan (`fact=False`)."""
    return (FactDateField if fact else forms.DateField)(label=label)


def org_field(label: str, orgs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.filter(pk__in=[o.pk for o in orgs]).order_by("code"),
        empty_label=CHOOSE,
        error_messages={"invalid_choice": "请选择您有权办理的组织。"},
    )


def source_field(kinds, label: str = "资金来源") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=FundSource.objects.filter(active=True, kind__in=list(kinds)),
        empty_label=CHOOSE,
        error_messages={"invalid_choice": "请选择一项可用的资金来源。"},
    )


class KeyedForm(Form):
    """A movement form: the idempotency key travels in a hidden field, so a double click or a
    resubmitted page records the movement once (the service returns the first one)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    memo = forms.CharField(label="摘要", max_length=500, widget=forms.Textarea(attrs=TEXT_ROWS))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        self.memo_last()

    def add_fields(self, **fields) -> None:
        self.fields.update(fields)
        self.memo_last()

    def memo_last(self) -> None:
        self.order_fields(
            [f for f in self.fields if f not in ("memo", "idempotency_key")] + ["memo", "idempotency_key"]
        )


class FundSourceForm(Form):
    code = forms.CharField(label="代码", max_length=32, help_text="唯一，如 DX-2026-01。")
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="来源类别", choices=FundKind.choices)
    donor = forms.CharField(label="捐赠方/出资方", max_length=100, required=False, help_text="捐赠资金必填。")
    purpose = forms.CharField(
        label="用途说明", required=False, widget=forms.Textarea(attrs=TEXT_ROWS), help_text="定向捐赠必填。"
    )
    # The foundation registers the sources of the whole programme: every registered project
    # and plan may be funded (a district's project too, by an enterprise's money).
    project = forms.ModelChoiceField(
        label="限用项目",
        queryset=FundSource.project.field.related_model.objects.select_related("owner").order_by("code"),
        required=False,
        empty_label="— 不限用于项目 —",
        help_text="企事业项目资助必选；须先登记项目。",
        error_messages={"invalid_choice": "请从列表中选择一个已登记的项目。"},
    )
    plan = forms.ModelChoiceField(
        label="限用特定帮扶计划",
        queryset=FundSource.plan.field.related_model.objects.select_related("department").order_by("code"),
        required=False,
        empty_label="— 不限用于计划 —",
        help_text="职能部门特定帮扶经费必选；须先登记计划。",
        error_messages={"invalid_choice": "请从列表中选择一个已登记的特定帮扶计划。"},
    )
    draw_order = forms.IntegerField(
        label="支用顺序",
        min_value=0,
        max_value=32767,
        initial=100,
        help_text="个案发放按此顺序从小到大支用。",
        # Text, not type=number: the browser would read `1,00` as 100 before the server could refuse it.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "支用顺序须为整数，如 100。"},
    )


class AgreementForm(Form):
    district = forms.ModelChoiceField(
        label="区帮扶组织",
        queryset=Organisation.objects.filter(kind=OrgKind.DISTRICT).order_by("code"),
        empty_label=CHOOSE,
        error_messages={"invalid_choice": "协议只能与区帮扶组织签订，请从列表中选择一个区帮扶组织。"},
    )
    number = forms.CharField(label="协议编号", max_length=40)
    amount = money("协议金额")
    valid_from = date_field("起始日期", fact=False)
    valid_to = date_field("终止日期", fact=False)
    duties = forms.CharField(label="双方职责", widget=forms.Textarea(attrs=TEXT_ROWS))
    reporting = forms.CharField(
        label="报告义务", widget=forms.Textarea(attrs=TEXT_ROWS), initial="每月按时填报业务及资金使用报表。"
    )

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "终止日期不能早于起始日期。")
        return data


class SignForm(Form):
    signed_on = date_field("签订日期")


class TerminateForm(Form):
    reason = forms.CharField(label="终止理由", widget=forms.Textarea(attrs=TEXT_ROWS))


class AllocationForm(KeyedForm):
    to_org = forms.ModelChoiceField(
        label="拨入单位", queryset=Organisation.objects.none(), empty_label=CHOOSE
    )
    source = source_field(FundKind.values)
    amount = money("下拨金额")
    day = date_field("下拨日期")

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in targets]).order_by(
            "code"
        )
        self.fields["to_org"].error_messages["invalid_choice"] = (
            "请选择协议所属区或其街镇中您有权下拨的单位。"
        )


class LotteryForm(KeyedForm):
    source = source_field([FundKind.LOTTERY])
    amount = money("到账金额")
    day = date_field("到账日期")


class FiscalMatchingForm(KeyedForm):
    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields(
            org=org_field("入账单位", orgs),
            source=source_field([FundKind.FISCAL_MATCHING]),
            amount=money("到账金额"),
            day=date_field("到账日期"),
        )


class DonationForm(KeyedForm):
    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields(
            org=org_field("接受捐赠的单位", orgs),
            source=source_field(DONATION_KINDS, "捐赠资金（定向/非定向）"),
            donor=forms.CharField(label="捐赠方", max_length=100),
            amount=money("捐赠金额"),
            day=date_field("到账日期"),
        )
        self.fields["source"].help_text = "捐赠用途随资金来源登记；新的捐赠项目请先在“资金来源”中登记。"


class PassThroughForm(KeyedForm):
    def __init__(self, *args, orgs=(), streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields(
            org=org_field("筹集单位（区/街镇）", orgs),
            source=source_field(DONATION_KINDS, "筹集资金"),
            amount=money("上缴金额"),
            return_to=org_field("全额返还给（街镇）", streets),
            day=date_field("上缴日期"),
        )


class ReturnForm(Form):
    day = date_field("返还日期")
    memo = forms.CharField(
        label="摘要", required=False, max_length=500, widget=forms.Textarea(attrs=TEXT_ROWS)
    )


class WorkExpenseForm(KeyedForm):
    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_fields(
            org=org_field("列支单位", orgs),
            source=source_field(DONATION_KINDS, "列支的捐赠资金"),
            amount=money("工作经费金额"),
            day=date_field("列支日期"),
        )


class ManagementFeeForm(KeyedForm):
    source = source_field([FundKind.LOTTERY], "列支的福彩金")
    amount = money("管理费金额")
    day = date_field("列支日期")


class ReverseForm(Form):
    day = date_field("冲销日期")
    reason = forms.CharField(label="冲销理由", max_length=500, widget=forms.Textarea(attrs=TEXT_ROWS))
