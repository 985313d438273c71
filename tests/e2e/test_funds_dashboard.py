"""In a real browser: the foundation's finance officer logs in through the login page, opens the
fund dashboard from the navigation (its four charts drawn by the vendored Chart.js, no console
error), then opens a district's monthly report and downloads it as Excel."""

from datetime import date
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from bangfu.funds import services
from tests.conftest import PASSWORD
from tests.funds.conftest import DISTRICT, STREET, as_, key, project


@pytest.mark.e2e
def test_foundation_opens_the_dashboard_and_downloads_a_monthly_report(browser_page, cast, org):
    # The browser keeps the real clock (its session cookie must not look expired), so this test
    # cannot freeze time; Shanghai's date, not the machine's UTC date, is the dashboard's month.
    today = timezone.localdate()
    fd = as_(cast.foundation_fin)
    lottery = services.fund_source_create(actor=fd, code="FC", name="市级福彩金", kind="lottery")
    services.lottery_funds_receive(
        actor=fd,
        source=lottery,
        amount="500000.00",
        day=today.replace(day=1),
        memo="福彩金到账",
        idempotency_key=key(),
    )
    agreement = services.agreement_create(
        actor=fd, district=org(DISTRICT), number="XY-E2E", amount="300000.00", valid_from=today.replace(day=1),
        valid_to=date(today.year, 12, 31), duties="项目落地", reporting="每月报表",
    )  # fmt: skip
    services.agreement_sign(actor=fd, agreement=agreement, signed_on=today.replace(day=1))
    for who, to in ((fd, org(DISTRICT)), (as_(cast.finance_cn), org(STREET))):
        services.allocation_make(
            actor=who, agreement=agreement, to_org=to, source=lottery, amount="100000.00", day=today.replace(day=1),
            memo="下拨", idempotency_key=key(),
        )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.finance_cn), org=org(STREET), source=lottery, amount="12345.67",
        day=today.replace(day=1), memo="街镇项目帮扶", idempotency_key=key(), project=project("XM-E2E"),
    )  # fmt: skip
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "foundation_fin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")

    page.click("nav.sidebar >> text=资金看板")
    page.wait_for_url("**/funds/dashboard/")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length === 4")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas')].map(c => !!Chart.getChart(c) && c.width > 0)"
    )
    assert drawn == [True, True, True, True]
    # The district chart carries this month's spending of 长宁区.
    labels = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-district')).data.datasets.map(d => d.label)"
    )
    assert labels == ["长宁区"]
    assert "¥12,345.67" in page.inner_text(".tiles")
    assert errors == []

    page.goto(f"{page.base_url}/funds/reports/{DISTRICT}/{today.year}-{today.month}/")
    with page.expect_download() as info:
        page.click("text=下载 Excel")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and "长宁区" in download.suggested_filename
    with open(download.path(), "rb") as fh:
        workbook = load_workbook(BytesIO(fh.read()))
    assert workbook.sheetnames
    assert errors == []
