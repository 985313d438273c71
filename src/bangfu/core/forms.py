"""What every app's forms share: one base (Chinese messages naming the field, no ASCII colon, no
`---------`), an amount as people type it, and a date that records a fact.

They read and check the shape of one value; the rules of a procedure stay in its services.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from .dates import future_fact
from .money import MoneyError, format_yuan, parse_money

CHOOSE = "（请选择）"


class ChineseFormMixin:
    """Every form of the platform says what is missing by the field's name (请填写姓名。/
    请选择街镇。/ 请上传文件。) rather than Django's 这个字段是必填项。, puts no colon after a label
    (the templates lay labels out above their inputs), shows 请选择 where Django shows `---------`,
    reads an invalid date as one (请填写有效的日期。), and gives every date field the one date
    input (`DateInput`). A field's own message and widget win."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._in_chinese()

    # Fields a form adds or replaces after this __init__ (the fund forms add theirs, the review
    # form its roster) are put in Chinese too: before validation and before any field is shown.
    def full_clean(self):
        self._in_chinese()
        super().full_clean()

    def __getitem__(self, name):
        self._in_chinese()
        return super().__getitem__(name)

    def _in_chinese(self) -> None:
        for field in self.fields.values():
            if not getattr(field, "in_chinese", False):
                _speak_chinese(field)
                field.in_chinese = True


def _named(label: str) -> str:
    # 金额（元） is asked for as 金额: a note in brackets says how to fill it, not what it is.
    return re.sub(r"（[^（）]*）$", "", label) or label


def _speak_chinese(field: forms.Field) -> None:
    label = _named(str(field.label or ""))
    default_required = forms.Field.default_error_messages["required"]
    if field.error_messages.get("required") == default_required:
        if isinstance(field, forms.FileField):
            field.error_messages["required"] = f"请上传{label}。"
        elif isinstance(field, forms.ChoiceField):  # a ModelChoiceField is one too
            field.error_messages["required"] = f"请选择{label}。"
        elif isinstance(field, forms.BooleanField):
            field.error_messages["required"] = f"请勾选{label}。"
        else:
            field.error_messages["required"] = f"请填写{label}。"
    if isinstance(field, forms.DateField):
        if field.error_messages.get("invalid") == forms.DateField.default_error_messages["invalid"]:
            field.error_messages["invalid"] = "请填写有效的日期。"
        if type(field.widget) is forms.DateInput:  # Django's default: a text box showing the locale's format
            field.widget = _one_date_input(field.widget)
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == "---------":
            field.empty_label = CHOOSE
    elif isinstance(field, forms.ChoiceField):
        field.choices = [(value, CHOOSE if text == "---------" else text) for value, text in field.choices]


def _one_date_input(default: forms.DateInput) -> "DateInput":
    widget = DateInput(default.attrs)
    widget.is_required, widget.is_localized = default.is_required, default.is_localized
    return widget


class Form(ChineseFormMixin, forms.Form):
    """A form of the platform: Django's, in Chinese (`ChineseFormMixin`)."""


class ModelForm(ChineseFormMixin, forms.ModelForm):
    """A model form of the platform: Django's, in Chinese (`ChineseFormMixin`)."""


class MoneyInput(forms.TextInput):
    """Text, not type=number: a number input cannot take `12,345.67`, and browsers read what is
    typed into one by their own rules (Chromium drops every comma, so `12,3.4` became 123.4)
    before the server could refuse it. inputmode=decimal still brings up the digit keypad."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class MoneyField(forms.Field):
    """An amount in yuan: read by `parse_money`, so a form refuses exactly what the API and the
    commands refuse, with the same Chinese message. Cleans to a Decimal with two places."""

    widget = MoneyInput

    def __init__(self, *, negative: bool = False, min_value=None, max_value=None, **kwargs):
        kwargs.setdefault("help_text", "单位：元，最多两位小数，如 12345.67 或 12,345.67。")
        super().__init__(**kwargs)
        self.negative = negative
        if min_value is not None:
            message = "金额须大于零。" if min_value == Decimal("0.01") else f"金额不能小于{format_yuan(min_value)}。"
            self.validators.append(MinValueValidator(Decimal(min_value), message))
        if max_value is not None:
            self.validators.append(MaxValueValidator(Decimal(max_value), f"金额不能超过{format_yuan(max_value)}。"))

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_money(value, negative=self.negative)
        except MoneyError as e:
            raise ValidationError(e.message, code=e.code) from None

    def prepare_value(self, value):
        # An initial Decimal is shown as it would be typed; a bound field shows what was typed.
        return f"{value:.2f}" if isinstance(value, Decimal) else value


class DateInput(forms.DateInput):
    """The one date input: type=date, the browser's date picker. It reads and shows only ISO
    `2026-12-01`, whatever the locale's format, so its value is always written so. Every
    date field of a platform form has it (the form base gives it to those that name no widget)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FactDateInput(DateInput):
    """A date picker that offers no day after today (the field checks it again on the server)."""

    def get_context(self, name, value, attrs):
        # Today is read at each render, not when the form class is built.
        return super().get_context(name, value, {**(attrs or {}), "max": timezone.localdate().isoformat()})


class FactDateField(forms.DateField):
    """A date that records a fact: never in the future (core.dates says why, naming the field)."""

    widget = FactDateInput

    def validate(self, value):
        super().validate(value)
        message = future_fact(value, self.label or "日期")
        if message:
            raise ValidationError(message, code="future")
