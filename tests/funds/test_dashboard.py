"""资金看板: aid spending per month by district, source and aid type, and money left per
district; grouped queries, amounts carried as strings made from Decimal, scoped like the rest."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.funds import selectors, services

from .conftest import DISTRICT, STREET, as_, key, paid_case, project


@pytest.fixture
def spent(funded, cast, org):
    """2021: a case of 华阳路街道 paid (4,000, drawn from the lottery money), a project of the
    foundation (10,000 in March), and 黄浦区 with money of its own (fiscal matching)."""
    # Paid today: outside 2021, inside the default twelve months. (The task posts it after the
    # commit, which a test transaction never reaches: post it here.)
    paid_case(cast, "4000.00")  # posted with the payment
    services.aid_pay(
        actor=as_(cast.foundation_fin), org=org("SHBKHZ"), source=funded.lottery, amount="10000.00",
        day=date(2021, 3, 5), memo="市级项目", idempotency_key=key(), project=project("XM-1"),
    )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.finance_cn), org=org(STREET), source=funded.lottery, amount="2500.50",
        day=date(2021, 3, 20), memo="街镇项目", idempotency_key=key(), project=project("XM-2"),
    )  # fmt: skip
    return funded


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="chart-data" type="application/json">') + len(
        '<script id="chart-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def series(chart: dict) -> dict[str, list[str]]:
    return {d["label"]: d["data"] for d in chart["datasets"]}


def test_foundation_dashboard_by_month_district_source_and_aid_type(spent, cast, login):
    r = login(cast.foundation).get("/funds/dashboard/?from=2021-01&to=2021-06")
    assert r.status_code == 200
    page = r.content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in page and "cdn" not in page.lower()
    data = chart_data(r)
    assert data["district"]["labels"] == [f"2021年{m}月" for m in range(1, 7)]
    assert series(data["district"]) == {
        "长宁区": ["0.00", "0.00", "2500.50", "0.00", "0.00", "0.00"],
        "基金会（市级项目）": ["0.00", "0.00", "10000.00", "0.00", "0.00", "0.00"],
    }
    assert series(data["source"]) == {"市级福彩金": ["0.00", "0.00", "12500.50", "0.00", "0.00", "0.00"]}
    assert series(data["aid_type"]) == {"项目帮扶": ["0.00", "0.00", "12500.50", "0.00", "0.00", "0.00"]}
    # Money left per district at the end of the period (its streets included): 300,000 + 200,000 − 2,500.50
    # (the case was paid later).
    assert data["left"]["labels"] == ["长宁区"]
    assert series(data["left"]) == {"市级福彩金": ["497499.50"]}
    assert "¥12,500.50" in page  # the period's aid in the headline tiles


def test_the_case_paid_today_shows_under_its_aid_type_this_month(spent, cast, login):
    data = chart_data(login(cast.supervisor).get("/funds/dashboard/"))
    assert len(data["aid_type"]["labels"]) == 12
    assert series(data["aid_type"])["大重病医疗帮扶"][-1] == "4000.00"


def test_a_reversal_takes_the_spending_back(spent, cast, login, org):
    from bangfu.funds.models import Transaction

    project = Transaction.objects.get(memo="街镇项目")
    services.transaction_reverse(actor=as_(cast.finance_cn), txn=project, day=date(2021, 4, 2), reason="误发")
    data = chart_data(login(cast.foundation).get("/funds/dashboard/?from=2021-01&to=2021-06"))
    assert series(data["district"])["长宁区"] == ["0.00", "0.00", "2500.50", "-2500.50", "0.00", "0.00"]


def test_a_district_sees_only_its_own(spent, cast, login):
    data = chart_data(login(cast.finance_cn).get("/funds/dashboard/?from=2021-01&to=2021-06"))
    assert set(series(data["district"])) == {"长宁区"}
    assert (
        chart_data(login(cast.district_hp).get("/funds/dashboard/?from=2021-01&to=2021-06"))["left"]["labels"]
        == []
    )


def test_people_without_funds_view_are_refused(cast, login):
    assert login(cast.intake_a).get("/funds/dashboard/").status_code == 403
    assert login(cast.sysadmin).get("/funds/dashboard/").status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [("?from=2021-13", "格式不正确"), ("?from=abc", "格式不正确"), ("?from=2021-06&to=2021-01", "不能早于"),
     ("?from=1990-01&to=2021-01", "最多显示60个月")],
)  # fmt: skip
def test_bad_months_are_explained_never_a_500(cast, login, query, message):
    r = login(cast.foundation).get("/funds/dashboard/" + query)
    assert r.status_code == 200 and message in r.content.decode()


def test_the_aggregates_are_grouped_queries(spent, cast):
    for by in ("district", "source", "aid_type"):
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.spending_by_month(
                user=cast.foundation, start=date(2021, 1, 1), end=date(2021, 12, 31), by=by
            )
        assert rows and len(queries) <= 2  # the grouped rows, and the names of the districts
    with CaptureQueriesContext(connection) as queries:
        selectors.funds_left_by_district(user=cast.foundation, on=date(2021, 12, 31))
    assert len(queries) <= 2


def test_navigation_and_home_link_to_the_dashboard(cast, login):
    for user in (cast.foundation, cast.supervisor):
        page = login(user).get("/").content.decode()
        assert page.count('href="/funds/dashboard/"') >= 2  # the sidebar, and a tile
    assert 'href="/funds/dashboard/"' not in login(cast.intake_a).get("/").content.decode()


def test_the_district_total_counts_street_money_for_its_district(spent, cast):
    rows = selectors.funds_left_by_district(user=cast.foundation, on=date(2021, 12, 31))
    assert {(r["district_code"], r["kind"]): str(r["amount"]) for r in rows} == {
        (DISTRICT, "lottery"): "497499.50"
    }
