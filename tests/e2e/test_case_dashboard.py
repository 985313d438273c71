"""In a real browser at 1366×768: the district approver opens 个案看板 from the navigation (four
charts drawn by the vendored Chart.js, no console error, no failed request), and the district's
monthly report, whose widest table (the funds by organisation, eleven money columns) fits its
card without a sideways scroll."""

import pytest
from django.utils import timezone

from tests.cases import factories
from tests.conftest import PASSWORD

DISTRICT = "310105"


@pytest.mark.e2e
def test_district_opens_the_case_dashboard_and_a_report_that_fits(browser_page, cast):
    # The real clock (see test_funds_dashboard.py): the cases are applied for on their fixed day
    # in 2021 and the page is asked for that month; the money arrives this month.
    today = timezone.localdate()
    factories.fund_street("310105001", amount="1234567.89", day=today.replace(day=1))
    factories.fund_street("310105002", amount="987654.32", day=today.replace(day=1))
    for _ in range(3):
        factories.case(cast.intake_a)
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: None if r.url.startswith(page.base_url) else errors.append(r.url))

    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "district_cn")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")

    page.click("nav.sidebar >> text=个案看板")
    page.wait_for_url("**/cases/dashboard/")
    page.goto(page.base_url + "/cases/dashboard/?from=2021-03&to=2021-03")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length === 4")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => !!Chart.getChart(c) && c.width > 0)"
    )
    assert drawn == [True, True, True, True]
    states = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-state')).data.datasets[0].data"
    )
    assert states[0] == 3  # 待调查
    assert "3" in page.inner_text(".tiles .tile:first-child")

    page.goto(f"{page.base_url}/funds/reports/{DISTRICT}/{today.year}-{today.month}/")
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.table-wrap')].map(w => [w.scrollWidth, w.clientWidth])"
    )
    assert widths and all(scroll <= client for scroll, client in widths), widths
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366
    assert "¥1,234,567.89" in page.inner_text("table.figures >> nth=-1")
    assert errors == []
