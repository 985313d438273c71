"""The one reader of typed amounts (core.money.parse_money) and the form fields built on it."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from bangfu.core.forms import FactDateField, MoneyField
from bangfu.core.money import CONTRACT_PATTERN, MoneyError, format_capitals, format_yuan, parse_money

D = Decimal

# Every amount the machine can hold, to the fen.
amounts = st.decimals(min_value=D("0"), max_value=D("999999999999.99"), places=2)


@pytest.mark.parametrize(
    "text",
    ["12345.67", "12,345.67", "¥12,345.67", "￥12,345.67", " ¥ 12,345.67 ", "12345.67元", "￥１２，３４５．６７",
     "\u300012,345.67\u3000", "¥12345.67"],
)  # fmt: skip
def test_the_ways_people_write_one_amount_read_as_that_amount(text):
    assert parse_money(text) == D("12345.67")


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("12,3.4", "separators", "千位分隔符位置不对"),
        ("1,23", "separators", "千位分隔符位置不对"),
        ("1,,234", "separators", "千位分隔符位置不对"),
        ("1234,567", "separators", "千位分隔符位置不对"),
        (",123", "separators", "千位分隔符位置不对"),
        ("123,", "separators", "千位分隔符位置不对"),
        ("1,234.5,6", "separators", "千位分隔符位置不对"),
        ("1e3", "exponent", "科学计数法"),
        ("1E3", "exponent", "科学计数法"),
        ("12.345", "decimals", "最多两位小数"),
        ("12.340", "decimals", "最多两位小数"),
        ("NaN", "not_finite", "NaN"),
        ("nan", "not_finite", "NaN"),
        ("Infinity", "not_finite", "无穷大"),
        ("-inf", "not_finite", "无穷大"),
        ("", "empty", "请填写金额"),
        ("   ", "empty", "请填写金额"),
        ("-5", "negative", "不能为负数"),
        ("-¥12,345.67", "negative", "不能为负数"),
        ("-0", "negative", "不能为负数"),
        ("1000000000000", "too_large", "超出可记账的范围"),
        ("abc", "invalid", "金额格式不正确"),
        ("一千", "invalid", "金额格式不正确"),
        ("+12", "invalid", "金额格式不正确"),
        ("12.", "invalid", "金额格式不正确"),
        (".5", "invalid", "金额格式不正确"),
        ("12 345.67", "invalid", "金额格式不正确"),
        ("0x10", "invalid", "金额格式不正确"),
        ("1_000", "invalid", "金额格式不正确"),
        ("¥¥12", "invalid", "金额格式不正确"),
    ],
)
def test_what_could_be_read_as_another_amount_is_refused_in_chinese(text, code, message):
    with pytest.raises(MoneyError) as e:
        parse_money(text)
    assert e.value.code == code and message in e.value.message


def test_a_negative_is_read_only_where_one_is_allowed():
    assert parse_money("-¥12,345.67", negative=True) == D("-12345.67")
    assert parse_money("-12.5", negative=True) == D("-12.50")


def test_values_that_are_not_text():
    assert parse_money(D("12.5")) == D("12.50") and str(parse_money(D("12.5"))) == "12.50"
    assert parse_money(12) == D("12.00")
    for value in (0.1, True, None, [1]):
        with pytest.raises(MoneyError):
            parse_money(value)
    for value, code in ((D("NaN"), "not_finite"), (D("-1"), "negative"), (D("1.001"), "decimals"),
                        (D("1E+20"), "too_large")):  # fmt: skip
        with pytest.raises(MoneyError) as e:
            parse_money(value)
        assert e.value.code == code


def test_the_contract_form_reads_the_ascii_forms_people_write_and_nothing_to_guess():
    for text in ("1200.5", "1,200.50", "¥1,200.50", "¥1200.5"):
        assert str(parse_money(text, contract=True)) == "1200.50"
    for text in (" 12.00", "６００.００", "012", "600.", "+1", "¥ 600", "600元"):
        with pytest.raises(MoneyError) as e:
            parse_money(text, contract=True)
        assert "如 1200.50、1,200.50 或 ¥1,200.50" in e.value.message
    for text, code in (("12,3.4", "separators"), ("1e3", "exponent"), ("1.001", "decimals"), ("-5", "negative")):
        with pytest.raises(MoneyError) as e:
            parse_money(text, contract=True)
        assert e.value.code == code


@given(amounts)
def test_an_amount_written_with_or_without_separators_reads_back_exactly(amount):
    assert parse_money(f"{amount:.2f}") == amount
    assert parse_money(f"{amount:,.2f}") == amount
    assert parse_money(format_yuan(amount)) == amount
    assert parse_money(f"{amount:.2f}", contract=True) == amount
    assert parse_money(f"¥{amount:,.2f}", contract=True) == amount


@given(amounts.filter(lambda a: a > 0))
def test_a_negative_amount_as_shown_reads_back_where_negatives_are_allowed(amount):
    assert parse_money(format_yuan(-amount), negative=True) == -amount


@given(st.integers(min_value=1000, max_value=10**12 - 1), st.data())
def test_a_comma_anywhere_but_before_a_group_of_three_is_refused(whole, data):
    digits = str(whole)
    canonical = {len(digits) - i for i in range(3, len(digits), 3)}  # where f"{:,}" puts them
    cuts = data.draw(st.sets(st.integers(min_value=0, max_value=len(digits)), min_size=1))
    written = "".join(("," if i in cuts else "") + d for i, d in enumerate(digits)) + ("," if len(digits) in cuts else "")
    if cuts == canonical:
        assert parse_money(written) == whole
    else:
        with pytest.raises(MoneyError) as e:
            parse_money(written)
        assert e.value.code == "separators"


@given(st.text(alphabet="0123456789.,-¥eE +", max_size=16))
def test_any_text_is_read_exactly_or_refused_never_an_other_error(text):
    try:
        value = parse_money(text, negative=True)
    except MoneyError:
        return
    # What is read is what the digits say once the separators are taken out.
    assert value == D(text.strip().replace(",", "").replace("¥", "").replace(" ", ""))


@given(st.text(alphabet="0123456789.,-¥e ", max_size=16))
def test_the_contract_pattern_and_the_contract_reader_agree(text):
    """The OpenAPI schema's pattern is the engine's grammar: no text one accepts the other refuses."""
    try:
        parse_money(text, contract=True)
        read = True
    except MoneyError:
        read = False
    assert read == bool(re.fullmatch(CONTRACT_PATTERN.strip("^$"), text))


# --- the form fields ---------------------------------------------------------------------------


def test_the_money_field_is_a_text_input_for_decimals():
    html = MoneyField(label="金额").widget.render("amount", "")
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_the_money_field_cleans_to_a_decimal_or_says_why_not():
    field = MoneyField(label="金额", min_value=D("0.01"))
    assert field.clean("¥12,345.67") == D("12345.67")
    for text, message in (("12,3.4", "千位分隔符位置不对"), ("0", "金额须大于零"), ("", "必填")):
        with pytest.raises(Exception, match=message):
            field.clean(text)
    assert MoneyField(label="金额", required=False).clean("") is None


@time_machine.travel("2026-03-15 23:30 +0800", tick=False)
def test_a_fact_date_may_be_today_in_shanghai_but_not_tomorrow():
    field = FactDateField(label="到账日期")
    assert field.clean("2026-03-15") == date(2026, 3, 15)
    with pytest.raises(Exception, match=r"到账日期不能晚于今天（2026年3月15日）"):
        field.clean("2026-03-16")
    # The picker offers no later day, read at each render.
    assert 'max="2026-03-15"' in field.widget.render("day", "")


@time_machine.travel("2026-03-16 00:30 +0800", tick=False)
def test_today_is_the_day_in_shanghai_not_in_utc():
    # 2026-03-15 16:30 UTC: already the 16th in Shanghai.
    assert FactDateField(label="到账日期").clean("2026-03-16") == date(2026, 3, 16)


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [("0.00", "零元整"), ("0.05", "伍分"), ("0.50", "伍角整"), ("1.00", "壹元整"), ("10.00", "壹拾元整"),
     ("10.50", "壹拾元伍角整"), ("10.05", "壹拾元零伍分"), ("110.00", "壹佰壹拾元整"), ("1005.00", "壹仟零伍元整"),
     ("1680.32", "壹仟陆佰捌拾元叁角贰分"), ("20000.00", "贰万元整"), ("100000.00", "壹拾万元整"),
     ("100010.00", "壹拾万零壹拾元整"), ("1000001.01", "壹佰万零壹元零壹分"), ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
     ("105000.00", "壹拾万零伍仟元整"), ("300000000.00", "叁亿元整"), ("100000001.00", "壹亿零壹元整"),
     ("-12.30", "负壹拾贰元叁角整")],
)  # fmt: skip
def test_an_amount_in_capitals_follows_the_payment_rules(amount, capitals):
    assert format_capitals(D(amount)) == capitals


@given(amounts)
def test_capitals_name_every_nonzero_digit_once(value):
    # Reading back the digits named in the capitals gives the amount's nonzero digits, in order.
    named = [c for c in format_capitals(value) if c in "壹贰叁肆伍陆柒捌玖"]
    assert named == ["零壹贰叁肆伍陆柒捌玖"[int(d)] for d in f"{value:.2f}" if d not in "0."]
