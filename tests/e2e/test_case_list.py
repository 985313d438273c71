"""In a real browser: a district approver filters the case list (street, aid type, a date range),
sorts it by a column both ways, and a reload keeps all of it, because it lives in the URL."""

from datetime import date

import pytest

from tests.cases import factories
from tests.conftest import CAST
from tests.e2e.test_case_procedure import sign_in


def numbers(page) -> list[str]:
    return page.locator("table.table tbody tr td:first-child a").all_inner_texts()


@pytest.mark.e2e
def test_a_sorted_and_filtered_case_list(browser_page, make_user, org):
    # Cases of 2021 (the policy in force then); the browser keeps the real clock, which no step reads.
    intake_a, intake_b = make_user("intake_a", CAST["intake_a"]), make_user("intake_b", CAST["intake_b"])
    make_user("district_cn", CAST["district_cn"])
    early = factories.case(intake_a, application_date=date(2021, 2, 1))
    late = factories.case(intake_a, application_date=date(2021, 9, 1))
    factories.case(intake_a, aid_type="other", invoices=(), application_date=date(2021, 5, 1))
    factories.case(intake_a, application_date=date(2021, 1, 12))  # before the range
    factories.case(intake_b, factories.household("310105002"), application_date=date(2021, 6, 1))
    page = browser_page

    sign_in(page, "district_cn")
    page.goto(page.base_url + "/cases/")
    page.select_option("#id_street", str(org("310105001").pk))
    page.select_option("#id_aid_type", "medical")
    page.fill("#id_date_from", "2021-01-15")
    page.fill("#id_date_to", "2021-12-31")
    page.click("form.list-filters button[type=submit]")
    page.wait_for_url("**/cases/?*aid_type=medical*")
    assert numbers(page) == [late.number, early.number]  # newest application first

    page.click("th >> a:has-text('申请日期')")
    page.wait_for_url("**sort=date*")
    assert numbers(page) == [early.number, late.number]
    header = page.locator("th:has(a:has-text('申请日期'))")
    assert header.get_attribute("aria-sort") == "ascending" and "▲" in header.inner_text()

    page.click("th >> a:has-text('申请日期')")
    page.wait_for_url("**sort=-date*")
    assert numbers(page) == [late.number, early.number]
    assert page.locator("th:has(a:has-text('申请日期'))").get_attribute("aria-sort") == "descending"

    page.reload()
    assert numbers(page) == [late.number, early.number]
    assert page.input_value("#id_aid_type") == "medical" and page.input_value("#id_date_from") == "2021-01-15"
    assert page.input_value("#id_street") == str(org("310105001").pk)

    page.click("text=清除条件")
    page.wait_for_selector("table.table tbody tr >> nth=4")
    assert len(numbers(page)) == 5 and "sort=-date" in page.url
