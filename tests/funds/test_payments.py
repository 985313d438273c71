"""The case procedure's payments posted to the ledger exactly once, none lost."""

from datetime import date, timedelta

import pytest

from bangfu.cases.models import PaymentRecord
from bangfu.funds import services
from bangfu.funds.models import Account, Posting, Transaction
from bangfu.funds.selectors import balance
from bangfu.funds.services import FundsRefused
from bangfu.funds.tasks import post_pending_payments
from bangfu.funds.verify import ledger_problems

from .conftest import STREET, D, as_, key, paid_case


def test_a_payment_is_posted_once_from_the_street_fund(funded, cast, org):
    record = paid_case(cast, "4000.00")
    txn = services.payment_post(payment_record=record)
    assert services.payment_post(payment_record=record) == txn
    assert Transaction.objects.filter(payment_record=record).count() == 1
    aid = Posting.objects.get(account=Account.AID)
    assert (aid.amount, aid.case_id, aid.org.code, aid.date) == (
        D("4000.00"),
        record.case_id,
        STREET,
        record.paid_on,
    )
    assert balance(org_id=org(STREET).pk, source_id=funded.lottery.pk) == D("196000.00")
    record.refresh_from_db()
    assert record.posted_at is not None and record.ledger_reference == txn.number


def test_the_task_posts_every_pending_payment(funded, cast):
    records = [paid_case(cast, "1000.00"), paid_case(cast, "2500.00")]
    # Under test huey runs the task inline; `.get()` is its return value.
    assert post_pending_payments().get() == {"posted": 2, "refused": {}}
    assert not PaymentRecord.objects.filter(pk__in=[r.pk for r in records], posted_at__isnull=True).exists()
    assert Posting.objects.filter(account=Account.AID).count() == 2
    post_pending_payments()  # again: nothing more
    assert Transaction.objects.filter(payment_record__isnull=False).count() == 2


def test_a_payment_draws_on_the_sources_in_their_order(funded, cast, org):
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=funded.fiscal, amount="1500.00", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    record = paid_case(cast, "4000.00")
    txn = services.payment_post(payment_record=record)
    drawn = {p.fund_source.code: p.amount for p in txn.postings.filter(account=Account.AID)}
    assert drawn == {"CZ-CN": D("1500.00"), "FC": D("2500.00")}  # fiscal first (draw order 10), then lottery


def test_money_for_projects_and_plans_never_pays_a_case(sources, cast, org):
    services.enterprise_funding_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.enterprise, funder="某集团", amount="9000.00",
        day=date(2021, 2, 1), memo="项目资助", idempotency_key=key(),
    )  # fmt: skip
    record = paid_case(cast, "4000.00")
    with pytest.raises(FundsRefused) as e:
        services.payment_post(payment_record=record)
    assert (
        e.value.code == "insufficient_funds" and "¥0.00" in e.value.message and "¥4,000.00" in e.value.message
    )


def test_an_unpostable_payment_stays_pending_and_verify_raises_the_alarm(sources, cast, org):
    record = paid_case(cast, "4000.00")
    assert str(record.event_id) in post_pending_payments().get()["refused"]
    record.refresh_from_db()
    assert record.posted_at is None
    problems = [p for p in ledger_problems(grace=timedelta(0)) if p.check == "payments"]
    assert len(problems) == 1 and str(record.event_id) in problems[0].message
    # Once the district puts money in, the next run posts it.
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.fiscal, amount="5000.00", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    post_pending_payments()
    record.refresh_from_db()
    assert record.posted_at is not None
    assert not [p for p in ledger_problems(grace=timedelta(0)) if p.check == "payments"]
