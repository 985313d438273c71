"""Resident ID numbers (GB 11643), validated with python-stdnum, with its two traps handled.

1. `stdnum.cn.ric.validate` raises KeyError (not a ValidationError) for an area code
   whose province is known but whose county is not (e.g. 319999…): that is bad input.
2. It rejects a real number whose area code was created after the birth year
   (310115 浦东新区 exists since 1992, yet people born in 1985 were issued 310115…
   when their hukou moved there): we accept those with a warning.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


class IdNumberError(ValueError):
    """A Chinese message saying what is wrong with the number."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" or "F": the order code's last digit is odd for men (GB 11643)
    warnings: list[str] = field(default_factory=list)


def _area_known_at_some_time(number: str) -> bool:
    info = {k: v for _, props in numdb.get("cn/loc").info(number[:6]) for k, v in props.items()}
    return "county" in info


def validate_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    number = ric.compact(raw or "")
    if len(number) != 18:
        raise IdNumberError("身份证号码应为18位。")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号码前17位应为数字，最后一位为数字或X。")
    if number[17] != ric.calc_check_digit(number):
        raise IdNumberError("身份证号码校验位不正确，请核对。")
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise IdNumberError("身份证号码中的出生日期无效。") from None
    # Shanghai's date, not the machine's (UTC): a child born this morning is valid at 07:00.
    if birth > (today or timezone.localdate()) or birth.year < 1900:
        raise IdNumberError("身份证号码中的出生日期不合理。")
    warnings = []
    try:
        ric.get_birth_place(number)
    except KeyError:
        raise IdNumberError("身份证号码的地区代码无效（未知的区县）。") from None
    except StdnumError:
        if not _area_known_at_some_time(number):
            raise IdNumberError("身份证号码的地区代码无效。") from None
        warnings.append("地区代码设立晚于出生年份（如1992年设立的浦东新区310115），请核对证件原件。")
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=birth, sex=sex, warnings=warnings)
