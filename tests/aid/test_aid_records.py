"""The aid record (SPEC §4): one row per delivery of aid to a household, written with the
payment that delivers it and reversed with it; what the caps, the engine and the household file
read."""

import html
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from bangfu.aid import selectors
from bangfu.aid.models import AidRecord, AppendOnly
from bangfu.audit.actor import Actor
from bangfu.cases import services as case_services
from bangfu.cases.rules import prior_aid
from bangfu.core.refusal import Refused
from bangfu.funds import services as funds
from bangfu.funds.models import FundSource, Transaction
from bangfu.orgs.models import Organisation
from tests.cases import factories
from tests.cases.conftest import review_data
from tests.cases.test_procedure import to_reviewing

pytestmark = pytest.mark.django_db

STREET = "310105001"


def text(response) -> str:
    return html.unescape(response.content.decode())


def paid(cast, h=None, amount="4000.00"):
    c = factories.approve(factories.case(cast.intake_a, h), amount)
    case_services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    c.refresh_from_db()
    return c


def goods(h, form: str, value: str, day=date(2021, 2, 1), kind="goods", hours=None) -> AidRecord:
    """Aid of another form, as its (later) writers will record it: goods or a service."""
    return AidRecord.objects.create(
        household=h, form=form, kind=kind, value=Decimal(value), hours=hours, date=day,
        organisation=Organisation.objects.get(code=STREET),
    )  # fmt: skip


def test_the_cashiers_payment_writes_the_aid_record_with_its_posting(cast, act, roster, funds_2021):
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    act(cast.panel_a, c, "review", **review_data(roster, amount="4000.00"))
    assert act(cast.approver_a, c, "approve", amount="4000.00").status_code == 302
    key = str(uuid.uuid4())
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302  # once

    record = AidRecord.objects.get()
    txn = Transaction.objects.get(payment_record__payment__case=c)
    assert (record.form, record.kind, record.value, record.date) == (
        "case",
        "money",
        Decimal("4000.00"),
        date(2021, 6, 1),
    )
    assert record.household_id == c.household_id and record.person_id == c.applicant_id
    assert record.case_payment == c.payment and record.ledger_transaction == txn
    assert record.organisation.code == STREET and record.fund_source == FundSource.objects.get(code="T-CZ")
    assert record.reverses is None


def test_a_refused_payment_leaves_no_aid_record(cast, in_2021):
    c = factories.approve(factories.case(cast.intake_a), "4000.00")  # the street holds nothing
    with pytest.raises(Refused):
        case_services.case_pay(
            case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
        )
    assert not AidRecord.objects.exists()


def test_reversing_the_payments_transaction_writes_the_reversal_record(cast, funds_2021):
    c = paid(cast)
    txn = Transaction.objects.get(payment_record__payment__case=c)
    rev = funds.transaction_reverse(
        actor=Actor.for_user(cast.finance_cn, "test"), txn=txn, day=date(2021, 6, 5), reason="重复发放"
    )
    again = funds.transaction_reverse(
        actor=Actor.for_user(cast.finance_cn, "test"), txn=txn, day=date(2021, 6, 6), reason="重复发放"
    )
    assert again == rev
    original = AidRecord.objects.get(reverses=None)
    reversal = AidRecord.objects.get(reverses=original)
    assert (reversal.value, reversal.date, reversal.ledger_transaction) == (
        Decimal("-4000.00"),
        date(2021, 6, 5),
        rev,
    )
    assert (reversal.form, reversal.kind, reversal.household_id) == ("case", "money", c.household_id)
    year = selectors.aid_in_year(c.household_id, 2021)
    assert (year.events, year.total, len(year.records)) == (0, Decimal("0.00"), 2)
    # A reversed payment is no longer aid the engine hears of.
    later = factories.case(cast.intake_a, c.household)
    count = next(t for t in later.proposal["trace"] if t["step"] == "annual.count")
    assert count["subject"] == "0"
    assert prior_aid(later) == []


def test_aid_records_are_append_only(cast, funds_2021):
    record = AidRecord.objects.get(case_payment__case=paid(cast))
    record.value = Decimal("1.00")
    with pytest.raises(AppendOnly):
        record.save()
    with pytest.raises(AppendOnly):
        record.delete()
    for attempt in (
        lambda: AidRecord.objects.filter(pk=record.pk).update(value=Decimal("1.00")),
        lambda: AidRecord.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            attempt()
    assert AidRecord.objects.get(pk=record.pk).value == Decimal("4000.00")


def test_money_needs_its_ledger_transaction_and_only_a_reversal_is_negative(in_2021, db):
    h = factories.household()
    with pytest.raises(IntegrityError), transaction.atomic():
        goods(h, "project", "100.00", kind="money")
    with pytest.raises(IntegrityError), transaction.atomic():
        goods(h, "project", "-100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        goods(h, "project", "100.00", hours=Decimal("2"))  # hours are for services
    assert not AidRecord.objects.exists()


def test_the_selector_answers_by_form_and_kind_net_of_reversals(cast, funds_2021):
    c = paid(cast, amount="4000.00")
    h = c.household
    goods(h, "project", "300.00")
    goods(h, "project", "200.00", kind="service", hours=Decimal("6"))
    goods(h, "specific", "1000.00", kind="service", hours=Decimal("4"))
    goods(h, "project", "999.00", day=date(2020, 12, 31))  # another year
    second = paid(cast, h, amount="1000.00")
    funds.transaction_reverse(
        actor=Actor.for_user(cast.finance_cn, "test"),
        txn=Transaction.objects.get(payment_record__payment__case=second), day=date(2021, 6, 2), reason="有误",
    )  # fmt: skip

    every = selectors.aid_in_year(h.pk, 2021)
    assert (every.events, every.total) == (4, Decimal("5500.00"))
    assert len(every.records) == 6  # the reversed payment and its reversal are listed
    assert selectors.aid_in_year(h.pk, 2021, forms=["case"]).total == Decimal("4000.00")
    project = selectors.aid_in_year(h.pk, 2021, forms=["project"])
    assert (project.events, project.total) == (2, Decimal("500.00"))
    services = selectors.aid_in_year(h.pk, 2021, kinds=["service"])
    assert (services.events, services.total) == (2, Decimal("1200.00"))
    assert selectors.aid_in_year(h.pk, 2021, forms=["project", "specific"], kinds=["goods"]).total == 300
    assert selectors.aid_in_year(h.pk, 2020).total == Decimal("999.00")
    assert selectors.aid_in_year(h.pk, 2021, exclude_case_id=c.pk).total == Decimal("1500.00")
    table = {
        (r["form"], r["kind"]): (r["events"], r["total"], r["hours"])
        for r in selectors.year_by_form_and_kind(h.pk, 2021)
    }
    assert table == {
        ("case", "money"): (1, Decimal("4000.00"), None),
        ("project", "goods"): (1, Decimal("300.00"), None),
        ("project", "service"): (1, Decimal("200.00"), Decimal("6")),
        ("specific", "service"): (1, Decimal("1000.00"), Decimal("4")),
    }


def test_the_engine_hears_of_prior_aid_with_its_form(cast, funds_2021):
    c = paid(cast, amount="4000.00")
    goods(c.household, "specific", "500.00")
    later = factories.case(cast.intake_a, c.household)
    assert prior_aid(later) == [
        {"date": "2021-02-01", "amount": "500.00", "form": "specific"},
        {"date": "2021-03-15", "amount": "4000.00", "form": "case"},  # a case counts on its application date
    ]


def test_project_aid_counts_toward_the_amount_cap_and_specific_aid_toward_neither(cast, act, roster, in_2021):
    h = factories.household(category="dibao")
    goods(h, "project", "77000.00")
    goods(h, "project", "1.00", day=date(2021, 2, 2))
    goods(h, "project", "1.00", day=date(2021, 2, 3))  # three project events: not events of the 2-event cap
    goods(h, "specific", "50000.00", kind="service", hours=Decimal("10"))  # counts toward neither
    c = factories.case(cast.intake_a, h)  # medical, 60% of 10,000 = 6,000 before the caps
    assert c.proposal["max_amount"] == "2998.00" and "capped_by_annual_limit" in {
        r["code"] for r in c.proposal["reasons"]
    }
    to_reviewing(cast, act, c)
    act(cast.panel_a, c, "review", **review_data(roster, amount="4000.00"))
    r = act(cast.approver_a, c, "approve", amount="4000.00")
    page = text(r)
    assert r.status_code == 400
    assert "本户本年已批准或已发放 ¥77,002.00，全年累计不超过 ¥80,000.00，本次最多 ¥2,998.00" in page
    assert "一般不超过2次" not in page  # the project events are not counted as events
    assert act(cast.approver_a, c, "approve", amount="2998.00").status_code == 302


def test_case_aid_still_counts_toward_both_caps(cast, act, roster, funds_2021):
    h = factories.household(category="dibao")
    paid(cast, h, amount="1000.00")
    paid(cast, h, amount="1000.00")
    goods(h, "specific", "1.00")
    c = factories.case(cast.intake_a, h)
    to_reviewing(cast, act, c)
    act(cast.panel_a, c, "review", **review_data(roster, amount="1000.00"))
    r = act(cast.approver_a, c, "approve", amount="1000.00")
    assert r.status_code == 400 and "本户本年已有2次帮扶（已批准或已发放），每年一般不超过2次" in text(r)


def test_the_household_file_shows_this_years_aid_by_form_and_kind(cast, login, funds_2021):
    c = paid(cast, amount="4000.00")
    goods(c.household, "project", "300.00", kind="goods")
    page = text(login(cast.intake_a).get(reverse("registry:detail", args=[c.household_id])))
    assert "2021年帮扶记录" in page
    section = page[page.index('id="aid"') :]
    section = section[: section.index("</section>")]
    assert "个案帮扶" in section and "¥4,000.00" in section
    assert "项目帮扶" in section and "实物" in section and "¥300.00" in section
    assert "特定帮扶" not in section.split("</thead>")[1]
    # Another district's staff do not see the file at all.
    assert login(cast.intake_hp).get(reverse("registry:detail", args=[c.household_id])).status_code == 404


def test_a_reversal_record_takes_back_the_value_and_the_hours(in_2021, db):
    from bangfu.aid.builders import reversal_row

    service = goods(factories.household(), "project", "200.00", kind="service", hours=Decimal("6"))
    back = reversal_row(service, transaction_id=None, day=date(2021, 3, 1))
    back.save()
    assert (back.value, back.hours, back.reverses) == (Decimal("-200.00"), Decimal("-6"), service)
    with pytest.raises(IntegrityError), transaction.atomic():
        reversal_row(service, transaction_id=None, day=date(2021, 3, 2)).save()  # one reversal per record
    year = selectors.aid_in_year(service.household_id, 2021)
    assert (year.events, year.total) == (0, Decimal("0.00"))


def test_a_services_value_counts_toward_no_annual_amount(cast, act, roster, in_2021):
    """三(四) 全年累计帮扶资金 counts money and goods at their value (SPEC §4): a project's service
    of 77,000 leaves the whole year's amount; the same value in goods leaves 2,998 (above)."""
    h = factories.household(category="dibao")
    goods(h, "project", "77000.00", kind="service", hours=Decimal("40"))
    c = factories.case(cast.intake_a, h)  # medical, 60% of 10,000 = 6,000
    assert prior_aid(c) == [{"date": "2021-02-01", "amount": "0.00", "form": "project"}]
    assert c.proposal["max_amount"] == "6000.00"
    assert "capped_by_annual_limit" not in {r["code"] for r in c.proposal["reasons"]}
    to_reviewing(cast, act, c)
    act(cast.panel_a, c, "review", **review_data(roster, amount="6000.00"))
    assert act(cast.approver_a, c, "approve", amount="6000.00").status_code == 302
