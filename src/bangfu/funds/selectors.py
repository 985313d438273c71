"""Reading the ledger: balances (derived from the postings, never stored) and the figures the
caps are computed from. Pages read through `balances_visible`, scoped by `funds.view`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case as DbCase
from django.db.models import CharField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from bangfu.core.money import FEN, ZERO
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import scope_for

from .models import (
    HOLDING_ACCOUNTS,
    Account,
    Agreement,
    Allocation,
    FundKind,
    Posting,
    Transaction,
    TransactionKind,
)

_ZERO_SUM = Coalesce(Sum("amount"), ZERO)


def _year(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year, 12, 31)


def balance(*, org_id: int, source_id: int, account: str = Account.FUND, on: date | None = None) -> Decimal:
    qs = Posting.objects.filter(org_id=org_id, fund_source_id=source_id, account=account)
    if on is not None:
        qs = qs.filter(date__lte=on)
    return _fen(qs.aggregate(total=_ZERO_SUM)["total"])


def lowest_balance_from(*, org_id: int, source_id: int, account: str, day: date) -> Decimal:
    """The lowest balance the account has on `day` or any later date. A posting dated `day`
    moves every balance from then on, so this is what it must not take below zero."""
    by_date = (
        Posting.objects.filter(org_id=org_id, fund_source_id=source_id, account=account)
        .values("date")
        .annotate(total=Sum("amount"))
        .order_by("date")
    )
    running = ZERO
    lowest = None
    for row in by_date:
        if row["date"] > day and lowest is None:
            lowest = running  # the balance on `day` itself, before the later dates
        running += _fen(row["total"])
        if row["date"] >= day:
            lowest = running if lowest is None else min(lowest, running)
    return running if lowest is None else lowest


@dataclass(frozen=True)
class DrawPlan:
    """What a case payment takes from each source, in draw order (`draws`), what each source
    read offers (`held`: all of them when they do not cover it), and what is missing."""

    draws: list[tuple]
    held: list[tuple]
    shortfall: Decimal


def case_payment_draws(*, org_id: int, sources: list, amount: Decimal, day: date) -> DrawPlan:
    """Each source (in the order given) as far as its balance goes, from `day` on: the one
    reckoning of the ledger's case payment (`services.payment_post`) and the pay screen."""
    draws, held, remaining = [], [], amount
    for source in sources:
        available = lowest_balance_from(org_id=org_id, source_id=source.pk, account=Account.FUND, day=day)
        available = max(available, ZERO)  # a source gone below zero offers nothing
        held.append((source, available))
        take = min(available, remaining)
        if take > 0:
            draws.append((source, take))
            remaining -= take
        if remaining == 0:
            break
    return DrawPlan(draws=draws, held=held, shortfall=remaining)


@dataclass(frozen=True)
class BalanceRow:
    org_id: int
    org_code: str
    org_name: str
    source_id: int
    source_code: str
    source_name: str
    account: str
    amount: Decimal

    @property
    def account_label(self) -> str:
        return Account(self.account).label


def balances(*, postings: QuerySet | None = None, on: date | None = None) -> list[BalanceRow]:
    """Balance of every holding account (organisation × fund source × account) on a date."""
    qs = Posting.objects.all() if postings is None else postings
    qs = qs.filter(account__in=HOLDING_ACCOUNTS)
    if on is not None:
        qs = qs.filter(date__lte=on)
    rows = (
        qs.values(
            "org_id",
            "org__code",
            "org__name",
            "fund_source_id",
            "fund_source__code",
            "fund_source__name",
            "account",
        )
        .annotate(total=Sum("amount"))
        .order_by("org__code", "fund_source__code", "account")
    )
    return [
        BalanceRow(
            r["org_id"],
            r["org__code"],
            r["org__name"],
            r["fund_source_id"],
            r["fund_source__code"],
            r["fund_source__name"],
            r["account"],
            _fen(r["total"]),
        )
        for r in rows
    ]


def balances_visible(*, user, on: date | None = None) -> list[BalanceRow]:
    """The balances of the organisations the user reaches with `funds.view`."""
    postings = scope_for(user, "funds.view").filter(Posting.objects.all(), "org_id")
    return balances(postings=postings, on=on)


def lottery_aid_spent(*, year_of: date) -> Decimal:
    """The year's lottery-fund project spending (沪民救发〔2025〕1号 四(三)): what the lottery
    sources paid to households in the calendar year, city-wide, net of reversals."""
    start, end = _year(year_of)
    qs = Posting.objects.filter(
        account=Account.AID, fund_source__kind=FundKind.LOTTERY, date__gte=start, date__lte=end
    )
    return _fen(qs.aggregate(total=_ZERO_SUM)["total"])


def management_fees(*, year_of: date) -> Decimal:
    start, end = _year(year_of)
    qs = Posting.objects.filter(account=Account.MANAGEMENT_FEE, date__gte=start, date__lte=end)
    return _fen(qs.aggregate(total=_ZERO_SUM)["total"])


def donations_used(*, org_id: int, kind: str, year_of: date) -> Decimal:
    """长民发〔2016〕31号 五.3 当年实际使用总额: aid paid by the organisation in the year from
    donations of that kind (directed / non-directed), net of reversals."""
    start, end = _year(year_of)
    qs = Posting.objects.filter(
        org_id=org_id, account=Account.AID, fund_source__kind=kind, date__gte=start, date__lte=end
    )
    return _fen(qs.aggregate(total=_ZERO_SUM)["total"])


def work_expenses(*, org_id: int, kind: str, year_of: date) -> Decimal:
    start, end = _year(year_of)
    qs = Posting.objects.filter(
        org_id=org_id, account=Account.WORK_EXPENSE, fund_source__kind=kind, date__gte=start, date__lte=end
    )
    return _fen(qs.aggregate(total=_ZERO_SUM)["total"])


# --- pages: agreements, transactions, the ledger of an organisation ------------------------------


def _funds_scope(user):
    return scope_for(user, "funds.view")


def agreements_visible(*, user) -> QuerySet:
    """Agreements of the districts the user reaches, each with what the foundation has allocated
    under it (reversed allocations excluded), in one grouped query."""
    allocated = Coalesce(
        Sum(
            "allocations__amount",
            filter=Q(
                allocations__from_org_id=F("foundation_id"),
                allocations__transaction__reversed_by__isnull=True,
            ),
        ),
        ZERO,
    )
    qs = Agreement.objects.select_related("district", "foundation").annotate(allocated=allocated)
    return _funds_scope(user).filter(qs, "district_id")


def agreement_visible(*, user, pk: int) -> Agreement:
    agreement = agreements_visible(user=user).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


def allocations_of(agreement: Agreement, *, user) -> QuerySet:
    qs = Allocation.objects.filter(agreement=agreement).select_related(
        "from_org", "to_org", "fund_source", "transaction", "transaction__reversed_by"
    )
    return _funds_scope(user).filter(qs, "to_org_id")


def transactions_visible(*, user) -> QuerySet:
    """Transactions with at least one posting at an organisation the user reaches."""
    scope = _funds_scope(user)
    qs = Transaction.objects.select_related("reverses", "reversed_by", "return_to")
    if scope.city_wide:
        return qs
    return qs.filter(pk__in=scope.filter(Posting.objects.all(), "org_id").values("transaction_id"))


def transaction_visible(*, user, pk: int) -> Transaction:
    txn = transactions_visible(user=user).filter(pk=pk).first()
    if txn is None:
        raise Http404
    return txn


def postings_visible(txn: Transaction, *, user) -> list[Posting]:
    """The postings of a transaction the user may see (other organisations' lines stay hidden)."""
    qs = txn.postings.select_related("org", "fund_source", "case", "project", "plan").order_by("id")
    return list(_funds_scope(user).filter(qs, "org_id"))


def organisations_visible(*, user) -> QuerySet:
    """Organisations whose ledger the user may read: the foundation, districts and streets in scope."""
    qs = Organisation.objects.filter(kind__in=(OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET))
    return _funds_scope(user).filter(qs, "pk").order_by("code")


def ledger_of(*, user, org: Organisation) -> QuerySet:
    """The transactions touching one organisation, newest first (404 outside scope)."""
    if not _funds_scope(user).allows(org.pk):
        raise Http404
    ids = Posting.objects.filter(org=org).values("transaction_id")
    return (
        Transaction.objects.filter(pk__in=ids)
        .select_related("reverses", "reversed_by")
        .order_by("-date", "-id")
    )


# The voucher list's sortable columns (core.listing): the number is the primary key.
VOUCHER_SORTS = {"date": ("date",), "number": ("id",), "kind": ("kind",)}
_VOUCHER_NUMBER = re.compile(r"^JZ0*(\d{1,12})$", re.IGNORECASE)


def vouchers_search(
    qs: QuerySet,
    *,
    q: str = "",
    kind: str = "",
    fund_source=None,
    case: str = "",
    date_from=None,
    date_to=None,
    org=None,
) -> QuerySet:
    """Narrow visible transactions by the voucher list's filters. `q` is a voucher number
    (JZ…, the primary key) or words of the memo; `case` a case number on one of its lines;
    `fund_source` a source one of its lines moves. (`org` is read by the view: the ledger of one
    organisation is its own selector, `ledger_of`.)"""
    q = (q or "").strip()
    number = _VOUCHER_NUMBER.match(q)
    if number:
        qs = qs.filter(pk=int(number.group(1)))
    elif q:
        qs = qs.filter(memo__contains=q)
    if kind:
        qs = qs.filter(kind=kind)
    if fund_source is not None:
        qs = qs.filter(pk__in=Posting.objects.filter(fund_source=fund_source).values("transaction_id"))
    if case:
        qs = qs.filter(pk__in=Posting.objects.filter(case__number=case).values("transaction_id"))
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


def postings_by_transaction(
    transaction_ids, *, user, org: Organisation | None = None
) -> dict[int, list[Posting]]:
    """The visible postings (of one organisation, if given) of a page of transactions, in one query."""
    qs = Posting.objects.filter(transaction_id__in=list(transaction_ids))
    if org is not None:
        qs = qs.filter(org=org)
    out: dict[int, list[Posting]] = {}
    for p in _funds_scope(user).filter(qs, "org_id").select_related("org", "fund_source").order_by("id"):
        out.setdefault(p.transaction_id, []).append(p)
    return out


def pass_throughs_to_return(*, user) -> QuerySet:
    """Raised funds passed through to the foundation and not yet returned nor reversed, each with
    the amount the foundation holds for the street (`amount`)."""
    held = Sum(
        "postings__amount",
        filter=Q(postings__org__kind=OrgKind.FOUNDATION, postings__account=Account.PASS_THROUGH),
    )
    qs = (
        Transaction.objects.filter(
            kind=TransactionKind.PASS_THROUGH, returned_by__isnull=True, reversed_by__isnull=True
        )
        .select_related("return_to")
        .annotate(amount=Coalesce(held, ZERO))
    )
    return _funds_scope(user).filter(qs, "return_to_id").order_by("date", "id")


# --- dashboards: grouped queries over the aid postings ------------------------------------------

# The district an organisation's posting counts for: a street's district, or the district itself;
# the foundation's own project aid stays the foundation's.
_DISTRICT_OF_ORG = DbCase(When(org__kind=OrgKind.STREET, then=F("org__parent_id")), default=F("org_id"))
FOUNDATION_LABEL = "基金会（市级项目）"
AID_KIND_LABELS = {"project": "项目帮扶", "plan": "特定帮扶计划"}


def _aid_postings(user, start: date, end: date) -> QuerySet:
    qs = Posting.objects.filter(account=Account.AID, date__gte=start, date__lte=end)
    return _funds_scope(user).filter(qs, "org_id")


def _org_names(ids) -> dict[int, tuple[str, str]]:
    return {
        pk: (code, name)
        for pk, code, name in Organisation.objects.filter(pk__in=set(ids)).values_list("pk", "code", "name")
    }


def spending_by_month(*, user, start: date, end: date, by: str) -> list[dict]:
    """Aid paid (net of reversals) per month and per `by` ("district", "source", "aid_type"):
    rows {month, key, label, amount}, one grouped query."""
    qs = _aid_postings(user, start, end).annotate(month=TruncMonth("date"))
    if by == "district":
        qs = qs.annotate(key=_DISTRICT_OF_ORG)
    elif by == "source":
        qs = qs.annotate(key=F("fund_source__kind"))
    elif by == "aid_type":
        qs = qs.annotate(
            key=DbCase(
                When(case__isnull=False, then=F("case__aid_type")),
                When(plan__isnull=False, then=Value("plan")),
                default=Value("project"),
                output_field=CharField(),
            )
        )
    else:
        raise ValueError(by)
    rows = list(qs.values("month", "key").annotate(amount=Sum("amount")).order_by("month", "key"))
    labels = _labels(by, {r["key"] for r in rows})
    return [
        {"month": _month(r["month"]), "key": r["key"], "label": labels[r["key"]], "amount": _fen(r["amount"])}
        for r in rows
    ]


def _fen(value) -> Decimal:
    """A grouped sum to the fen: SQLite adds NUMERIC as floating point, so its sums can carry a
    tail (or lose the trailing zero); quantising restores the exact amount."""
    return ZERO if value is None else Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def _month(value) -> date:
    # TruncMonth gives a date on PostgreSQL and SQLite alike for a DateField; be tolerant of datetimes.
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _labels(by: str, keys) -> dict:
    if by == "district":
        names = _org_names(keys)
        return {k: FOUNDATION_LABEL if names[k][0] == "SHBKHZ" else names[k][1] for k in keys}
    if by == "source":
        return {k: FundKind(k).label for k in keys}
    from bangfu.cases.models import AidType

    return {k: AID_KIND_LABELS.get(k) or AidType(k).label for k in keys}


def funds_left_by_district(*, user, on: date) -> list[dict]:
    """What the special funds hold on a date, per district (its own and its streets' together)
    and per kind of source: rows {district_id, district, kind, kind_label, amount}."""
    qs = Posting.objects.filter(
        account=Account.FUND, date__lte=on, org__kind__in=(OrgKind.DISTRICT, OrgKind.STREET)
    )
    qs = _funds_scope(user).filter(qs, "org_id").annotate(district=_DISTRICT_OF_ORG)
    rows = list(
        qs.values("district", "fund_source__kind")
        .annotate(amount=Sum("amount"))
        .order_by("district", "fund_source__kind")
    )
    names = _org_names(r["district"] for r in rows)
    return [
        {
            "district_id": r["district"],
            "district_code": names[r["district"]][0],
            "district": names[r["district"]][1],
            "kind": r["fund_source__kind"],
            "kind_label": FundKind(r["fund_source__kind"]).label,
            "amount": _fen(r["amount"]),
        }
        for r in rows
        if r["amount"]
    ]


def dashboard_totals(*, user, start: date, end: date) -> dict[str, Decimal]:
    """Headline figures of the period: money received from outside, allocated, paid as aid,
    work expenses and management fees (net of reversals), in one grouped query."""
    qs = _funds_scope(user).filter(Posting.objects.filter(date__gte=start, date__lte=end), "org_id")
    rows = dict(
        qs.filter(account__in=(Account.SOURCE, Account.AID, Account.WORK_EXPENSE, Account.MANAGEMENT_FEE))
        .values("account")
        .annotate(total=Sum("amount"))
        .values_list("account", "total")
    )
    return {
        "received": -_fen(rows.get(Account.SOURCE)),
        "aid": _fen(rows.get(Account.AID)),
        "work_expense": _fen(rows.get(Account.WORK_EXPENSE)),
        "management_fee": _fen(rows.get(Account.MANAGEMENT_FEE)),
    }


def project_aid_of_period(*, user, start: date, end: date) -> dict:
    """资金看板's project aid (SPEC §4): the period's deliveries of the plans whose owner the
    user reaches (where their money is booked: the foundation's plans city-wide, a district's
    its own), net of reversals, by plan and by fund source with the total — households,
    deliveries, money and goods and service values. Four grouped queries (aid.selectors); the
    plans are read through the records' lookups (funds does not import project aid)."""
    from bangfu.aid.selectors import PLAN, empty_project_aid, project_aid_dated, project_aid_totals

    qs = _funds_scope(user).filter(project_aid_dated(start, end), f"{PLAN}__owner_id")
    return project_aid_totals(qs).get(None) or empty_project_aid()


def organisations_managed(*, user, kinds=(OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET)) -> list:
    """Organisations where the user may record movements: the foundation with
    `funds.manage_foundation`, districts and streets with `funds.manage_district`."""
    out = []
    if OrgKind.FOUNDATION in kinds and not scope_for(user, "funds.manage_foundation").empty:
        out += list(Organisation.objects.filter(kind=OrgKind.FOUNDATION))
    district_kinds = [k for k in kinds if k != OrgKind.FOUNDATION]
    if district_kinds:
        scope = scope_for(user, "funds.manage_district")
        if not scope.empty:
            qs = Organisation.objects.filter(kind__in=district_kinds).select_related("parent")
            out += list(scope.filter(qs, "pk").order_by("code"))
    return out
