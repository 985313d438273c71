"""Reconciliation: every invariant of the ledger, checked from the rows themselves.

Each check reads the tables directly (not through the services), so it finds what a writer
going around them left behind: raw SQL, a dropped trigger, a lost task.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from bangfu.core.money import ZERO, format_yuan, to_fen_down

from . import selectors
from .models import (
    DONATION_KINDS,
    HOLDING_ACCOUNTS,
    Account,
    Agreement,
    Allocation,
    FundKind,
    Posting,
    Transaction,
    TransactionKind,
)
from .parameters import management_fee_rate, work_expense_rate

# The guards of migration 0002, by backend: a missing one is a finding (someone dropped it).
GUARD_TRIGGERS = {
    "sqlite": (
        "funds_posting_no_update", "funds_posting_no_delete", "funds_posting_open_transaction",
        "funds_transaction_no_delete", "funds_transaction_insert_open", "funds_transaction_seal_only",
        "funds_transaction_seal_balanced",
    ),
    "postgresql": (
        "funds_posting_append_only", "funds_posting_no_truncate", "funds_posting_open_transaction",
        "funds_transaction_no_delete", "funds_transaction_no_truncate", "funds_transaction_seal_only",
        "funds_posting_balanced", "funds_transaction_balanced",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


def ledger_problems(*, grace: timedelta = timedelta(minutes=15)) -> list[Problem]:
    problems: list[Problem] = []
    for check in (_guards, _transactions, _balances, _holding_never_negative, _payments, _caps, _agreements,
                  _pass_through, _reports):  # fmt: skip
        problems.extend(check(grace) if check is _payments else check())
    return problems


def _guards() -> list[Problem]:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return [
        Problem("guards", f"数据库保护触发器 {name} 缺失或被停用：账目可能被直接改写。")
        for name in GUARD_TRIGGERS.get(vendor, ())
        if name not in present
    ]


def _transactions() -> list[Problem]:
    problems = []
    # Sum per (transaction, fund source) in fen: exact on both backends.
    sums: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[int, int] = defaultdict(int)
    dates = dict(Transaction.objects.values_list("pk", "date"))
    for txn_id, source_id, amount, day in Posting.objects.values_list(
        "transaction_id", "fund_source_id", "amount", "date"
    ):
        sums[txn_id][source_id] += amount
        counts[txn_id] += 1
        if dates.get(txn_id) != day:
            problems.append(
                Problem("dates", f"JZ{txn_id:08d} 的分录日期 {day} 与凭证日期 {dates.get(txn_id)} 不一致。")
            )
    for txn_id, by_source in sorted(sums.items()):
        for source_id, total in by_source.items():
            if total != 0:
                problems.append(
                    Problem(
                        "sum",
                        f"JZ{txn_id:08d} 的分录在资金来源 #{source_id} 内合计 {format_yuan(total)}，不为零。",
                    )
                )
    for txn_id, sealed in Transaction.objects.values_list("pk", "sealed"):
        if counts.get(txn_id, 0) < 2:
            problems.append(
                Problem("sum", f"JZ{txn_id:08d} 只有 {counts.get(txn_id, 0)} 条分录（至少两条）。")
            )
        if not sealed:
            problems.append(Problem("sealed", f"JZ{txn_id:08d} 未封账：未经数据库平衡检查。"))
    for p in Posting.objects.filter(amount=0).values_list("pk", flat=True):
        problems.append(Problem("sum", f"分录 #{p} 金额为零。"))
    return problems


def _balances() -> list[Problem]:
    """The balances the pages show (SQL aggregate) equal the postings added up one by one."""
    folded: dict[tuple, Decimal] = defaultdict(Decimal)
    for org_id, source_id, account, amount in Posting.objects.filter(
        account__in=HOLDING_ACCOUNTS
    ).values_list("org_id", "fund_source_id", "account", "amount"):
        folded[(org_id, source_id, account)] += amount
    shown = {(r.org_id, r.source_id, r.account): r.amount for r in selectors.balances()}
    return [
        Problem(
            "balances",
            f"组织 #{k[0]} 资金来源 #{k[1]} {k[2]} 余额显示 {format_yuan(shown.get(k))}，分录合计 {format_yuan(v)}。",
        )
        for k, v in folded.items()
        if shown.get(k) != v
    ]


def _holding_never_negative() -> list[Problem]:
    rows = (
        Posting.objects.filter(account__in=HOLDING_ACCOUNTS)
        .values("org_id", "org__name", "fund_source_id", "fund_source__name", "account", "date")
        .annotate(total=Sum("amount"))
        .order_by("org_id", "fund_source_id", "account", "date")
    )
    problems, running, current = [], ZERO, None
    for r in rows:
        key = (r["org_id"], r["fund_source_id"], r["account"])
        if key != current:
            current, running, reported = key, ZERO, False
        running += r["total"]
        if running < 0 and not reported:
            reported = True
            problems.append(
                Problem(
                    "negative",
                    f"{r['org__name']}“{r['fund_source__name']}”{Account(r['account']).label}"
                    f"在 {r['date']} 余额为 {format_yuan(running)}，低于零。",
                )
            )
    return problems


def _payments(grace: timedelta) -> list[Problem]:
    """Every payment of the case procedure posted exactly once, for its amount, by its street."""
    from bangfu.cases.models import Payment, PaymentRecord

    problems = []
    cutoff = timezone.now() - grace
    for record in PaymentRecord.objects.filter(posted_at__isnull=True, created_at__lte=cutoff):
        problems.append(
            Problem(
                "payments",
                f"个案发放 {record.event_id}（{format_yuan(record.amount)}，{record.paid_on}）没有入账。",
            )
        )
    posted = {t.payment_record_id: t for t in Transaction.objects.filter(payment_record__isnull=False)}
    for record in PaymentRecord.objects.filter(posted_at__isnull=False):
        txn = posted.get(record.pk)
        if txn is None:
            problems.append(
                Problem("payments", f"个案发放 {record.event_id} 标记已入账，但账上没有对应凭证。")
            )
            continue
        aid = txn.postings.filter(account=Account.AID).aggregate(total=Sum("amount"))["total"] or ZERO
        if (
            aid != record.amount
            or txn.postings.filter(account=Account.AID).exclude(org_id=record.street_id).exists()
        ):
            problems.append(
                Problem(
                    "payments",
                    f"{txn.number} 入账 {format_yuan(aid)}，与个案发放 {record.event_id} 的 {format_yuan(record.amount)} 不符。",
                )
            )
    for payment_id in Payment.objects.filter(record__isnull=True).values_list("pk", flat=True):
        problems.append(Problem("payments", f"发放 #{payment_id} 没有待入账记录（交接记录丢失）。"))
    keys = (
        Transaction.objects.filter(kind=TransactionKind.PAYMENT, payment_record__isnull=False)
        .values("payment_record_id").annotate(n=Count("pk")).filter(n__gt=1)
    )  # fmt: skip
    for row in keys:
        problems.append(Problem("payments", f"发放记录 #{row['payment_record_id']} 入账了 {row['n']} 次。"))
    return problems


def _years() -> list[int]:
    return sorted({d.year for d in Transaction.objects.dates("date", "year")})


def _caps() -> list[Problem]:
    problems = []
    for year in _years():
        end = date(year, 12, 31)
        fees = selectors.management_fees(year_of=end)
        if fees:
            rate = management_fee_rate(end)
            spending = selectors.lottery_aid_spent(year_of=end)
            cap = to_fen_down(spending * rate.value) if rate else ZERO
            if fees > cap:
                problems.append(
                    Problem(
                        "caps",
                        f"{year}年管理费 {format_yuan(fees)} 超过福彩金项目支出 {format_yuan(spending)} 的 "
                        f"{rate.percent if rate else '（无比例）'}（{format_yuan(cap)}）。",
                    )
                )
        rows = (
            Posting.objects.filter(
                account=Account.WORK_EXPENSE, date__year=year, fund_source__kind__in=DONATION_KINDS
            )
            .values("org_id", "org__name", "fund_source__kind")
            .annotate(total=Sum("amount"))
        )
        for r in rows:
            from bangfu.orgs.models import Organisation

            org = Organisation.objects.get(pk=r["org_id"])
            kind = r["fund_source__kind"]
            last = (
                Posting.objects.filter(org_id=org.pk, account=Account.WORK_EXPENSE, date__year=year)
                .latest("date")
                .date
            )
            rate = work_expense_rate(org.district.code, kind, last)
            used = selectors.donations_used(org_id=org.pk, kind=kind, year_of=end)
            cap = to_fen_down(used * rate.value) if rate else ZERO
            if r["total"] > cap:
                problems.append(
                    Problem(
                        "caps",
                        f"{org.name}{year}年工作经费（{FundKind(kind).label}）{format_yuan(r['total'])} 超过实际使用额 "
                        f"{format_yuan(used)} 的 {rate.percent if rate else '（无比例）'}（{format_yuan(cap)}）。",
                    )
                )
    return problems


def _agreements() -> list[Problem]:
    problems = []
    reversed_ids = set(
        Transaction.objects.filter(reverses__isnull=False).values_list("reverses_id", flat=True)
    )
    for agreement in Agreement.objects.all():
        total = ZERO
        for a in Allocation.objects.filter(agreement=agreement, from_org_id=agreement.foundation_id):
            if a.transaction_id not in reversed_ids:
                total += a.amount
            if not agreement.valid_from <= a.date <= agreement.valid_to:
                problems.append(
                    Problem(
                        "agreements", f"下拨 #{a.pk} 的日期 {a.date} 不在协议 {agreement.number} 期限内。"
                    )
                )
        if total > agreement.amount:
            problems.append(
                Problem(
                    "agreements",
                    f"协议 {agreement.number} 累计下拨 {format_yuan(total)}，超过协议金额 {format_yuan(agreement.amount)}。",
                )
            )
    return problems


def _pass_through() -> list[Problem]:
    """长民发〔2016〕31号 五.3: returned in full, to the street named on the pass-through."""
    problems = []
    for ret in Transaction.objects.filter(kind=TransactionKind.PASS_THROUGH_RETURN).select_related("returns"):
        origin = ret.returns
        sent = origin.postings.filter(account=Account.PASS_THROUGH, org__kind="foundation").aggregate(
            t=Sum("amount")
        )["t"]
        back = ret.postings.filter(account=Account.FUND, org_id=origin.return_to_id).aggregate(
            t=Sum("amount")
        )["t"]
        if back != sent:
            problems.append(
                Problem(
                    "pass_through",
                    f"{ret.number} 返还 {format_yuan(back)}，与上缴 {origin.number} 的 {format_yuan(sent)} 不符。",
                )
            )
    return problems


def _reports() -> list[Problem]:
    """Accepted monthly reports (沪民救发〔2025〕1号 四(二)) still equal the ledger and the cases:
    each month's reports recomputed in one batch, compared figure by figure with the snapshot
    filed; a difference means the books of a closed, reviewed month were changed afterwards (or
    the snapshot was)."""
    from collections import defaultdict as _dd

    from .models import MonthlyReport
    from .reports import differences, monthly_figures

    problems = []
    by_month = _dd(list)
    for report in MonthlyReport.objects.filter(status=MonthlyReport.Status.ACCEPTED).select_related("org"):
        by_month[(report.year, report.month)].append(report)
    for (year, month), reports in sorted(by_month.items()):
        now = monthly_figures([r.org for r in reports], year, month)
        for report in reports:
            lines = differences(report.figures, now[report.org_id])
            if lines:
                shown = "；".join(lines[:5]) + (f"；等 {len(lines)} 项" if len(lines) > 5 else "")
                problems.append(
                    Problem(
                        "reports",
                        f"{report.org.name}{year}年{month}月报表（已审核通过）与账面不符：{shown}。",
                    )
                )
    return problems
