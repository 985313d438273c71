"""A payment needs money behind it (SPEC §10): the cashier of a street whose case money does
not cover the amount is refused with the figures, and nothing of the payment is written."""

import html

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.cases.models import CaseState, FollowUp, Payment, PaymentRecord, Transition
from bangfu.funds.models import Posting, Transaction

from . import factories
from .test_procedure import to_approved

pytestmark = pytest.mark.django_db


def _pay_form_key(client, case) -> str:
    form = client.get(reverse("cases:action", args=[case.pk, "pay"]))
    return str(form.context["form"].initial["idempotency_key"])


def test_the_cashier_is_refused_when_the_street_cannot_cover_the_payment(cast, act, roster, login):
    factories.fund_street("310105001", "2500.50")  # the street holds less than the 4,000 approved
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    transitions = Transition.objects.filter(case=c).count()
    ledger = (Transaction.objects.count(), Posting.objects.count())
    key = _pay_form_key(login(cast.cashier_a), c)

    r = act(cast.cashier_a, c, "pay", method="transfer", idempotency_key=key)

    assert r.status_code == 400
    page = html.unescape(r.content.decode())
    assert "不能发放：华阳路街道可用于个案帮扶的专项资金不足" in page
    assert "发放 ¥4,000.00" in page and "“测试财政配套”¥2,500.50" in page
    assert "合计 ¥2,500.50，尚缺 ¥1,499.50" in page
    c.refresh_from_db()
    assert c.state == CaseState.APPROVED and c.approved_amount == 4000
    assert not Payment.objects.exists() and not PaymentRecord.objects.exists()
    assert not FollowUp.objects.filter(case=c).exists()
    assert Transition.objects.filter(case=c).count() == transitions
    assert (Transaction.objects.count(), Posting.objects.count()) == ledger
    assert not AuditEntry.objects.filter(action="case.pay").exists()

    # The district's money arrives: the same form (same key) now pays, once, with its posting.
    factories.fund_street("310105001", "1499.50")
    assert act(cast.cashier_a, c, "pay", method="transfer", idempotency_key=key).status_code == 302
    assert act(cast.cashier_a, c, "pay", method="transfer", idempotency_key=key).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.PAID
    record = PaymentRecord.objects.get()
    aid = Posting.objects.get(account="aid")
    assert (aid.amount, aid.case_id, aid.transaction.payment_record) == (4000, c.pk, record)


def test_money_of_another_street_does_not_pay(cast, act, roster, login):
    factories.fund_street("310105002", "50000.00")  # 江苏路街道, not the case's street
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    r = act(cast.cashier_a, c, "pay", method="cash", idempotency_key=_pay_form_key(login(cast.cashier_a), c))
    assert r.status_code == 400
    assert "合计 ¥0.00，尚缺 ¥4,000.00" in html.unescape(r.content.decode())
    assert not Payment.objects.exists()
