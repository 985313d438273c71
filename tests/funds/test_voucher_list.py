"""The voucher list and the report filing list through core.listing: filters in the URL (date
range, case, fund source, number or memo; month, district, filing state), sorting both ways, an
unknown sort ignored, and the scope."""


import pytest

from bangfu.funds.models import Transaction

pytestmark = pytest.mark.django_db
URL = "/funds/transactions/"


def shown(response) -> list[int]:
    return [t.pk for t, _ in response.context["rows"]]


@pytest.fixture
def three(funded):
    """The receipt at the foundation (1/5), the allocation to 长宁区 (1/10), on to 华阳路街道 (1/15)."""
    return list(Transaction.objects.order_by("date", "pk"))


def test_vouchers_filter_by_date_source_and_number_and_sort(cast, login, three, funded):
    receipt, to_district, to_street = three
    client = login(cast.foundation_fin)
    assert shown(client.get(URL)) == [to_street.pk, to_district.pk, receipt.pk]
    assert shown(client.get(URL, {"sort": "date"})) == [receipt.pk, to_district.pk, to_street.pk]
    assert shown(client.get(URL, {"date_from": "2021-01-06", "date_to": "2021-01-14"})) == [to_district.pk]
    assert shown(client.get(URL, {"q": to_district.number})) == [to_district.pk]
    assert shown(client.get(URL, {"q": "下拨华阳路"})) == [to_street.pk]
    assert set(shown(client.get(URL, {"fund_source": funded.lottery.pk}))) == {t.pk for t in three}
    assert shown(client.get(URL, {"fund_source": funded.fiscal.pk})) == []
    assert shown(client.get(URL, {"case": "GA20210000001"})) == []
    assert shown(client.get(URL, {"sort": "-memo"})) == shown(client.get(URL))  # not a column: ignored
    html = client.get(URL, {"sort": "number", "fund_source": funded.lottery.pk}).content.decode()
    assert "凭证 ▲" in html and f'href="?sort=-number&amp;fund_source={funded.lottery.pk}"' in html


def test_vouchers_of_other_organisations_never_appear_even_by_number(cast, login, three):
    receipt, _, to_street = three
    client = login(cast.approver_a)  # 华阳路街道: only its own allocation
    assert shown(client.get(URL)) == [to_street.pk]
    assert shown(client.get(URL, {"q": receipt.number})) == []
    assert shown(client.get(URL, {"q": "一季度下拨"})) == []


REPORTS = "/funds/reports/"


def orgs(response) -> list[str]:
    return [r.org.code for r in response.context["rows"]]


def test_the_filing_list_filters_by_district_and_state_and_sorts(today, cast, login, org):
    client = login(cast.foundation_fin)
    everyone = orgs(client.get(REPORTS, {"month": "2021-03"}))
    assert everyone[0] != "310105" and "310101" in everyone  # districts first, each with its streets
    changning = orgs(client.get(REPORTS, {"month": "2021-03", "district": org("310105").pk}))
    assert changning[0] == "310105" and all(c.startswith("310105") for c in changning) and len(changning) > 5
    overdue = client.get(REPORTS, {"month": "2021-03", "state": "overdue", "district": org("310105").pk})
    assert orgs(overdue) == changning  # none filed
    assert orgs(client.get(REPORTS, {"month": "2021-03", "state": "accepted"})) == []
    by_org = orgs(client.get(REPORTS, {"month": "2021-03", "sort": "-org", "district": org("310105").pk}))
    assert by_org == changning[::-1]
    assert orgs(client.get(REPORTS, {"month": "2021-03", "sort": "code"}))[:5] == everyone[:5]  # ignored
    page = client.get(REPORTS, {"month": "2021-03"})
    assert "下一页" in page.content.decode() and 'href="?month=2021-03&amp;page=2"' in page.content.decode()


def test_the_filing_list_keeps_to_the_scope(today, cast, login, org):
    client = login(cast.finance_cn)
    rows = orgs(client.get(REPORTS, {"month": "2021-03", "district": org("310101").pk}))
    assert rows and all(c.startswith("310105") for c in rows)  # 黄浦区 is not a choice: ignored
    assert 'name="district"' not in client.get(REPORTS).content.decode()
