"""Amounts and dates on the case forms, as the street's staff type them: read exactly or refused
in Chinese with nothing saved (SPEC §10). The inputs are text: a number input let the browser
read `12,3.4` as 123.4 before the server could refuse it."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from bangfu.cases.models import Case, Invoice

from . import factories
from .test_permissions import _reviewed

pytestmark = pytest.mark.django_db
TODAY = "2021-03-20 10:00 +0800"


def new_case(h, **extra) -> dict:
    return {"applicant": h.members.get().pk, "aid_type": "medical", "application_date": "2021-03-15",
            "hardship": "重病", **extra}  # fmt: skip


def test_a_requested_amount_with_separators_and_a_yuan_sign_is_stored_exactly(cast, login):
    h = factories.household()
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(reverse("cases:new", args=[h.pk]), new_case(h, requested_amount="¥12,345.67"))
    assert r.status_code == 302
    assert Case.objects.get().requested_amount == Decimal("12345.67")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"requested_amount": "12,3.4"}, "千位分隔符位置不对"),
        ({"requested_amount": "1e3"}, "不能用科学计数法"),
        ({"requested_amount": "Infinity"}, "不能是 NaN 或无穷大"),
        ({"application_date": "2021-03-21"}, "申请日期不能晚于今天（2021年3月20日）"),
    ],
)
def test_a_case_form_value_that_could_be_another_or_lies_ahead_is_refused(cast, login, extra, message):
    h = factories.household()
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(reverse("cases:new", args=[h.pk]), new_case(h, **extra))
    assert r.status_code == 200 and message in r.content.decode()
    assert not Case.objects.exists()


def test_the_case_form_has_no_number_input(cast, login):
    h = factories.household()
    page = login(cast.intake_a).get(reverse("cases:new", args=[h.pk])).content.decode()
    assert 'type="number"' not in page and 'inputmode="decimal"' in page


def invoice(**extra) -> dict:
    return {"number": "B1", "hospital": "华山医院", "regular_hospital": "on", "date": "2021-02-01",
            "fee_type": "medicine", "total": "1,500.00", "reimbursed": "¥299.50", "self_paid": "1,200.50",
            **extra}  # fmt: skip


def test_an_invoice_typed_with_separators_is_stored_exactly(cast, login):
    c = factories.case(cast.intake_a, invoices=())
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(reverse("cases:invoice_add", args=[c.pk]), invoice())
    assert r.status_code == 302
    row = Invoice.objects.get(case=c)
    assert (row.total, row.reimbursed, row.self_paid) == (Decimal("1500.00"), Decimal("299.50"), Decimal("1200.50"))


def test_an_invoice_dated_after_today_is_refused(cast, login):
    c = factories.case(cast.intake_a, invoices=())
    client = login(cast.intake_a)
    with time_machine.travel("2021-01-31 10:00 +0800", tick=False):
        r = client.post(reverse("cases:invoice_add", args=[c.pk]), invoice())
    assert r.status_code == 400 and "开票日期不能晚于今天（2021年1月31日）" in r.content.decode()
    assert not Invoice.objects.filter(case=c).exists()


def test_an_approval_typed_with_separators_is_the_amount_approved(cast, login, roster):
    c = _reviewed(cast, roster)
    r = login(cast.approver_a).post(reverse("cases:action", args=[c.pk, "approve"]), {"amount": "¥3,500.00"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.approved_amount == Decimal("3500.00")


def test_a_misplaced_comma_in_an_approval_changes_nothing(cast, login, roster):
    c = _reviewed(cast, roster)
    before = (c.state, c.transitions.count(), c.approved_amount)
    r = login(cast.approver_a).post(reverse("cases:action", args=[c.pk, "approve"]), {"amount": "4,00.0"})
    assert r.status_code == 400 and "千位分隔符位置不对" in r.content.decode()
    c.refresh_from_db()
    assert (c.state, c.transitions.count(), c.approved_amount) == before
