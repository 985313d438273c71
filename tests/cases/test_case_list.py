"""The case list for daily work (core.listing): search by name, ID number and case number, filters
in the URL, sorting by its columns both ways, paging that keeps the filters, and the scope that no
search crosses."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.cases.models import Case

from . import factories

pytestmark = pytest.mark.django_db
URL = reverse("cases:list")


def shown(response) -> list[int]:
    return [c.pk for c in response.context["page"]]


@pytest.fixture
def made(cast):
    """Three cases at 华阳路街道 and one at 江苏路街道 (same district), of different kinds and days."""
    a = factories.case(cast.intake_a, aid_type="medical", application_date=date(2021, 3, 15))
    b = factories.case(cast.intake_a, aid_type="other", invoices=(), application_date=date(2021, 5, 2))
    c = factories.case(cast.intake_a, aid_type="medical", application_date=date(2021, 8, 9))
    Case.objects.filter(pk=a.pk).update(approved_amount=Decimal("500.00"))
    Case.objects.filter(pk=c.pk).update(approved_amount=Decimal("9000.00"))
    other = factories.case(cast.intake_b, factories.household("310105002"), application_date=date(2021, 4, 1))
    return a, b, c, other


def test_search_finds_by_name_prefix_case_number_and_id_number(cast, login, made):
    a, b, c, _ = made
    client = login(cast.intake_a)
    name = a.applicant.name
    assert shown(client.get(URL, {"q": name})) == [a.pk]
    assert shown(client.get(URL, {"q": b.number})) == [b.pk]
    assert shown(client.get(URL, {"q": b.number.lower()})) == [b.pk]
    assert set(shown(client.get(URL, {"q": b.number[:6]}))) >= {a.pk, b.pk, c.pk}
    # The ID number through its keyed hash: the row is never decrypted to be compared.
    assert shown(client.get(URL, {"q": c.applicant.id_number})) == [c.pk]
    r = client.get(URL, {"q": "没有这个人"})
    assert shown(r) == [] and "没有符合条件的个案" in r.content.decode()


def test_filters_narrow_and_live_in_the_url(cast, login, made):
    a, b, c, other = made
    client = login(cast.district_cn)
    assert set(shown(client.get(URL))) == {a.pk, b.pk, c.pk, other.pk}
    assert set(shown(client.get(URL, {"street": other.street_id}))) == {other.pk}
    assert set(shown(client.get(URL, {"aid_type": "medical"}))) == {a.pk, c.pk, other.pk}
    assert set(shown(client.get(URL, {"date_from": "2021-04-01", "date_to": "2021-06-30"}))) == {b.pk, other.pk}
    assert set(shown(client.get(URL, {"state": "applied", "aid_type": "other"}))) == {b.pk}
    html = client.get(URL, {"aid_type": "other", "date_from": "2021-01-01"}).content.decode()
    # The form shows what was asked for, and offers to clear it.
    assert 'value="2021-01-01"' in html and '<option value="other" selected>' in html and "清除条件" in html


def test_a_range_that_ends_before_it_starts_is_said_and_ignored(cast, login, made):
    r = login(cast.intake_a).get(URL, {"date_from": "2021-05-01", "date_to": "2021-01-01", "aid_type": "other"})
    assert r.status_code == 200 and "截止日期不能早于起始日期。" in r.content.decode()
    assert shown(r) == [made[1].pk]  # the start and the aid type still hold


def test_sort_orders_by_each_column_both_ways(cast, login, made):
    a, b, c, _ = made
    client = login(cast.intake_a)
    assert shown(client.get(URL, {"sort": "date"})) == [a.pk, b.pk, c.pk]
    assert shown(client.get(URL, {"sort": "-date"})) == [c.pk, b.pk, a.pk]
    assert shown(client.get(URL)) == [c.pk, b.pk, a.pk]  # newest application first by default
    # No amount yet goes last both ways.
    assert shown(client.get(URL, {"sort": "amount"})) == [a.pk, c.pk, b.pk]
    assert shown(client.get(URL, {"sort": "-amount"})) == [c.pk, a.pk, b.pk]
    assert shown(client.get(URL, {"sort": "number"})) == [a.pk, b.pk, c.pk]
    html = client.get(URL, {"sort": "-amount"}).content.decode()
    th = re.search(r'<th class="money" aria-sort="descending"><a class="sort-link" href="\?([^"]*)"', html)
    assert th and th.group(1) == "sort=amount" and "核定金额 ▼" in html
    assert 'aria-sort="none"><a class="sort-link" href="?sort=date"' in html  # another column: ascending first


@pytest.mark.parametrize("key", ["hardship", "-household__members__id_number", "--date", "pk; drop", ""])
def test_an_unknown_sort_key_is_ignored(cast, login, made, key):
    a, b, c, _ = made
    r = login(cast.intake_a).get(URL, {"sort": key})
    assert r.status_code == 200 and shown(r) == [c.pk, b.pk, a.pk]


def test_paging_keeps_the_filters_and_the_sort(cast, login):
    many = [factories.case(cast.intake_a, aid_type="other", invoices=()) for _ in range(52)]
    factories.case(cast.intake_a, aid_type="medical")
    client = login(cast.intake_a)
    first = client.get(URL, {"aid_type": "other", "sort": "number"})
    html = first.content.decode()
    link = re.search(r'href="\?([^"]*)">下一页', html).group(1).replace("&amp;", "&")
    assert set(link.split("&")) == {"aid_type=other", "sort=number", "page=2"}
    second = client.get(f"{URL}?{link}")
    assert shown(first) + shown(second) == [c.pk for c in many]
    assert "上一页" in second.content.decode() and "下一页" not in second.content.decode()
    # Sorting again starts at the first page and keeps the filter.
    assert 'href="?aid_type=other&amp;sort=-number"' in second.content.decode()


def test_a_queue_keeps_its_queue_through_the_filters(cast, login, made):
    html = login(cast.assessor_a).get(URL, {"queue": "investigate", "aid_type": "medical"}).content.decode()
    assert '<input type="hidden" name="queue" value="investigate">' in html
    assert 'href="?queue=investigate"' in html  # 清除条件 keeps the queue


def test_another_streets_cases_never_appear_even_by_their_exact_numbers(cast, login, made):
    *_, other = made
    client = login(cast.intake_a)
    for q in (other.number, other.applicant.id_number, other.applicant.name, other.household.file_number):
        assert other.pk not in shown(client.get(URL, {"q": q}))
    assert other.pk not in shown(client.get(URL, {"street": other.street_id}))
    assert other.pk not in shown(client.get(URL, {"sort": "-date", "state": other.state}))
    # Another district's worker sees none of 长宁区's.
    assert shown(login(cast.district_hp).get(URL, {"q": made[0].applicant.id_number})) == []


def test_the_id_number_finds_nothing_for_those_who_may_not_reveal_it(cast, login, made):
    a = made[0]
    client = login(cast.foundation)
    assert a.pk in shown(client.get(URL, {"q": a.number}))
    assert shown(client.get(URL, {"q": a.applicant.id_number})) == []


def test_the_street_filter_is_offered_only_where_there_are_streets_to_choose(cast, login, made):
    assert 'name="street"' not in login(cast.intake_a).get(URL).content.decode()
    html = login(cast.district_cn).get(URL).content.decode()
    assert 'name="street"' in html and "华阳路街道" in html and "南京东路街道" not in html


def test_the_follow_up_queues_sort_and_filter(cast, login, made, today):
    a, _, c, _ = made
    Case.objects.filter(pk__in=[a.pk, c.pk]).update(state="paid")
    client = login(cast.assessor_a)
    assert shown(client.get(URL, {"queue": "follow_up", "sort": "date"})) == [a.pk, c.pk]
    assert shown(client.get(URL, {"queue": "follow_up", "sort": "-date"})) == [c.pk, a.pk]
    assert shown(client.get(URL, {"queue": "follow_up", "date_from": "2021-06-01"})) == [c.pk]


def test_the_voucher_list_finds_a_cases_payment_by_the_case_number(cast, act, roster, login):
    from bangfu.funds.models import Posting

    from .test_funded_payment import _pay_form_key
    from .test_procedure import to_approved

    factories.fund_street("310105001")
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    act(cast.cashier_a, c, "pay", method="cash", idempotency_key=_pay_form_key(login(cast.cashier_a), c))
    paid = Posting.objects.get(account="aid", case=c).transaction_id
    vouchers = login(cast.approver_a).get("/funds/transactions/", {"case": c.number.lower()})
    assert [t.pk for t, _ in vouchers.context["rows"]] == [paid]
    assert [t.pk for t, _ in login(cast.finance_cn).get("/funds/transactions/", {"case": "GA2099"}).context["rows"]] == []
