"""The parameter files: read, checked, refused when wrong."""

from datetime import date

import pytest

from bangfu.policy.parameters import (
    PARAMS_DIR,
    SPEC_BY_NAME,
    DatedValue,
    ParameterError,
    builtin_policy,
    canonical_text,
    check_values,
    read_policy_file,
)


def test_every_built_in_file_reads_cleanly():
    files = sorted(PARAMS_DIR.glob("*.toml"))
    assert [f.stem for f in files] == ["changning-2016"]
    for f in files:
        assert read_policy_file(f).code == f.stem


def test_a_float_in_a_file_is_refused():
    with pytest.raises(ParameterError, match="字符串"):
        canonical_text(SPEC_BY_NAME["medical.rate.dibao"], 0.6)


def test_codes_are_written_in_the_schema_order():
    assert (
        canonical_text(SPEC_BY_NAME["medical.excluded_fee_types"], ["nutrition", "nursing"])
        == "nursing,nutrition"
    )


def test_a_broken_file_says_what_is_wrong(tmp_path):
    text = (PARAMS_DIR / "changning-2016.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('value = "0.60"', 'value = "0.6x"'), encoding="utf-8")
    with pytest.raises(ParameterError, match="比例"):
        read_policy_file(broken)
    broken.write_text(text.replace("[approval.street_limit]", "[approval.street_limitt]"), encoding="utf-8")
    with pytest.raises(ParameterError, match="未知参数"):
        read_policy_file(broken)


def test_check_values_finds_gaps_and_dates_outside_the_period():
    data = builtin_policy("changning-2016")
    values = [v for v in data.values if v.name != "annual.max_events"]
    values.append(DatedValue("annual.max_amount", date(2022, 1, 1), "1.00", "x"))
    values.append(DatedValue("medical.rate.dibao", date(2017, 1, 1), "0.70", " "))
    problems = check_values(data.valid_from, data.valid_to, values)
    assert any("每户每年帮扶次数上限" in p for p in problems)
    assert any("不在有效期" in p for p in problems)
    assert any("依据条款" in p for p in problems)
