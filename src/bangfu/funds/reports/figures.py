"""The figures of a district's or street's period (SPEC §7): the columns, and how they are
computed. The monthly report (`monthly.py`) and the annual inspection (`annual.py`) are
periods of these figures.

Every figure comes from the rows themselves, one aggregate query per group of figures, never
a loop over postings: the ledger (`funds.Posting`, grouped by organisation × fund source ×
account, with the period's debits and credits apart), the case procedure's hand-over rows
(`cases.PaymentRecord`, grouped by aid type, category, street) and the aid records of project aid
(`aid.AidRecord`, grouped by plan and fund source: money, and goods and services at their value). A batch of reports (every
district of the city for one month) costs the same handful of queries as one report.

How the fund columns follow from the postings of one organisation in one fund source (the
movements of `funds/services.py` always put both sides of an outside receipt or a spend at the same
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

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from bangfu.core.money import FEN, ZERO
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import descendants

from ..models import HOLDING_ACCOUNTS, Account, FundKind, FundSource, Posting

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
# Project aid (SPEC §4): money, goods at their value, a service with its hours and value.
PROJECT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("households", "户数"),
    ("items", "发放笔数"),
    ("money", "资金"),
    ("goods", "实物价值"),
    ("service", "服务价值"),
    ("hours", "服务时数"),
    ("amount", "合计"),
)
PROJECT_MONEY = ("money", "goods", "service", "amount")

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
    """The case figures of the period from the aid records (SPEC §4) of case aid delivered in
    it (one record per payment; a reversal is a later movement of the ledger, as before):
    totals and by aid type, category and street, each one grouped query; plus the applications
    received (cases by application date)."""
    from bangfu.aid.selectors import case_payments_delivered
    from bangfu.cases.models import Case

    qs = case_payments_delivered(start, end)
    if len(street_ids) <= _FILTER_LIMIT:
        qs = qs.filter(organisation_id__in=street_ids)
    # The record's columns under the names the figures have always used.
    columns = {
        "street_id": F("organisation_id"),
        "street__parent_id": F("organisation__parent_id"),
        "aid_type": F("case_payment__record__aid_type"),
        "category": F("case_payment__record__category"),
    }
    qs = qs.annotate(**{f"g_{k}": v for k, v in columns.items()})
    agg = {"cases": Count("pk"), "households": Count("household_id", distinct=True), "amount": Sum("value")}
    result: dict = {"total": {}, "aid_type": {}, "category": {}, "street": {}, "applications": {}}
    for r in qs.values(f"g_{level}").annotate(**agg).order_by():
        result["total"][r[f"g_{level}"]] = r
    for group in ("aid_type", "category", "street_id"):
        name = "street" if group == "street_id" else group
        for r in qs.values(f"g_{level}", f"g_{group}").annotate(**agg).order_by():
            result[name][(r[f"g_{level}"], r[f"g_{group}"])] = r
    apps = Case.objects.filter(application_date__gte=start, application_date__lte=end)
    if len(street_ids) <= _FILTER_LIMIT:
        apps = apps.filter(street_id__in=street_ids)
    for r in apps.values(level).annotate(n=Count("pk")).order_by():
        result["applications"][r[level]] = r["n"]
    return result


def _project_rows(street_ids: set[int], level: str, start: date, end: date) -> dict:
    """The project aid of the period (SPEC §4) from the aid records of the deliveries made in it
    to the households of the streets (each record is delivered by the household's street; a
    foundation plan's aid to a district's households is that district's), by plan and by fund
    source, grouped by the report's organisation: four grouped queries per level. The plans are
    read by the record's lookups: the ledger's app does not import project aid."""
    from bangfu.aid.selectors import project_aid_delivered, project_aid_totals

    qs = project_aid_delivered(start, end)
    if len(street_ids) <= _FILTER_LIMIT:
        qs = qs.filter(organisation_id__in=street_ids)
    group = {"street_id": F("organisation_id"), "street__parent_id": F("organisation__parent_id")}[level]
    return project_aid_totals(qs.annotate(g_org=group), group="g_org")


# --- assembling ----------------------------------------------------------------------------------


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
    the case rows and four over the project aid records per level (districts, streets)."""
    from bangfu.aid.selectors import empty_project_aid
    from bangfu.cases.models import AidType
    from bangfu.registry.models import Category

    orgs = list(orgs)
    for org in orgs:
        if org.kind not in (OrgKind.DISTRICT, OrgKind.STREET):
            raise ValueError(f"“{org.name}”不是区或街镇帮扶组织，没有业务及资金使用报表。")
    members = {org.pk: descendants([org.pk]) for org in orgs}
    all_members = set().union(*members.values()) if members else set()
    ledger = _ledger_sums(all_members, start, end)
    names = {o.pk: o for o in Organisation.objects.filter(pk__in=all_members)}
    sources = {s.pk: s for s in FundSource.objects.filter(pk__in={s for _, s in ledger})}

    cases_by_level = {}
    projects_by_level: dict[str, dict] = {}
    for kind in (OrgKind.DISTRICT, OrgKind.STREET):
        level_orgs = [o for o in orgs if o.kind == kind]
        if not level_orgs:
            continue
        streets = {m for o in level_orgs for m in members[o.pk] if names[m].kind == OrgKind.STREET}
        # Reports of streets group the case rows by the street, reports of districts by its district.
        level = "street_id" if kind == OrgKind.STREET else "street__parent_id"
        cases_by_level[kind] = _case_rows(streets, level, start, end) if streets else None
        projects_by_level[kind] = _project_rows(streets, level, start, end) if streets else {}

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
            "projects": (projects_by_level.get(org.kind) or {}).get(case_key) or empty_project_aid(),
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
