"""Properties of the ledger: whatever sequence of movements and reversals is attempted (each
either recorded or refused), every transaction sums to zero in each fund source, the balances
the selector shows are the postings added up, no holding account is ever below zero, and
`ledger verify` finds nothing."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import HOLDING_ACCOUNTS, Posting, Transaction
from bangfu.funds.selectors import balances
from bangfu.funds.verify import ledger_problems

from .conftest import DISTRICT, OTHER_STREET, STREET, as_, key, project

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300000"), places=2)
days = st.integers(min_value=0, max_value=360).map(lambda n: date(2021, 1, 1) + timedelta(days=n))
SOURCES = ("lottery", "fiscal", "directed", "undirected")
movement = st.one_of(
    st.tuples(st.just("lottery"), amounts, days),
    st.tuples(st.just("fiscal"), st.sampled_from((DISTRICT, STREET, OTHER_STREET)), amounts, days),
    st.tuples(st.just("donation"), st.sampled_from(("directed", "undirected")), amounts, days),
    st.tuples(st.just("street_donation"), st.sampled_from(("directed", "undirected")), amounts, days),
    st.tuples(st.just("pass_through"), st.sampled_from(("directed", "undirected")), amounts, days),
    st.tuples(st.just("return"), st.integers(0, 20), days),
    st.tuples(st.just("allocate_district"), st.sampled_from(SOURCES), amounts, days),
    st.tuples(
        st.just("allocate_street"),
        st.sampled_from((STREET, OTHER_STREET)),
        st.sampled_from(SOURCES),
        amounts,
        days,
    ),
    st.tuples(
        st.just("pay"), st.sampled_from((STREET, OTHER_STREET)), st.sampled_from(SOURCES), amounts, days
    ),
    st.tuples(st.just("work_expense"), st.sampled_from(("directed", "undirected")), amounts, days),
    st.tuples(st.just("reverse"), st.integers(0, 40), days, st.integers(0, 3)),
)


def apply(step, *, cast, org, sources, agreement) -> None:
    kind, *args = step
    fd, fin, cn = as_(cast.foundation), as_(cast.foundation_fin), as_(cast.finance_cn)
    src = lambda name: getattr(sources, name)  # noqa: E731
    if kind == "lottery":
        amount, day = args
        services.lottery_funds_receive(
            actor=fin, source=sources.lottery, amount=amount, day=day, memo="到账", idempotency_key=key()
        )
    elif kind == "fiscal":
        code, amount, day = args
        services.fiscal_matching_receive(
            actor=cn,
            org=org(code),
            source=sources.fiscal,
            amount=amount,
            day=day,
            memo="配套",
            idempotency_key=key(),
        )
    elif kind in ("donation", "street_donation"):
        name, amount, day = args
        who, where = (fin, org("SHBKHZ")) if kind == "donation" else (cn, org(STREET))
        services.donation_receive(
            actor=who,
            org=where,
            source=src(name),
            donor="捐赠方",
            amount=amount,
            day=day,
            memo="捐赠",
            idempotency_key=key(),
        )
    elif kind == "pass_through":
        name, amount, day = args
        services.raised_funds_pass_through(
            actor=cn,
            org=org(STREET),
            source=src(name),
            amount=amount,
            return_to=org(STREET),
            day=day,
            memo="上缴",
            idempotency_key=key(),
        )
    elif kind == "return":
        n, day = args
        waiting = list(Transaction.objects.filter(kind="pass_through").order_by("id"))
        if waiting:
            services.raised_funds_return(actor=fin, pass_through=waiting[n % len(waiting)], day=day)
    elif kind == "allocate_district":
        name, amount, day = args
        services.allocation_make(
            actor=fd,
            agreement=agreement,
            to_org=org(DISTRICT),
            source=src(name),
            amount=amount,
            day=day,
            memo="下拨",
            idempotency_key=key(),
        )
    elif kind == "allocate_street":
        code, name, amount, day = args
        services.allocation_make(
            actor=cn,
            agreement=agreement,
            to_org=org(code),
            source=src(name),
            amount=amount,
            day=day,
            memo="下拨",
            idempotency_key=key(),
        )
    elif kind == "pay":
        code, name, amount, day = args
        services.aid_pay(
            actor=cn,
            org=org(code),
            source=src(name),
            amount=amount,
            day=day,
            memo="项目发放",
            idempotency_key=key(),
            project=project("P-1"),
        )
    elif kind == "work_expense":
        name, amount, day = args
        services.work_expense_record(
            actor=cn,
            org=org(STREET),
            source=src(name),
            amount=amount,
            day=day,
            memo="工作经费",
            idempotency_key=key(),
        )
    elif kind == "reverse":
        n, day, who = args
        # Payments are left out: reversing aid after a work expense may break that year's cap,
        # which `ledger verify` rightly reports (tested in test_caps), so it is not a sound-ledger property.
        txns = list(Transaction.objects.exclude(kind__in=("reversal", "payment")).order_by("id"))
        if txns:
            txn = txns[n % len(txns)]
            actor = (fd, fin, cn, cn)[who]
            services.transaction_reverse(actor=actor, txn=txn, day=max(day, txn.date), reason="更正")  # fmt: skip


def check_invariants() -> None:
    per_source: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    held: dict[tuple[int, int, str], list[tuple[date, Decimal]]] = defaultdict(list)
    for p in Posting.objects.all():
        per_source[(p.transaction_id, p.fund_source_id)] += p.amount
        if p.account in HOLDING_ACCOUNTS:
            held[(p.org_id, p.fund_source_id, p.account)].append((p.date, p.amount))
    assert all(total == 0 for total in per_source.values())
    assert not Transaction.objects.filter(sealed=False).exists()
    shown = {(r.org_id, r.source_id, r.account): r.amount for r in balances()}
    summed = {k: sum((a for _, a in rows), Decimal("0")) for k, rows in held.items()}
    assert shown == summed
    for rows in held.values():  # never below zero at any date
        running = Decimal("0")
        by_day: dict[date, Decimal] = defaultdict(Decimal)
        for d, a in rows:
            by_day[d] += a
        for d in sorted(by_day):
            running += by_day[d]
            assert running >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(movement, min_size=1, max_size=25))
def test_any_sequence_of_movements_keeps_the_ledger_sound(steps, funded, cast, org, agreement):
    with transaction.atomic():
        recorded = 0
        for step in steps:
            try:
                with transaction.atomic():
                    apply(step, cast=cast, org=org, sources=funded, agreement=agreement)
                recorded += 1
            except Refused:
                pass
            check_invariants()
        assert [str(p) for p in ledger_problems()] == []
        transaction.set_rollback(True)  # the next example starts from the same funded world
