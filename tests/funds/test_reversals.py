"""Corrections are reversing transactions: never an edit, never a delete."""

from datetime import date

import pytest

from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Account, Allocation, Transaction, TransactionKind
from bangfu.funds.selectors import balance

from .conftest import DISTRICT, STREET, D, as_, key, project


def street_allocation():
    return Allocation.objects.get(to_org__code=STREET).transaction


def test_a_reversal_negates_every_posting(funded, cast, org):
    original = street_allocation()
    rev = services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=original, day=date(2021, 2, 1), reason="下拨有误"
    )
    assert rev.kind == TransactionKind.REVERSAL and rev.reverses == original
    assert sorted(p.amount for p in rev.postings.all()) == sorted(-p.amount for p in original.postings.all())
    assert balance(org_id=org(STREET).pk, source_id=funded.lottery.pk) == 0
    assert balance(org_id=org(DISTRICT).pk, source_id=funded.lottery.pk) == D("500000.00")
    # Before the reversal's date the allocation still shows.
    assert balance(org_id=org(STREET).pk, source_id=funded.lottery.pk, on=date(2021, 1, 31)) == D("200000.00")


def test_a_transaction_is_reversed_once(funded, cast):
    original = street_allocation()
    first = services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=original, day=date(2021, 2, 1), reason="有误"
    )
    again = services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=original, day=date(2021, 2, 2), reason="有误"
    )
    assert first == again and Transaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    with pytest.raises(Refused, match="本身是冲销凭证"):
        services.transaction_reverse(actor=as_(cast.finance_cn), txn=first, day=date(2021, 2, 3), reason="x")


def test_money_already_spent_cannot_be_taken_back(funded, cast, org):
    services.aid_pay(
        actor=as_(cast.finance_cn), org=org(STREET), source=funded.lottery, amount="150000.00",
        day=date(2021, 3, 1), memo="项目发放", idempotency_key=key(), project=project("P-1"),
    )  # fmt: skip
    with pytest.raises(Refused, match=r"¥50,000\.00"):
        services.transaction_reverse(
            actor=as_(cast.finance_cn), txn=street_allocation(), day=date(2021, 4, 1), reason="x"
        )


def test_a_reversal_needs_a_reason_and_a_date_not_before_the_original(funded, cast):
    with pytest.raises(Refused, match="冲销理由"):
        services.transaction_reverse(
            actor=as_(cast.finance_cn), txn=street_allocation(), day=date(2021, 2, 1), reason=" "
        )
    with pytest.raises(Refused, match="不能早于"):
        services.transaction_reverse(
            actor=as_(cast.finance_cn), txn=street_allocation(), day=date(2021, 1, 1), reason="x"
        )


def test_a_reversed_allocation_frees_the_agreement(funded, cast, org, agreement):
    district_allocation = Allocation.objects.get(to_org__code=DISTRICT, from_org__code="SHBKHZ").transaction
    services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=street_allocation(), day=date(2021, 2, 1), reason="x"
    )
    services.transaction_reverse(
        actor=as_(cast.foundation), txn=district_allocation, day=date(2021, 2, 2), reason="x"
    )
    assert services.agreement_allocated(agreement) == 0
    services.allocation_make(
        actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=funded.lottery,
        amount="600000.00", day=date(2021, 3, 1), memo="重新下拨", idempotency_key=key(),
    )  # fmt: skip
    assert balance(org_id=org(DISTRICT).pk, source_id=funded.lottery.pk, account=Account.FUND) == D(
        "600000.00"
    )
