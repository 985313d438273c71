"""What a district policy may set: the parameter schema, value kinds, and the data-file format.

The schema is code (the engine relies on it); the values are data. A built-in policy is a
TOML file in `params/`, shaped like OpenFisca's parameter files: one table per parameter,
values keyed by the date they start, each value carrying the clause it comes from:

    [medical.rate.dibao]
    values.2016-07-01 = { value = "0.60", reference = "长民发〔2016〕31号 三(一)1" }

Values are kept as canonical text ("0.60", "20000.00", "2", "true", "nursing,nutrition"),
which is what the database stores, what the trace shows and what a form edits.
Pure Python: no Django import, so the engine and the batch command stay light.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from bangfu.core.dates import cn_date
from bangfu.core.money import MoneyError, parse_money

PARAMS_DIR = Path(__file__).parent / "params"

CATEGORIES = ("dibao", "low_income", "rigid_expense", "other")
FEE_TYPES = ("treatment", "medicine", "examination", "surgery", "nursing", "nutrition", "other")
EMERGENCY_EVENTS = ("fire", "drowning", "traffic", "other_major")
INSURANCE_CONDITIONS = ("serious_illness", "lost_work_capacity")
EMERGENCY_CONDITIONS = ("casualty_or_major_loss",)
# The forms of aid (SPEC §4); an annual cap counts the forms its `.forms` parameter lists.
AID_FORMS = ("case", "project", "specific")

MONEY, RATE, COUNT, FLAG, CODES = "money", "rate", "count", "flag", "codes"


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str
    label: str
    choices: tuple[str, ...] = ()
    required: bool = True
    # Used by the evaluation of one case (False: read by the procedure or the funds, e.g. the panel size).
    evaluated: bool = True


SPECS: tuple[Spec, ...] = (
    Spec("residency.requires_residence", FLAG, "须长期在本区居住生活"),
    Spec("residency.requires_hukou", FLAG, "须具有本区户籍"),
    Spec("residency.non_local_spouse_or_child", FLAG, "含与本区户籍居民共同生活的外省市户籍配偶、子女"),
    Spec("medical.rate.dibao", RATE, "大重病医疗帮扶比例：低保对象"),
    Spec("medical.rate.low_income", RATE, "大重病医疗帮扶比例：低收入对象"),
    Spec("medical.rate.rigid_expense", RATE, "大重病医疗帮扶比例：刚性支出困难对象", required=False),
    Spec("medical.rate.other", RATE, "大重病医疗帮扶比例：其他对象"),
    Spec("medical.regular_hospital_only", FLAG, "发票须由正规医院开具"),
    Spec("medical.invoice_window_years", COUNT, "发票有效期（申请前年数，含当日）"),
    Spec("medical.excluded_fee_types", CODES, "不计入的费用类型", FEE_TYPES),
    Spec("insurance_supplement.categories", CODES, "补缴金帮扶适用的家庭类别", CATEGORIES),
    Spec("insurance_supplement.conditions", CODES, "补缴金帮扶须满足的条件", INSURANCE_CONDITIONS),
    Spec("insurance_supplement.rate", RATE, "补缴金帮扶比例（个人需补缴部分）"),
    Spec("emergency.events", CODES, "突发事件帮扶适用的事件", EMERGENCY_EVENTS),
    Spec("emergency.conditions", CODES, "突发事件帮扶须满足的条件", EMERGENCY_CONDITIONS),
    Spec("emergency.max_amount", MONEY, "突发事件一次性帮扶上限"),
    Spec("annual.max_events", COUNT, "每户每年帮扶次数上限"),
    Spec("annual.max_amount", MONEY, "每户全年累计帮扶资金上限"),
    # Not required: a version without them counts every form toward both caps (as before the
    # forms were told apart; the engine's default).
    Spec("annual.max_events.forms", CODES, "计入年度帮扶次数的帮扶形式", AID_FORMS, required=False),
    Spec("annual.max_amount.forms", CODES, "计入全年累计帮扶资金的帮扶形式", AID_FORMS, required=False),
    Spec("approval.street_limit", MONEY, "街镇审批限额（含）"),
    Spec("panel.min_members", COUNT, "评审小组人数下限", evaluated=False),
    Spec("funds.work_expense_rate.directed", RATE, "工作经费比例：定向捐赠资金", evaluated=False),
    Spec("funds.work_expense_rate.non_directed", RATE, "工作经费比例：非定向捐赠资金", evaluated=False),
)
SPEC_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}
# The version's own validity: the engine traces it as its first step, but it is no value of SPECS.
VALIDITY_LABEL = "施行日期与有效期"


def parameter_label(name: str) -> str:
    """A parameter as people read it (须具有本区户籍, never `residency.requires_hukou`)."""
    if name == "policy.validity":
        return VALIDITY_LABEL
    spec = SPEC_BY_NAME.get(name) or CITY_SPEC_BY_NAME.get(name)
    return spec.label if spec else name

_MONEY_TEXT = re.compile(r"(0|[1-9][0-9]{0,11})\.[0-9]{2}")
_RATE_TEXT = re.compile(r"(0|1)\.[0-9]{2,4}")
_COUNT_TEXT = re.compile(r"0|[1-9][0-9]{0,3}")


class ParameterError(ValueError):
    """A parameter value that does not fit its kind; the message is for people (Chinese)."""


def parse_value(spec: Spec, text: str):
    """Canonical text -> the Python value the engine uses (Decimal, int, bool, frozenset)."""
    if spec.kind == MONEY:
        if not _MONEY_TEXT.fullmatch(text):
            raise ParameterError(f"{spec.label}：金额须写成两位小数，如 20000.00。")
        return Decimal(text)
    if spec.kind == RATE:
        if not _RATE_TEXT.fullmatch(text) or Decimal(text) > 1:
            raise ParameterError(f"{spec.label}：比例须为 0 到 1 之间的小数，如 0.60。")
        return Decimal(text)
    if spec.kind == COUNT:
        if not _COUNT_TEXT.fullmatch(text):
            raise ParameterError(f"{spec.label}：须为非负整数。")
        return int(text)
    if spec.kind == FLAG:
        if text not in ("true", "false"):
            raise ParameterError(f"{spec.label}：须为 true 或 false。")
        return text == "true"
    codes = [c for c in text.split(",") if c] if text else []
    unknown = [c for c in codes if c not in spec.choices]
    if unknown or len(set(codes)) != len(codes):
        raise ParameterError(
            f"{spec.label}：取值须为以下代码（逗号分隔、不重复）：{'、'.join(spec.choices)}。"
        )
    return frozenset(codes)


def canonical_text(spec: Spec, raw) -> str:
    """A value as written in a data file or a form -> canonical text (validated)."""
    if spec.kind == FLAG and isinstance(raw, bool):
        text = "true" if raw else "false"
    elif spec.kind == COUNT and type(raw) is int:
        text = str(raw)
    elif spec.kind == CODES and isinstance(raw, list | tuple) and all(isinstance(c, str) for c in raw):
        text = ",".join(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if spec.kind == MONEY:
            # Read as every typed amount is (20,000 is 20000); then written with two places, so
            # one amount has one text.
            try:
                text = f"{parse_money(text):.2f}"
            except MoneyError as e:
                raise ParameterError(f"{spec.label}：{e.message}") from None
    else:
        # Money and rates are never floats: 0.6 in a file would be a binary fraction.
        raise ParameterError(f'{spec.label}：取值类型不对（金额和比例须写成字符串，如 "0.60"）。')
    value = parse_value(spec, text)
    if spec.kind == CODES:
        # The schema's order, so the same set always reads the same.
        return ",".join(c for c in spec.choices if c in value)
    return text


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter's value as in force on a day: the value, its text, its clause, and the day
    the value starts. What every reader of a dated rule gets, district policy or city rule."""

    name: str
    value: object
    text: str
    reference: str
    generally: bool
    starts: date

    @property
    def percent(self) -> str:
        """A rate as the documents write it: '2.5%', '10%'."""
        return f"{(self.value * 100).normalize():f}%"


@dataclass(frozen=True)
class DatedValue:
    name: str
    start: date
    text: str
    reference: str
    generally: bool = False


@dataclass(frozen=True)
class PolicyData:
    """One policy version as plain data: what a file holds and what the database holds."""

    code: str
    district: str
    title: str
    document: str
    valid_from: date
    valid_to: date
    validity_reference: str
    values: tuple[DatedValue, ...]


def check_values(valid_from: date, valid_to: date, values) -> list[str]:
    """Everything wrong with a set of dated values for a version's period (empty when fine)."""
    problems: list[str] = []
    by_name: dict[str, list] = {}
    for v in values:
        spec = SPEC_BY_NAME.get(v.name)
        if spec is None:
            problems.append(f"未知参数：{v.name}")
            continue
        by_name.setdefault(v.name, []).append(v)
        try:
            parse_value(spec, v.text)
        except ParameterError as e:
            problems.append(str(e))
        if not valid_from <= v.start <= valid_to:
            problems.append(f"{spec.label}：起始日期{cn_date(v.start)}不在有效期{cn_date(valid_from)}至{cn_date(valid_to)}内。")
        if not v.reference.strip():
            problems.append(f"{spec.label}：每个取值都须注明依据条款。")
    for spec in SPECS:
        starts = sorted(v.start for v in by_name.get(spec.name, ()))
        if len(starts) != len(set(starts)):
            problems.append(f"{spec.label}：同一起始日期有两个取值。")
        if spec.required and (not starts or starts[0] != valid_from):
            problems.append(f"{spec.label}：须有自{cn_date(valid_from)}（有效期首日）起的取值。")
        elif not spec.required and starts and starts[0] != valid_from:
            problems.append(f"{spec.label}：首个取值须自{cn_date(valid_from)}（有效期首日）起。")
    return problems


def _flatten(table: dict, prefix: str, out: dict) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, dict):
            raise ParameterError(f"{name}：参数须写成表，含 values。")
        if "values" in value:
            out[name] = value
            # A parameter may have parameters below it (annual.max_events.forms).
            below = {k: v for k, v in value.items() if k != "values"}
            if below:
                _flatten(below, name, out)
        else:
            _flatten(value, name, out)


def _read_values(doc: dict, spec_by_name: dict[str, Spec], path: Path) -> tuple[DatedValue, ...]:
    """The parameter tables of a file (the header already taken out) as dated values."""
    tables: dict[str, dict] = {}
    _flatten(doc, "", tables)
    values = []
    for name, table in tables.items():
        spec = spec_by_name.get(name)
        if spec is None:
            raise ParameterError(f"{path.name}：未知参数 {name}。")
        for start, entry in table["values"].items():
            values.append(
                DatedValue(
                    name=name,
                    start=date.fromisoformat(start),
                    text=canonical_text(spec, entry["value"]),
                    reference=entry["reference"],
                    generally=bool(entry.get("generally", False)),
                )
            )
    return tuple(sorted(values, key=lambda v: (v.name, v.start)))


def read_policy_file(path: Path) -> PolicyData:
    """Read and check one built-in policy file; ParameterError says what is wrong."""
    with path.open("rb") as f:
        doc = tomllib.load(f)
    head = doc.pop("policy")
    data = PolicyData(
        code=head["id"],
        district=head["district"],
        title=head["title"],
        document=head["document"],
        valid_from=head["valid_from"],
        valid_to=head["valid_to"],
        validity_reference=head["validity_reference"],
        values=_read_values(doc, SPEC_BY_NAME, path),
    )
    problems = check_values(data.valid_from, data.valid_to, data.values)
    if problems:
        raise ParameterError(f"{path.name}：" + "；".join(problems))
    return data


def builtin_policy(code: str) -> PolicyData:
    return read_policy_file(PARAMS_DIR / f"{code}.toml")


# --- city rules ----------------------------------------------------------------------------------
# The rules the city (the foundation's notice) sets, or the platform sets where no document
# gives a number, for every district alike. Same file format, same values keyed by start date
# with their clause; no version period (a city rule holds until a later value replaces it), and
# read from the file at run time rather than published into the database: a change is a new
# dated value appended to the file, never an edit of a past one.

CITY_FILE = PARAMS_DIR / "city" / "shanghai.toml"

CITY_SPECS: tuple[Spec, ...] = (
    Spec("funds.management_fee_rate", RATE, "基金会管理费列支比例上限（当年福彩金项目支出）"),
    Spec("reports.monthly_due_day", COUNT, "月度报表报送日（次月几日前）"),
    Spec("cases.follow_up_days", COUNT, "回访期限（发放后天数）"),
    Spec("cases.help_first.paperwork_days", COUNT, "先帮扶个案补办手续期限（批准后天数）"),
)
CITY_SPEC_BY_NAME: dict[str, Spec] = {s.name: s for s in CITY_SPECS}


@dataclass(frozen=True)
class CityRules:
    title: str
    values: tuple[DatedValue, ...]

    def history(self, name: str) -> tuple[Param, ...]:
        """Every value of `name`, earliest first."""
        spec = CITY_SPEC_BY_NAME[name]  # a name outside the schema is a programming error
        return tuple(
            Param(v.name, parse_value(spec, v.text), v.text, v.reference, v.generally, v.start)
            for v in self.values
            if v.name == name
        )

    def at(self, name: str, day: date) -> Param | None:
        """The value in force on `day`: the latest starting on or before it; None before the first."""
        current = None
        for p in self.history(name):
            if p.starts <= day:
                current = p
        return current


def read_city_file(path: Path) -> CityRules:
    """Read and check a city rules file; ParameterError says what is wrong."""
    with path.open("rb") as f:
        doc = tomllib.load(f)
    head = doc.pop("city")
    values = _read_values(doc, CITY_SPEC_BY_NAME, path)
    problems = []
    for spec in CITY_SPECS:
        mine = [v for v in values if v.name == spec.name]
        if not mine:
            problems.append(f"{spec.label}：没有取值。")
        if any(not v.reference.strip() for v in mine):
            problems.append(f"{spec.label}：每个取值都须注明依据条款。")
    if problems:
        raise ParameterError(f"{path.name}：" + "；".join(problems))
    return CityRules(title=head["title"], values=values)


@cache
def city_rules() -> CityRules:
    return read_city_file(CITY_FILE)


def city_parameter(name: str, day: date) -> Param | None:
    """A city rule as in force on `day` (value, text, reference, starts), or None: no rule then."""
    return city_rules().at(name, day)
