"""The policy engine: check a request, pick the policy in force, evaluate it, explain each step.

Pure: no database inside. It takes a `PolicyBook` (the published versions, loaded once by
`selectors.policy_book()` or built from the data files) and a request dict of the SPEC §6
contract, and returns the answer dict, or raises the core `Refused` whose `as_dict()` is
the contract's error object. Money is `Decimal` from input to output and leaves as strings.

The rules are those of SPEC §6 for 长民发〔2016〕31号; every number comes from a parameter
of the policy, and every trace step names that parameter and its clause.

In reading order: the error, the versions (values resolved by date), reading a request (the
contract), then the rules, one function per clause with the clause quoted in its docstring
(residency, each aid type's conditions and maximum, the annual caps, the approval level),
composed by `evaluate_request` in the order of the trace. The rules stay in this module
rather than one per district: they are written against the parameters, not against
Changning's numbers (a district's numbers and clauses are data), and they share `Request`
and `Param` with the reader; a district whose rules differ in shape, not in numbers, would
get a module of its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import orjson

from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO, MoneyError, format_yuan, parse_money, to_fen_down
from bangfu.core.refusal import Refused

from .parameters import (
    AID_FORMS,
    CATEGORIES,
    EMERGENCY_EVENTS,
    FEE_TYPES,
    SPEC_BY_NAME,
    Param,
    PolicyData,
    parse_value,
)

AID_TYPES = ("medical", "insurance_supplement", "emergency", "other")

CATEGORY_ZH = {
    "dibao": "低保家庭",
    "low_income": "低收入困难家庭",
    "rigid_expense": "刚性支出困难家庭",
    "other": "其他",
}
FEE_TYPE_ZH = {
    "treatment": "治疗费", "medicine": "药费", "examination": "检查费", "surgery": "手术费",
    "nursing": "陪护费", "nutrition": "营养费", "other": "其他费用",
}  # fmt: skip
EVENT_ZH = {"fire": "火灾", "drowning": "溺水", "traffic": "车祸", "other_major": "其他重大事故"}
CONDITION_ZH = {
    "serious_illness": "大重病",
    "lost_work_capacity": "完全丧失劳动能力",
    "casualty_or_major_loss": "造成人员伤亡或重大财产损失",
}
AID_TYPE_ZH = {
    "medical": "大重病医疗帮扶",
    "insurance_supplement": "补缴金帮扶",
    "emergency": "突发事件帮扶",
    "other": "其他帮扶",
}

EXCEPTION_NOTE = "该限额为“一般”限额：确需突破的，须书面说明理由并报区服务社审批。"


def _invalid(message: str, field: str | None) -> Refused:
    """A request the engine cannot read (400); a date no version covers is `no_policy_in_force` (422)."""
    return Refused(message, code="invalid_input", field=field, status=400)


# --- parameters, versions, the book of versions -------------------------------------------


Values = dict[str, Param]  # one version's values on one day, by parameter name


class ParameterSet:
    """One policy version, with its values resolved for every sub-period where none change."""

    def __init__(self, data: PolicyData):
        self.code = data.code
        self.district = data.district
        self.valid_from = data.valid_from
        self.valid_to = data.valid_to
        self.validity_reference = data.validity_reference
        self.title = data.title
        self.document = data.document
        self.data = data
        self._validity = Param(
            "policy.validity",
            None,
            f"{data.valid_from}/{data.valid_to}",
            data.validity_reference,
            False,
            data.valid_from,
        )
        # Values keyed by start date (OpenFisca style): precompute one snapshot per change
        # point, so an evaluation does a single bisect instead of one search per parameter.
        self._starts = sorted({v.start for v in data.values} | {data.valid_from})
        self._snapshots: list[Values] = []
        ordered = sorted(data.values, key=lambda v: v.start)
        for start in self._starts:
            snap: Values = {}
            for v in ordered:
                if v.start <= start:
                    snap[v.name] = Param(
                        v.name,
                        parse_value(SPEC_BY_NAME[v.name], v.text),
                        v.text,
                        v.reference,
                        v.generally,
                        v.start,
                    )
            self._snapshots.append(snap)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def at(self, day: date) -> Values:
        return self._snapshots[bisect_right(self._starts, day) - 1]

    def summary(self) -> dict:
        return {
            "id": self.code,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
        }


class PolicyBook:
    """The versions the engine may apply, and the districts of the organisation network."""

    def __init__(self, parameter_sets: Iterable[ParameterSet], districts: Mapping[str, str]):
        self.districts = dict(districts)  # code -> name
        self._by_district: dict[str, list[ParameterSet]] = {}
        for ps in parameter_sets:
            self._by_district.setdefault(ps.district, []).append(ps)
        for versions in self._by_district.values():
            versions.sort(key=lambda ps: ps.valid_from)

    def in_force(self, district: str, day: date) -> ParameterSet | None:
        for ps in self._by_district.get(district, ()):
            if ps.valid_from <= day <= ps.valid_to:
                return ps
        return None


# --- reading a request ------------------------------------------------------------------------

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIVISION = re.compile(r"[0-9]{6}")

_TOP_FIELDS = frozenset(
    ("district", "application_date", "aid_type", "household", "medical", "insurance_supplement",
     "emergency", "requested_amount")
)  # fmt: skip
_TOP_REQUIRED = ("district", "application_date", "aid_type", "household")
_HOUSEHOLD_FIELDS = (
    "category",
    "hukou_district",
    "resides_in_district",
    "non_local_spouse_or_child",
    "prior_aid",
)
_PRIOR_FIELDS = ("date", "amount")
_PRIOR_OPTIONAL = ("form",)  # SPEC §4: the form of aid, "case" when absent
_MEDICAL_FIELDS = ("invoices",)
_INVOICE_FIELDS = ("number", "date", "regular_hospital", "fee_type", "self_paid")
_INSURANCE_FIELDS = ("personal_share", "serious_illness", "lost_work_capacity")
_EMERGENCY_FIELDS = ("event", "casualty_or_major_loss")
_SETS = {
    fields: frozenset(fields)
    for fields in (_HOUSEHOLD_FIELDS, _PRIOR_FIELDS, _MEDICAL_FIELDS, _INVOICE_FIELDS, _INSURANCE_FIELDS,
                   _EMERGENCY_FIELDS)
}  # fmt: skip
_PRIOR_ALLOWED = frozenset(_PRIOR_FIELDS + _PRIOR_OPTIONAL)


def _shown(value) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 40 else text[:40] + "…"


def _object(value, field: str, allowed: frozenset, required: tuple) -> dict:
    """A JSON object with exactly the known fields: unknown ones are refused, by name."""
    if type(value) is not dict:
        raise _invalid(f"{field} 须为 JSON 对象。", field)
    for key in value:
        if key not in allowed:
            raise _invalid(f"未知字段 {field}.{key}：请删除该字段。", f"{field}.{key}")
    for key in required:
        if key not in value:
            raise _invalid(f"缺少必填字段 {field}.{key}。", f"{field}.{key}")
    return value


def _amount(value, field: str) -> Decimal:
    if type(value) is not str:
        kind = "JSON 数字" if isinstance(value, int | float) and not isinstance(value, bool) else "该类型"
        raise _invalid(f'{field} 须为字符串形式的金额（如 "1200.50"），不能是{kind}。', field)
    # The one money parser, in its contract form: `1200.50`, `1,200.50` and `¥1,200.50` alike,
    # and its OpenAPI pattern (money.CONTRACT_PATTERN) says exactly what is read. Two places always, so every
    # amount leaves the engine written the same way.
    try:
        return parse_money(value, contract=True)
    except MoneyError as e:
        raise _invalid(f"{field}：{e.message}（收到“{_shown(value)}”）", field) from None


def _date(value, field: str) -> date:
    if type(value) is not str or _DATE.fullmatch(value) is None:
        raise _invalid(
            f'{field} 须为 YYYY-MM-DD 格式的日期（如 "2020-05-01"），收到“{_shown(value)}”。', field
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{field} 不是存在的日期：“{value}”。", field) from None


def _flag(value, field: str) -> bool:
    if type(value) is not bool:
        raise _invalid(f"{field} 须为 true 或 false，收到“{_shown(value)}”。", field)
    return value


def _choice(value, field: str, choices: tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise _invalid(f"{field} 的取值无效：“{_shown(value)}”；可选：{'、'.join(choices)}。", field)
    return value


def _list(value, field: str) -> list:
    if type(value) is not list:
        raise _invalid(f"{field} 须为 JSON 数组。", field)
    return value


class Request:
    """A request that passed every check: typed values only."""

    __slots__ = (
        "aid_type",
        "casualty",
        "category",
        "day",
        "district",
        "event",
        "hukou_district",
        "invoices",
        "lost_work_capacity",
        "non_local",
        "personal_share",
        "prior",
        "requested",
        "resides",
        "serious_illness",
    )  # fmt: skip


def parse_request(data, districts: Mapping[str, str]) -> Request:
    """Check a request against the SPEC §6 contract; raise `invalid_input` naming the field."""
    if type(data) is not dict:
        raise _invalid("请求须为 JSON 对象。", None)
    for key in data:
        if key not in _TOP_FIELDS:
            raise _invalid(f"未知字段 {key}：请删除该字段。", key)
    for key in _TOP_REQUIRED:
        if key not in data:
            raise _invalid(f"缺少必填字段 {key}。", key)
    r = Request()
    district = data["district"]
    if type(district) is not str or district not in districts:
        raise _invalid(f"district 不是组织网络中的区代码：“{_shown(district)}”。", "district")
    r.district = district
    r.day = _date(data["application_date"], "application_date")
    r.aid_type = _choice(data["aid_type"], "aid_type", AID_TYPES)

    h = _object(data["household"], "household", _SETS[_HOUSEHOLD_FIELDS], _HOUSEHOLD_FIELDS)
    r.category = _choice(h["category"], "household.category", CATEGORIES)
    hukou = h["hukou_district"]
    if type(hukou) is not str or _DIVISION.fullmatch(hukou) is None:
        raise _invalid(
            f'household.hukou_district 须为 6 位行政区划代码（如 "310105"），收到“{_shown(hukou)}”。',
            "household.hukou_district",
        )
    r.hukou_district = hukou
    r.resides = _flag(h["resides_in_district"], "household.resides_in_district")
    r.non_local = _flag(h["non_local_spouse_or_child"], "household.non_local_spouse_or_child")
    prior = []
    for i, item in enumerate(_list(h["prior_aid"], "household.prior_aid")):
        f = f"household.prior_aid[{i}]"
        item = _object(item, f, _PRIOR_ALLOWED, _PRIOR_FIELDS)
        form = _choice(item["form"], f + ".form", AID_FORMS) if "form" in item else "case"
        prior.append((_date(item["date"], f + ".date"), _amount(item["amount"], f + ".amount"), form))
    r.prior = prior

    r.invoices = ()
    r.personal_share = r.serious_illness = r.lost_work_capacity = r.event = r.casualty = None
    # Only the block of the requested aid type is read; the others are ignored (SPEC §6).
    if r.aid_type == "medical":
        if "medical" not in data:
            raise _invalid("大重病医疗帮扶须提供 medical 数据块。", "medical")
        m = _object(data["medical"], "medical", _SETS[_MEDICAL_FIELDS], _MEDICAL_FIELDS)
        invoices = []
        numbers = set()
        for i, item in enumerate(_list(m["invoices"], "medical.invoices")):
            f = f"medical.invoices[{i}]"
            item = _object(item, f, _SETS[_INVOICE_FIELDS], _INVOICE_FIELDS)
            number = item["number"]
            if type(number) is not str or not number.strip() or len(number) > 64:
                raise _invalid(f"{f}.number 须为 1 至 64 个字符的发票号。", f + ".number")
            if number in numbers:
                # The same invoice twice would count its expense twice.
                raise _invalid(f"{f}.number 重复：发票“{_shown(number)}”已在本请求中出现。", f + ".number")
            numbers.add(number)
            invoices.append(
                (
                    number,
                    _date(item["date"], f + ".date"),
                    _flag(item["regular_hospital"], f + ".regular_hospital"),
                    _choice(item["fee_type"], f + ".fee_type", FEE_TYPES),
                    _amount(item["self_paid"], f + ".self_paid"),
                )
            )
        r.invoices = invoices
    elif r.aid_type == "insurance_supplement":
        if "insurance_supplement" not in data:
            raise _invalid("补缴金帮扶须提供 insurance_supplement 数据块。", "insurance_supplement")
        b = _object(
            data["insurance_supplement"], "insurance_supplement", _SETS[_INSURANCE_FIELDS], _INSURANCE_FIELDS
        )
        r.personal_share = _amount(b["personal_share"], "insurance_supplement.personal_share")
        r.serious_illness = _flag(b["serious_illness"], "insurance_supplement.serious_illness")
        r.lost_work_capacity = _flag(b["lost_work_capacity"], "insurance_supplement.lost_work_capacity")
    elif r.aid_type == "emergency":
        if "emergency" not in data:
            raise _invalid("突发事件帮扶须提供 emergency 数据块。", "emergency")
        b = _object(data["emergency"], "emergency", _SETS[_EMERGENCY_FIELDS], _EMERGENCY_FIELDS)
        r.event = _choice(b["event"], "emergency.event", EMERGENCY_EVENTS)
        r.casualty = _flag(b["casualty_or_major_loss"], "emergency.casualty_or_major_loss")

    requested = data.get("requested_amount")
    r.requested = None if requested is None else _amount(requested, "requested_amount")
    return r


# --- evaluating: the rules of SPEC §6, one function per clause -------------------------------
#
# `evaluate_request` composes them in the order of the trace: residency (三), the conditions of
# the aid type, the annual caps (三(四)); then, only when every condition is met, the maximum
# of the aid type, cut to what is left of the year (三(四)), and the approval level (四(三)).
# Each function appends its own trace steps and reasons and reads each number from `p`, the
# values of the version in force on the application date. Before the maximum, only a
# condition not met gives a reason, so a request is eligible when none was given.


def years_before(day: date, years: int) -> date:
    """The same calendar date `years` earlier; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _step(step: str, p: Param, result: str, subject: str | None = None) -> dict:
    item = {"step": step, "parameter": p.name, "value": p.text, "source": p.reference, "result": result}
    if subject is not None:
        item["subject"] = subject
    return item


def _limit_reason(code: str, message: str, p: Param, limit: str) -> dict:
    return {"code": code, "message": message, "parameter": p.name, "limit": limit, "generally": p.generally}


def _noted(message: str, p: Param) -> str:
    """A limit the document qualifies with 一般 says how it may be exceeded."""
    return message + EXCEPTION_NOTE if p.generally else message


def _policy_in_force(r: Request, book: PolicyBook) -> ParameterSet:
    """The district's version whose validity covers the application date (for 长民发〔2016〕31号:
    末段, 自 2016 年 7 月 1 日起施行，有效期至 2021 年 12 月 31 日); none is an error, never a zero."""
    ps = book.in_force(r.district, r.day)
    if ps is None:
        name = book.districts.get(r.district) or r.district
        raise Refused(
            f"{name}（{r.district}）在{cn_date(r.day)}没有生效的帮扶政策，无法测算。"
            "请核对申请日期，或由区帮扶组织发布适用的政策版本。",
            code="no_policy_in_force",
            field="application_date",
            status=422,
        )
    return ps


def _residency(r: Request, p: Values, trace: list, reasons: list) -> None:
    """三: 凡具有本区户籍，并长期在本区居住生活的居民（含与本区户籍居民在本区共同生活的外省市户籍
    配偶、子女）. The spouse or child is taken as given: staff verify it (SPEC §6). Either
    condition not met: `residency`, naming both."""
    problems = []
    prm = p["residency.requires_residence"]
    lives_here = r.resides or not prm.value
    trace.append(_step("residency.residence", prm, "met" if lives_here else "not_met"))
    if not lives_here:
        problems.append("家庭未在本区长期居住生活")
    prm = p["residency.requires_hukou"]
    if not prm.value or r.hukou_district == r.district:
        trace.append(_step("residency.hukou", prm, "met", r.hukou_district))
    else:
        prm = p["residency.non_local_spouse_or_child"]
        admitted = prm.value and r.non_local
        trace.append(_step("residency.hukou", prm, "met" if admitted else "not_met", r.hukou_district))
        if not admitted:
            problems.append("申请人不具有本区户籍，也不是与本区户籍居民在本区共同生活的外省市户籍配偶、子女")
    if problems:
        reasons.append(
            {
                "code": "residency",
                "message": f"不符合户籍与居住条件：{'；'.join(problems)}（依据：{prm.reference}）。",
            }
        )


# Each aid type is a pair: its conditions, which return the base its maximum is computed on
# (None when the maximum needs none), and its maximum over that base, which returns the
# maximum (None: the type has none of its own) and the parameter that sets it.


def _medical_conditions(r: Request, p: Values, trace: list, reasons: list) -> Decimal:
    """三(一) 大重病医疗帮扶, with the invoices of 四(一): 医疗发票（正规医院开具的医嘱发票、申请一年内
    有效，不包括陪护费、营养费等收据）. An invoice counts when it is of a regular hospital, not of an
    excluded fee type, and dated from the same calendar date a year before the application to
    the application date, both inclusive. The base is the self-paid amount of the invoices that
    count; none, or nothing self-paid: `no_eligible_expense`."""
    window = p["medical.invoice_window_years"]
    regular = p["medical.regular_hospital_only"]
    excluded = p["medical.excluded_fee_types"]
    day = r.day
    start = years_before(day, window.value)
    trace.append(_step("medical.window", window, f"{start.isoformat()}/{day.isoformat()}"))
    counted = 0
    expense = ZERO
    for number, when, is_regular, fee_type, self_paid in r.invoices:
        if regular.value and not is_regular:
            trace.append(_step("medical.invoice", regular, "not_regular_hospital", number))
        elif fee_type in excluded.value:
            trace.append(_step("medical.invoice", excluded, "excluded_fee_type", number))
        elif when < start or when > day:
            trace.append(_step("medical.invoice", window, "outside_window", number))
        else:
            counted += 1
            expense += self_paid
            trace.append(_step("medical.invoice", window, "counted", number))
    if not counted or not expense:
        fees = "、".join(FEE_TYPE_ZH[c] for c in FEE_TYPES if c in excluded.value)
        reasons.append(
            {
                "code": "no_eligible_expense",
                "message": f"没有可计入的自负医疗费用：发票须由正规医院开具，日期在{cn_date(start)}至"
                f"{cn_date(day)}之间（含），且不是{fees}收据（依据：{window.reference}）。",
            }
        )
    return expense


def _medical_maximum(r: Request, p: Values, expense: Decimal, trace: list) -> tuple[Decimal, Param]:
    """三(一)1–3: 按照不超过个人实际承担的自负医疗费用 60%（低保对象）、50%（低收入对象）、40%（其他
    对象）给予帮扶. A category without a rate of its own is 其他对象; 不超过: down to the fen."""
    rate = p.get(f"medical.rate.{r.category}") or p["medical.rate.other"]
    maximum = to_fen_down(expense * rate.value)
    trace.append(_step("medical.rate", rate, str(maximum), str(expense)))
    return maximum, rate


def _insurance_conditions(r: Request, p: Values, trace: list, reasons: list) -> Decimal:
    """三(二) 补缴金帮扶: 低保、低收入大重病家庭中，因完全丧劳需一次性补缴社会保险金办理退休事宜的
    对象. Another category: `category_not_eligible`; serious illness or the complete loss of
    work capacity missing: `condition_not_met`. (补缴金额影响其基本生活 is for the review panel
    to judge, not an input: docs/policy.md.) The base is the personal share."""
    cats = p["insurance_supplement.categories"]
    in_category = r.category in cats.value
    trace.append(
        _step("insurance_supplement.category", cats, "met" if in_category else "not_met", r.category)
    )
    if not in_category:
        allowed = "、".join(CATEGORY_ZH[c] for c in CATEGORIES if c in cats.value)
        reasons.append(
            {
                "code": "category_not_eligible",
                "message": f"补缴金帮扶仅适用于{allowed}；本户为{CATEGORY_ZH[r.category]}（依据：{cats.reference}）。",
            }
        )
    conds = p["insurance_supplement.conditions"]
    given = {"serious_illness": r.serious_illness, "lost_work_capacity": r.lost_work_capacity}
    missing = [c for c in ("serious_illness", "lost_work_capacity") if c in conds.value and not given[c]]
    trace.append(
        _step(
            "insurance_supplement.conditions",
            conds,
            "not_met" if missing else "met",
            ",".join(missing) or None,
        )
    )
    if missing:
        reasons.append(
            {
                "code": "condition_not_met",
                "message": f"补缴金帮扶的条件未满足：{'、'.join(CONDITION_ZH[c] for c in missing)}（依据：{conds.reference}）。",
            }
        )
    return r.personal_share


def _insurance_maximum(r: Request, p: Values, share: Decimal, trace: list) -> tuple[Decimal, Param]:
    """三(二): 按照不超过个人需补缴部分的 50%给予帮扶; 不超过: down to the fen."""
    rate = p["insurance_supplement.rate"]
    maximum = to_fen_down(share * rate.value)
    trace.append(_step("insurance_supplement.rate", rate, str(maximum), str(share)))
    return maximum, rate


def _emergency_conditions(r: Request, p: Values, trace: list, reasons: list) -> None:
    """三(三) 突发事件帮扶: 因家庭遭受火灾或者家庭成员遭遇溺水、车祸等重大事故，造成人员伤亡或重大
    财产损失的家庭. Another event, or no casualty or major loss: `condition_not_met`."""
    events = p["emergency.events"]
    conds = p["emergency.conditions"]
    event_ok = r.event in events.value
    trace.append(_step("emergency.event", events, "met" if event_ok else "not_met", r.event))
    loss_ok = r.casualty or "casualty_or_major_loss" not in conds.value
    trace.append(
        _step(
            "emergency.conditions",
            conds,
            "met" if loss_ok else "not_met",
            None if loss_ok else "casualty_or_major_loss",
        )
    )
    if not (event_ok and loss_ok):
        what = "、".join(EVENT_ZH[e] for e in EMERGENCY_EVENTS if e in events.value)
        reasons.append(
            {
                "code": "condition_not_met",
                "message": f"突发事件帮扶须因{what}造成人员伤亡或重大财产损失（依据：{events.reference}）。",
            }
        )


def _emergency_maximum(r: Request, p: Values, base: None, trace: list) -> tuple[Decimal, Param]:
    """三(三): 一般给予不超过 2 万元的一次性帮扶 — a fixed amount; 一般: an exception needs a written
    reason and the district (the parameter's `generally`)."""
    fixed = p["emergency.max_amount"]
    trace.append(_step("emergency.max_amount", fixed, str(fixed.value)))
    return fixed.value, fixed


def _other_conditions(r: Request, p: Values, trace: list, reasons: list) -> None:
    """三(四) 其他帮扶: no condition of its own; residency and the annual caps apply."""
    return None


def _other_maximum(r: Request, p: Values, base: None, trace: list) -> tuple[None, None]:
    """三(四) 其他帮扶: no maximum of its own; what is left of the year's 8 万元 is the maximum."""
    return None, None


class _AidRule(NamedTuple):
    """An aid type's rule: its conditions, then (only when every condition is met) its maximum."""

    conditions: Callable[[Request, Values, list, list], Decimal | None]
    maximum: Callable[[Request, Values, Decimal | None, list], tuple[Decimal | None, Param | None]]


_AID_RULES = {
    "medical": _AidRule(_medical_conditions, _medical_maximum),
    "insurance_supplement": _AidRule(_insurance_conditions, _insurance_maximum),
    "emergency": _AidRule(_emergency_conditions, _emergency_maximum),
    "other": _AidRule(_other_conditions, _other_maximum),
}
assert tuple(_AID_RULES) == AID_TYPES  # every aid type the contract admits has its rule


class _Year(NamedTuple):
    """The household's calendar year of the application, as the annual caps found it."""

    year: int
    prior_total: Decimal
    cap: Param  # annual.max_amount
    remaining: Decimal


def counted_forms(p: Values, name: str) -> frozenset:
    """The forms of aid an annual cap counts (`annual.max_events.forms`, `annual.max_amount.forms`):
    every form when the version does not say (SPEC §4). The engine, the case procedure's caps and
    project aid's eligibility read it here."""
    param = p.get(name)
    return frozenset(AID_FORMS) if param is None else param.value


def _annual_caps(r: Request, p: Values, trace: list, reasons: list) -> _Year:
    """三(四): 每个家庭或对象每年帮扶次数一般不超过两次，全年累计帮扶资金不超过 8 万元 — for every aid
    type (docs/policy.md), over the prior aid in the calendar year of the application. As many
    events as allowed already (一般): `annual_count_exceeded`; nothing left of the amount:
    `annual_amount_exhausted`."""
    year = r.day.year
    # Which forms of aid each cap counts (SPEC §4); a version that does not say counts them all.
    count_forms = counted_forms(p, "annual.max_events.forms")
    amount_forms = counted_forms(p, "annual.max_amount.forms")
    prior_count = 0
    prior_total = ZERO
    for when, amount, form in r.prior:
        if when.year == year:
            prior_count += form in count_forms
            if form in amount_forms:
                prior_total += amount
    max_events = p["annual.max_events"]
    count_ok = prior_count < max_events.value
    trace.append(_step("annual.count", max_events, "met" if count_ok else "exceeded", str(prior_count)))
    if not count_ok:
        message = f"本户 {year} 年已获帮扶 {prior_count} 次，已达每年不超过 {max_events.text} 次的限制（依据：{max_events.reference}）。"
        reasons.append(
            _limit_reason("annual_count_exceeded", _noted(message, max_events), max_events, max_events.text)
        )
    cap = p["annual.max_amount"]
    remaining = cap.value - prior_total
    if remaining < ZERO:
        remaining = ZERO
    trace.append(_step("annual.amount", cap, str(remaining), str(prior_total)))
    if not remaining:
        reasons.append(
            _limit_reason(
                "annual_amount_exhausted",
                f"本户 {year} 年已获帮扶 {format_yuan(prior_total)}，全年累计不超过 {format_yuan(cap.value)}，"
                f"已无剩余额度（依据：{cap.reference}）。",
                cap,
                cap.text,
            )
        )
    return _Year(year, prior_total, cap, remaining)


def _cut_to_year(
    aid: str, type_max: Decimal | None, type_param: Param | None, y: _Year, reasons: list
) -> tuple[Decimal, Param]:
    """三(四): the maximum of the aid type, or none, cut to what is left of the year's amount
    (`capped_by_annual_limit`); returns the maximum and the parameter that set it."""
    if type_max is not None and type_max <= y.remaining:
        return type_max, type_param
    if type_max is None:
        message = f"{AID_TYPE_ZH[aid]}无单项上限，按全年累计不超过 {format_yuan(y.cap.value)} 的剩余额度 {format_yuan(y.remaining)} 确定上限"
    else:
        message = f"本户 {y.year} 年已获帮扶 {format_yuan(y.prior_total)}，全年累计不超过 {format_yuan(y.cap.value)}，上限由 {format_yuan(type_max)} 降为剩余额度 {format_yuan(y.remaining)}"
    reasons.append(
        _limit_reason(
            "capped_by_annual_limit", f"{message}（依据：{y.cap.reference}）。", y.cap, str(y.remaining)
        )
    )
    return y.remaining, y.cap


def _approval(
    r: Request, p: Values, max_amount: Decimal, limit: Param, trace: list, reasons: list
) -> tuple[Decimal, str]:
    """四(三): 帮扶金额在 2 万元及以下（含 2 万元）的个案，由街镇综合帮扶工作组审批。帮扶金额在 2 万元
    以上的个案由街镇综合帮扶工作组报区服务社审批. The amount to approve is the request cut to
    the maximum (`requested_above_maximum`), or the maximum when nothing is requested."""
    requested = r.requested
    if requested is None:
        recommended = max_amount
    elif requested > max_amount:
        recommended = max_amount
        message = f"申请金额 {format_yuan(requested)} 超过上限 {format_yuan(max_amount)}，建议金额按上限计（依据：{limit.reference}）。"
        reasons.append(
            _limit_reason("requested_above_maximum", _noted(message, limit), limit, str(max_amount))
        )
    else:
        recommended = requested
    street_limit = p["approval.street_limit"]
    level = "street" if recommended <= street_limit.value else "district"
    trace.append(_step("approval.level", street_limit, level, str(recommended)))
    return recommended, level


def _answer(
    ps: ParameterSet,
    eligible: bool,
    max_amount: str,
    recommended: str,
    level: str | None,
    reasons: list,
    trace: list,
) -> dict:
    return {
        "eligible": eligible,
        "max_amount": max_amount,
        "recommended_amount": recommended,
        "approval_level": level,
        "policy": ps.summary(),
        "reasons": reasons,
        "trace": trace,
    }


def evaluate(data, book: PolicyBook) -> dict:
    """One request dict -> one answer dict; raises Refused (invalid_input, no_policy_in_force)."""
    r = parse_request(data, book.districts)
    return evaluate_request(r, _policy_in_force(r, book))


def evaluate_request(r: Request, ps: ParameterSet) -> dict:
    """The rules of SPEC §6 over one checked request and one policy version, clause by clause."""
    p = ps.at(r.day)
    trace: list[dict] = [_step("policy.select", ps._validity, ps.code)]
    reasons: list[dict] = []
    rule = _AID_RULES[r.aid_type]
    _residency(r, p, trace, reasons)
    base = rule.conditions(r, p, trace, reasons)
    year = _annual_caps(r, p, trace, reasons)
    if reasons:  # a condition not met: the reasons say which
        return _answer(ps, False, "0.00", "0.00", None, reasons, trace)
    type_max, type_param = rule.maximum(r, p, base, trace)
    max_amount, limit = _cut_to_year(r.aid_type, type_max, type_param, year, reasons)
    recommended, level = _approval(r, p, max_amount, limit, trace, reasons)
    return _answer(ps, True, str(max_amount), str(recommended), level, reasons, trace)


def respond(body: bytes | str, book: PolicyBook) -> tuple[int, dict]:
    """Raw JSON text -> (HTTP-like status, answer or error object): the CLI and the API share it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        if not body.strip():
            message = "请求为空：须为一个 JSON 对象（批量时每行一个）。"
        else:
            message = f"请求不是有效的 JSON：第 {e.lineno} 行第 {e.colno} 列附近有误。"
        return 400, _invalid(message, None).as_dict()
    try:
        return 200, evaluate(data, book)
    except Refused as e:
        return e.status, e.as_dict()
