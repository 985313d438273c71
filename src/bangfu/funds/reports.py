"""The report figures (SPEC §7): the monthly 业务及资金使用报表 of a district or street, and the
annual 专项检查 of a district's special fund. Reads only; filing and review are in
`report_services.py`, exports in `report_excel.py` / `report_pdf.py`.

Every figure comes from the rows themselves, one aggregate query per group of figures, never
a loop over postings: the ledger (`funds.Posting`, grouped by organisation × fund source ×
account, with the period's debits and credits apart) and the case procedure's hand-over rows
(`cases.PaymentRecord`, grouped by aid type, category, street). A batch of reports (every
district of the city for one month) costs the same handful of queries as one report.

How the fund columns follow from the postings of one organisation in one fund source (the
movements of `services.py` always put both sides of an outside receipt or a spend at the same
organisation; only transfers, i.e. allocations, pass-throughs and returns, cross organisations):

    holding     = fund + raised + pass_through            (the money held)
    opening     = holding postings before the period
    external    = − net of the `source` account           (money from outside, reversals netted)
    aid, work_expense, management_fee = net of those accounts in the period
    transfers_in  = holding debits − outside receipts − reversed spending
    transfers_out = holding credits − reversed receipts − spending
    receipts = external + transfers_in;   payments = spending + transfers_out
    closing  = opening + receipts − payments             (= holding postings up to the period's end)

A reversed allocation therefore shows as the opposite transfer. A district's figures are
consolidated over the district organisation and everything below it; its transfers include
the money moved between the district and its streets (in both columns).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone

from bangfu.core.money import FEN, ZERO, format_yuan, to_fen_down
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import descendants

from .models import DONATION_KINDS, HOLDING_ACCOUNTS, Account, FundKind, FundSource, Posting

# --- the due date: a dated parameter -------------------------------------------------------------


@dataclass(frozen=True)
class DueDay:
    day: int  # the day of the month after the reported month
    starts: date
    reference: str


# 沪民救发〔2025〕1号 四(二) "区、街镇帮扶组织每月按时填报业务及资金使用报表" and 长民发〔2016〕31号 五.2
# "按要求每月上报" require the report every month but fix no day. The 10th of the next month is
# our default (a month's payments are posted and reconciled within the first week): a
# decision to confirm with the foundation; a later rule is a new row with its own start.
REPORT_DUE_DAYS: tuple[DueDay, ...] = (
    DueDay(
        10,
        date(2016, 7, 1),
        "沪民救发〔2025〕1号 四(二)；长民发〔2016〕31号 五.2（报送日由平台设定，待基金会确认）",
    ),
)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def due_date(year: int, month: int) -> date:
    """The day the report of (year, month) is due: the rule in force on the first of the next month."""
    ny, nm = _next_month(year, month)
    first = date(ny, nm, 1)
    rules = sorted(REPORT_DUE_DAYS, key=lambda r: r.starts)
    rule = next((r for r in reversed(rules) if r.starts <= first), rules[0])
    return date(ny, nm, min(rule.day, calendar.monthrange(ny, nm)[1]))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def parse_month(text: str) -> tuple[int, int]:
    """'2025-03' → (2025, 3); ValueError with a Chinese message otherwise."""
    try:
        y, m = (int(p) for p in (text or "").strip().split("-"))
    except ValueError:
        raise ValueError("月份格式不正确，请按“年-月”填写，例如 2025-03。") from None
    if not (2000 <= y <= 2100 and 1 <= m <= 12):
        raise ValueError("月份超出范围：年份 2000–2100，月份 1–12。")
    return y, m


# --- the columns ---------------------------------------------------------------------------------

FUND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("opening", "期初余额"),
    ("external", "外部资金到账"),
    ("transfers_in", "上级拨入及返还"),
    ("receipts", "本期收入合计"),
    ("aid_cases", "个案帮扶支出"),
    ("aid_other", "项目及特定帮扶支出"),
    ("work_expense", "工作经费"),
    ("management_fee", "管理费"),
    ("transfers_out", "下拨及上缴"),
    ("payments", "本期支出合计"),
    ("closing", "期末余额"),
)
FUND_KEYS = tuple(k for k, _ in FUND_COLUMNS)
CASE_COLUMNS: tuple[tuple[str, str], ...] = (("cases", "个案数"), ("households", "户数"), ("amount", "金额"))
MONEY_KEYS = {*FUND_KEYS, "amount", "cap", "used", "spent", "allocated", "agreement_amount", "sent", "returned",
              "outstanding"}  # fmt: skip

_EXPENSES = (Account.AID, Account.WORK_EXPENSE, Account.MANAGEMENT_FEE)


def _flows(acc: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
    """The fund columns of one (organisation, fund source) from its per-account sums
    (`acc[account] = {"opening", "debit", "credit", "cases"}`); see the module docstring."""

    def g(account: str, part: str) -> Decimal:
        return acc.get(account, {}).get(part) or ZERO

    opening = sum((g(a, "opening") for a in HOLDING_ACCOUNTS), ZERO)
    debit = sum((g(a, "debit") for a in HOLDING_ACCOUNTS), ZERO)
    credit = -sum((g(a, "credit") for a in HOLDING_ACCOUNTS), ZERO)
    ext_in, ext_rev = -g(Account.SOURCE, "credit"), g(Account.SOURCE, "debit")
    spent = sum((g(a, "debit") for a in _EXPENSES), ZERO)
    spent_rev = -sum((g(a, "credit") for a in _EXPENSES), ZERO)
    aid = g(Account.AID, "debit") + g(Account.AID, "credit")
    aid_cases = g(Account.AID, "cases")
    row = {
        "opening": opening,
        "external": ext_in - ext_rev,
        "transfers_in": debit - ext_in - spent_rev,
        "aid_cases": aid_cases,
        "aid_other": aid - aid_cases,
        "work_expense": g(Account.WORK_EXPENSE, "debit") + g(Account.WORK_EXPENSE, "credit"),
        "management_fee": g(Account.MANAGEMENT_FEE, "debit") + g(Account.MANAGEMENT_FEE, "credit"),
        "transfers_out": credit - ext_rev - spent,
    }
    row["receipts"] = row["external"] + row["transfers_in"]
    row["payments"] = (
        row["aid_cases"]
        + row["aid_other"]
        + row["work_expense"]
        + row["management_fee"]
        + row["transfers_out"]
    )
    row["closing"] = opening + row["receipts"] - row["payments"]
    return {k: row[k] for k in FUND_KEYS}


def _add(total: dict[str, Decimal], row: dict[str, Decimal]) -> None:
    for k in FUND_KEYS:
        total[k] = total.get(k, ZERO) + row[k]


def _zero_flows() -> dict[str, Decimal]:
    return dict.fromkeys(FUND_KEYS, ZERO)


# --- the queries ---------------------------------------------------------------------------------

# Above this many organisations a batch reads every organisation's postings and keeps those it
# needs: cheaper than testing each row against a long list, and the grouped result is small.
_FILTER_LIMIT = 60


def _ledger_sums(member_ids: set[int], start: date, end: date) -> dict[tuple[int, int], dict]:
    """One aggregate over the postings up to `end`: per (organisation, fund source, account) the
    balance before `start`, the period's debits, credits and case part."""
    qs = Posting.objects.filter(date__lte=end)
    if len(member_ids) <= _FILTER_LIMIT:
        qs = qs.filter(org_id__in=member_ids)
    in_period = Q(date__gte=start)
    rows = qs.values("org_id", "fund_source_id", "account").annotate(
        opening=Sum("amount", filter=Q(date__lt=start)),
        debit=Sum("amount", filter=in_period & Q(amount__gt=0)),
        credit=Sum("amount", filter=in_period & Q(amount__lt=0)),
        cases=Sum("amount", filter=in_period & Q(case_id__isnull=False)),
    )
    out: dict[tuple[int, int], dict] = defaultdict(dict)
    for r in rows.order_by():
        if r["org_id"] in member_ids:
            out[(r["org_id"], r["fund_source_id"])][r["account"]] = r
    return out


def _case_rows(street_ids: set[int], level: str, start: date, end: date) -> dict:
    """The case figures of the period from the payment hand-over rows (one payment per case):
    totals and by aid type, category and street, each one grouped query; plus the applications
    received (cases by application date)."""
    from bangfu.cases.models import Case, PaymentRecord

    qs = PaymentRecord.objects.filter(paid_on__gte=start, paid_on__lte=end)
    if len(street_ids) <= _FILTER_LIMIT:
        qs = qs.filter(street_id__in=street_ids)
    agg = {"cases": Count("pk"), "households": Count("household_id", distinct=True), "amount": Sum("amount")}
    result: dict = {"total": {}, "aid_type": {}, "category": {}, "street": {}, "applications": {}}
    for r in qs.values(level).annotate(**agg).order_by():
        result["total"][r[level]] = r
    for group in ("aid_type", "category", "street_id"):
        name = "street" if group == "street_id" else group
        for r in qs.values(level, group).annotate(**agg).order_by():
            result[name][(r[level], r[group])] = r
    apps = Case.objects.filter(application_date__gte=start, application_date__lte=end)
    if len(street_ids) <= _FILTER_LIMIT:
        apps = apps.filter(street_id__in=street_ids)
    for r in apps.values(level).annotate(n=Count("pk")).order_by():
        result["applications"][r[level]] = r["n"]
    return result


# --- assembling ----------------------------------------------------------------------------------


def _members(org: Organisation) -> set[int]:
    return descendants([org.pk])


def _org_json(org: Organisation) -> dict:
    return {"id": org.pk, "code": org.code, "name": org.name, "kind": org.kind}


def _case_row(r: dict | None, key: str, label: str) -> dict:
    r = r or {}
    return {
        "key": key,
        "label": label,
        "cases": r.get("cases", 0),
        "households": r.get("households", 0),
        "amount": (r.get("amount") or ZERO).quantize(FEN),
    }


def period_figures(orgs: Iterable[Organisation], start: date, end: date) -> dict[int, dict]:
    """The figures of each district or street in `orgs` for the period [start, end], keyed by
    organisation id. A batch of any size costs the same queries: one over the ledger, five over
    the case rows per level (districts, streets)."""
    from bangfu.cases.models import AidType
    from bangfu.registry.models import Category

    orgs = list(orgs)
    for org in orgs:
        if org.kind not in (OrgKind.DISTRICT, OrgKind.STREET):
            raise ValueError(f"“{org.name}”不是区或街镇帮扶组织，没有业务及资金使用报表。")
    members = {org.pk: _members(org) for org in orgs}
    all_members = set().union(*members.values()) if members else set()
    ledger = _ledger_sums(all_members, start, end)
    names = {o.pk: o for o in Organisation.objects.filter(pk__in=all_members)}
    sources = {s.pk: s for s in FundSource.objects.filter(pk__in={s for _, s in ledger})}

    cases_by_level = {}
    for kind in (OrgKind.DISTRICT, OrgKind.STREET):
        level_orgs = [o for o in orgs if o.kind == kind]
        if not level_orgs:
            continue
        streets = {m for o in level_orgs for m in members[o.pk] if names[m].kind == OrgKind.STREET}
        # Reports of streets group the case rows by the street, reports of districts by its district.
        level = "street_id" if kind == OrgKind.STREET else "street__parent_id"
        cases_by_level[kind] = _case_rows(streets, level, start, end) if streets else None

    figures = {}
    computed_at = timezone.now().isoformat(timespec="seconds")
    for org in orgs:
        mine = members[org.pk]
        by_org: dict[int, dict] = {}
        by_source: dict[int, dict] = {}
        total = _zero_flows()
        for (org_id, source_id), acc in ledger.items():
            if org_id not in mine:
                continue
            row = _flows(acc)
            _add(by_org.setdefault(org_id, _zero_flows()), row)
            _add(by_source.setdefault(source_id, _zero_flows()), row)
            _add(total, row)
        streets = sorted((m for m in mine if names[m].kind == OrgKind.STREET), key=lambda pk: names[pk].code)
        entity_ids = [org.pk] if org.kind == OrgKind.DISTRICT else []
        entity_ids += streets + sorted(
            (m for m in by_org if m not in streets and m != org.pk), key=lambda pk: names[pk].code
        )
        case_data = cases_by_level.get(org.kind) or {}
        case_key = org.pk

        def cases_for(group: str, key, _d=case_data, _k=case_key) -> dict | None:
            return (_d.get(group) or {}).get((_k, key))

        total_cases = _case_row((case_data.get("total") or {}).get(case_key), "total", "合计")
        total_cases["applications"] = (case_data.get("applications") or {}).get(case_key, 0)
        figures[org.pk] = {
            "kind": "period",
            "org": _org_json(org),
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "computed_at": computed_at,
            "cases": {
                "total": total_cases,
                "by_aid_type": [_case_row(cases_for("aid_type", k), k, v) for k, v in AidType.choices],
                "by_category": [_case_row(cases_for("category", k), k, v) for k, v in Category.choices],
                "by_street": [
                    _case_row(cases_for("street", s), names[s].code, names[s].name) for s in streets
                ],
                "by_source": [
                    {"key": sources[s].code, "label": sources[s].name, "amount": by_source[s]["aid_cases"]}
                    for s in sorted(by_source, key=lambda s: (sources[s].draw_order, sources[s].code))
                    if by_source[s]["aid_cases"]
                ],
            },
            "funds": {
                "by_source": [
                    {
                        "key": sources[s].code,
                        "label": sources[s].name,
                        "fund_kind": FundKind(sources[s].kind).label,
                        **by_source[s],
                    }
                    for s in sorted(by_source, key=lambda s: (sources[s].draw_order, sources[s].code))
                ],
                "by_org": [
                    {"key": names[m].code, "label": names[m].name, **by_org.get(m, _zero_flows())}
                    for m in entity_ids
                ],
                "total": total,
            },
        }
    return figures


def monthly_figures(orgs: Iterable[Organisation], year: int, month: int) -> dict[int, dict]:
    """业务及资金使用报表 of each district or street in `orgs` for the month."""
    start, end = month_bounds(year, month)
    figures = period_figures(orgs, start, end)
    for f in figures.values():
        f["kind"] = "monthly"
        f["period"].update(year=year, month=month)
    return figures


def monthly_report_figures(org: Organisation, year: int, month: int) -> dict:
    return monthly_figures([org], year, month)[org.pk]


# --- snapshot: to JSON and back, and the readable difference ------------------------------------


def to_json(value):
    """Decimals as strings (exact), the rest as is: what a filing stores."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value, key: str = ""):
    """The inverse of `to_json`: the money fields back to Decimal."""
    if isinstance(value, dict):
        return {k: from_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v, key) for v in value]
    if key in MONEY_KEYS and isinstance(value, str):
        return Decimal(value)
    return value


_CASE_LABELS = dict(CASE_COLUMNS) | {"applications": "受理申请数"}
_FUND_LABELS = dict(FUND_COLUMNS)
_SECTIONS = {
    "by_aid_type": "按帮扶类型",
    "by_category": "按家庭类别",
    "by_street": "按街镇",
    "by_source": "按资金来源",
    "by_org": "按单位",
}


def flatten(figures: dict) -> dict[str, str]:
    """Every figure under a label people can read: '资金·按资金来源·市级福彩金·期末余额' → '1.00'."""
    f = to_json(figures)
    out: dict[str, str] = {}
    cases, funds = f.get("cases", {}), f.get("funds", {})
    for k, v in cases.get("total", {}).items():
        if k in _CASE_LABELS:
            out[f"个案·合计·{_CASE_LABELS[k]}"] = str(v)
    for section in ("by_aid_type", "by_category", "by_street", "by_source"):
        for row in cases.get(section, []):
            for k, v in row.items():
                if k in _CASE_LABELS:
                    out[f"个案·{_SECTIONS[section]}·{row['label']}（{row['key']}）·{_CASE_LABELS[k]}"] = str(
                        v
                    )
    for section in ("by_source", "by_org"):
        for row in funds.get(section, []):
            for k, v in row.items():
                if k in _FUND_LABELS:
                    out[f"资金·{_SECTIONS[section]}·{row['label']}（{row['key']}）·{_FUND_LABELS[k]}"] = str(
                        v
                    )
    for k, v in funds.get("total", {}).items():
        out[f"资金·合计·{_FUND_LABELS[k]}"] = str(v)
    return out


def differences(filed: dict, now: dict) -> list[str]:
    """What changed between a filed snapshot and the figures recomputed now, one line per figure."""
    a, b = flatten(filed), flatten(now)
    lines = []
    for label in sorted(set(a) | set(b)):
        x, y = a.get(label), b.get(label)
        if x != y:
            lines.append(f"{label}：报送 {_show(label, x)}，现为 {_show(label, y)}")
    return lines


def _show(label: str, value: str | None) -> str:
    if value is None:
        return "（无）"
    if label.endswith(("金额", *(v for v in _FUND_LABELS.values()))):
        return format_yuan(Decimal(value))
    return value


# --- chart data ----------------------------------------------------------------------------------


def chart_data(figures: dict) -> dict:
    """What the screen's charts draw (numbers as strings: no float is made here)."""
    f = to_json(figures)
    cases, funds = f["cases"], f["funds"]
    return {
        "aid_type": {"labels": [r["label"] for r in cases["by_aid_type"]],
                     "amounts": [r["amount"] for r in cases["by_aid_type"]],
                     "cases": [r["cases"] for r in cases["by_aid_type"]]},
        "category": {"labels": [r["label"] for r in cases["by_category"]],
                     "amounts": [r["amount"] for r in cases["by_category"]]},
        "source": {"labels": [r["label"] for r in funds["by_source"]],
                   "receipts": [r["receipts"] for r in funds["by_source"]],
                   "payments": [r["payments"] for r in funds["by_source"]],
                   "closing": [r["closing"] for r in funds["by_source"]]},
        "street": {"labels": [r["label"] for r in cases["by_street"]],
                   "amounts": [r["amount"] for r in cases["by_street"]]},
        "months": f.get("months"),
    }  # fmt: skip


# --- the annual special inspection (长民发〔2016〕31号 五.1) -------------------------------------------


def _monthly_trend(member_ids: set[int], year: int) -> list[dict]:
    """Receipts and payments of each month of the year, in one grouped query."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    qs = Posting.objects.filter(date__gte=start, date__lte=end, org_id__in=member_ids)
    holding = Q(account__in=HOLDING_ACCOUNTS)
    rows = (
        qs.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(
            debit=Coalesce(Sum("amount", filter=holding & Q(amount__gt=0)), ZERO),
            credit=Coalesce(Sum("amount", filter=holding & Q(amount__lt=0)), ZERO),
            aid=Coalesce(Sum("amount", filter=Q(account=Account.AID)), ZERO),
        )
        .order_by("m")
    )
    by_month = {r["m"]: r for r in rows}
    return [
        {
            "month": m,
            "label": f"{m}月",
            "in": (by_month.get(m, {}).get("debit") or ZERO),
            "out": -(by_month.get(m, {}).get("credit") or ZERO),
            "aid": (by_month.get(m, {}).get("aid") or ZERO),
        }
        for m in range(1, 13)
    ]


def _work_expense_caps(district: Organisation, member_ids: set[int], year: int) -> list[dict]:
    """长民发〔2016〕31号 五.3: work expenses of each organisation within 10% / 5% of the donations
    of that kind actually used in the year. One grouped query; the rates of the district's policy
    in force on the last day of the year."""
    from .parameters import work_expense_rate

    rows = (
        Posting.objects.filter(
            org_id__in=member_ids, date__year=year, fund_source__kind__in=DONATION_KINDS,
            account__in=(Account.AID, Account.WORK_EXPENSE),
        )
        .values("org_id", "org__code", "org__name", kind=F("fund_source__kind"))
        .annotate(
            used=Coalesce(Sum("amount", filter=Q(account=Account.AID)), ZERO),
            spent=Coalesce(Sum("amount", filter=Q(account=Account.WORK_EXPENSE)), ZERO),
        )
        .order_by("org__code", "kind")
    )  # fmt: skip
    out = []
    for r in rows:
        rate = work_expense_rate(district.code, r["kind"], date(year, 12, 31))
        cap = to_fen_down(r["used"] * rate.value) if rate else ZERO
        out.append(
            {
                "key": r["org__code"], "label": r["org__name"], "fund_kind": FundKind(r["kind"]).label,
                "used": r["used"], "spent": r["spent"], "rate": rate.percent if rate else "无生效比例",
                "reference": rate.reference if rate else "", "cap": cap, "held": r["spent"] <= cap,
            }
        )  # fmt: skip
    return out


def _agreements(district: Organisation, year: int) -> list[dict]:
    from .models import Agreement, Allocation, Transaction

    reversed_ids = Transaction.objects.filter(reverses__isnull=False).values("reverses_id")
    rows = (
        Agreement.objects.filter(district=district, valid_from__lte=date(year, 12, 31), valid_to__gte=date(year, 1, 1))
        .annotate(
            allocated_total=Coalesce(
                Sum("allocations__amount",
                    filter=Q(allocations__from_org_id=F("foundation_id"))
                    & ~Q(allocations__transaction_id__in=reversed_ids)),
                ZERO,
            )
        )
        .order_by("valid_from", "number")
    )  # fmt: skip
    outside = set(
        Allocation.objects.filter(agreement__district=district, from_org_id=F("agreement__foundation_id"))
        .exclude(date__gte=F("agreement__valid_from"), date__lte=F("agreement__valid_to"))
        .values_list("agreement_id", flat=True)
    )
    return [
        {
            "key": a.number, "label": f"{a.valid_from:%Y-%m-%d}至{a.valid_to:%Y-%m-%d}", "status": a.get_status_display(),
            "agreement_amount": a.amount, "allocated": a.allocated_total,
            "held": a.allocated_total <= a.amount and a.pk not in outside,
        }
        for a in rows
    ]  # fmt: skip


def _pass_through(member_ids: set[int], year: int) -> dict:
    """Raised money passed through to the foundation in the year, what came back, what is owed."""
    from .models import Transaction, TransactionKind

    base = Transaction.objects.filter(
        kind=TransactionKind.PASS_THROUGH, date__year=year, return_to_id__in=member_ids
    )
    sent = Posting.objects.filter(
        transaction__in=base, account=Account.PASS_THROUGH, org__kind=OrgKind.FOUNDATION
    ).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
    returned = Posting.objects.filter(
        transaction__kind=TransactionKind.PASS_THROUGH_RETURN,
        transaction__returns__in=base,
        account=Account.FUND,
    ).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
    return {"sent": sent, "returned": returned, "outstanding": sent - returned}


def _unposted(street_ids: set[int], year: int) -> dict:
    from bangfu.cases.models import PaymentRecord

    r = PaymentRecord.objects.filter(
        street_id__in=street_ids, paid_on__year=year, posted_at__isnull=True
    ).aggregate(n=Count("pk"), amount=Coalesce(Sum("amount"), ZERO))
    return {"cases": r["n"], "amount": r["amount"]}


def _filings(member_ids: set[int], year: int) -> dict:
    """How the monthly reports of the year were filed: per status, and how many after the due date."""
    from .models import MonthlyReport

    reports = MonthlyReport.objects.filter(org_id__in=member_ids, year=year)
    expected = (
        12
        * Organisation.objects.filter(pk__in=member_ids, kind__in=(OrgKind.DISTRICT, OrgKind.STREET)).count()
    )
    by_status = dict(reports.values_list("status").annotate(n=Count("pk")).order_by())
    late = sum(1 for r in reports.only("year", "month", "first_filed_at") if r.filed_late)
    return {
        "expected": expected,
        "filed": sum(by_status.values()),
        "accepted": by_status.get(MonthlyReport.Status.ACCEPTED, 0),
        "submitted": by_status.get(MonthlyReport.Status.SUBMITTED, 0),
        "returned": by_status.get(MonthlyReport.Status.RETURNED, 0),
        "late": late,
    }


def annual_figures(district: Organisation, year: int) -> dict:
    """年度专项检查 of a district's special fund (长民发〔2016〕31号 五.1 每年对综合帮扶专项资金的使用、
    管理情况进行专项检查; 沪民救发〔2025〕1号 四(二) 专款专用): the year's receipts, use and balances
    by fund source and organisation, the cases, the work-expense caps, the agreements, the
    pass-through of raised money, unposted payments and the monthly filings."""
    if district.kind != OrgKind.DISTRICT:
        raise ValueError(f"“{district.name}”不是区帮扶组织：年度专项检查按区进行。")
    f = period_figures([district], date(year, 1, 1), date(year, 12, 31))[district.pk]
    members = _members(district)
    streets = set(
        Organisation.objects.filter(pk__in=members, kind=OrgKind.STREET).values_list("pk", flat=True)
    )
    f["kind"] = "annual"
    f["period"]["year"] = year
    f["months"] = _monthly_trend(members, year)
    f["caps"] = _work_expense_caps(district, members, year)
    f["agreements"] = _agreements(district, year)
    f["pass_through"] = _pass_through(members, year)
    f["unposted"] = _unposted(streets, year)
    f["filings"] = _filings(members, year)
    held = all(c["held"] for c in f["caps"]) and all(a["held"] for a in f["agreements"])
    f["findings"] = _annual_findings(f, held)
    return f


def _annual_findings(f: dict, held: bool) -> list[str]:
    """The inspection's conclusions, one line each, for the screen and the PDF."""
    lines = []
    for c in f["caps"]:
        if not c["held"]:
            lines.append(
                f"{c['label']}工作经费（{c['fund_kind']}）{format_yuan(c['spent'])} 超过实际使用额 "
                f"{format_yuan(c['used'])} 的 {c['rate']}（{format_yuan(c['cap'])}）。"
            )
    for a in f["agreements"]:
        if not a["held"]:
            lines.append(f"协议 {a['key']} 的下拨超过协议金额或不在协议期限内。")
    for row in f["funds"]["by_source"]:
        if row["closing"] < 0:
            lines.append(f"“{row['label']}”年末余额为负：{format_yuan(row['closing'])}。")
    if f["pass_through"]["outstanding"]:
        lines.append(f"上缴基金会的筹集资金尚有 {format_yuan(f['pass_through']['outstanding'])} 未返还街镇。")
    if f["unposted"]["cases"]:
        lines.append(
            f"{f['unposted']['cases']} 笔个案发放（{format_yuan(f['unposted']['amount'])}）尚未入账。"
        )
    fl = f["filings"]
    if fl["accepted"] < fl["expected"]:
        lines.append(
            f"月度报表应报 {fl['expected']} 份，审核通过 {fl['accepted']} 份，逾期报送 {fl['late']} 份。"
        )
    if held and not lines:
        lines.append("专项资金收支、限额、协议、返还及报表报送均未发现问题。")
    return lines


# --- filing status (read) ------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingRow:
    org: Organisation
    report: object | None  # MonthlyReport
    due: date
    overdue: bool

    @property
    def status_label(self) -> str:
        if self.report is None:
            return "逾期未报送" if self.overdue else "未报送"
        return self.report.get_status_display()


def filing_status(*, user, year: int, month: int, today: date | None = None) -> list[FilingRow]:
    """Every district and street the user reaches with `funds.view`, with its report of the
    month (or none) and whether it is overdue: what the foundation reads to chase late filers."""
    from bangfu.orgs.scope import scope_for

    from .models import MonthlyReport

    today = today or timezone.localdate()
    due = due_date(year, month)
    orgs = scope_for(user, "funds.view").filter(
        Organisation.objects.filter(kind__in=(OrgKind.DISTRICT, OrgKind.STREET), active=True), "pk"
    )
    orgs = list(orgs.select_related("parent").order_by("code"))
    reports = {
        r.org_id: r
        for r in MonthlyReport.objects.filter(org__in=[o.pk for o in orgs], year=year, month=month)
    }
    # Districts first, each followed by its streets.
    orgs.sort(
        key=lambda o: (
            o.code if o.kind == OrgKind.DISTRICT else o.parent.code,
            o.kind != OrgKind.DISTRICT,
            o.code,
        )
    )
    return [FilingRow(o, reports.get(o.pk), due, reports.get(o.pk) is None and today > due) for o in orgs]


def filing_counts(rows: list[FilingRow]) -> dict[str, int]:
    from .models import MonthlyReport

    S = MonthlyReport.Status
    status = [r.report.status if r.report else None for r in rows]
    return {
        "expected": len(rows),
        "not_filed": status.count(None),
        "overdue": sum(1 for r in rows if r.overdue),
        "submitted": status.count(S.SUBMITTED),
        "returned": status.count(S.RETURNED),
        "accepted": status.count(S.ACCEPTED),
    }


# --- the pages' selectors (scoped: outside `funds.view` the organisation does not exist) ----------


def report_org_get(*, user, code: str) -> Organisation:
    """The district or street with that code, if the user reaches it with `funds.view`; else 404."""
    from django.http import Http404

    from bangfu.orgs.scope import require_perm

    org = Organisation.objects.filter(code=code, kind__in=(OrgKind.DISTRICT, OrgKind.STREET)).first()
    if org is None:
        raise Http404
    require_perm(user, "funds.view", org)
    return org


def monthly_report_get(*, user, code: str, year: int, month: int):
    from django.http import Http404

    from .models import MonthlyReport

    org = report_org_get(user=user, code=code)
    report = MonthlyReport.objects.filter(org=org, year=year, month=month).select_related("org").first()
    if report is None:
        raise Http404
    return report


def monthly_report_page(*, user, code: str, year: int, month: int, compare: bool = True) -> dict:
    """The report as the page shows it: the filed snapshot (unless returned, when the figures to
    be filed again are shown), what the user may do, and for a filed report the figures that
    have changed in the ledger since."""
    from .models import MonthlyReport
    from .report_services import can_file, can_review

    org = report_org_get(user=user, code=code)
    report = (
        MonthlyReport.objects.filter(org=org, year=year, month=month)
        .select_related("filed_by", "reviewed_by")
        .first()
    )
    filed = report is not None and report.status != MonthlyReport.Status.RETURNED
    live = None if filed else monthly_report_figures(org, year, month)
    figures = from_json(report.figures) if filed else live
    changes: list[str] = []
    if filed and compare:
        changes = differences(report.figures, monthly_report_figures(org, year, month))
    may_file, file_reason = can_file(user, org, year, month)
    may_review, review_reason = can_review(user, report) if report else (False, "")
    due = due_date(year, month)
    return {
        "org": org, "year": year, "month": month, "report": report, "figures": figures, "filed": filed,
        "changes": changes, "due": due, "overdue": report is None and timezone.localdate() > due,
        "may_file": may_file, "file_reason": file_reason, "may_review": may_review, "review_reason": review_reason,
        "fund_columns": FUND_COLUMNS, "title": f"{org.name}{year}年{month}月业务及资金使用报表",
    }  # fmt: skip


def annual_report_page(*, user, code: str, year: int) -> dict:
    from django.http import Http404

    org = report_org_get(user=user, code=code)
    if org.kind != OrgKind.DISTRICT:
        raise Http404
    return {
        "org": org, "year": year, "figures": annual_figures(org, year), "fund_columns": FUND_COLUMNS,
        "title": f"{org.name}{year}年度市民综合帮扶专项资金专项检查报告",
    }  # fmt: skip
