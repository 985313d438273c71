"""In a real browser: active discovery (SPEC §3) as the street's assessor does it. A lead is raised
from the household file; the 主动发现 page (from the navigation) lists it with the households due
for a visit; the screening visit that follows it up records a finding that opens an application
on the household's behalf, and the household file then shows the case and no open lead."""

import pytest

from bangfu.cases.models import Case, CaseState
from bangfu.discovery.models import Lead
from tests.cases import factories
from tests.conftest import CAST
from tests.e2e.test_case_procedure import expect_done, sign_in


@pytest.mark.e2e
def test_a_lead_from_the_household_file_followed_by_a_visit_that_opens_a_case(browser_page, make_user, today):
    make_user("assessor_a", CAST["assessor_a"])
    household = factories.household()
    applicant = household.members.get()
    page = browser_page

    sign_in(page, "assessor_a")
    page.goto(f"{page.base_url}/households/{household.pk}/")
    page.click("#leads >> text=登记线索")
    page.select_option("#id_source", "referral")
    page.fill("#id_description", "楼组长反映：户主近日住院。")
    page.click("button:has-text('登记线索')")
    expect_done(page, "已登记线索")
    assert "楼组长反映：户主近日住院。" in page.locator("#leads").inner_text()

    page.click("nav >> text=主动发现")
    page.wait_for_url("**/cases/discovery/")
    leads = page.locator("table").first
    assert "楼组长反映" in leads.inner_text()
    assert household.file_number in page.locator("table").nth(1).inner_text()  # due: never visited

    leads.locator("text=上门排摸").click()
    page.wait_for_selector("text=跟进线索：居委会/志愿者转介")
    page.select_option("#id_finding", "sudden_illness")
    page.fill("#id_notes", "户主突发重病住院")
    page.check("#id_open_application")
    page.select_option("#id_applicant", str(applicant.pk))
    page.select_option("#id_aid_type", "medical")
    page.click("button:has-text('保存')")
    expect_done(page, "已记录排摸")

    case = Case.objects.get(household=household)
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert case.state == CaseState.APPLIED and case.source_visit.finding == "sudden_illness"
    lead = Lead.objects.get(household=household)
    assert lead.closed_at is not None and lead.visit == case.source_visit

    page.goto(f"{page.base_url}/households/{household.pk}/")
    assert case.number in page.locator("#cases").inner_text()
    assert "暂无待处理的线索" in page.locator("#leads").inner_text()
