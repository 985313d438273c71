"""试算 as a form: the household (on file, or its facts typed in), the aid type and its fields,
the version and the day, turned into the SPEC §6 request the API takes, and answered by the
engine's own `evaluate` (no second evaluator). The engine's refusals land on the field they name.

The forms only read and check what was typed; the request is the contract's, so whatever the
form sends, the API would answer the same.
"""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.forms import formset_factory

from bangfu.core.forms import Form, MoneyField
from bangfu.core.refusal import Refused

from . import selectors
from .engine import AID_TYPE_ZH, CATEGORY_ZH, EVENT_ZH, FEE_TYPE_ZH, PolicyBook, evaluate
from .parameters import CATEGORIES, EMERGENCY_EVENTS, FEE_TYPES

IN_FORCE = ""  # the version choice "the published version in force on the day"
_DIVISION = re.compile(r"[0-9]{6}")


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class TrialForm(Form):
    """Everything but the invoice lines (InvoiceLineFormSet)."""

    SOURCES = [("file", "档案中的家庭"), ("hand", "手工填写家庭情况")]

    source = forms.ChoiceField(
        label="家庭情况来自", choices=SOURCES, widget=forms.RadioSelect, initial="hand"
    )
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The household's facts, by hand (source "hand").
    district = forms.ChoiceField(label="申请所在区", required=False)
    category = forms.ChoiceField(
        label="家庭类别", required=False, choices=[(c, CATEGORY_ZH[c]) for c in CATEGORIES], initial="other"
    )
    hukou_district = forms.CharField(
        label="户籍所在区划代码", required=False, max_length=6,
        help_text="6位行政区划代码，如长宁区 310105；外省市户籍填户籍地代码，如 320102。",
    )  # fmt: skip
    resides_in_district = forms.BooleanField(label="长期在本区居住生活", required=False, initial=True)
    non_local_spouse_or_child = forms.BooleanField(
        label="与本区户籍居民在本区共同生活的外省市户籍配偶或子女", required=False
    )
    serious_illness = forms.BooleanField(label="大重病", required=False)
    lost_work_capacity = forms.BooleanField(label="完全丧失劳动能力", required=False)
    prior_count = forms.IntegerField(
        label="本年度此前已获帮扶次数", required=False, min_value=0, max_value=99, initial=0,
        error_messages={"invalid": "请填写整数次数。", "min_value": "次数不能小于0。", "max_value": "次数不能超过99。"},
    )  # fmt: skip
    prior_total = MoneyField(label="本年度此前已获帮扶金额", required=False)
    # The application.
    aid_type = forms.ChoiceField(label="帮扶类型", choices=list(AID_TYPE_ZH.items()))
    personal_share = MoneyField(label="个人需补缴金额", required=False)
    event = forms.ChoiceField(
        label="突发事件",
        required=False,
        choices=[("", "（请选择）"), *((e, EVENT_ZH[e]) for e in EMERGENCY_EVENTS)],
    )
    casualty_or_major_loss = forms.BooleanField(label="造成人员伤亡或重大财产损失", required=False)
    requested_amount = MoneyField(label="申请金额", required=False, help_text="可不填：不填则按上限测算。")
    version = forms.ChoiceField(label="政策版本", required=False)
    application_date = forms.DateField(label="申请日期")

    def __init__(self, *args, districts: dict[str, str], versions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        named = sorted((code, f"{name}（{code}）") for code, name in districts.items())
        self.fields["district"].choices = [("", "（请选择）"), *named]
        self.fields["version"].choices = [(IN_FORCE, "申请日期当日生效的已发布政策"), *versions]

    def clean(self):
        data = super().clean()
        required = []
        if data.get("source") == "file":
            if not data.get("household"):
                self.add_error(None, "请先查找并选择一个家庭，或改为手工填写家庭情况。")
        elif data.get("source") == "hand":
            required += ["district", "hukou_district"]
            hukou = data.get("hukou_district") or ""
            if hukou and not _DIVISION.fullmatch(hukou):
                self.add_error("hukou_district", "户籍所在区划代码须为6位数字，如 310105。")
            count, total = data.get("prior_count") or 0, data.get("prior_total")
            data["prior_count"] = count
            if not count and total:
                self.add_error("prior_count", "填写了此前已获帮扶金额，请同时填写次数。")
            elif count and total is None:
                self.add_error("prior_total", "填写了此前已获帮扶次数，请同时填写金额（没有金额填 0）。")
        aid = data.get("aid_type")
        if aid == "insurance_supplement":
            required.append("personal_share")
        elif aid == "emergency":
            required.append("event")
        for name in required:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


class InvoiceLineForm(Form):
    """One medical invoice (大重病医疗帮扶): the fields the engine reads of an invoice."""

    number = forms.CharField(label="发票号", max_length=64)
    date = forms.DateField(label="开票日期")
    regular_hospital = forms.BooleanField(label="正规医院开具", required=False, initial=True)
    # The first choice is what an untouched line sends: its initial, so a blank line stays unchanged.
    fee_type = forms.ChoiceField(
        label="费用类型", choices=[(f, FEE_TYPE_ZH[f]) for f in FEE_TYPES], initial=FEE_TYPES[0]
    )
    self_paid = MoneyField(label="自负金额")


class _InvoiceLines(forms.BaseFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            number = form.cleaned_data.get("number") if hasattr(form, "cleaned_data") else None
            if number and number in seen:
                form.add_error("number", f"发票号 {number} 重复：同一张发票只能录入一次。")
            seen.add(number)

    def sent(self) -> list[InvoiceLineForm]:
        """The lines filled in (the blank ones offered for typing are left out)."""
        return [f for f in self.forms if f.has_changed()]

    def lines(self) -> list[dict]:
        return [f.cleaned_data for f in self.sent()]


InvoiceLineFormSet = formset_factory(InvoiceLineForm, formset=_InvoiceLines, extra=3, max_num=50)


def trial_request(data: dict, invoices: list[dict], *, district: str, household: dict, head=None) -> dict:
    """The SPEC §6 request from the form's answers; `household` is the request's block (read
    from the file, or `hand_household(data)`); `head` supplies the illness and work capacity
    of a household on file."""
    request: dict = {
        "district": district,
        "application_date": data["application_date"].isoformat(),
        "aid_type": data["aid_type"],
        "household": household,
    }
    aid = data["aid_type"]
    if aid == "medical":
        request["medical"] = {
            "invoices": [
                {
                    "number": line["number"],
                    "date": line["date"].isoformat(),
                    "regular_hospital": line["regular_hospital"],
                    "fee_type": line["fee_type"],
                    "self_paid": f"{line['self_paid']:.2f}",
                }
                for line in invoices
            ]
        }
    elif aid == "insurance_supplement":
        facts = head  # a household on file: its head's own record
        request["insurance_supplement"] = {
            "personal_share": f"{data['personal_share']:.2f}",
            "serious_illness": facts.serious_illness if facts else data["serious_illness"],
            "lost_work_capacity": facts.lost_work_capacity if facts else data["lost_work_capacity"],
        }
    elif aid == "emergency":
        request["emergency"] = {
            "event": data["event"],
            "casualty_or_major_loss": data["casualty_or_major_loss"],
        }
    if data.get("requested_amount") is not None:
        request["requested_amount"] = f"{data['requested_amount']:.2f}"
    return request


def hand_household(data: dict) -> dict:
    """The `household` block typed in: the year's prior aid as a count and a total (the engine
    counts the events and sums the amounts; one entry carries the total, the others nothing)."""
    day = data["application_date"].isoformat()
    count = data.get("prior_count") or 0
    total = data.get("prior_total")
    prior = [{"date": day, "amount": f"{(total if i == 0 else 0):.2f}", "form": "case"} for i in range(count)]
    return {
        "category": data["category"] or "other",
        "hukou_district": data["hukou_district"],
        "resides_in_district": data["resides_in_district"],
        "non_local_spouse_or_child": data["non_local_spouse_or_child"],
        "prior_aid": prior,
    }


# The engine names the input at fault by its path in the request; the form's field for it.
_FIELD_OF = {
    "application_date": "application_date",
    "district": "district",
    "requested_amount": "requested_amount",
    "insurance_supplement.personal_share": "personal_share",
    "emergency.event": "event",
}
_INVOICE_FIELD = re.compile(r"medical\.invoices\[(\d+)\]\.(\w+)")


def version_choices(*, user) -> list[tuple[str, str]]:
    """The versions the user may try: every published one, and the drafts of their districts."""
    visible = selectors.policies_visible(user=user).order_by("district__code", "valid_from")
    return [(p.code, f"{p.title}（{p.district.name}，{p.get_status_display()}）") for p in visible]


def try_out(
    *, user, form: TrialForm, lines: _InvoiceLines, household, facts_of
) -> tuple[dict | None, object]:
    """The engine's answer to a valid form, and the facts read from the file (`facts_of`, the
    case procedure's reading of a household: cases/trial.py); None, with the reason on the
    form, when there is none."""
    data = form.cleaned_data
    book = selectors.policy_book()
    if data["version"]:
        chosen = selectors.policy_visible(user=user, code=data["version"])
        if chosen is None:  # drafts are offered only to whom may see them
            form.add_error("version", "请选择有效的政策版本。")
            return None, None
        book = PolicyBook([selectors.parameter_set(chosen)], book.districts)
    if data["source"] == "hand":
        request = trial_request(
            data, lines.lines(), district=data["district"], household=hand_household(data)
        )
        return answer(request, book, form, lines, version=data["version"]), None
    if household is None:
        form.add_error(None, "没有找到该家庭（或不在您的管辖范围内），请重新查找。")
        return None, None
    try:
        facts = facts_of(household, data["application_date"])
    except Refused as e:
        form.add_error(None, e.message)
        return None, None
    request = trial_request(
        data, lines.lines(), district=facts.district, household=facts.household, head=facts.head
    )
    return answer(request, book, form, lines, version=data["version"]), facts


def answer(
    request: dict, book: PolicyBook, form: TrialForm, lines: _InvoiceLines, *, version: str
) -> dict | None:
    """The engine's answer, or None with the refusal put on the field it names."""
    try:
        return evaluate(request, book)
    except Refused as e:
        if e.code == "no_policy_in_force":
            name = book.districts.get(request["district"], request["district"])
            day = date.fromisoformat(request["application_date"])
            message = (
                f"政策版本 {version} 不适用于{name}{_day(day)}的申请：请核对申请日期和家庭所在区，或改选政策版本。"
                if version
                else f"{name}在{_day(day)}没有生效的帮扶政策，无法测算。请核对申请日期，或选择一个政策版本试算。"
            )
            form.add_error("application_date", message)
            return None
        field = e.field or ""
        match = _INVOICE_FIELD.fullmatch(field)
        sent = lines.sent()
        if match and int(match[1]) < len(sent) and match[2] in sent[int(match[1])].fields:
            sent[int(match[1])].add_error(match[2], e.message)
        elif form.cleaned_data.get("source") == "hand" and field.startswith("household."):
            target = field.removeprefix("household.")
            form.add_error(target if target in form.fields else None, e.message)
        else:
            form.add_error(_FIELD_OF.get(field), e.message)
        return None
