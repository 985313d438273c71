"""The case procedure's payments: posted to the ledger with the payment, exactly once, from
the street's money for case aid; a payment the money cannot cover is refused at the
cashier's desk; records an earlier version left unposted are swept up, never lost."""

from datetime import date, timedelta

import pytest

from bangfu.cases.models import Case, CaseState, Payment, PaymentRecord
from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Account, Posting, Transaction
from bangfu.funds.selectors import balance
from bangfu.funds.tasks import sweep_pending_payments
from bangfu.funds.verify import ledger_problems

from .conftest import STREET, D, as_, key, paid_case, project, unposted_case


def test_a_payment_is_posted_with_it_once_from_the_street_fund(funded, cast, org):
    record = paid_case(cast, "4000.00")
    txn = Transaction.objects.get(payment_record=record)
    assert services.payment_post(payment_record=record) == txn  # again: the same transaction
    assert Transaction.objects.filter(payment_record=record).count() == 1
    aid = Posting.objects.get(account=Account.AID)
    assert (aid.amount, aid.case_id, aid.org.code, aid.date) == (
        D("4000.00"),
        record.case_id,
        STREET,
        record.paid_on,
    )
    assert txn.created_by == cast.cashier_a  # the cashier made the movement
    assert balance(org_id=org(STREET).pk, source_id=funded.lottery.pk) == D("196000.00")
    record.refresh_from_db()
    assert record.posted_at is not None and record.ledger_reference == txn.number


def test_a_payment_draws_on_the_sources_in_their_order(funded, cast, org):
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=funded.fiscal, amount="1500.00", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    record = paid_case(cast, "4000.00")
    txn = Transaction.objects.get(payment_record=record)
    drawn = {p.fund_source.code: p.amount for p in txn.postings.filter(account=Account.AID)}
    assert drawn == {"CZ-CN": D("1500.00"), "FC": D("2500.00")}  # fiscal first (draw order 10), then lottery


def test_money_for_projects_and_plans_never_pays_a_case(sources, cast, org):
    services.enterprise_funding_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.enterprise, funder="某集团", amount="9000.00",
        day=date(2021, 2, 1), memo="项目资助", idempotency_key=key(),
    )  # fmt: skip
    with pytest.raises(Refused) as e:
        paid_case(cast, "4000.00")
    message = str(e.value)
    assert "¥4,000.00" in message and "没有任何可用资金，合计 ¥0.00" in message
    assert "某集团助学项目资助" not in message  # project money is not the cases' money
    assert not Payment.objects.exists() and not PaymentRecord.objects.exists()


def test_the_refusal_names_what_each_usable_source_holds(funded, cast, org):
    street = org(STREET)
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=street, source=funded.fiscal, amount="1234.56", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.finance_cn), org=street, source=funded.lottery, amount="190000.00", day=date(2021, 3, 1),
        memo="项目发放", idempotency_key=key(), project=project("P-1"),
    )  # fmt: skip
    with pytest.raises(Refused) as e:
        paid_case(cast, "12345.67")
    assert str(e.value) == (
        "不能发放：华阳路街道可用于个案帮扶的专项资金不足：个案 "
        f"{Case.objects.get().number} 发放 ¥12,345.67，{_today()}及以后可用 “长宁区财政配套”¥1,234.56、"
        "“市级福彩金”¥10,000.00，合计 ¥11,234.56，尚缺 ¥1,111.11。请待区、街镇资金到账后再发放。"
    )
    assert Case.objects.get().state == CaseState.APPROVED
    assert not Transaction.objects.filter(kind="payment", payment_record__isnull=False).exists()


def _today() -> str:
    from django.utils import timezone

    day = timezone.localdate()
    return f"{day.year}年{day.month}月{day.day}日"


def test_the_sweep_posts_a_legacy_record_once_the_money_is_there(sources, cast, org):
    """A record an earlier version left unposted (it posted in the background, which the fund
    could refuse): `ledger verify` raises the alarm, and the sweep posts it once money comes."""
    record = unposted_case(cast, "4000.00")
    assert str(record.event_id) in sweep_pending_payments.call_local()["refused"]
    record.refresh_from_db()
    assert record.posted_at is None
    problems = [p for p in ledger_problems(grace=timedelta(0)) if p.check == "payments"]
    assert len(problems) == 1 and str(record.event_id) in problems[0].message
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.fiscal, amount="5000.00", day=date(2021, 2, 1),
        memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    assert sweep_pending_payments.call_local() == {"posted": 1, "refused": {}}
    record.refresh_from_db()
    assert record.posted_at is not None
    assert sweep_pending_payments.call_local() == {"posted": 0, "refused": {}}
    assert Transaction.objects.filter(payment_record=record).count() == 1
    assert ledger_problems(grace=timedelta(0)) == []
