"""In a real browser: the city's auditor signs in through the login page, opens the audit log from
the navigation, picks an object type by its Chinese name and a date range, and the table narrows
to those rows, the filters kept in the address."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.funds import services as funds
from bangfu.registry import services as registry
from tests.e2e.test_case_procedure import sign_in
from tests.funds.conftest import DISTRICT, as_
from tests.registry.conftest import member


def shown_types(page) -> list[str]:
    return page.locator("table.audit-log tbody td.audit-object .muted").all_inner_texts()


@pytest.mark.e2e
def test_auditor_filters_the_log_by_object_type_and_date(browser_page, cast, org):
    # The browser keeps the real clock; the older rows are written 40 days back, before any page
    # is served, so the test holds on any day of the year.
    today = timezone.localdate()
    earlier = timezone.now() - timedelta(days=40)
    with time_machine.travel(earlier, tick=False):
        old = registry.household_create(
            actor=Actor.system("tests"), street=org("310105001"), address="长宁区旧地址1号",
            members=[member("赵一")],
        )  # fmt: skip
    new = registry.household_create(
        actor=Actor.system("tests"), street=org("310105001"), address="长宁区新地址2号", members=[member("钱二")]
    )
    funds.agreement_create(
        actor=as_(cast.foundation), district=org(DISTRICT), number="XY-E2E-AUDIT", amount="1000.00",
        valid_from=today, valid_to=today + timedelta(days=30), duties="项目落地", reporting="每月报表",
    )  # fmt: skip
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    sign_in(page, "auditor_city")
    page.click("nav.sidebar >> text=审计日志")
    page.wait_for_url("**/audit/")
    everything = shown_types(page)
    assert "帮扶协议" in everything and "家庭档案" in everything

    page.select_option("#id_type", label="家庭档案")
    page.click("#audit-filter button[type=submit]")
    page.wait_for_url("**/audit/?*type=registry.household*")
    types = shown_types(page)
    assert set(types) == {"家庭档案"} and len(types) == 2
    table = page.locator("table.audit-log tbody").inner_text()
    assert old.file_number in table and new.file_number in table

    page.fill("#id_date_from", today.isoformat())
    page.fill("#id_date_to", today.isoformat())
    page.click("#audit-filter button[type=submit]")
    page.wait_for_url(f"**/audit/?*date_from={today.isoformat()}*")
    table = page.locator("table.audit-log tbody").inner_text()
    assert shown_types(page) == ["家庭档案"]
    assert new.file_number in table and old.file_number not in table
    # The filter reads back as it was set, and the object links to its file.
    assert page.input_value("#id_date_from") == today.isoformat()
    assert page.locator("#id_type").input_value() == "registry.household"
    page.click(f"table.audit-log >> text={new.file_number}")
    page.wait_for_url(f"**/households/{new.pk}/")
    assert errors == []
