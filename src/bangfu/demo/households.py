"""Synthetic households for the demo, the tests and the benchmark.

`generate()` invents household files that look like Shanghai's: common surnames, given
names of each generation, 路/弄/号/室 addresses in the household's street, households of
one to seven people (about 3.3 on average) whose ages fit their relationships, ID numbers
with Shanghai area codes (historic ones for older people) and correct check digits,
categories with validity periods and sources, disability and illness flags, bank
accounts. Everything comes from `random.Random` seeded by the seed and the chunk number,
so the same seed, number of households and streets give the same rows, whichever the
number of worker processes. Births are laid out before a fixed day (`ANCHOR`), so an ID
number does not depend on the day of the run; only category periods follow `as_of`, so
that the demo's categories are current on the day it is loaded.

`synth_load()` writes them in bulk: COPY on PostgreSQL, executemany on SQLite, in chunks
of `CHUNK` households so memory stays bounded, with generation and encryption spread over
worker processes. It issues file numbers from `FileNumberCounter` like interactive
creation does, and writes one audit row for the whole run.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.crypto import encrypt, lookup_hash
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.registry.models import FileNumberCounter, Household

# Births are drawn before this day, whatever the day of the run (see the module docstring).
ANCHOR = date(2025, 6, 30)
_ANCHOR_ORD = ANCHOR.toordinal()
_YEAR = 365.2425

# Households per chunk: the unit of generation, of a worker's task and of a COPY. Part of
# the determinism contract (each chunk has its own random stream), so not a tuning knob.
CHUNK = 10_000


# --------------------------------------------------------------------------- name pools


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common surnames, weighted roughly as in Shanghai's population (张王李陈 nationally,
# 徐朱周沈顾陆 more common here than elsewhere).
_SURNAMES = (
    ("张", 70), ("王", 68), ("陈", 62), ("李", 55), ("徐", 42), ("朱", 40), ("周", 38), ("沈", 34),
    ("顾", 30), ("陆", 30), ("吴", 30), ("黄", 28), ("杨", 26), ("钱", 18), ("蔡", 18), ("孙", 18),
    ("胡", 17), ("金", 16), ("姚", 15), ("刘", 22), ("曹", 14), ("施", 13), ("汪", 12), ("赵", 14),
    ("范", 10), ("倪", 10), ("俞", 10), ("许", 12), ("丁", 10), ("宋", 9), ("马", 9), ("唐", 10),
    ("高", 9), ("袁", 9), ("邵", 8), ("何", 9), ("严", 7), ("程", 7), ("郭", 8), ("冯", 7),
    ("卢", 6), ("蒋", 8), ("韩", 6), ("夏", 7), ("林", 8), ("秦", 5), ("叶", 7), ("谢", 6),
    ("孔", 4), ("方", 6), ("潘", 8), ("戴", 7), ("郁", 5), ("毛", 5), ("邱", 4), ("杜", 4),
    ("龚", 5), ("薛", 5), ("瞿", 3), ("葛", 4), ("浦", 3), ("翁", 3), ("褚", 2), ("欧阳", 1),
)  # fmt: skip
_SURNAME_NAMES = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in _SURNAMES))

# Given names by generation (year of birth up to the key) and sex.
_GIVEN = {
    1954: {
        "M": _words(
            "建国 国华 志明 福根 根发 金龙 德明 永康 宝林 荣生 金宝 振华 国良 明德 伟民 文彬 水根 兴发 "
            "玉麟 家骏 鸿章 炳荣 雪根 林生 耀祖 锦昌 桂林 关荣 鑫泉 长富"
        ),
        "F": _words(
            "秀英 桂英 凤英 美华 玉珍 秀珍 月娥 桂芳 素珍 惠芬 杏娣 金妹 玉兰 佩华 彩凤 雪英 静芬 琴芳 "
            "宝娣 月英 菊芳 雅芳 瑞英 兰英 丽娟 佩珍 根娣 小妹 爱珍 淑贞"
        ),
    },
    1975: {
        "M": _words(
            "伟民 建华 国平 卫东 建军 志强 勇 俊 浩 明 华 海林 晓东 卫国 荣华 建平 忠 刚 永明 国庆 "
            "建新 伟 军 敏华 文龙 新民 跃进 红兵 卫平 小弟"
        ),
        "F": _words(
            "美娟 丽华 红 敏 萍 燕 海燕 秀芳 慧 英 琴 丽萍 红梅 雅琴 卫红 春燕 惠娟 晓红 玲 芳 "
            "丽娟 凤娣 美玲 建英 红英 小红 美芳 静 爱华 丽"
        ),
    },
    1995: {
        "M": _words(
            "伟 磊 俊杰 斌 杰 鹏 晨 骏 军 浩 毅 超 峰 亮 昊 晓峰 立伟 文杰 佳伟 嘉伟 "
            "云峰 海峰 晓明 俊 晟 炜 骏逸 家豪 文斌 正阳"
        ),
        "F": _words(
            "静 婷 丽 洁 燕 佳 颖 雯 琳 倩 蕾 艳 晶 晓燕 佳怡 雯雯 丹 璐 洁琼 佳琪 "
            "慧敏 晓雯 蓓蕾 旖旎 晓婷 莉 瑾 怡 文婷 丽君"
        ),
    },
    9999: {
        "M": _words(
            "浩然 子轩 宇轩 俊熙 一鸣 子墨 浩宇 宇航 睿 晨阳 泽宇 奕辰 皓轩 天佑 嘉豪 思远 博文 "
            "家乐 铭轩 梓睿 子豪 逸飞 瑞霖 昊天 明轩 景行 子默 煜城 沐阳 辰逸"
        ),
        "F": _words(
            "欣怡 梓涵 诗涵 雨桐 一诺 可馨 思琪 语嫣 佳怡 子涵 馨予 若曦 紫萱 雨欣 梦琪 怡然 佳琪 "
            "晓彤 语桐 依诺 思彤 心怡 嘉怡 雨涵 安琪 芷若 沐晴 欣妍 佳宜 可欣"
        ),
    },
}
_GIVEN_ERAS = tuple(sorted(_GIVEN))

# --------------------------------------------------------------------------- address pools

# Shanghai names most roads after provinces, cities and counties; a street gets a handful.
_ROAD_STEMS = _words(
    "四川 福州 南京 北京 天津 河南 江西 山东 山西 浙江 福建 广西 云南 贵州 甘肃 宁夏 青海 陕西 湖南 "
    "安徽 辽宁 吉林 长春 沈阳 大连 济南 青岛 烟台 威海 杭州 宁波 温州 绍兴 嘉兴 湖州 苏州 无锡 常州 "
    "镇江 扬州 南通 徐州 淮安 合肥 芜湖 蚌埠 安庆 九江 南昌 赣州 长沙 岳阳 宜昌 郑州 开封 洛阳 西安 "
    "宝鸡 兰州 武威 张掖 西宁 昆明 大理 贵阳 成都 重庆 泸州 广州 汕头 厦门 泉州 漳州 莆田 龙岩 "
    "武宁 宜山 凯旋 仙霞 哈密 剑河 茅台 遵义 娄山关 安顺 新华 番禺 定西 武夷 延安 昭化 长宁 愚园 "
    "天山 古北 虹古 红松 水城 金钟 协和 平武 淞虹 北渔 广灵 宝昌 丹巴 芙蓉江 利川 威宁 兴义 安龙 "
    "通协 云岭 泉口 双流 万航渡 新渔 临空 绥宁 虹井 玉屏 纺织 中山 长顺 江川 沪闵 莲花 龙茗"
)
_ROAD_SUFFIXES = ("路",) * 6 + ("东路", "西路", "南路", "北路", "支路")
_ESTATE_WORDS = _words("新村 小区 花园 公寓 苑 家园 新苑 名苑 雅苑 佳苑")
_VILLAGES = _words(
    "新民 友谊 联合 建设 红星 光明 胜利 永丰 东风 向阳 幸福 中心 星火 新华 团结 先锋 民主 和平 "
    "新桥 长兴 陆家 沈家 张家 王家 顾家 金星 三星 五星 南港 北港 东滩 西沙"
)

# Mobile prefixes of the three operators, and the Shanghai landline's leading digits.
_MOBILE = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 176 177 180 181 186 187 189 199"
)

# Bank, card number prefixes, length: plausible, with a Luhn check digit like real cards.
_BANKS = (
    ("中国工商银行", ("622202", "621226", "621723"), 19),
    ("中国农业银行", ("622848", "623052"), 19),
    ("中国银行", ("621661", "621785"), 19),
    ("中国建设银行", ("621700", "622700"), 19),
    ("交通银行", ("622262", "622260"), 19),
    ("上海银行", ("622892", "621005"), 19),
    ("上海农商银行", ("622478", "621495"), 19),
    ("中国邮政储蓄银行", ("621799", "622188"), 19),
    ("招商银行", ("621483", "622588"), 16),
)

# --------------------------------------------------------------------------- area codes

# Districts' predecessors (merged or renamed since the 1980s): older people's ID numbers
# still carry them. 卢湾 and 南市 went into 黄浦, 闸北 into 静安, the counties became districts.
_HISTORIC = {
    "310101": ("310103", "310102"),
    "310106": ("310108",),
    "310112": ("310221",),
    "310113": ("310223", "310111"),
    "310114": ("310222",),
    "310115": ("310224", "310225", "310119"),
    "310116": ("310228",),
    "310117": ("310227",),
    "310118": ("310229",),
    "310120": ("310226",),
    "310151": ("310230",),
}
# Central districts whose codes have always existed: where people moving in came from.
_CENTRAL = ("310101", "310104", "310105", "310106", "310107", "310109", "310110")
# Out-of-province spouses (SPEC §2: 外省市配偶或子女), from the neighbouring provinces mostly.
_NON_LOCAL = (
    "320102", "320106", "321002", "330102", "330106", "340122", "340223", "360102",
    "410102", "420102", "370102", "350102",
)  # fmt: skip


def _span(code: str) -> tuple[int, int]:
    """Years during which stdnum's table (the validator's) knows `code` as a county."""
    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    county = info.get("county", "")
    if not county.startswith("["):
        return (0, 9999)
    start, end = county[1:].split("]")[0].split("-")
    if "," in county:  # renamed once: the code itself stays valid from the first start on
        end = county.rsplit("[", 1)[1].split("]")[0].split("-")[1]
    return (int(start) if start else 0, int(end) if end else 9999)


_SPANS = {
    code: _span(code)
    for code in {*_HISTORIC, *(c for cs in _HISTORIC.values() for c in cs), *_CENTRAL, *_NON_LOCAL}
}


def _valid(code: str, year: int) -> bool:
    start, end = _SPANS.get(code) or _SPANS.setdefault(code, _span(code))
    return start <= year <= end


# --------------------------------------------------------------------------- plain rows


@dataclass(frozen=True)
class StreetRef:
    id: int
    code: str
    name: str
    district_id: int
    district_code: str
    district_name: str


@dataclass
class PersonPlain:
    name: str
    id_number: str
    sex: str
    birth_date: date
    relationship: str
    hukou_district_id: int | None
    resides_in_district: bool
    resides_since: date | None
    non_local_spouse_or_child: bool
    disability: bool
    serious_illness: bool
    lost_work_capacity: bool
    phone: str
    bank_name: str
    bank_account: str


class CategoryPlain(NamedTuple):
    category: str
    valid_from: date
    valid_to: date | None
    source: str
    note: str


@dataclass
class HouseholdPlain:
    street: StreetRef
    address: str
    phone: str
    persons: list[PersonPlain] = field(default_factory=list)
    categories: list[CategoryPlain] = field(default_factory=list)


# --------------------------------------------------------------------------- generation


def _chunk_rng(seed: int, chunk: int, purpose: str) -> random.Random:
    # Seeding with a string hashes it with SHA-512: the same stream in every process.
    return random.Random(f"bangfu-synth|{seed}|{chunk}|{purpose}")


def chunk_streets(seed: int, chunk: int, count: int, streets: list[StreetRef]) -> list[int]:
    """Which street (an index into `streets`) each household of a chunk belongs to."""
    rng = _chunk_rng(seed, chunk, "streets")
    n = len(streets)
    return [rng.randrange(n) for _ in range(count)]


def _check_digit(id17: str) -> str:
    # stdnum's function reads the first 17 of an 18-character number: give it a placeholder.
    return ric.calc_check_digit(id17 + "0")


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class _Builder:
    """Invents the households of one chunk from that chunk's random stream."""

    def __init__(self, seed: int, chunk: int, district_ids: dict[str, int], as_of: date):
        self.rng = _chunk_rng(seed, chunk, "households")
        self.band = seed % 10
        self.district_ids = district_ids
        self.other_districts = sorted(district_ids)
        self.as_of = as_of
        self.roads: dict[str, tuple[list[str], list[str]]] = {}

    # ---- people

    def _given(self, sex: str, year: int) -> str:
        for era in _GIVEN_ERAS:
            if year <= era:
                return self.rng.choice(_GIVEN[era][sex])
        raise AssertionError("unreachable: the last era is open-ended")

    def _surname(self) -> str:
        return self.rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]

    def _birth_ord(self, age_low: float, age_high: float) -> int:
        return _ANCHOR_ORD - int(self.rng.uniform(age_low, age_high) * _YEAR)

    def _area(self, home: str, year: int, non_local: bool) -> str:
        rng = self.rng
        if non_local:
            codes = [c for c in _NON_LOCAL if _valid(c, year)]
            if codes:
                return rng.choice(codes)
        r = rng.random()
        historic = [c for c in _HISTORIC.get(home, ()) if _valid(c, year)]
        if _valid(home, year):
            # 卢湾、南市、闸北: people born before the merger kept the old code.
            if historic and year < 1995 and r < 0.25:
                return rng.choice(historic)
            return home if r < 0.88 else rng.choice(_CENTRAL)
        # The district's code is younger than the person. Most such numbers carry a
        # predecessor's code or that of the district the person came from; a few carry
        # the new one (310115 for someone born in 1960, issued after 1992), which is
        # genuine and validates with a warning.
        if r < 0.15:
            return home
        return rng.choice(historic) if historic else rng.choice(_CENTRAL)

    def _id17(self, area: str, birth: date, sex: str) -> str:
        # Sequence code: the first digit is the run's band (seed % 10), so runs whose seeds
        # differ in their last digit never issue the same number; the last digit's parity is
        # the sex (GB 11643). Clashes inside a run are settled by `IdLedger`.
        last = self.rng.randrange(5) * 2 + (1 if sex == "M" else 0)
        return f"{area}{birth:%Y%m%d}{self.band}{self.rng.randrange(10)}{last}"

    def person(
        self,
        *,
        surname: str,
        sex: str,
        birth_ord: int,
        relationship: str,
        home: StreetRef,
        non_local: bool = False,
        hardship: float = 1.0,
    ) -> PersonPlain:
        rng = self.rng
        birth = date.fromordinal(birth_ord)
        age = (_ANCHOR_ORD - birth_ord) / _YEAR
        name = surname + self._given(sex, birth.year)
        if non_local and birth.year < 1983:
            non_local = False  # the out-of-province codes in our list date from 1983
        area = self._area(home.district_code, birth.year, non_local)
        id17 = self._id17(area, birth, sex)
        if non_local:
            hukou = None
        elif rng.random() < 0.92:
            hukou = home.district_id
        else:
            hukou = self.district_ids[rng.choice(self.other_districts)]
        resides = non_local or rng.random() < 0.96
        since = None
        if non_local or rng.random() < 0.4:
            low = max(birth_ord, date(1985, 1, 1).toordinal())
            since = date.fromordinal(rng.randint(low, max(low, _ANCHOR_ORD - 30)))
        # Disability and illness grow with age and are likelier in households in hardship.
        disability = rng.random() < (0.015 + 0.0006 * age) * hardship
        illness = rng.random() < (0.005 + 0.0005 * age) * hardship
        lost = 16 <= age < 60 and (disability or illness) and rng.random() < 0.5
        phone = ""
        if 16 <= age < 80 and rng.random() < 0.85:
            phone = f"{rng.choice(_MOBILE)}{rng.randrange(10**8):08d}"
        bank_name = account = ""
        if age >= 18 and (relationship == "head" or rng.random() < 0.15):
            bank_name, prefixes, length = rng.choice(_BANKS)
            body = rng.choice(prefixes) + "".join(rng.choices("0123456789", k=length - 7))
            account = body + _luhn_digit(body)
        return PersonPlain(
            name=name,
            id_number=id17 + _check_digit(id17),
            sex=sex,
            birth_date=birth,
            relationship=relationship,
            hukou_district_id=hukou,
            resides_in_district=resides,
            resides_since=since,
            non_local_spouse_or_child=non_local,
            disability=disability,
            serious_illness=illness,
            lost_work_capacity=lost,
            phone=phone,
            bank_name=bank_name,
            bank_account=account,
        )

    def _child_birth(self, mother_ord: int) -> int | None:
        """A child's birth, the mother being 21 to 38 then, not after ANCHOR; None if too young."""
        low = mother_ord + int(21 * _YEAR)
        high = min(mother_ord + int(38 * _YEAR), _ANCHOR_ORD - 20)
        return self.rng.randint(low, high) if low <= high else None

    # ---- the household

    def _address(self, street: StreetRef) -> str:
        rng = self.rng
        if street.code not in self.roads:
            # A street's roads depend on the street only, not on the seed: the same street
            # always lies on the same roads.
            local = random.Random(f"bangfu-roads|{street.code}")
            roads = [stem + local.choice(_ROAD_SUFFIXES) for stem in local.sample(_ROAD_STEMS, 7)]
            if street.name.endswith("路街道"):
                roads.insert(0, street.name[: -len("街道")])
            villages = [v + "村" for v in local.sample(_VILLAGES, 5)]
            self.roads[street.code] = (roads, villages)
        roads, villages = self.roads[street.code]
        town = street.name if street.name.endswith(("镇", "乡")) else ""
        if town and rng.random() < 0.3:
            return f"{street.district_name}{town}{rng.choice(villages)}{rng.randint(1, 18)}组{rng.randint(1, 300)}号"
        road = rng.choice(roads)
        floor = rng.randint(1, 18 if rng.random() < 0.3 else 6)
        room = f"{floor}{rng.randint(1, 6):02d}室"
        if rng.random() < 0.8:
            return f"{street.district_name}{town}{road}{rng.randint(1, 1800)}弄{rng.randint(1, 60)}号{room}"
        estate = road[:2] + rng.choice(_ESTATE_WORDS)
        return f"{street.district_name}{town}{road}{rng.randint(1, 3000)}号（{estate}）{room}"

    def _categories(self, household_kind: str | None) -> list[CategoryPlain]:
        rng = self.rng
        as_of = self.as_of.toordinal()
        rows = []
        if household_kind is None:
            # A few households left a category behind: only an expired period on file.
            if rng.random() < 0.03:
                start = as_of - rng.randint(800, 3000)
                rows.append(
                    CategoryPlain(
                        rng.choice(("dibao", "low_income")),
                        date.fromordinal(start),
                        date.fromordinal(start + rng.randint(180, 700)),
                        "monitoring",
                        "收入改善，退出",
                    )
                )
            return rows
        start = as_of - rng.randint(30, 6 * 365)
        end = None if rng.random() < 0.6 else as_of + rng.randint(1, 365)
        if household_kind == "dibao":
            source = "policy" if rng.random() < 0.7 else "monitoring"
            note = rng.choice(("", "年度复核通过", "区民政局认定"))
        elif household_kind == "low_income":
            source = "monitoring" if rng.random() < 0.8 else "policy"
            note = rng.choice(("", "动态监测平台推送", "低保边缘家庭认定"))
        else:
            source = "monitoring" if rng.random() < 0.6 else "manual"
            note = rng.choice(("大病医疗支出", "康复护理支出", "子女教育支出", "住房困难"))
        rows.append(CategoryPlain(household_kind, date.fromordinal(start), _maybe(end), source, note))
        if rng.random() < 0.25:
            # An earlier period of another category, ending the day before this one began.
            before = rng.choice([c for c in ("dibao", "low_income", "rigid_expense") if c != household_kind])
            prev_end = start - 1
            rows.append(
                CategoryPlain(
                    before,
                    date.fromordinal(prev_end - rng.randint(180, 1500)),
                    date.fromordinal(prev_end),
                    "monitoring",
                    "",
                )
            )
        return rows

    def household(self, street: StreetRef) -> HouseholdPlain:
        rng = self.rng
        r = rng.random()
        kind = "dibao" if r < 0.08 else "low_income" if r < 0.15 else "rigid_expense" if r < 0.19 else None
        hardship = 2.5 if kind else 1.0
        address = self._address(street)
        phone = (
            f"021-{rng.choice('3556')}{rng.randrange(10**7):07d}"
            if rng.random() < 0.3
            else f"{rng.choice(_MOBILE)}{rng.randrange(10**8):08d}"
        )
        hh = HouseholdPlain(street=street, address=address, phone=phone)
        people = hh.persons

        def add(**kw) -> PersonPlain:
            p = self.person(home=street, hardship=hardship, **kw)
            people.append(p)
            return p

        shape = rng.choices(_SHAPES, cum_weights=_SHAPE_CUM)[0]
        surname = self._surname()
        if shape in ("elderly_single", "single_adult"):
            old = shape == "elderly_single"
            sex = "F" if rng.random() < (0.65 if old else 0.45) else "M"
            add(surname=surname, sex=sex, birth_ord=self._birth_ord(*((62, 95) if old else (25, 61))),
                relationship="head")  # fmt: skip
        elif shape == "single_parent":
            sex = "F" if rng.random() < 0.7 else "M"
            head_ord = self._birth_ord(28, 58)
            add(surname=surname, sex=sex, birth_ord=head_ord, relationship="head")
            for _ in range(1 if rng.random() < 0.8 else 2):
                child = self._child_birth(head_ord)
                if child is not None:
                    add(surname=surname, sex=rng.choice("MF"), birth_ord=child, relationship="child")
        else:
            ages = {
                "elderly_couple": (62, 92),
                "couple": (25, 61),
                "nuclear1": (30, 60),
                "nuclear2": (32, 60),
                "three_gen_up": (35, 58),
                "three_gen_down": (58, 85),
            }[shape]
            husband_ord = self._birth_ord(*ages)
            wife_ord = min(husband_ord + rng.randint(-2 * 365, 6 * 365), _ANCHOR_ORD - int(23 * _YEAR))
            head_is_husband = rng.random() < 0.85
            non_local_wife = shape not in ("elderly_couple", "three_gen_down") and rng.random() < 0.06
            wife_surname = self._surname()
            husband = {"surname": surname, "sex": "M", "birth_ord": husband_ord}
            wife = {"surname": wife_surname, "sex": "F", "birth_ord": wife_ord, "non_local": non_local_wife}
            if head_is_husband:
                add(relationship="head", **husband)
                add(relationship="spouse", **wife)
            else:
                add(relationship="head", **{**wife, "non_local": False})
                add(relationship="spouse", **husband)
            n_children = {"nuclear1": 1, "nuclear2": 2, "three_gen_up": 1, "three_gen_down": 1}.get(shape, 0)
            children = []
            for _ in range(n_children):
                child = self._child_birth(wife_ord)
                if child is not None:
                    children.append(
                        add(surname=surname, sex=rng.choice("MF"), birth_ord=child, relationship="child",
                            non_local=non_local_wife and rng.random() < 0.5)
                    )  # fmt: skip
            head_ord = husband_ord if head_is_husband else wife_ord
            if shape == "three_gen_up":
                # The head's parents, 22 to 35 years older, one or both.
                father_ord = head_ord - int(rng.uniform(24, 35) * _YEAR)
                mother_ord = father_ord + rng.randint(-365, 5 * 365)
                parent_surname = surname if head_is_husband else wife_surname
                both = rng.random() < 0.6
                father = both or rng.random() < 0.4
                if father:
                    add(surname=parent_surname, sex="M", birth_ord=father_ord, relationship="parent")
                if both or not father:
                    add(surname=self._surname(), sex="F", birth_ord=mother_ord, relationship="parent")
            if shape == "three_gen_down" and children:
                # A grown-up child, their spouse (儿媳/女婿: "other") and one or two grandchildren.
                child = children[0]
                child_ord = child.birth_date.toordinal()
                partner_ord = min(child_ord + rng.randint(-3 * 365, 3 * 365), _ANCHOR_ORD - int(22 * _YEAR))
                if rng.random() < 0.9:
                    partner_sex = "F" if child.sex == "M" else "M"
                    add(surname=self._surname(), sex=partner_sex, birth_ord=partner_ord, relationship="other")
                mother_ord = child_ord if child.sex == "F" else partner_ord
                grand_surname = surname if child.sex == "M" else self._surname()
                for _ in range(1 if rng.random() < 0.5 else 2):
                    grandchild = self._child_birth(mother_ord)
                    if grandchild is not None:
                        add(surname=grand_surname, sex=rng.choice("MF"), birth_ord=grandchild,
                            relationship="grandchild")  # fmt: skip
        if kind == "rigid_expense" and not any(p.serious_illness for p in people):
            # 刚性支出: the hardship comes from someone's illness, treatment or care.
            rng.choice(people).serious_illness = True
        hh.categories = self._categories(kind)
        return hh


def _maybe(ordinal: int | None) -> date | None:
    return None if ordinal is None else date.fromordinal(ordinal)


# Household shapes and their weights, tuned so that a household has about 3.3 members.
_SHAPE_WEIGHTS = (
    ("elderly_single", 8), ("elderly_couple", 10), ("single_adult", 4), ("couple", 5),
    ("nuclear1", 22), ("nuclear2", 11), ("single_parent", 7), ("three_gen_up", 18), ("three_gen_down", 15),
)  # fmt: skip
_SHAPES = tuple(s for s, _ in _SHAPE_WEIGHTS)
_SHAPE_CUM = tuple(itertools.accumulate(w for _, w in _SHAPE_WEIGHTS))


class IdLedger:
    """The ID numbers issued in one run, so that none is issued twice.

    Persons are invented chunk by chunk in separate processes, so a clash (same area
    code, birth date and sequence code) can only be seen here, in the one process that
    sees every chunk in order. The set holds the 17 leading digits as integers (about
    70 bytes a person: 70 MB for a million people). A clash moves the person to the first
    free sequence code of the run's band with the same sex, or else to the day before
    (never after ANCHOR, and a day changes no relationship).
    """

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.moved = 0

    def claim(self, id17: str) -> str | None:
        """Record `id17`; return None if it was free, else the free number used instead."""
        key = int(id17)
        if key not in self.seen:
            self.seen.add(key)
            return None
        self.moved += 1
        area, band, parity = id17[:6], id17[14], int(id17[16]) % 2
        birth = _birth_of(id17)
        while True:
            prefix = f"{area}{birth:%Y%m%d}{band}"
            for slot in range(50):
                candidate = f"{prefix}{slot // 5}{(slot % 5) * 2 + parity}"
                key = int(candidate)
                if key not in self.seen:
                    self.seen.add(key)
                    return candidate
            birth -= timedelta(days=1)  # all fifty numbers of that day are taken


def _birth_of(id17: str) -> date:
    return date(int(id17[6:10]), int(id17[10:12]), int(id17[12:14]))


def _settle(person: PersonPlain, ledger: IdLedger) -> None:
    moved = ledger.claim(person.id_number[:17])
    if moved is not None:
        person.id_number = moved + _check_digit(moved)
        person.birth_date = _birth_of(moved)


def district_ids() -> dict[str, int]:
    """Every district organisation with a division code (for hukou), code -> id."""
    return dict(
        Organisation.objects.filter(kind=OrgKind.DISTRICT, code__regex=r"^31\d{4}$").values_list("code", "pk")
    )


def generate(
    *,
    seed: int,
    households: int,
    streets: list[StreetRef],
    as_of: date,
    districts: dict[str, int] | None = None,
) -> Iterator[HouseholdPlain]:
    """The households of a run, in order, with plain (unencrypted) values: what `synth_load` writes."""
    districts = district_ids() if districts is None else districts
    ledger = IdLedger()
    for chunk in range((households + CHUNK - 1) // CHUNK):
        count = min(CHUNK, households - chunk * CHUNK)
        builder = _Builder(seed, chunk, districts, as_of)
        for index in chunk_streets(seed, chunk, count, streets):
            hh = builder.household(streets[index])
            for p in hh.persons:
                _settle(p, ledger)
            yield hh


# --------------------------------------------------------------------------- rows for the database

HOUSEHOLD_COLUMNS = (
    "id", "file_number", "street_id", "address", "phone", "status", "note",
    "created_at", "updated_at", "committee_id", "created_by_id", "merged_into_id",
)  # fmt: skip
PERSON_COLUMNS = (
    "household_id", "name", "id_number", "id_hash", "sex", "birth_date", "relationship",
    "hukou_district_id", "resides_in_district", "resides_since", "non_local_spouse_or_child",
    "disability", "serious_illness", "lost_work_capacity", "phone", "bank_name", "bank_account", "active",
)  # fmt: skip
CATEGORY_COLUMNS = ("household_id", "category", "valid_from", "valid_to", "source", "note")
_ID_NUMBER_COL, _ID_HASH_COL, _BIRTH_COL = 2, 3, 5


@dataclass
class _Task:
    chunk: int
    street_index: list[int]
    pks: list[int]
    file_numbers: list[str]


@dataclass
class _ChunkRows:
    """One chunk ready to write: COPY text (PostgreSQL) or row tuples (SQLite)."""

    households: object
    persons: list  # per person: a COPY line or a row list, so that a clash can be rewritten
    person_id17: list[str]
    categories: object
    n_households: int
    n_categories: int


def _copy_text(value) -> str:
    # COPY's text format: \N for NULL, t/f, ISO dates; the generated text holds no tab,
    # newline or backslash, which are the only characters needing an escape.
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _line(row) -> str:
    return "\t".join(map(_copy_text, row)) + "\n"


# State a worker process inherits (fork) or receives once (initializer), not per task.
_worker: dict = {}


def _worker_init(seed: int, streets: list[StreetRef], district_ids: dict, as_of: date, now, copy: bool):
    _worker.update(seed=seed, streets=streets, district_ids=district_ids, as_of=as_of, now=now, copy=copy)


def _build(task: _Task) -> _ChunkRows:
    """Invent one chunk and turn it into rows: the costly part, run in the workers."""
    w = _worker
    streets, copy, now = w["streets"], w["copy"], w["now"]
    builder = _Builder(w["seed"], task.chunk, w["district_ids"], w["as_of"])
    hh_rows, person_rows, id17s, cat_rows = [], [], [], []
    for index, pk, file_number in zip(task.street_index, task.pks, task.file_numbers, strict=True):
        street = streets[index]
        hh = builder.household(street)
        hh_rows.append(
            (pk, file_number, street.id, hh.address, hh.phone, "active", "", now, now, None, None, None)
        )
        for p in hh.persons:
            row = [
                pk, p.name, encrypt(p.id_number), lookup_hash(p.id_number), p.sex, p.birth_date.isoformat(),
                p.relationship, p.hukou_district_id, p.resides_in_district, _iso(p.resides_since),
                p.non_local_spouse_or_child,
                p.disability, p.serious_illness, p.lost_work_capacity, p.phone, p.bank_name,
                encrypt(p.bank_account) if p.bank_account else "", True,
            ]  # fmt: skip
            person_rows.append(_line(row) if copy else row)
            id17s.append(p.id_number[:17])
        for c in hh.categories:
            cat_rows.append((pk, c.category, c.valid_from.isoformat(), _iso(c.valid_to), c.source, c.note))
    return _ChunkRows(
        households="".join(map(_line, hh_rows)) if copy else hh_rows,
        persons=person_rows,
        person_id17=id17s,
        categories="".join(map(_line, cat_rows)) if copy else cat_rows,
        n_households=len(hh_rows),
        n_categories=len(cat_rows),
    )


def _settle_rows(rows: _ChunkRows, ledger: IdLedger, copy: bool) -> None:
    """Rewrite the few persons whose ID number clashed with one issued earlier in the run."""
    for i, id17 in enumerate(rows.person_id17):
        moved = ledger.claim(id17)
        if moved is None:
            continue
        number = moved + _check_digit(moved)
        fields = rows.persons[i][:-1].split("\t") if copy else rows.persons[i]
        fields[_ID_NUMBER_COL] = encrypt(number)
        fields[_ID_HASH_COL] = lookup_hash(number)
        fields[_BIRTH_COL] = _birth_of(moved).isoformat()
        rows.persons[i] = "\t".join(fields) + "\n" if copy else fields


# --------------------------------------------------------------------------- loading


@dataclass
class SynthResult:
    households: int
    persons: int
    categories: int
    seconds: float
    first_household_id: int | None
    ids_moved: int

    @property
    def rows(self) -> int:
        return self.households + self.persons + self.categories

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def synth_streets(*, district: str | None = None) -> list[StreetRef]:
    """The active streets (of one district, given its code), with their district."""
    qs = Organisation.objects.filter(kind=OrgKind.STREET, active=True, parent__kind=OrgKind.DISTRICT)
    if district:
        qs = qs.filter(parent__code=district)
    return [
        StreetRef(pk, code, name, did, dcode, dname)
        for pk, code, name, did, dcode, dname in qs.order_by("code").values_list(
            "pk", "code", "name", "parent_id", "parent__code", "parent__name"
        )
    ]


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


class _HouseholdIds:
    """Primary keys for households, known before any row is written (persons need them).

    PostgreSQL: the ids are drawn from the table's own sequence, one round trip per chunk
    (a few milliseconds for 10,000). They are exactly the values the sequence handed out,
    so an intake worker creating a household meanwhile cannot take one of them. The other
    way, COPY without ids and then SELECT id, file_number back, costs a second pass over the
    rows and an index look-up per household, and keeps every file number in memory.
    SQLite: the write lock is ours from BEGIN (IMMEDIATE), so nobody else inserts until we
    commit; the ids above the highest ever issued (AUTOINCREMENT keeps it in sqlite_sequence)
    are free, and we count on from there as chunks are reserved ahead of being written.
    """

    def __init__(self) -> None:
        self.next: int | None = None

    def reserve(self, count: int) -> list[int]:
        with connection.cursor() as cur:
            if _on_postgres():
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence('registry_household', 'id'))"
                    " FROM generate_series(1, %s)",
                    [count],
                )
                return [r[0] for r in cur.fetchall()]
            if self.next is None:
                cur.execute("SELECT seq FROM sqlite_sequence WHERE name = 'registry_household'")
                row = cur.fetchone()
                cur.execute("SELECT COALESCE(MAX(id), 0) FROM registry_household")
                self.next = max(row[0] if row else 0, cur.fetchone()[0]) + 1
        start, self.next = self.next, self.next + count
        return list(range(start, start + count))


_Tap = Callable[[str, tuple, str], None]


def _write(rows: _ChunkRows, tap: _Tap | None) -> None:
    tables = (
        ("registry_household", HOUSEHOLD_COLUMNS, rows.households),
        ("registry_person", PERSON_COLUMNS, rows.persons),
        ("registry_householdcategory", CATEGORY_COLUMNS, rows.categories),
    )
    if _on_postgres():
        # COPY through psycopg 3, one statement per table and chunk, on Django's own
        # connection so that it belongs to the surrounding transaction.
        raw = connection.connection
        for table, columns, data in tables:
            text = data if isinstance(data, str) else "".join(data)
            if tap is not None:
                tap(table, columns, text)
            # Django's wrapper turns psycopg's errors into django.db ones (IntegrityError …).
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with connection.wrap_database_errors, raw.cursor() as cur, cur.copy(sql) as copy:
                copy.write(text)
        return
    with connection.cursor() as cur:
        for table, columns, data in tables:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our constants
            cur.executemany(sql, data)


def default_workers(households: int) -> int:
    # Worth it only when there is more than a chunk to make; PostgreSQL needs a core for
    # COPY, so on two cores one worker plus this process (which feeds COPY) fills the machine.
    if households <= CHUNK or not _on_postgres() or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def synth_load(
    *,
    seed: int,
    households: int,
    streets: list[StreetRef],
    actor: Actor,
    as_of: date | None = None,
    workers: int | None = None,
    progress: Callable[[int, float], None] | None = None,
    tap: _Tap | None = None,
) -> SynthResult:
    """Generate and write `households` households over `streets`, in one transaction.

    `workers`: processes generating and encrypting chunks (0: in this process; default:
    by machine and database). `progress(households_written, seconds)` is called after each
    chunk. `tap(table, columns, copy_text)` sees every COPY block (the benchmark replays them).
    """
    if households <= 0:
        raise Refused("户数必须是正整数。", code="bad_count", field="households")
    if not streets:
        raise Refused("没有可用的街镇：请先加载组织架构（bangfu migrate）或检查区代码。", code="no_streets")
    as_of = as_of or timezone.localdate()
    workers = default_workers(households) if workers is None else workers
    copy = _on_postgres()
    now = timezone.now()
    # COPY reads ISO text with the zone; SQLite stores what Django's backend makes of it.
    now_value = now.isoformat(sep=" ") if copy else connection.ops.adapt_datetimefield_value(now)
    init_args = (seed, streets, district_ids(), as_of, now_value, copy)
    n_chunks = (households + CHUNK - 1) // CHUNK
    started = time.perf_counter()
    pool = None
    if workers > 0:
        # fork: the workers inherit settings and the data key; they never touch the database.
        if not connection.in_atomic_block:
            connection.close()  # so that no open database socket is handed to the children
        pool = multiprocessing.get_context("fork").Pool(workers, _worker_init, init_args)
    else:
        _worker_init(*init_args)
    ledger = IdLedger()
    persons = categories = written = 0
    try:
        with transaction.atomic():
            street_ids = sorted({s.id for s in streets})
            FileNumberCounter.objects.bulk_create(
                [FileNumberCounter(street_id=pk) for pk in street_ids], ignore_conflicts=True
            )
            # The counters stay locked to the end of the run, so that an intake worker's new
            # file in one of these streets waits rather than take a number this run issues.
            # Taken in street order, so that two runs over overlapping streets cannot deadlock.
            locked = FileNumberCounter.objects.select_for_update().filter(street_id__in=street_ids)
            counters = {c.street_id: c for c in locked.order_by("street_id")}

            household_ids = _HouseholdIds()

            def task(chunk: int) -> _Task:
                count = min(CHUNK, households - chunk * CHUNK)
                index = chunk_streets(seed, chunk, count, streets)
                numbers = []
                for i in index:
                    counter = counters[streets[i].id]
                    counter.last += 1
                    numbers.append(f"{streets[i].code}-{counter.last:07d}")
                return _Task(chunk, index, household_ids.reserve(count), numbers)

            first_pk = None
            pending: list = []
            next_chunk = 0
            while written < households:
                # The workers make the next chunks while this process writes the current one.
                while next_chunk < n_chunks and len(pending) <= workers:
                    t = task(next_chunk)
                    first_pk = first_pk or t.pks[0]
                    pending.append((t, pool.apply_async(_build, (t,)) if pool else None))
                    next_chunk += 1
                t, result = pending.pop(0)
                rows = result.get() if result else _build(t)
                _settle_rows(rows, ledger, copy)
                _write(rows, tap)
                written += rows.n_households
                persons += len(rows.persons)
                categories += rows.n_categories
                if progress:
                    progress(written, time.perf_counter() - started)
            FileNumberCounter.objects.bulk_update(list(counters.values()), ["last"])
            audit_record(
                actor=actor,
                action="create",
                target=Household.objects.get(pk=first_pk),
                after={"households": households, "persons": persons, "categories": categories, "seed": seed},
                note=f"合成数据：{households}户、{persons}人，种子{seed}（一次运行只记此一条）",
            )
    except IntegrityError as exc:
        if "one_active_person_per_id" in str(exc) or "registry_person.id_hash" in str(exc):
            raise Refused(
                f"合成的身份证号与库中已在册人员重复：种子{seed}与此前某次合成的种子个位数相同。"
                "请换一个个位数不同的种子再运行；本次没有写入任何数据。",
                code="seed_clash",
                field="seed",
            ) from exc
        raise
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    seconds = time.perf_counter() - started
    if _on_postgres() and households >= CHUNK:
        # Fresh statistics right away, so the pages' queries are planned for the new size
        # (autovacuum would get there, minutes later). Not part of the measured time.
        with connection.cursor() as cur:
            cur.execute("ANALYZE registry_household, registry_person, registry_householdcategory")
    return SynthResult(households, persons, categories, seconds, first_pk, ledger.moved)
