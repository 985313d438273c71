"""Forms of the case procedure: they parse and check the shape of input; rules live in the workflow."""

import uuid
from datetime import timedelta

from django import forms
from django.core import signing
from django.utils import timezone

from bangfu.core.forms import FactDateField, Form, MoneyField
from bangfu.orgs.people import user_name

from . import services, workflow
from .models import (
    AidType,
    DocumentKind,
    EmergencyEvent,
    FeeType,
    Opinion,
    PanelConclusion,
    PanelMemberKind,
    PaymentMethod,
)


def money(label: str, required: bool = True) -> MoneyField:
    return MoneyField(label=label, required=required)


class CaseCreateForm(Form):
    applicant = forms.TypedChoiceField(label="申请人", coerce=int)
    aid_type = forms.ChoiceField(label="帮扶类型", choices=AidType.choices)
    application_date = FactDateField(label="申请日期")
    hardship = forms.CharField(label="困难情况", widget=forms.Textarea(attrs={"rows": 3}))
    requested_amount = money("申请金额（可不填）", required=False)
    personal_share = money("个人需补缴金额（补缴金帮扶）", required=False)
    emergency_event = forms.ChoiceField(
        label="突发事件（突发事件帮扶）", choices=[("", "—"), *EmergencyEvent.choices], required=False
    )
    casualty_or_major_loss = forms.BooleanField(label="造成人员伤亡或重大财产损失", required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [(p.pk, p.name) for p in members]


class InvestigateForm(Form):
    visited_on = FactDateField(label="调查日期", initial=timezone.localdate)
    income = forms.CharField(label="家庭收入情况", widget=forms.Textarea(attrs={"rows": 2}))
    income_sources = forms.CharField(label="经济来源", widget=forms.Textarea(attrs={"rows": 2}))
    daily_life = forms.CharField(label="日常生活情况", widget=forms.Textarea(attrs={"rows": 2}))
    housing = forms.CharField(label="住房情况", widget=forms.Textarea(attrs={"rows": 2}))
    committee_opinion = forms.CharField(
        label="居委会意见", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    plan = forms.CharField(label="帮扶方案建议", widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


ABSENT = "absent"


class ReviewForm(Form):
    meeting_date = FactDateField(label="会议日期", initial=timezone.localdate)
    introduction = forms.CharField(label="申请人及家庭困难情况介绍", widget=forms.Textarea(attrs={"rows": 3}))
    documents_examined = forms.CharField(label="查看的凭证", widget=forms.Textarea(attrs={"rows": 2}))
    discussion = forms.CharField(label="讨论情况", widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.ChoiceField(label="评审结论", choices=PanelConclusion.choices)
    amount = money("评议金额", required=False)
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea(attrs={"rows": 4}))
    fewer_members_reason = forms.CharField(
        label="出席不足七人的理由", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    # 全部出席: one choice records every member of the roster present with the same opinion; a
    # member's own choice below is the exception (未出席, or another opinion). Left at 逐人记录,
    # a member with no choice did not attend.
    member_all = forms.ChoiceField(
        label="全部出席",
        choices=[("", "否，逐人记录"), *((v, f"是，意见均为{label}") for v, label in Opinion.choices)],
        required=False,
    )

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = list(roster)
        choices = [("", "—"), (ABSENT, "未出席"), *Opinion.choices]
        for m in self.roster:
            self.fields[f"member_{m.pk}"] = forms.ChoiceField(label=str(m), choices=choices, required=False)

    def member_fields(self):
        return [self[f"member_{m.pk}"] for m in self.roster]

    def attendance(self) -> list[dict]:
        everyone = self.cleaned_data.get("member_all") or ""
        rows = []
        for m in self.roster:
            opinion = self.cleaned_data.get(f"member_{m.pk}") or everyone
            if opinion and opinion != ABSENT:
                rows.append({"member": m, "opinion": opinion})
        return rows


class ApproveForm(Form):
    amount = money("核定金额")
    comment = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReferForm(ApproveForm):
    exception_reason = forms.CharField(
        label="突破“一般”限额的书面理由（如有）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class HelpFirstForm(Form):
    amount = money("先行发放金额")
    reason = forms.CharField(label="紧急情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    paperwork_due = forms.DateField(label="补办手续期限", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The deadline the city rule gives, offered and used when left blank; the approver may
        # set another (the document fixes no time: the reference says so).
        today = timezone.localdate()
        rule = workflow.paperwork_rule(today)
        field = self.fields["paperwork_due"]
        if rule is None:
            field.help_text = "今天没有生效的补办期限规则，请填写期限。"
        else:
            field.initial = today + timedelta(days=rule.value)
            field.help_text = f"留空则为批准后{rule.value}日（{rule.reference}）。"


class PayForm(Form):
    method = forms.ChoiceField(label="发放方式", choices=PaymentMethod.choices)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    # Empty on the first submission, which only asks 请确认; the confirmation screen fills it.
    confirm = forms.CharField(widget=forms.HiddenInput, required=False)


# The confirmation names what the cashier read: a token for other terms (another amount, method,
# payee or account, or another form's key) or older than this is asked again, never paid.
PAY_CONFIRM_SALT = "bangfu.cases.pay.confirm"
PAY_CONFIRM_MAX_AGE = 30 * 60


def _pay_terms(case, screen, method: str, key) -> list[str]:
    return [str(case.pk), str(key), method, str(screen.amount), str(screen.payee.pk), screen.account]


def pay_confirmation(*, case, screen, method: str, key) -> str:
    return signing.dumps(_pay_terms(case, screen, method, key), salt=PAY_CONFIRM_SALT)


def pay_confirmed(token: str, *, case, screen, method: str, key) -> bool:
    if not token:
        return False
    try:
        terms = signing.loads(token, salt=PAY_CONFIRM_SALT, max_age=PAY_CONFIRM_MAX_AGE)
    except signing.BadSignature:  # tampered with, or expired (SignatureExpired is one)
        return False
    return terms == _pay_terms(case, screen, method, key)


class FollowUpForm(Form):
    outcome = forms.CharField(label="帮扶效果", widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label="家庭反馈", widget=forms.Textarea(attrs={"rows": 3}))
    further_needs = forms.CharField(
        label="进一步需求", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CommentForm(Form):
    comment = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}))


class InvoiceForm(Form):
    number = forms.CharField(label="发票号码", max_length=40)
    hospital = forms.CharField(label="医院", max_length=100)
    regular_hospital = forms.BooleanField(label="正规医院", required=False, initial=True)
    date = FactDateField(label="开票日期")
    fee_type = forms.ChoiceField(label="费用类型", choices=FeeType.choices)
    total = money("总金额")
    reimbursed = money("医保及其他报销", required=False)
    self_paid = money("自负金额")
    upload = forms.FileField(label="发票扫描件（PDF/JPEG/PNG）", required=False)


class DocumentForm(Form):
    kind = forms.ChoiceField(label="材料类型", choices=[c for c in DocumentKind.choices if c[0] != "receipt"])
    upload = forms.FileField(label="文件（PDF/JPEG/PNG，不超过10MB）")


class ReceiptForm(Form):
    upload = forms.FileField(label="签字的签收单（PDF/JPEG/PNG）", required=False)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_name(obj)


class FollowUpAssignForm(Form):
    """回访 handed to one of the street's volunteers or assessors, chosen from the list: a user
    outside it (another street, another role) is not a valid choice."""

    user = AssigneeField(
        label="回访人员", queryset=None, error_messages={"invalid_choice": services.NOT_AN_ASSIGNEE}
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = assignees


class PanelMemberForm(Form):
    name = forms.CharField(label="姓名", max_length=50)
    kind = forms.ChoiceField(label="身份", choices=PanelMemberKind.choices)


ACTION_FORMS = {
    "investigate": InvestigateForm,
    "fast_track": ReasonForm,
    "review": ReviewForm,
    "approve": ApproveForm,
    "refer": ReferForm,
    "approve_district": ReferForm,
    "help_first": HelpFirstForm,
    "pay": PayForm,
    "follow_up": FollowUpForm,
    "reject": CommentForm,
    "withdraw": CommentForm,
}


class PreReviewRemarkForm(Form):
    """The district's remark on a pre-review form; the service checks it (length, not empty)."""

    text = forms.CharField(label="预审意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
