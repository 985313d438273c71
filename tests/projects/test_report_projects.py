"""Project aid in the monthly 业务及资金使用报表 and on the dashboards (SPEC §4, §7): by plan and by
fund source — households, deliveries, money, goods and service values — for the month and the
organisation's households, on screen, in the Excel and the PDF; worked out by hand from the world
of `delivered.py`."""

import html
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from bangfu.cases.dashboard import case_dashboard
from bangfu.funds import selectors as fund_selectors
from bangfu.funds.models import Transaction
from bangfu.funds.reports.monthly import monthly_report_figures
from bangfu.funds.reports.snapshot import differences, flatten, from_json, to_json
from bangfu.funds.services import transaction_reverse
from tests.funds.test_reports import _evaluate, _find

from .conftest import DISTRICT, OTHER_DISTRICT, OTHER_STREET, STREET, as_
from .delivered import delivered_fixture, item_in, record_of, world_batch  # noqa: F401  (the `delivered` fixture)

D = Decimal
COLUMNS = ("households", "items", "money", "goods", "service", "hours", "amount")


def figures(row: dict) -> tuple:
    return tuple(row[k] for k in COLUMNS)


def line(households, items, money="0", goods="0", service="0", hours="0") -> tuple:
    money, goods, service = D(money), D(goods), D(service)
    return (households, items, money, goods, service, D(hours), money + goods + service)


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def untagged(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


# The month of June 2026 by hand. 华阳路街道: h1 the lottery money (10 June) and the goods (12 June),
# h2 the service (5 June); h2's lottery item was not delivered, h1's service was in May. 长宁区:
# those and h3 of 江苏路街道 (the lottery money and the goods); h4 is 黄浦区's. By source, the district's
# fiscal matching comes first (its draw order), then the lottery money.
JUNE = {
    STREET: (
        [line(1, 1, money="1000"), line(1, 1, goods="300"), line(1, 1, service="200", hours="4")],
        [
            ("长宁区财政配套", line(2, 2, goods="300", service="200", hours="4")),
            ("市级福彩金", line(1, 1, money="1000")),
        ],
        line(2, 3, money="1000", goods="300", service="200", hours="4"),
    ),
    DISTRICT: (
        [line(2, 2, money="2000"), line(2, 2, goods="600"), line(1, 1, service="200", hours="4")],
        [
            ("长宁区财政配套", line(3, 3, goods="600", service="200", hours="4")),
            ("市级福彩金", line(2, 2, money="2000")),
        ],
        line(3, 5, money="2000", goods="600", service="200", hours="4"),
    ),
}


@pytest.mark.parametrize("code", [STREET, DISTRICT])
def test_the_month_by_plan_and_by_source(delivered, org, code):
    w = delivered
    p = monthly_report_figures(org(code), 2026, 6)["projects"]
    plans, sources, total = JUNE[code]
    assert [(r["key"], r["label"], r["lottery_funded"]) for r in p["by_plan"]] == [
        (w.lottery_plan.code, "困难家庭助学金", True),
        (w.goods_plan.code, "长宁区节日慰问", False),
        (w.service_plan.code, "长宁区居家照护", False),
    ]
    assert [figures(r) for r in p["by_plan"]] == plans
    assert [(r["label"], figures(r)) for r in p["by_source"]] == sources
    assert figures(p["total"]) == total


def test_other_months_and_districts_have_their_own(delivered, org):
    may = monthly_report_figures(org(STREET), 2026, 5)["projects"]
    assert [figures(r) for r in may["by_plan"]] == [line(1, 1, service="200", hours="4")]
    huangpu = monthly_report_figures(org(OTHER_DISTRICT), 2026, 6)["projects"]
    assert [figures(r) for r in huangpu["by_plan"]] == [line(1, 1, money="1000")]
    assert monthly_report_figures(org(OTHER_STREET), 2026, 4)["projects"]["by_plan"] == []


def test_the_report_page_shows_project_aid_with_the_lottery_mark(delivered, cast, login):
    w = delivered
    page = text(login(cast.finance_cn).get(f"/funds/reports/{DISTRICT}/2026-06/"))
    section = page[page.index('id="report-projects"') :]
    section = section[: section.index('<div class="card">')]
    summary = "本期项目帮扶发放 5 笔，涉及 3 户；资金 ¥2,000.00，实物价值 ¥600.00，服务价值 ¥200.00（4.00 小时），合计 ¥2,800.00"
    assert summary in untagged(section)
    lottery_row = section[section.index(w.lottery_plan.code) :].split("</tr>")[0]
    assert "困难家庭助学金" in lottery_row and "彩票公益金资助" in lottery_row and "¥2,000.00" in lottery_row
    goods_row = section[section.index(w.goods_plan.code) :].split("</tr>")[0]
    assert "彩票公益金资助" not in goods_row and "¥600.00" in goods_row
    assert "长宁区财政配套" in section and "¥800.00" in section


def test_the_excel_has_a_project_sheet_by_plan_and_source(delivered, cast, login):
    w = delivered
    r = login(cast.finance_cn).get(f"/funds/reports/{DISTRICT}/2026-06.xlsx")
    assert r.status_code == 200
    ws = load_workbook(BytesIO(r.content))["项目帮扶"]
    header_row = _find(ws, "项目编号")
    col = {ws.cell(row=header_row, column=c).value: c for c in range(1, 12)}
    row = _find(ws, w.lottery_plan.code)
    cell = lambda label, row=row: ws.cell(row=row, column=col[label])  # noqa: E731
    assert cell("项目名称").value == "困难家庭助学金" and cell("资金标注").value == "彩票公益金资助"
    assert (cell("户数").value, cell("发放笔数").value, cell("资金").value) == (2, 2, 2000)
    assert cell("资金").number_format == "#,##0.00"
    assert cell("合计").value.startswith("=") and _evaluate(ws, cell("合计").coordinate) == D("2000")
    service = _find(ws, w.service_plan.code)
    assert _evaluate(ws, cell("服务时数", service).coordinate) == D("4")
    total = _find(ws, "合计")  # the plans' total
    assert cell("资金", total).value.startswith("=SUM(")
    assert _evaluate(ws, cell("合计", total).coordinate) == D("2800")
    assert cell("户数", total).value == 3  # distinct households, not 2 + 2 + 1
    # The by-source table: its own lead columns (资金来源, 来源类别), then the figures.
    source = _find(ws, "长宁区财政配套")
    assert ws.cell(row=source, column=2).value == "财政配套资金"
    assert [ws.cell(row=source, column=c).value for c in range(3, 9)] == [3, 3, 0, 600, 200, 4]
    assert _evaluate(ws, f"I{source}") == D("800")


def test_the_pdf_has_the_project_section(delivered, cast, login):
    r = login(cast.finance_cn).get(f"/funds/reports/{DISTRICT}/2026-06.pdf")
    assert r.status_code == 200
    content = "".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "四、项目帮扶" in content and "困难家庭助学金（彩票公益金资助）" in content
    assert "2,800.00" in content


def test_a_snapshot_keeps_the_project_figures_and_says_what_changed(delivered, cast, org):
    w = delivered
    filed = to_json(monthly_report_figures(org(STREET), 2026, 6))
    assert from_json(filed)["projects"] == monthly_report_figures(org(STREET), 2026, 6)["projects"]
    label = f"项目·按项目·困难家庭助学金（{w.lottery_plan.code}）·资金"
    assert flatten(filed)[label] == "1000.00"
    # A delivery booked into the month afterwards shows as a change of the filed report.
    record_of(item_in(world_batch(w.goods_plan, 2, date(2026, 6, 15), cast), w.h2))
    changes = differences(filed, monthly_report_figures(org(STREET), 2026, 6))
    assert (
        f"项目·按项目·长宁区节日慰问（{w.goods_plan.code}）·实物价值：报送 ¥300.00，现为 ¥600.00" in changes
    )
    # A month without project aid reads the same as a snapshot filed before the report had the section.
    april = monthly_report_figures(org(STREET), 2026, 4)
    before = {k: v for k, v in to_json(april).items() if k != "projects"}
    assert differences(before, april) == []


def test_the_funds_dashboard_shows_the_periods_project_aid_of_the_plans_in_scope(delivered, cast, login):
    w = delivered
    p = fund_selectors.project_aid_of_period(
        user=cast.foundation, start=date(2026, 1, 1), end=date(2026, 6, 30)
    )
    assert [(r["key"], figures(r)) for r in p["by_plan"]] == [
        (w.lottery_plan.code, line(3, 3, money="3000")),  # h4 of 黄浦区 too
        (w.goods_plan.code, line(2, 2, goods="600")),
        (w.service_plan.code, line(2, 2, service="400", hours="8")),
    ]
    page = text(login(cast.foundation).get("/funds/dashboard/?from=2026-01&to=2026-06"))
    block = page[page.index('id="dashboard-projects"') :]
    block = block[: block.index("</section>")]
    assert (
        "困难家庭助学金" in block
        and "彩票公益金资助" in block
        and "¥3,000.00" in block
        and "¥4,000.00" in block
    )
    # A district's finance: the plans it owns (the foundation's money is booked at the foundation).
    mine = fund_selectors.project_aid_of_period(
        user=cast.finance_cn, start=date(2026, 1, 1), end=date(2026, 6, 30)
    )
    assert [r["key"] for r in mine["by_plan"]] == [w.goods_plan.code, w.service_plan.code]
    other = text(login(cast.district_hp).get("/funds/dashboard/?from=2026-01&to=2026-06"))
    assert "期间没有项目帮扶发放" in other and "困难家庭助学金" not in other
    # Grouped queries: the same few whatever the number of deliveries.
    with CaptureQueriesContext(connection) as queries:
        fund_selectors.project_aid_of_period(
            user=cast.foundation, start=date(2026, 1, 1), end=date(2026, 6, 30)
        )
    assert len(queries) <= 4


def test_the_case_dashboard_shows_project_aid_to_the_areas_households(delivered, cast, login, today):
    w = delivered
    street = case_dashboard(user=cast.intake_a, start=date(2026, 1, 1), end=date(2026, 6, 30), today=today)
    assert [(r["key"], figures(r)) for r in street["projects"]["by_plan"]] == [
        (w.lottery_plan.code, line(1, 1, money="1000")),
        (w.goods_plan.code, line(1, 1, goods="300")),
        (w.service_plan.code, line(2, 2, service="400", hours="8")),
    ]
    district = case_dashboard(
        user=cast.district_cn, start=date(2026, 6, 1), end=date(2026, 6, 30), today=today
    )
    assert figures(district["projects"]["total"]) == line(
        3, 5, money="2000", goods="600", service="200", hours="4"
    )
    page = text(login(cast.intake_a).get("/cases/dashboard/"))
    block = page[page.index('id="dashboard-projects"') :]
    assert "困难家庭助学金" in block and "彩票公益金资助" in block


def test_the_dashboards_take_a_reversed_delivery_back(delivered, cast, today, org):
    """The lottery batch's transaction reversed on 16 June: its money and deliveries are taken back
    on the dashboards (net of reversals); the month's report still counts what was delivered in
    it (the reversal is a movement of its own period, as for case aid)."""
    w = delivered
    txn = Transaction.objects.get(memo="困难家庭助学金第1批")
    transaction_reverse(actor=as_(cast.foundation_fin), txn=txn, day=date(2026, 6, 16), reason="名单有误")
    p = fund_selectors.project_aid_of_period(
        user=cast.foundation, start=date(2026, 6, 1), end=date(2026, 6, 30)
    )
    lottery = next(r for r in p["by_plan"] if r["key"] == w.lottery_plan.code)
    assert (lottery["items"], lottery["money"], lottery["amount"]) == (0, D("0.00"), D("0.00"))
    assert p["total"]["money"] == D("0.00") and p["total"]["amount"] == D("800.00")
    street = case_dashboard(user=cast.intake_a, start=date(2026, 6, 1), end=date(2026, 6, 30), today=today)
    assert street["projects"]["total"]["money"] == D("0.00")
    report = monthly_report_figures(org(STREET), 2026, 6)["projects"]
    assert report["total"]["money"] == D("1000.00")
