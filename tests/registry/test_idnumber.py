"""ID number validation (GB 11643 with python-stdnum), including stdnum's two traps:
an unknown county raises KeyError inside stdnum (must be a clear error, never a 500),
and an area code newer than the birth year is real (accepted with a warning)."""

from datetime import date

import pytest
from stdnum.cn import ric

from bangfu.core.idnumber import IdNumberError, validate_id_number
from tests.registry.conftest import row_counts


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def with_wrong_check(body17: str) -> str:
    right = ric.calc_check_digit(body17 + "0")
    return body17 + ("1" if right != "1" else "2")


def ending_in_x(prefix14: str) -> str:
    """A valid number whose check character is X (about one in eleven)."""
    for n in range(1000):
        body = f"{prefix14}{n:03d}"
        if ric.calc_check_digit(body + "0") == "X":
            return body + "X"
    raise AssertionError("no X found")


BAD = [
    ("31010519800101001", "18位"),  # 17 characters
    ("3101051980010100123", "18位"),  # 19 characters
    ("31010519800101A01X", "数字"),  # a letter inside
    (with_wrong_check("31010519800101001"), "校验位"),
    (with_check("31010519801301001"), "出生日期无效"),  # month 13
    (with_check("31010520990101001"), "出生日期不合理"),  # in the future
    (with_check("31999919800101001"), "地区代码无效"),  # known province, unknown county: stdnum's KeyError
    (with_check("99999919800101001"), "地区代码无效"),  # unknown altogether
]  # fmt: skip


@pytest.mark.parametrize(("number", "message"), BAD)
def test_bad_id_numbers_are_refused_with_a_chinese_reason(number, message):
    with pytest.raises(IdNumberError) as excinfo:
        validate_id_number(number, today=date(2025, 6, 1))
    assert message in str(excinfo.value)


def test_unknown_county_is_a_validation_error_not_a_key_error():
    number = with_check("31999919800101001")
    with pytest.raises(KeyError):
        ric.get_birth_place(number)  # the trap, as stdnum has it
    with pytest.raises(IdNumberError):
        validate_id_number(number)


def test_pudong_code_for_someone_born_before_pudong_existed_is_accepted_with_a_warning():
    number = with_check("31011519850315002")
    assert not ric.is_valid(number)  # stdnum alone refuses it
    checked = validate_id_number(number)
    assert checked.birth_date == date(1985, 3, 15)
    assert checked.warnings and "310115" in checked.warnings[0]


def test_lower_case_x_is_accepted_and_stored_upper_case():
    number = ending_in_x("31010519800115")
    checked = validate_id_number(number.lower())
    assert checked.number == number


def test_sex_and_birth_date_come_from_the_number():
    man = validate_id_number(with_check("31010519800101001"))
    woman = validate_id_number(with_check("31010519751231002"))
    assert (man.sex, man.birth_date) == ("M", date(1980, 1, 1))
    assert (woman.sex, woman.birth_date) == ("F", date(1975, 12, 31))


@pytest.mark.parametrize(("number", "message"), BAD)
def test_add_member_form_shows_the_reason_and_saves_nothing(number, message, cast, login, household_a):
    before = row_counts()
    response = login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/new/",
        {"name": "赵六", "id_number": number, "relationship": "child"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert row_counts() == before


def test_new_area_code_warning_is_shown_after_saving(cast, login, household_a):
    number = with_check("31011519850315002")
    response = login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/new/",
        {"name": "浦东人", "id_number": number, "relationship": "child"},
        follow=True,
    )
    page = response.content.decode()
    assert "已添加成员 浦东人" in page
    assert "地区代码设立晚于出生年份" in page
    person = household_a.members.get(name="浦东人")
    assert person.birth_date == date(1985, 3, 15) and person.sex == "F"


def test_lower_case_x_through_the_form(cast, login, household_a):
    number = ending_in_x("31010519900215")
    response = login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/new/",
        {"name": "小明", "id_number": number.lower(), "relationship": "child"},
    )
    assert response.status_code == 302
    assert household_a.members.get(name="小明").id_number == number


def test_a_birth_today_in_shanghai_is_valid_while_the_utc_date_is_still_yesterday():
    import time_machine
    from stdnum.cn import ric

    body = "31010520261201001"
    number = body + ric.calc_check_digit(body + "0")
    # 07:00 in Shanghai on 1 December is 23:00 on 30 November in UTC.
    with time_machine.travel("2026-11-30T23:00:00+00:00", tick=False):
        assert validate_id_number(number).birth_date.isoformat() == "2026-12-01"
    # 23:00 on 30 November in Shanghai: that birth is still in the future.
    with time_machine.travel("2026-11-30T15:00:00+00:00", tick=False), pytest.raises(IdNumberError):
        validate_id_number(number)
