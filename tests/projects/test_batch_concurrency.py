"""Batches under real parallel connections (PostgreSQL only): two approvals at once never commit
more than the fund holds; a delivery recorded by several people at once is written once.

Each thread has its own connection; a barrier releases them together, so the row locks (the
batch's, the (owner, fund source) row's) are what keeps the invariants.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from bangfu.aid.models import AidRecord
from bangfu.core.refusal import Refused
from bangfu.funds.models import Account, Posting, Transaction
from bangfu.funds.verify import ledger_verify
from bangfu.projects import batches
from bangfu.projects.models import Batch, BatchState, Enrolment, EnrolmentVia
from tests.cases import factories
from tests.projects.conftest import DISTRICT, STREET, as_, make_plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flushable_db"),
]
DUE = date(2026, 6, 30)


def in_parallel(work, n: int) -> list:
    """`work(i)` for i in 0..n-1, each in a pool thread with its own connection, all released
    at once by a barrier; a refusal is returned as the result."""
    start = threading.Barrier(n)

    def one(i):
        start.wait()
        try:
            return work(i)
        except Refused as refused:
            return refused
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def prepared(plan, households: int, preparer) -> Batch:
    for _ in range(households):
        h = factories.household(STREET, category="dibao")
        Enrolment.objects.create(project=plan, household=h, via=EnrolmentVia.ONE)
    return batches.prepare(actor=as_(preparer), project=plan, due_date=DUE)


def test_two_approvals_at_once_never_overdraw(cast, today, changning_in_force, district_money):
    """200,000 held: batches of 120,000 each fit alone, never two together."""
    ids = []
    for _ in range(6):
        plan = make_plan(owner=DISTRICT, fund_source=district_money, unit_value="40000.00")
        ids.append(prepared(plan, 3, cast.district_cn).pk)

    def approve(i):
        return batches.approve(actor=as_(cast.finance_cn), batch=Batch.objects.get(pk=ids[i]))

    results = in_parallel(approve, len(ids))
    approved = Batch.objects.filter(pk__in=ids, state=BatchState.APPROVED)
    assert approved.count() == 1
    assert sum(isinstance(r, Refused) and r.code == "insufficient_funds" for r in results) == len(ids) - 1
    assert approved.aggregate(t=Sum("total"))["t"] <= Decimal("200000.00")


def test_deliveries_at_once_are_written_once(cast, today, changning_in_force, lottery):
    plan = make_plan(fund_source=lottery)
    b = prepared(plan, 20, cast.foundation)
    batches.approve(actor=as_(cast.foundation2), batch=b)
    before = Transaction.objects.count()

    def deliver(i):
        actor = as_(cast.foundation_fin if i % 2 else cast.foundation2)
        return batches.deliver(actor=actor, batch=Batch.objects.get(pk=b.pk), day=date(2026, 6, 16))

    results = in_parallel(deliver, 8)
    assert all(isinstance(r, Batch) for r in results), results
    assert {r.ledger_transaction_id for r in results} == {Batch.objects.get(pk=b.pk).ledger_transaction_id}
    assert Transaction.objects.count() == before + 1
    assert Posting.objects.filter(project=plan, account=Account.AID).count() == 20
    assert AidRecord.objects.filter(project_item__batch=b).count() == 20
    assert ledger_verify().problems == []


def test_preparations_at_once_put_a_household_in_one_batch(cast, today, changning_in_force, lottery):
    plan = make_plan(fund_source=lottery)
    for _ in range(10):
        Enrolment.objects.create(
            project=plan, household=factories.household(STREET, category="dibao"), via=EnrolmentVia.ONE
        )

    def prepare(i):
        return batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)

    results = in_parallel(prepare, 6)
    made = [r for r in results if isinstance(r, Batch)]
    assert len(made) == 1 and made[0].item_count == 10
    assert all(isinstance(r, Refused) and r.code == "nothing_to_prepare" for r in results if r not in made)
