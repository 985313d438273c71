"""What-if (SPEC §6): a policy version, usually a draft, over a period's real cases.

Every case of the district whose application date falls in the period (withdrawn ones
aside) is evaluated twice by the engine: under the version in force on its application
date, and under the draft. The answer is the cost under each, and the difference, by street,
by household category and by aid type, with the amount actually paid beside them.

How the draft is applied to a past period: with the draft's values as they stand on the
case's date when the draft's validity covers it, and otherwise as they stand on the draft's
first (or, for later cases, last) day. A district drafting its next version asks "what would
last year's cases have cost under it", so the draft's own dates must not turn it off.

The annual caps (三(四)) chain through the period: a case's prior aid of the year is, in
each scenario, that scenario's amounts for the household's earlier cases of the period,
plus what was actually paid to it earlier in the same year before the period began. So a
higher rate that pushes a household into its cap shows up as the cap, not as double money.

A case the engine cannot evaluate (data missing, no version in force on its date) is
listed with the reason and left out of every sum, never counted as zero.

All reads are bulk: one query for the cases, one for their invoices, one for the
categories, one for the earlier payments, whatever the number of cases.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db.models import Prefetch, QuerySet

from bangfu.cases.models import AidType, Case, CaseState, Invoice
from bangfu.cases.rules import request_for
from bangfu.core.dates import cn_date
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.registry.models import Category, HouseholdCategory
from bangfu.registry.selectors import CATEGORY_PRECEDENCE

from .engine import ParameterSet, PolicyBook, evaluate_request, parse_request
from .parameters import ParameterError, read_policy_file

ZERO = Decimal("0.00")
PAID_STATES = (CaseState.PAID, CaseState.CLOSED)
# How often the work says how far it is (bangfu.jobs' progress bar, the command's line): one
# write per this many cases, not one per case.
PROGRESS_EVERY = 200


class DraftOverPeriod(ParameterSet):
    """The draft's values on any day: clamped into the draft's own validity (see above)."""

    def __init__(self, draft: ParameterSet):
        self.__dict__.update(draft.__dict__)

    def at(self, day: date):
        return super().at(min(max(day, self.valid_from), self.valid_to))


@dataclass
class Row:
    """One line of a breakdown: a street, a category or an aid type."""

    key: str
    label: str
    cases: int = 0
    paid: Decimal = ZERO
    in_force: Decimal = ZERO
    draft: Decimal = ZERO
    eligible_in_force: int = 0
    eligible_draft: int = 0
    district_level_in_force: int = 0
    district_level_draft: int = 0

    @property
    def difference(self) -> Decimal:
        return self.draft - self.in_force

    @property
    def change(self) -> Decimal | None:
        """The difference as a share of the cost in force (None when that cost is zero)."""
        if not self.in_force:
            return None
        return (self.difference / self.in_force).quantize(Decimal("0.0001"))

    @classmethod
    def from_dict(cls, d: dict) -> Row:
        """A row as `WhatIf.as_dict` wrote it (a kept result, opened again)."""
        money = {k: Decimal(d[k]) for k in ("paid", "in_force", "draft")}
        counts = {k: d[k] for k in ("cases", "eligible_in_force", "eligible_draft",
                                    "district_level_in_force", "district_level_draft")}  # fmt: skip
        return cls(d["key"], d["label"], **counts, **money)

    def add(self, paid: Decimal, now: dict | None, then: dict | None) -> None:
        self.cases += 1
        self.paid += paid
        if now is not None and now["eligible"]:
            self.in_force += Decimal(now["recommended_amount"])
            self.eligible_in_force += 1
            self.district_level_in_force += now["approval_level"] == "district"
        if then is not None and then["eligible"]:
            self.draft += Decimal(then["recommended_amount"])
            self.eligible_draft += 1
            self.district_level_draft += then["approval_level"] == "district"


@dataclass
class Skipped:
    case_id: int
    number: str
    scenario: str  # "in_force" or "draft"
    message: str


@dataclass
class WhatIf:
    district: Organisation
    draft_code: str
    start: date
    end: date
    total: Row
    by_street: list[Row]
    by_category: list[Row]
    by_aid_type: list[Row]
    newly_eligible: int = 0
    no_longer_eligible: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    in_force_versions: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.total.cases

    @property
    def total_in_force(self) -> Decimal:
        return self.total.in_force

    @property
    def total_draft(self) -> Decimal:
        return self.total.draft

    def as_dict(self) -> dict:
        def row(r: Row) -> dict:
            return {
                "key": r.key,
                "label": r.label,
                "cases": r.cases,
                "paid": f"{r.paid:.2f}",
                "in_force": f"{r.in_force:.2f}",
                "draft": f"{r.draft:.2f}",
                "difference": f"{r.difference:.2f}",
                "eligible_in_force": r.eligible_in_force,
                "eligible_draft": r.eligible_draft,
                "district_level_in_force": r.district_level_in_force,
                "district_level_draft": r.district_level_draft,
            }

        return {
            "district": self.district.code,
            "draft": self.draft_code,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "in_force_versions": self.in_force_versions,
            "total": row(self.total),
            "by_street": [row(r) for r in self.by_street],
            "by_category": [row(r) for r in self.by_category],
            "by_aid_type": [row(r) for r in self.by_aid_type],
            "newly_eligible": self.newly_eligible,
            "no_longer_eligible": self.no_longer_eligible,
            "skipped": [s.__dict__ for s in self.skipped],
        }

    @classmethod
    def from_dict(cls, d: dict, district: Organisation) -> WhatIf:
        """The result `as_dict` wrote, for the same table again (a job's kept result)."""
        return cls(
            district=district,
            draft_code=d["draft"],
            start=date.fromisoformat(d["from"]),
            end=date.fromisoformat(d["to"]),
            total=Row.from_dict(d["total"]),
            by_street=[Row.from_dict(r) for r in d["by_street"]],
            by_category=[Row.from_dict(r) for r in d["by_category"]],
            by_aid_type=[Row.from_dict(r) for r in d["by_aid_type"]],
            newly_eligible=d["newly_eligible"],
            no_longer_eligible=d["no_longer_eligible"],
            skipped=[Skipped(**s) for s in d["skipped"]],
            in_force_versions=list(d["in_force_versions"]),
        )


def period_cases(district: Organisation, start: date, end: date, within: QuerySet[Case] | None = None):
    """The cases the what-if re-evaluates, in the order the annual caps chain through them."""
    qs = Case.objects.all() if within is None else within
    return (
        qs.filter(street__parent=district, application_date__gte=start, application_date__lte=end)
        .exclude(state=CaseState.WITHDRAWN)
        .select_related("street__parent", "applicant__hukou_district", "payment")
        # The stored proposal and the free texts are not read: leave them in the database.
        .defer("proposal", "hardship", "fast_track_reason", "help_first_reason", "exception_reason")
        .prefetch_related(Prefetch("invoices", queryset=Invoice.objects.order_by("pk")))
        .order_by("household_id", "application_date", "pk")
    )


def _categories(cases: QuerySet[Case]) -> dict[int, list[HouseholdCategory]]:
    by_household: dict[int, list[HouseholdCategory]] = defaultdict(list)
    rows = HouseholdCategory.objects.filter(household_id__in=cases.values("household_id"))
    for c in rows.only("household_id", "category", "valid_from", "valid_to"):
        by_household[c.household_id].append(c)
    return by_household


def _category_on(rows: list[HouseholdCategory], day: date) -> str:
    codes = {c.category for c in rows if c.current_on(day)}
    return str(next((code for code in CATEGORY_PRECEDENCE if code in codes), Category.OTHER))


def _paid_before(cases: QuerySet[Case], start: date) -> dict[tuple[int, int], list[dict]]:
    """Aid actually paid earlier in the start's calendar year, before the period (三(四))."""
    if start.month == 1 and start.day == 1:
        return {}
    rows = (
        Case.objects.filter(
            household_id__in=cases.values("household_id"),
            application_date__gte=date(start.year, 1, 1),
            application_date__lt=start,
            state__in=PAID_STATES,
            payment__isnull=False,
        )
        .order_by("application_date", "pk")
        .values_list("household_id", "application_date", "payment__amount")
    )
    out: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for household_id, day, amount in rows:
        out[(household_id, day.year)].append({"date": day.isoformat(), "amount": f"{amount:.2f}"})
    return out


def what_if(
    *,
    draft: ParameterSet,
    district_code: str,
    start: date,
    end: date,
    within: QuerySet[Case] | None = None,
    book: PolicyBook | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIf:
    """Re-evaluate the district's cases of [start, end] under the versions in force and the draft.

    `within` restricts the cases (the interface passes the user's scope); `book` is the
    published versions (read from the database when not given); `progress(done, total)` is
    told how far the work is every `PROGRESS_EVERY` cases (a count of the cases first).
    """
    from .selectors import policy_book

    if start > end:
        raise Refused(
            f"起始日期{cn_date(start)}晚于截止日期{cn_date(end)}。", code="bad_period", field="end"
        )
    district = Organisation.objects.filter(code=district_code, kind="district").first()
    if district is None:
        raise Refused(
            f"没有代码为 {district_code} 的区。区代码为6位数字，如长宁区 310105。",
            code="unknown_district",
            field="district",
        )
    if draft.district != district.code:
        raise Refused(
            f"政策版本 {draft.code} 属于区代码 {draft.district}，不能用于测算{district.name}（{district.code}）的个案。",
            code="other_district",
            field="district",
        )
    book = book or policy_book()
    projected = DraftOverPeriod(draft)
    cases = period_cases(district, start, end, within)
    categories = _categories(cases)
    earlier = _paid_before(cases, start)

    total = Row("total", "合计")
    streets: dict[str, Row] = {}
    by_category = {code: Row(code, label) for code, label in Category.choices}
    by_aid = {code: Row(code, label) for code, label in AidType.choices}
    result = WhatIf(district, draft.code, start, end, total, [], [], [])
    versions: set[str] = set()
    # Per household and year, each scenario's own earlier amounts: the caps chain (三(四)).
    prior: dict[str, dict[tuple[int, int], list[dict]]] = {"in_force": {}, "draft": {}}

    total_cases = cases.count() if progress else 0
    if progress:
        progress(0, total_cases)
    for done, case in enumerate(cases):
        if progress and done and not done % PROGRESS_EVERY:
            progress(done, total_cases)
        key = (case.household_id, case.application_date.year)
        category = _category_on(categories.get(case.household_id, []), case.application_date)
        chains = {s: prior[s].setdefault(key, list(earlier.get(key, ()))) for s in prior}
        now = _evaluate(case, category, chains["in_force"], "in_force", projected, book, result, versions)
        then = _evaluate(case, category, chains["draft"], "draft", projected, book, result, versions)
        if now is None or then is None:
            continue  # listed in result.skipped; a half-evaluated case would skew the difference
        for scenario, answer in (("in_force", now), ("draft", then)):
            if answer["eligible"]:
                chains[scenario].append(
                    {"date": case.application_date.isoformat(), "amount": answer["recommended_amount"]}
                )
        paid = case.payment.amount if case.state in PAID_STATES and hasattr(case, "payment") else ZERO
        street = streets.setdefault(case.street.code, Row(case.street.code, case.street.name))
        for row in (total, street, by_category[category], by_aid[case.aid_type]):
            row.add(paid, now, then)
        result.newly_eligible += then["eligible"] and not now["eligible"]
        result.no_longer_eligible += now["eligible"] and not then["eligible"]

    if progress:
        progress(total_cases, total_cases)
    result.by_street = [streets[code] for code in sorted(streets)]
    result.by_category = [r for r in by_category.values() if r.cases]
    result.by_aid_type = [r for r in by_aid.values() if r.cases]
    result.in_force_versions = sorted(versions)
    return result


def what_if_of_version(
    *, policy, user, start: date, end: date, progress: Callable[[int, int], None] | None = None
) -> WhatIf:
    """A stored version (draft or not) over its district's cases that `user` may see: the page's
    what-if, run in the background (policy/jobs.py). The figures never include a case the user
    may not see."""
    from bangfu.cases.selectors import cases as cases_visible

    from .selectors import missing_parameters, parameter_set

    missing = missing_parameters(policy)
    if missing:
        names = "、".join(s.label for s in missing)
        raise Refused(f"政策版本 {policy.code} 尚缺参数：{names}。补齐后才能测算。", code="missing_parameters")
    return what_if(
        draft=parameter_set(policy),
        district_code=policy.district.code,
        start=start,
        end=end,
        within=cases_visible(user=user),
        progress=progress,
    )


def _evaluate(case, category, chain, scenario, projected, book, result, versions) -> dict | None:
    """One case under one scenario, or None (and a line in `result.skipped`) when it cannot be."""
    try:
        request = request_for(case, category=category, prior=list(chain), invoices=case.invoices.all())
        r = parse_request(request, book.districts)
        if scenario == "draft":
            ps = projected
        else:
            ps = book.in_force(r.district, r.day)
            if ps is None:
                raise Refused(
                    f"申请日期{cn_date(r.day)}没有生效的已发布政策，无法与草案比较。",
                    code="no_policy_in_force",
                )
            versions.add(ps.code)
        answer = evaluate_request(r, ps)
    except Refused as e:
        result.skipped.append(Skipped(case.pk, case.number or f"#{case.pk}", scenario, e.message))
        return None
    return answer


def read_draft(path) -> ParameterSet:
    """A draft version from a policy file (the built-in files' TOML format), checked."""
    path = Path(path)
    try:
        data = read_policy_file(path)
        if not isinstance(data.valid_from, date) or not isinstance(data.valid_to, date):
            raise ParameterError(f"{path.name}：valid_from 和 valid_to 须为日期（如 2026-01-01，不加引号）。")
        return ParameterSet(data)
    except FileNotFoundError:
        raise Refused(f"政策文件 {path} 不存在。", code="bad_policy_file", field="draft") from None
    except OSError as e:
        raise Refused(
            f"无法读取政策文件 {path}：{e.strerror}。", code="bad_policy_file", field="draft"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise Refused(
            f"政策文件 {path.name} 不是有效的 TOML：{e}。", code="bad_policy_file", field="draft"
        ) from None
    except KeyError as e:
        raise Refused(
            f"政策文件 {path.name} 缺少必填项 {e.args[0]}（见内置政策文件的 [policy] 表）。",
            code="bad_policy_file",
            field="draft",
        ) from None
    except (ParameterError, ValueError, TypeError, AttributeError) as e:
        raise Refused(f"政策文件 {path.name} 有误：{e}", code="bad_policy_file", field="draft") from None
