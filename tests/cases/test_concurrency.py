"""Exactly once and the annual caps under real parallel connections (PostgreSQL only).

Each thread has its own database connection; a barrier releases them together, so the
household and case row locks in `workflow.transition` are what keeps the invariants.
"""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from bangfu.audit.actor import Actor
from bangfu.cases import services
from bangfu.cases.models import Case, CaseState, Payment, PaymentRecord
from bangfu.core.refusal import Refused

from . import factories

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
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_many_cashiers_pay_one_case_once(cast):
    factories.fund_street()  # money for more than one payment: only the case's lock stops a second
    c = factories.case(cast.intake_a)
    Case.objects.filter(pk=c.pk).update(state=CaseState.APPROVED, approved_amount=Decimal("4000.00"))
    shared = uuid.uuid4()

    def pay(i):
        key = shared if i % 2 else uuid.uuid4()  # half retry the same form, half are other cashiers
        return services.case_pay(
            case=Case.objects.get(pk=c.pk),
            actor=Actor.for_user(cast.cashier_a),
            method="cash",
            idempotency_key=key,
        )

    results = run_together(pay)
    assert Payment.objects.count() == 1 and PaymentRecord.objects.count() == 1
    paid = [r for r in results if isinstance(r, Payment)]
    assert paid and all(p.pk == paid[0].pk for p in paid)
    assert all(isinstance(r, Payment | Refused) for r in results)


def test_parallel_approvals_never_break_two_events(cast):
    h = factories.household()
    ids = []
    for _ in range(THREADS):
        c = factories.case(cast.intake_a, h, invoices=[(Decimal("10000.00"),)])
        ids.append(c.pk)
    Case.objects.filter(pk__in=ids).update(
        state=CaseState.APPROVING_STREET, approved_amount=Decimal("1000.00")
    )

    def approve(i):
        return services.case_transition(
            case=Case.objects.get(pk=ids[i]),
            action="approve",
            actor=Actor.for_user(cast.approver_a),
            amount=Decimal("1000.00"),
        )

    run_together(approve)
    assert Case.objects.filter(household=h, state=CaseState.APPROVED).count() == 2


def test_parallel_district_approvals_never_exceed_80000(cast):
    h = factories.household(category="dibao")
    ids = []
    for _ in range(THREADS):
        c = factories.case(cast.intake_a, h, invoices=[(Decimal("50000.00"),)])
        ids.append(c.pk)
    Case.objects.filter(pk__in=ids).update(
        state=CaseState.APPROVING_DISTRICT, approved_amount=Decimal("30000.00"), exception_reason="多次住院"
    )

    def approve(i):
        return services.case_transition(
            case=Case.objects.get(pk=ids[i]), action="approve_district", actor=Actor.for_user(cast.district_cn),
            amount=Decimal("30000.00"),
        )  # fmt: skip

    run_together(approve)
    approved = Case.objects.filter(household=h, state=CaseState.APPROVED)
    assert approved.count() == 2
    assert approved.aggregate(t=Sum("approved_amount"))["t"] <= Decimal("80000.00")


def test_parallel_payments_of_one_household_respect_caps(cast):
    factories.fund_street("310105001", "50000.00")  # the money is there: the caps refuse
    h = factories.household()
    ids = []
    for _ in range(THREADS):
        c = factories.case(cast.intake_a, h, invoices=[(Decimal("10000.00"),)])
        ids.append(c.pk)
    # Approved without the household lock (as if by an older version): payment must still hold the line.
    Case.objects.filter(pk__in=ids).update(state=CaseState.APPROVED, approved_amount=Decimal("1000.00"))

    def pay(i):
        return services.case_pay(
            case=Case.objects.get(pk=ids[i]),
            actor=Actor.for_user(cast.cashier_a),
            method="transfer",
            idempotency_key=uuid.uuid4(),
        )

    run_together(pay)
    # Each paid case excludes itself but counts the others in "approved": with all 24 approved,
    # none may be paid, since each would be at least the third event of the year.
    assert Payment.objects.filter(case__household=h).count() == 0
