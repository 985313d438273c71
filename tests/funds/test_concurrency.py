"""The fund ledger under real parallel connections (PostgreSQL only).

Each thread has its own connection; a barrier releases them together, so only the locks of the
services (the FundAccount rows, the agreement row, the organisation row for the fee caps) stand
between them and an overdrawn fund or a broken cap.
"""

import threading
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum

from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.cases.models import Case, CaseState, Payment, PaymentRecord
from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Account, Allocation, Posting
from bangfu.funds.selectors import balance, lowest_balance_from
from bangfu.funds.verify import ledger_problems
from tests.cases import factories

from .conftest import DISTRICT, STREET, D, as_, key, project

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushable_db"),
]
THREADS = 24


def run_together(work, n: int = THREADS) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Refused as e:
            results[i] = e
        except Exception as e:  # a deadlock or a serialisation error would show here
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def refusals(results, code: str) -> int:
    assert all(not isinstance(r, Exception) or isinstance(r, Refused) for r in results), results
    return sum(isinstance(r, Refused) and r.code == code for r in results)


def test_parallel_project_payments_never_overdraw_the_street_fund(funded, cast, org):
    street, p1 = org(STREET), project("P-1")  # registered before the payments race

    def pay(i):
        return services.aid_pay(
            actor=as_(cast.finance_cn), org=street, source=funded.lottery, amount="10000.00", day=date(2021, 3, 1),
            memo=f"项目发放{i}", idempotency_key=key(), project=p1,
        )  # fmt: skip

    results = run_together(pay)
    assert refusals(results, "insufficient_funds") == 4  # 24 × 10,000 asked of 200,000
    assert balance(org_id=street.pk, source_id=funded.lottery.pk) == 0
    assert (
        lowest_balance_from(
            org_id=street.pk, source_id=funded.lottery.pk, account=Account.FUND, day=date(2021, 1, 1)
        )
        == 0
    )
    assert ledger_problems() == []


def test_parallel_case_payments_never_overdraw_the_street_fund(funded, cast, org):
    """24 cashiers' connections pay 24 cases of different households of one street at once,
    against case money that covers only some: each payment is posted with it or refused."""
    street = org(STREET)
    # Leave 35,000 of case money at the street, in two sources: 30,000 of lottery and 5,000
    # of fiscal matching (drawn first). 17 of the 24 payments of 2,000 fit; 1,000 is left.
    services.aid_pay(
        actor=as_(cast.finance_cn), org=street, source=funded.lottery, amount="170000.00", day=date(2021, 2, 1),
        memo="项目发放", idempotency_key=key(), project=project("P-1"),
    )  # fmt: skip
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=street, source=funded.fiscal, amount="5000.00", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    fund = D("35000.00")
    ids = [factories.approve(factories.case(cast.intake_a), "2000.00").pk for _ in range(THREADS)]
    assert len({Case.objects.get(pk=pk).household_id for pk in ids}) == THREADS

    def pay(i):
        return case_services.case_pay(
            case=Case.objects.get(pk=ids[i]), actor=Actor.for_user(cast.cashier_a), method="cash",
            idempotency_key=uuid.uuid4(),
        )  # fmt: skip

    results = run_together(pay)
    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(paid) + len(refused) == THREADS, [r for r in results if not isinstance(r, Payment | Refused)]
    lottery = balance(org_id=street.pk, source_id=funded.lottery.pk)
    fiscal = balance(org_id=street.pk, source_id=funded.fiscal.pk)
    paid_sum = sum((p.amount for p in paid), D("0.00"))
    print(
        f"\nparallel case payments: connections={THREADS} tried={len(results)} paid={len(paid)} "
        f"refused={len(refused)} fund={fund} paid_sum={paid_sum} balance_after={lottery + fiscal} "
        f"(lottery {lottery}, fiscal {fiscal})"
    )
    assert (len(paid), len(refused)) == (17, 7)
    assert paid_sum == D("34000.00") <= fund
    assert (lottery, fiscal) == (D("1000.00"), D("0.00"))  # fiscal first (draw order 10), then lottery
    # Never below zero, on any day since the money came.
    for source in (funded.lottery, funded.fiscal):
        assert (
            lowest_balance_from(
                org_id=street.pk, source_id=source.pk, account=Account.FUND, day=date(2021, 1, 1)
            )
            >= 0
        )
    # Each refusal read the balance the others left, under the lock, and says so.
    assert all("发放 ¥2,000.00" in str(r) and "合计 ¥1,000.00，尚缺 ¥1,000.00" in str(r) for r in refused)
    # Every payment has its posting; every refused case is as it was.
    assert PaymentRecord.objects.count() == Payment.objects.count() == 17
    assert not PaymentRecord.objects.filter(posted_at__isnull=True).exists()
    for payment in paid:
        aid = Posting.objects.filter(transaction__payment_record__payment=payment, account=Account.AID)
        assert aid.aggregate(t=Sum("amount"))["t"] == payment.amount
    assert Case.objects.filter(pk__in=ids, state=CaseState.PAID).count() == 17
    assert Case.objects.filter(pk__in=ids, state=CaseState.APPROVED, payment__isnull=True).count() == 7
    assert ledger_problems(grace=timedelta(0)) == []


def test_parallel_work_expenses_never_break_the_cap(donations_used_2021, cast, org):
    def charge(i):
        return services.work_expense_record(
            actor=as_(cast.finance_cn), org=org(STREET), source=donations_used_2021.directed, amount="500.00",
            day=date(2021, 12, 1), memo=f"工作经费{i}", idempotency_key=key(),
        )  # fmt: skip

    results = run_together(charge)
    assert refusals(results, "cap_exceeded") == THREADS - 8  # cap 4,000 = 10% of 40,000 used
    total = Posting.objects.filter(account=Account.WORK_EXPENSE).aggregate(t=Sum("amount"))["t"]
    assert total == D("4000.00")
    assert ledger_problems() == []


def test_parallel_management_fees_never_break_the_cap(sources, cast, org):
    fin = as_(cast.foundation_fin)
    services.lottery_funds_receive(
        actor=fin,
        source=sources.lottery,
        amount="2000000.00",
        day=date(2025, 1, 15),
        memo="到账",
        idempotency_key=key(),
    )
    services.aid_pay(
        actor=fin, org=org("SHBKHZ"), source=sources.lottery, amount="1000000.00", day=date(2025, 6, 1),
        memo="项目帮扶", idempotency_key=key(), project=project("P-FC"),
    )  # fmt: skip

    def fee(i):
        return services.management_fee_record(
            actor=fin, source=sources.lottery, amount="2000.00", day=date(2025, 12, 20), memo=f"管理费{i}",
            idempotency_key=key(),
        )  # fmt: skip

    results = run_together(fee)
    assert refusals(results, "cap_exceeded") == THREADS - 12  # cap 25,000: 12 fees of 2,000
    total = Posting.objects.filter(account=Account.MANAGEMENT_FEE).aggregate(t=Sum("amount"))["t"]
    assert total == D("24000.00")


def test_parallel_allocations_never_exceed_the_agreement(funded, cast, org, agreement):
    # 500,000 of the agreement's 600,000 is allocated; 24 × 10,000 more are asked for.
    def allocate(i):
        return services.allocation_make(
            actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=funded.lottery,
            amount="10000.00", day=date(2021, 6, 1), memo=f"追加{i}", idempotency_key=key(),
        )  # fmt: skip

    results = run_together(allocate)
    assert refusals(results, "agreement_exceeded") == THREADS - 10
    total = Allocation.objects.filter(agreement=agreement, from_org__code="SHBKHZ").aggregate(
        t=Sum("amount")
    )["t"]
    assert total == D("600000.00")
    assert ledger_problems() == []


def test_parallel_reversals_of_one_transaction_reverse_it_once(funded, cast):
    txn = Allocation.objects.get(to_org__code=STREET).transaction

    def reverse(i):
        return services.transaction_reverse(
            actor=as_(cast.finance_cn), txn=txn, day=date(2021, 2, 1), reason="有误"
        )

    results = run_together(reverse)
    reversals = {r.pk for r in results if not isinstance(r, Exception)}
    assert len(reversals) == 1
    assert ledger_problems() == []
