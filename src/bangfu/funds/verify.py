"""Reconciliation: every invariant of the ledger, checked from the rows themselves.

Each check reads the tables directly (not through the services), so it finds what a writer
going around them left behind: raw SQL, a dropped trigger, a lost task.

City scale (10,000,000 postings): every check is a set-based query through the ORM — grouped
aggregates, a window function for the running balances, `Exists` for the orphans — that returns
only the offending rows; no check reads the postings into Python. They run the same on SQLite
and PostgreSQL. Money is added up exactly in SQL: PostgreSQL adds NUMERIC exactly; SQLite keeps
NUMERIC as floating point, so there amounts are added in fen as integers (as the seal trigger of
migration 0002 does). Each check lists its first `LIMIT` findings and counts them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    RowRange,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, Round
from django.utils import timezone

from bangfu.core.money import FEN, ZERO, format_yuan, to_fen_down
from bangfu.core.refusal import Refused

from . import selectors
from .models import (
    DONATION_KINDS,
    HOLDING_ACCOUNTS,
    Account,
    Agreement,
    Allocation,
    FundKind,
    FundSource,
    Posting,
    Transaction,
    TransactionKind,
)
from .parameters import management_fee_rate, work_expense_rate

# Findings listed per check; the rest are counted. A ledger broken at scale (a dropped trigger,
# a bad import) can give millions of lines: the first ones say what is wrong, the count how much.
LIMIT = 50

# The guards of migrations funds/0002 (the ledger; on PostgreSQL its check at COMMIT once per
# transaction since funds/0007), cases/0002 (the case's payments and
# transitions) and aid/0002 (the aid records), by backend: a missing one is a finding (someone dropped it).
GUARD_TRIGGERS = {
    "sqlite": (
        "funds_posting_no_update", "funds_posting_no_delete", "funds_posting_open_transaction",
        "funds_transaction_no_delete", "funds_transaction_insert_open", "funds_transaction_seal_only",
        "funds_transaction_seal_balanced",
        "cases_transition_no_update", "cases_transition_no_delete", "cases_payment_receipt_once",
        "cases_payment_no_delete", "cases_paymentrecord_posted_once", "cases_paymentrecord_no_delete",
        "aid_aidrecord_no_update", "aid_aidrecord_no_delete",
    ),
    "postgresql": (
        "funds_posting_append_only", "funds_posting_no_truncate", "funds_posting_open_transaction",
        "funds_transaction_no_delete", "funds_transaction_no_truncate", "funds_transaction_seal_only",
        "funds_transaction_balanced",
        "cases_transition_append_only", "cases_transition_no_truncate", "cases_payment_receipt_once",
        "cases_payment_no_delete", "cases_payment_no_truncate", "cases_paymentrecord_posted_once",
        "cases_paymentrecord_no_delete", "cases_paymentrecord_no_truncate",
        "aid_aidrecord_append_only", "aid_aidrecord_no_truncate",
    ),
}  # fmt: skip

# The checks in the order they run and are reported; each label says what it covers.
CHECK_LABELS = {
    "guards": "数据库保护触发器",
    "sum": "凭证借贷平衡",
    "sealed": "封账",
    "dates": "分录日期",
    "balances": "余额",
    "negative": "余额不为负",
    "payments": "个案发放入账",
    "aid": "帮扶记录",
    "procedure": "个案状态与流转记录",
    "household_caps": "每户年度帮扶上限",
    "caps": "管理费与工作经费限额",
    "agreements": "协议下拨",
    "pass_through": "筹集资金返还",
    "reports": "已审核月报",
}


@dataclass(frozen=True)
class Problem:
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


@dataclass
class Verification:
    """What `ledger verify` found: the listed problems (at most `limit` per check, in check
    order), how many there are in all per check, and how long each group of checks took."""

    limit: int
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, check: str, message: str) -> None:
        n = self.counts.get(check, 0)
        self.counts[check] = n + 1
        if n < self.limit:
            self.problems.append(Problem(check, message))

    def room(self, check: str) -> int:
        return max(0, self.limit - self.counts.get(check, 0))

    def add_rows(self, check: str, qs: QuerySet, render: Callable[[object], str]) -> None:
        """The offending rows of one query: the first ones rendered, all of them counted (the
        count is a second query, run only when there are more rows than are listed)."""
        rows = list(qs[: self.room(check) + 1])
        n = len(rows)
        if n > self.room(check):
            n = qs.count()
        for row in rows[: self.room(check)]:
            self.problems.append(Problem(check, render(row)))
        self.counts[check] = self.counts.get(check, 0) + n

    def unlisted(self, check: str) -> int:
        return self.counts.get(check, 0) - min(self.counts.get(check, 0), self.limit)


def ledger_verify(*, grace: timedelta = timedelta(minutes=15), limit: int = LIMIT) -> Verification:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    v = Verification(limit=limit)
    checks: tuple[tuple[str, Callable[[Verification], None]], ...] = (
        ("guards", _guards),
        ("transactions", _transactions),
        ("balances", _balances),
        ("negative", _holding_never_negative),
        ("payments", lambda v: _payments(v, grace)),
        ("aid", _aid_records),
        ("procedure", _procedure),
        ("household_caps", _household_caps),
        ("caps", _caps),
        ("agreements", _agreements),
        ("pass_through", _pass_through),
        ("reports", _reports),
    )
    for name, check in checks:
        t = time.perf_counter()
        check(v)
        v.seconds[name] = time.perf_counter() - t
    # Report in the fixed order of CHECK_LABELS, whatever order the queries ran in.
    order = {name: i for i, name in enumerate(CHECK_LABELS)}
    v.problems.sort(key=lambda p: order.get(p.check, len(order)))
    return v


def ledger_problems(*, grace: timedelta = timedelta(minutes=15), limit: int = LIMIT) -> list[Problem]:
    """The listed problems (at most `limit` per check); `ledger_verify` also has the counts."""
    return ledger_verify(grace=grace, limit=limit).problems


# --- exact money in SQL ----------------------------------------------------------------------------------


def _in_fen() -> bool:
    return connection.vendor != "postgresql"


def _exact(name: str):
    """An amount column on the exact scale of `_exact_sum`."""
    if _in_fen():
        return Cast(Round(F(name) * Value(Decimal(100))), BigIntegerField())
    return F(name)


def _exact_sum(name: str = "amount", **extra):
    return Sum(_exact(name), **extra)


def _exact_field():
    return BigIntegerField() if _in_fen() else DecimalField(max_digits=16, decimal_places=2)


def _exact_zero():
    return Value(0, output_field=_exact_field())


def _exact_value(amount: Decimal):
    """A yuan amount on the exact scale of `_exact_sum`, to compare a sum with."""
    return int(amount * 100) if _in_fen() else amount


def _yuan(value) -> Decimal:
    """An `_exact_sum` result as yuan."""
    if value is None:
        return ZERO
    if _in_fen():
        return (Decimal(int(value)) / 100).quantize(FEN)
    return Decimal(value).quantize(FEN)


def _jz(txn_id) -> str:
    return "（无）" if txn_id is None else f"JZ{txn_id:08d}"


# --- the checks -------------------------------------------------------------------------------------------


def _guards(v: Verification) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    for name in GUARD_TRIGGERS.get(vendor, ()):
        if name not in present:
            v.add("guards", f"数据库保护触发器 {name} 缺失或被停用：账目可能被直接改写。")


def _transactions(v: Verification) -> None:
    """Zero per fund source, at least two postings, sealed, postings on the transaction's date,
    no zero amount."""
    # One grouped pass over the postings by (transaction, fund source).
    unbalanced = (
        Posting.objects.order_by()
        .values("transaction_id", "fund_source_id")
        .annotate(total=_exact_sum())
        .exclude(total=0)
        .order_by("transaction_id", "fund_source_id")
    )
    v.add_rows(
        "sum",
        unbalanced,
        lambda r: (
            f"{_jz(r['transaction_id'])} 的分录在资金来源 #{r['fund_source_id']} 内合计 "
            f"{format_yuan(_yuan(r['total']))}，不为零。"
        ),
    )
    # One pass over the transactions joined to their postings (a merge join on the transaction
    # index): the count, the postings dated otherwise, the seal. One query, three checks.
    off_date = ~Q(postings__date=F("date"))
    per_transaction = (
        Transaction.objects.order_by()
        .values("pk", "date", "sealed")
        .annotate(
            n=Count("postings"),
            off=Count("postings", filter=off_date),
            off_day=Min("postings__date", filter=off_date),
        )
        .filter(Q(n__lt=2) | Q(off__gt=0) | Q(sealed=False))
        .order_by("pk")
    )
    _classify(
        v,
        per_transaction,
        {
            "sum": (
                Q(n__lt=2),
                lambda r: r["n"] < 2,
                lambda r: f"{_jz(r['pk'])} 只有 {r['n']} 条分录（至少两条）。",
            ),
            "sealed": (
                Q(sealed=False),
                lambda r: not r["sealed"],
                lambda r: f"{_jz(r['pk'])} 未封账：未经数据库平衡检查。",
            ),
            "dates": (
                Q(off__gt=0),
                lambda r: r["off"] > 0,
                lambda r: (
                    f"{_jz(r['pk'])} 有 {r['off']} 条分录的日期（如 {r['off_day']}）"
                    f"与凭证日期 {r['date']} 不一致。"
                ),
            ),
        },
    )
    v.add_rows(
        "sum",
        Posting.objects.filter(amount=0).order_by("pk").values("pk", "transaction_id"),
        lambda r: f"分录 #{r['pk']}（{_jz(r['transaction_id'])}）金额为零。",
    )


def _classify(v: Verification, qs: QuerySet, checks: dict) -> None:
    """One query whose rows feed several checks: {check: (Q, predicate, render)}. The first
    rows are classified in Python; a check with more rows than were read is counted in SQL."""
    window = v.limit * len(checks) + 1
    rows = list(qs[:window])
    for check, (condition, matches, render) in checks.items():
        hits = [r for r in rows if matches(r)]
        room = v.room(check)
        n = len(hits) if len(rows) < window else qs.filter(condition).count()
        for r in hits[:room]:
            v.problems.append(Problem(check, render(r)))
        if len(rows) == window and len(hits) < min(room, n):
            # Rare: this check's rows lie beyond the ones read; list them from their own query.
            for r in qs.filter(condition)[len(hits) : room]:
                v.problems.append(Problem(check, render(r)))
        v.counts[check] = v.counts.get(check, 0) + n


def _holding_keys():
    return ("org_id", "fund_source_id", "account")


def _balances(v: Verification) -> None:
    """The balances the pages show (`selectors.balances`) equal the postings added up exactly,
    per organisation × fund source × holding account (two grouped queries, a few thousand rows)."""
    keys = _holding_keys()
    exact = {
        (r["org_id"], r["fund_source_id"], r["account"]): _yuan(r["total"])
        for r in Posting.objects.filter(account__in=HOLDING_ACCOUNTS)
        .order_by()
        .values(*keys)
        .annotate(total=_exact_sum())
    }
    shown = {(r.org_id, r.source_id, r.account): r.amount for r in selectors.balances()}
    for k in sorted(set(exact) | set(shown), key=lambda k: (k[0], k[1], k[2])):
        if shown.get(k) != exact.get(k):
            v.add(
                "balances",
                f"组织 #{k[0]} 资金来源 #{k[1]} {k[2]} 余额显示 {format_yuan(shown.get(k))}，"
                f"分录合计 {format_yuan(exact.get(k))}。",
            )


class _WindowSum(Func):
    """SUM(…) OVER (…) of a grouped sum: Django's `Sum` refuses an aggregate inside it."""

    function = "SUM"
    window_compatible = True


def _holding_never_negative(v: Verification) -> None:
    """No holding account below zero at the end of any date: the postings summed per day, a
    running sum over the days of each account (a window), and only the days on which an account
    goes below zero (running < 0, the day before ≥ 0) come back. One finding per account, at the
    first such day."""
    keys = _holding_keys()
    partition = [F(k) for k in keys]
    days = (
        Posting.objects.filter(account__in=HOLDING_ACCOUNTS)
        .order_by()
        .values(*keys, "date")
        .annotate(total=_exact_sum())
        .annotate(
            running=Window(_WindowSum(F("total")), partition_by=partition, order_by=F("date").asc()),
            before=Window(
                _WindowSum(F("total")),
                partition_by=partition,
                order_by=F("date").asc(),
                frame=RowRange(start=None, end=-1),
            ),
        )
        .filter(Q(running__lt=0), Q(before__gte=0) | Q(before__isnull=True))
        .order_by(*keys, "date")
    )
    first: dict[tuple, dict] = {}
    for r in days.iterator():
        first.setdefault((r["org_id"], r["fund_source_id"], r["account"]), r)
    listed = list(first.values())[: v.room("negative")]
    orgs = _org_names(r["org_id"] for r in listed)
    sources = dict(
        FundSource.objects.filter(pk__in={r["fund_source_id"] for r in listed}).values_list("pk", "name")
    )
    for r in listed:
        v.problems.append(
            Problem(
                "negative",
                f"{orgs[r['org_id']]}“{sources[r['fund_source_id']]}”{Account(r['account']).label}"
                f"在 {r['date']} 余额为 {format_yuan(_yuan(r['running']))}，低于零。",
            )
        )
    v.counts["negative"] = v.counts.get("negative", 0) + len(first)


def _org_names(ids: Iterable[int]) -> dict[int, str]:
    from bangfu.orgs.models import Organisation

    return dict(Organisation.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def _payments(v: Verification, grace: timedelta) -> None:
    """Every payment of the case procedure posted exactly once, for its amount, by its street;
    every case aid posting backed by its payment; every payment with its record."""
    from bangfu.cases.models import Payment, PaymentRecord

    cutoff = timezone.now() - grace
    v.add_rows(
        "payments",
        PaymentRecord.objects.filter(posted_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values("event_id", "amount", "paid_on"),
        lambda r: f"个案发放 {r['event_id']}（{format_yuan(r['amount'])}，{r['paid_on']}）没有入账。",
    )
    # Posted records: the transaction, what it paid as aid, and any aid line at another organisation.
    aid = Posting.objects.filter(transaction__payment_record=OuterRef("pk"), account=Account.AID)
    aid_total = aid.order_by().values("transaction__payment_record").annotate(t=_exact_sum()).values("t")
    posted = (
        PaymentRecord.objects.filter(posted_at__isnull=False)
        .annotate(
            txn_id=Subquery(Transaction.objects.filter(payment_record=OuterRef("pk")).values("pk")[:1]),
            aid=Coalesce(Subquery(aid_total, output_field=_exact_field()), _exact_zero()),
            stray=Exists(aid.exclude(org_id=OuterRef("street_id"))),
            exact_amount=_exact("amount"),
        )
        .filter(Q(txn_id__isnull=True) | ~Q(aid=F("exact_amount")) | Q(stray=True))
        .order_by("pk")
        .values("event_id", "amount", "txn_id", "aid", "exact_amount", "stray")
    )

    def render(r) -> str:
        if r["txn_id"] is None:
            return f"个案发放 {r['event_id']} 标记已入账，但账上没有对应凭证。"
        if r["stray"] and r["aid"] == r["exact_amount"]:
            return f"{_jz(r['txn_id'])} 的帮扶支出记在发放街镇以外的组织，与个案发放 {r['event_id']} 不符。"
        return (
            f"{_jz(r['txn_id'])} 入账 {format_yuan(_yuan(r['aid']))}，与个案发放 {r['event_id']} 的 "
            f"{format_yuan(r['amount'])} 不符。"
        )

    v.add_rows("payments", posted, render)
    # Case aid with no payment behind it: its transaction neither posts that case's payment
    # record nor reverses the transaction that did.
    backed = Transaction.objects.filter(pk=OuterRef("transaction_id")).filter(
        Q(payment_record__case_id=OuterRef("case_id"))
        | Q(reverses__payment_record__case_id=OuterRef("case_id"))
    )
    v.add_rows(
        "payments",
        Posting.objects.filter(account=Account.AID, case__isnull=False)
        .filter(~Exists(backed))
        .order_by("pk")
        .values("pk", "transaction_id", "case_id", "amount"),
        lambda r: (
            f"分录 #{r['pk']}（{_jz(r['transaction_id'])}，个案 #{r['case_id']}，"
            f"{format_yuan(r['amount'])}）是个案帮扶支出，但没有对应的个案发放记录。"
        ),
    )
    v.add_rows(
        "payments",
        Payment.objects.filter(~Exists(PaymentRecord.objects.filter(payment=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True),
        lambda pk: f"发放 #{pk} 没有待入账记录（交接记录丢失）。",
    )
    v.add_rows(
        "payments",
        Transaction.objects.filter(payment_record__isnull=False)
        .order_by()
        .values("payment_record_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("payment_record_id"),
        lambda r: f"发放记录 #{r['payment_record_id']} 入账了 {r['n']} 次。",
    )
    _payment_amounts(v)


def _payment_amounts(v: Verification) -> None:
    """Every payment equals its case's approved amount and, once posted, the aid its ledger
    transaction paid (the transaction of its record; a reversal is a later movement)."""
    from bangfu.cases.models import Payment

    aid = (
        Posting.objects.filter(transaction__payment_record__payment=OuterRef("pk"), account=Account.AID)
        .order_by()
        .values("transaction__payment_record__payment")
        .annotate(t=_exact_sum())
        .values("t")
    )
    rows = (
        Payment.objects.annotate(
            exact_amount=_exact("amount"),
            approved=_exact("case__approved_amount"),
            aid=Coalesce(Subquery(aid, output_field=_exact_field()), _exact_zero()),
            posted=Exists(Transaction.objects.filter(payment_record__payment=OuterRef("pk"))),
        )
        .filter(
            Q(approved__isnull=True)
            | ~Q(exact_amount=F("approved"))
            | (Q(posted=True) & ~Q(aid=F("exact_amount")))
        )
        .order_by("pk")
        .values(
            "pk",
            "case__number",
            "amount",
            "case__approved_amount",
            "exact_amount",
            "approved",
            "aid",
            "posted",
        )
    )

    def render(r) -> str:
        wrong = []
        if r["approved"] != r["exact_amount"]:
            wrong.append(f"核定金额 {format_yuan(r['case__approved_amount'])}")
        if r["posted"] and r["aid"] != r["exact_amount"]:
            wrong.append(f"入账的帮扶支出 {format_yuan(_yuan(r['aid']))}")
        return f"发放 #{r['pk']}（个案 {r['case__number']}）金额 {format_yuan(r['amount'])}，与{'、'.join(wrong)}不符。"

    v.add_rows("payments", rows, render)


def _aid_records(v: Verification) -> None:
    """What the household received (SPEC §4) matches the ledger: every posted case payment has
    its aid record, posted by the payment's transaction; every reversed one its reversal record;
    every money aid record a sealed transaction whose aid postings are what the records of that
    transaction say was given."""
    from bangfu.aid.models import AidKind, AidRecord
    from bangfu.cases.models import Payment

    v.add_rows(
        "aid",
        Payment.objects.filter(record__ledger_transaction__isnull=False)
        .filter(
            ~Exists(
                AidRecord.objects.filter(
                    case_payment=OuterRef("pk"),
                    reverses=None,
                    ledger_transaction=OuterRef("record__ledger_transaction"),
                )
            )
        )
        .order_by("pk")
        .values("pk", "case__number", "amount", "record__ledger_transaction"),
        lambda r: (
            f"发放 #{r['pk']}（个案 {r['case__number']}，{format_yuan(r['amount'])}，"
            f"{_jz(r['record__ledger_transaction'])}）没有对应的帮扶记录。"
        ),
    )
    v.add_rows(
        "aid",
        AidRecord.objects.filter(reverses=None, ledger_transaction__reversed_by__isnull=False)
        .filter(~Exists(AidRecord.objects.filter(reverses=OuterRef("pk"))))
        .order_by("pk")
        .values("pk", "ledger_transaction_id", "value"),
        lambda r: (
            f"帮扶记录 #{r['pk']}（{format_yuan(r['value'])}）的凭证 {_jz(r['ledger_transaction_id'])} "
            "已冲销，但没有冲销帮扶记录。"
        ),
    )
    aid_postings = (
        Posting.objects.filter(transaction=OuterRef("ledger_transaction_id"), account=Account.AID)
        .order_by()
        .values("transaction")
        .annotate(t=_exact_sum())
        .values("t")
    )
    v.add_rows(
        "aid",
        AidRecord.objects.filter(kind=AidKind.MONEY)
        .order_by()
        .values("ledger_transaction_id")
        .annotate(
            recorded=_exact_sum("value"),
            posted=Coalesce(Subquery(aid_postings, output_field=_exact_field()), _exact_zero()),
            unsealed=Count("pk", filter=~Q(ledger_transaction__sealed=True)),
            n=Count("pk"),
        )
        .filter(~Q(recorded=F("posted")) | Q(unsealed__gt=0))
        .order_by("ledger_transaction_id"),
        lambda r: (
            f"帮扶记录（{r['n']} 条，合计 {format_yuan(_yuan(r['recorded']))}）的凭证 "
            f"{_jz(r['ledger_transaction_id'])} "
            + (
                "不存在或未封账。"
                if r["unsealed"]
                else f"帮扶支出为 {format_yuan(_yuan(r['posted']))}，与之不符。"
            )
        ),
    )


def _procedure(v: Verification) -> None:
    """The case procedure's record (SPEC §5: every state change is kept): each case's state is
    where its last transition led; a paid case has its payment and its pay transition; a
    payment's case is paid."""
    from bangfu.cases.models import Case, CaseState, Payment, Transition

    labels = dict(CaseState.choices)
    last = Transition.objects.filter(case=OuterRef("pk")).order_by("-at", "-id").values("to_state")[:1]
    v.add_rows(
        "procedure",
        Case.objects.annotate(last=Subquery(last))
        .filter(Q(last__isnull=True) | ~Q(state=F("last")))
        .order_by("pk")
        .values("pk", "number", "state", "last"),
        lambda r: (
            f"个案 {r['number'] or '#' + str(r['pk'])} 没有流转记录，状态却为“{labels.get(r['state'], r['state'])}”。"
            if r["last"] is None
            else f"个案 {r['number'] or '#' + str(r['pk'])} 状态为“{labels.get(r['state'], r['state'])}”，"
            f"但最后一条流转记录的去向为“{labels.get(r['last'], r['last'])}”。"
        ),
    )
    paid_states = (CaseState.PAID, CaseState.CLOSED)
    pay_step = Transition.objects.filter(
        case=OuterRef("pk"), action="pay", from_state=CaseState.APPROVED, to_state=CaseState.PAID
    )
    v.add_rows(
        "procedure",
        Case.objects.filter(state__in=paid_states)
        .annotate(stepped=Exists(pay_step), paid=Exists(Payment.objects.filter(case=OuterRef("pk"))))
        .filter(Q(stepped=False) | Q(paid=False))
        .order_by("pk")
        .values("pk", "number", "state", "stepped", "paid"),
        lambda r: (
            f"个案 {r['number']} 为“{labels[r['state']]}”，但没有"
            + "、".join(
                w
                for w, missing in (("发放流转记录", not r["stepped"]), ("发放记录", not r["paid"]))
                if missing
            )
            + "。"
        ),
    )
    v.add_rows(
        "procedure",
        Payment.objects.exclude(case__state__in=paid_states)
        .order_by("pk")
        .values("pk", "case__number", "case__state"),
        lambda r: (
            f"发放 #{r['pk']} 的个案 {r['case__number']} 状态为“{labels.get(r['case__state'], r['case__state'])}”，"
            "已发放的个案应为“已发放·待回访”或“已结案”。"
        ),
    )


def _household_caps(v: Verification) -> None:
    """No household-year beyond the policy's annual caps (长民发〔2016〕31号 三(四)) in what was
    approved or paid: the events (a 一般 limit: those the district approved with a written
    reason do not count) and the total amount (a hard one), as `cases.workflow` judges them.

    One grouped pass over the committed cases; only the household-years above the lowest cap of
    any published version come back, and those are judged against the version in force for
    their latest case (the one that was judged with all the others counted)."""
    from bangfu.cases import rules
    from bangfu.cases.models import COMMITTED_STATES, Case
    from bangfu.cases.workflow import district_exception
    from bangfu.policy.selectors import policy_book
    from bangfu.registry.models import Household

    lowest_events, lowest_amount = rules.lowest_annual_caps()
    groups = (
        Case.objects.filter(state__in=COMMITTED_STATES)
        .annotate(year=ExtractYear("application_date"), excepted=district_exception())
        .order_by()
        .values("household_id", "year")
        .annotate(
            n=Count("pk"),
            ordinary=Count("pk", filter=Q(excepted=False)),
            total=_exact_sum("approved_amount"),
            last=Max("pk"),
        )
        .filter(Q(n__gt=lowest_events) | Q(total__gt=_exact_value(lowest_amount)))
        .order_by("household_id", "year")
    )
    rows = list(groups)
    if not rows:
        return
    book = policy_book()
    cases = Case.objects.select_related("street__parent").in_bulk([r["last"] for r in rows])
    files = dict(
        Household.objects.filter(pk__in={r["household_id"] for r in rows}).values_list("pk", "file_number")
    )
    for r in rows:
        who = f"家庭 {files[r['household_id']]} {r['year']}年"
        try:
            cap = rules.rules_for(cases[r["last"]], book=book)
        except Refused as e:  # no policy in force on the application date
            v.add("household_caps", f"{who}有已批准或已发放的个案，但无法判断年度上限：{e}")
            continue
        events = r["ordinary"] if cap.max_events.generally else r["n"]
        if events > int(cap.max_events.value):
            excepted = r["n"] - r["ordinary"]
            v.add(
                "household_caps",
                f"{who}已批准或已发放 {r['n']} 次帮扶"
                + (f"（其中 {excepted} 次经区服务社书面批准突破一般限额）" if excepted else "")
                + f"，超过每年{'一般' if cap.max_events.generally else ''}不超过 {cap.max_events.value} 次"
                f"（{cap.max_events.reference}）。",
            )
        total = _yuan(r["total"])
        if total > cap.max_amount.value:
            v.add(
                "household_caps",
                f"{who}已批准或已发放合计 {format_yuan(total)}，超过全年累计 {format_yuan(cap.max_amount.value)}"
                f"（{cap.max_amount.reference}）。",
            )


def _caps(v: Verification) -> None:
    """The fee caps of every year, from one grouped pass over the spending accounts
    (year × account × organisation × kind of source); the rates come from the parameters."""
    from bangfu.orgs.models import Organisation

    rows = list(
        Posting.objects.filter(account__in=(Account.AID, Account.WORK_EXPENSE, Account.MANAGEMENT_FEE))
        .order_by()
        .annotate(year=ExtractYear("date"))
        .values("year", "account", "org_id", "fund_source_id")
        .annotate(total=_exact_sum(), last=Max("date"))
    )
    # By source id, not kind: no join in the pass over the postings; the few sources map to kinds here.
    kinds = dict(FundSource.objects.values_list("pk", "kind"))
    fees: dict[int, Decimal] = {}
    lottery_aid: dict[int, Decimal] = {}
    used: dict[tuple, Decimal] = {}
    work: dict[tuple, Decimal] = {}
    last_work: dict[tuple, date] = {}
    for r in rows:
        year, account, org_id = r["year"], r["account"], r["org_id"]
        kind, total = kinds[r["fund_source_id"]], _yuan(r["total"])
        if account == Account.MANAGEMENT_FEE:
            fees[year] = fees.get(year, ZERO) + total
        elif account == Account.AID:
            if kind == FundKind.LOTTERY:
                lottery_aid[year] = lottery_aid.get(year, ZERO) + total
            used[(year, org_id, kind)] = used.get((year, org_id, kind), ZERO) + total
        else:
            if kind in DONATION_KINDS:
                work[(year, org_id, kind)] = work.get((year, org_id, kind), ZERO) + total
            last_work[(year, org_id)] = max(last_work.get((year, org_id), r["last"]), r["last"])
    for year in sorted(fees):
        if not fees[year]:
            continue
        end = date(year, 12, 31)
        rate = management_fee_rate(end)
        spending = lottery_aid.get(year, ZERO)
        cap = to_fen_down(spending * rate.value) if rate else ZERO
        if fees[year] > cap:
            v.add(
                "caps",
                f"{year}年管理费 {format_yuan(fees[year])} 超过福彩金项目支出 {format_yuan(spending)} 的 "
                f"{rate.percent if rate else '（无比例）'}（{format_yuan(cap)}）。",
            )
    orgs = Organisation.objects.select_related("parent", "parent__parent").in_bulk({k[1] for k in work})
    rates: dict[tuple, object] = {}
    for (year, org_id, kind), total in sorted(work.items()):
        if total <= 0:
            continue  # nothing spent (or all reversed): within any cap
        org, last = orgs[org_id], last_work[(year, org_id)]
        district = org.district
        if (district, kind, last) not in rates:
            rates[(district, kind, last)] = work_expense_rate(district.code, kind, last) if district else None
        rate = rates[(district, kind, last)]
        base = used.get((year, org_id, kind), ZERO)
        cap = to_fen_down(base * rate.value) if rate else ZERO
        if total > cap:
            v.add(
                "caps",
                f"{org.name}{year}年工作经费（{FundKind(kind).label}）{format_yuan(total)} 超过实际使用额 "
                f"{format_yuan(base)} 的 {rate.percent if rate else '（无比例）'}（{format_yuan(cap)}）。",
            )


def _agreements(v: Verification) -> None:
    """Allocations by the foundation within their agreement's period and, net of reversals,
    within its amount."""
    v.add_rows(
        "agreements",
        Allocation.objects.filter(from_org_id=F("agreement__foundation_id"))
        .filter(Q(date__lt=F("agreement__valid_from")) | Q(date__gt=F("agreement__valid_to")))
        .order_by("pk")
        .values("pk", "date", "agreement__number"),
        lambda r: f"下拨 #{r['pk']} 的日期 {r['date']} 不在协议 {r['agreement__number']} 期限内。",
    )
    allocated = _exact_sum(
        "allocations__amount",
        filter=Q(
            allocations__from_org_id=F("foundation_id"), allocations__transaction__reversed_by__isnull=True
        ),
    )
    v.add_rows(
        "agreements",
        Agreement.objects.annotate(allocated=allocated, exact_amount=_exact("amount"))
        .filter(allocated__gt=F("exact_amount"))
        .order_by("pk")
        .values("number", "amount", "allocated"),
        lambda r: (
            f"协议 {r['number']} 累计下拨 {format_yuan(_yuan(r['allocated']))}，"
            f"超过协议金额 {format_yuan(r['amount'])}。"
        ),
    )


def _pass_through(v: Verification) -> None:
    """长民发〔2016〕31号 五.3: returned in full, to the street named on the pass-through."""
    sent = (
        Posting.objects.filter(
            transaction_id=OuterRef("returns_id"), account=Account.PASS_THROUGH, org__kind="foundation"
        )
        .order_by()
        .values("transaction_id")
        .annotate(t=_exact_sum())
        .values("t")
    )
    back = (
        Posting.objects.filter(
            transaction_id=OuterRef("pk"), account=Account.FUND, org_id=OuterRef("returns__return_to_id")
        )
        .order_by()
        .values("transaction_id")
        .annotate(t=_exact_sum())
        .values("t")
    )
    v.add_rows(
        "pass_through",
        Transaction.objects.filter(kind=TransactionKind.PASS_THROUGH_RETURN)
        .annotate(
            sent=Coalesce(Subquery(sent, output_field=_exact_field()), _exact_zero()),
            back=Coalesce(Subquery(back, output_field=_exact_field()), _exact_zero()),
        )
        .filter(~Q(sent=F("back")))
        .order_by("pk")
        .values("pk", "returns_id", "sent", "back"),
        lambda r: (
            f"{_jz(r['pk'])} 返还 {format_yuan(_yuan(r['back']))}，与上缴 {_jz(r['returns_id'])} 的 "
            f"{format_yuan(_yuan(r['sent']))} 不符。"
        ),
    )


def _reports(v: Verification) -> None:
    """Accepted monthly reports (沪民救发〔2025〕1号 四(二)) still equal the ledger and the cases:
    each month's reports recomputed in one batch (grouped queries, `reports.monthly_figures`),
    compared figure by figure with the snapshot filed; a difference means the books of a closed,
    reviewed month were changed afterwards (or the snapshot was)."""
    from collections import defaultdict

    from .models import MonthlyReport
    from .reports.monthly import monthly_figures
    from .reports.snapshot import differences

    by_month = defaultdict(list)
    for report in MonthlyReport.objects.filter(status=MonthlyReport.Status.ACCEPTED).select_related("org"):
        by_month[(report.year, report.month)].append(report)
    for (year, month), reports in sorted(by_month.items()):
        now = monthly_figures([r.org for r in reports], year, month)
        for report in reports:
            lines = differences(report.figures, now[report.org_id])
            if lines:
                shown = "；".join(lines[:5]) + (f"；等 {len(lines)} 项" if len(lines) > 5 else "")
                v.add("reports", f"{report.org.name}{year}年{month}月报表（已审核通过）与账面不符：{shown}。")
