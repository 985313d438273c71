"""The city rules: one file in the policy parameters' format, read by the same parser, each value
dated and carrying its clause; the funds, the reports and the case procedure read them."""

from datetime import date
from decimal import Decimal

import pytest

from bangfu.cases.workflow import follow_up_due, paperwork_rule
from bangfu.core.refusal import Refused
from bangfu.funds.parameters import management_fee_rate
from bangfu.funds.reports.monthly import due_date, due_rule
from bangfu.policy.parameters import (
    CITY_FILE,
    CITY_SPECS,
    ParameterError,
    city_parameter,
    city_rules,
    read_city_file,
)


def test_every_city_rule_has_a_value_with_its_clause():
    rules = city_rules()
    for spec in CITY_SPECS:
        history = rules.history(spec.name)
        assert history, spec.name
        assert all(p.reference.strip() and p.name == spec.name for p in history)


@pytest.mark.parametrize(
    "name, starts, value, clause",
    [
        ("funds.management_fee_rate", date(2025, 1, 10), Decimal("0.025"), "沪民救发〔2025〕1号 四(三)"),
        ("reports.monthly_due_day", date(2016, 7, 1), 10, "沪民救发〔2025〕1号 四(二)"),
        ("cases.follow_up_days", date(2016, 7, 1), 30, "沪民救发〔2025〕1号 三(二)1"),
        ("cases.help_first.paperwork_days", date(2016, 7, 1), 30, "沪民救发〔2025〕1号 三(二)4"),
    ],
)
def test_the_first_value_starts_on_its_day_with_its_clause_and_not_before(name, starts, value, clause):
    assert city_parameter(name, date.fromordinal(starts.toordinal() - 1)) is None
    p = city_parameter(name, starts)
    assert (p.value, p.starts) == (value, starts)
    assert p.reference.startswith(clause)
    assert city_parameter(name, date(2026, 6, 17)) == p


def test_a_rule_the_documents_give_no_number_for_says_so():
    for name in ("reports.monthly_due_day", "cases.follow_up_days", "cases.help_first.paperwork_days"):
        assert "文件未规定" in city_parameter(name, date(2026, 6, 17)).reference
    assert "文件未规定" not in management_fee_rate(date(2026, 6, 17)).reference


def test_the_management_fee_rate_changes_on_its_start_date(city_rules_with):
    city_rules_with(
        "[funds.management_fee_rate]", 'values.2027-03-01 = { value = "0.020", reference = "测试文件 二" }'
    )
    before, after = management_fee_rate(date(2027, 2, 28)), management_fee_rate(date(2027, 3, 1))
    assert (before.value, before.percent, before.starts) == (Decimal("0.025"), "2.5%", date(2025, 1, 10))
    assert (after.value, after.percent, after.reference) == (Decimal("0.020"), "2%", "测试文件 二")
    assert management_fee_rate(date(2025, 1, 9)) is None


def test_the_report_due_day_is_the_rule_in_force_on_the_first_of_the_next_month(city_rules_with):
    city_rules_with(
        "[reports.monthly_due_day]", 'values.2027-01-01 = { value = 31, reference = "测试文件 三" }'
    )
    assert due_date(2026, 11) == date(2026, 12, 10)
    assert due_date(2026, 12) == date(2027, 1, 31)
    assert due_rule(2026, 12).reference == "测试文件 三"
    # The 31st in a short month is its last day.
    assert due_date(2027, 1) == date(2027, 2, 28)
    # A month before the first rule (the platform has none) takes the first, as it always did.
    assert due_date(2010, 5) == date(2010, 6, 10)


def test_the_follow_up_and_paperwork_periods_change_on_their_start_dates(city_rules_with):
    city_rules_with("[cases.follow_up_days]", 'values.2027-01-01 = { value = 14, reference = "测试文件 四" }')
    assert follow_up_due(date(2026, 12, 31)) == date(2027, 1, 30)
    assert follow_up_due(date(2027, 1, 1)) == date(2027, 1, 15)
    with pytest.raises(Refused, match="没有生效的回访期限规则"):
        follow_up_due(date(2016, 6, 30))
    assert paperwork_rule(date(2016, 6, 30)) is None
    assert paperwork_rule(date(2027, 1, 1)).value == 30


@pytest.mark.parametrize(
    "replace, with_, message",
    [
        ('value = "0.025"', "value = 0.025", "字符串"),
        ("[cases.follow_up_days]", "[cases.follow_up_dayz]", "未知参数"),
        ('reference = "沪民救发〔2025〕1号 四(三)（财综〔2021〕18号）"', 'reference = " "', "依据条款"),
    ],
)
def test_a_broken_city_file_says_what_is_wrong(tmp_path, replace, with_, message):
    text = CITY_FILE.read_text(encoding="utf-8")
    assert replace in text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace(replace, with_, 1), encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        read_city_file(broken)


def test_a_name_outside_the_schema_is_a_programming_error():
    with pytest.raises(KeyError):
        city_parameter("funds.management_fee", date(2026, 1, 1))
