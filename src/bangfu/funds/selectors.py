"""Reading the ledger: balances (derived from the postings, never stored) and the figures the
caps are computed from. Pages read through `balances_visible`, scoped by `funds.view`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from bangfu.core.money import ZERO
from bangfu.orgs.scope import scope_for

from .models import HOLDING_ACCOUNTS, Account, FundKind, Posting

_ZERO_SUM = Coalesce(Sum("amount"), ZERO)


def _year(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year, 12, 31)


def balance(*, org_id: int, source_id: int, account: str = Account.FUND, on: date | None = None) -> Decimal:
    qs = Posting.objects.filter(org_id=org_id, fund_source_id=source_id, account=account)
    if on is not None:
        qs = qs.filter(date__lte=on)
    return qs.aggregate(total=_ZERO_SUM)["total"]


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
        running += row["total"]
        if row["date"] >= day:
            lowest = running if lowest is None else min(lowest, running)
    return running if lowest is None else lowest


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
            r["total"],
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
    return Posting.objects.filter(
        account=Account.AID, fund_source__kind=FundKind.LOTTERY, date__gte=start, date__lte=end
    ).aggregate(total=_ZERO_SUM)["total"]


def management_fees(*, year_of: date) -> Decimal:
    start, end = _year(year_of)
    return Posting.objects.filter(account=Account.MANAGEMENT_FEE, date__gte=start, date__lte=end).aggregate(
        total=_ZERO_SUM
    )["total"]


def donations_used(*, org_id: int, kind: str, year_of: date) -> Decimal:
    """长民发〔2016〕31号 五.3 当年实际使用总额: aid paid by the organisation in the year from
    donations of that kind (directed / non-directed), net of reversals."""
    start, end = _year(year_of)
    return Posting.objects.filter(
        org_id=org_id, account=Account.AID, fund_source__kind=kind, date__gte=start, date__lte=end
    ).aggregate(total=_ZERO_SUM)["total"]


def work_expenses(*, org_id: int, kind: str, year_of: date) -> Decimal:
    start, end = _year(year_of)
    return Posting.objects.filter(
        org_id=org_id, account=Account.WORK_EXPENSE, fund_source__kind=kind, date__gte=start, date__lte=end
    ).aggregate(total=_ZERO_SUM)["total"]
