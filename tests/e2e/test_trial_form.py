"""In a real browser: an intake worker tries an application out (试算) from the policy pages:
finds a household of their street by the head's name, picks it, enters a medical invoice, and
reads the answer as the case page shows it; then types a household's facts by hand, where the
form shows only the parts that apply, and a wrong amount is refused in Chinese on its field."""

import pytest

from tests.cases import factories
from tests.conftest import CAST
from tests.e2e.test_case_procedure import sign_in


@pytest.mark.e2e
def test_an_intake_worker_tries_an_application_out(browser_page, make_user):
    make_user("intake_a", CAST["intake_a"])
    household = factories.household(category="dibao")
    head = household.members.get()
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "intake_a")

    page.click("nav.sidebar >> text=帮扶政策")
    page.click("a.btn:has-text('试算')")
    page.fill("#trial-q", head.name)
    page.click("button:has-text('查找')")
    page.click(f"table.trial-found tr:has-text('{head.name}') >> text=选择")
    page.wait_for_selector("#trial-picked")
    assert page.is_checked("input[name=source][value=file]")
    assert page.locator("fieldset[data-show-source=hand]").is_hidden()

    page.select_option("#id_aid_type", "medical")
    assert page.locator("fieldset[data-show-aid=emergency]").is_hidden()
    page.fill("#id_application_date", "2020-05-01")  # while 长民发〔2016〕31号 is in force
    page.fill("#id_requested_amount", "6000")
    page.fill("#id_invoice-0-number", "A1")
    page.fill("#id_invoice-0-date", "2019-06-01")
    page.fill("#id_invoice-0-self_paid", "1,200.50")
    page.click("#add-invoice")  # a fourth line, left blank: not counted
    assert page.locator("#invoice-lines tr").count() == 4
    page.click("button:has-text('测算')")
    answer = page.locator("section.policy-answer")
    answer.wait_for()
    text = answer.inner_text()
    assert "符合" in text and "¥1,200.50 × 60% = ¥720.30" in text and "发票 A1：计入" in text
    assert "按档案读取的家庭情况" in page.inner_text("body")

    # By hand: the household's part appears, the invoices go away for an emergency.
    page.goto(page.base_url + "/policy/evaluate/")
    page.check("input[name=source][value=hand]")
    assert page.locator("fieldset[data-show-source=hand]").is_visible()
    page.select_option("#id_district", "310105")
    page.select_option("#id_category", "other")
    page.fill("#id_hukou_district", "310105")
    page.select_option("#id_aid_type", "emergency")
    assert page.locator("fieldset[data-show-aid=medical]").is_hidden()
    page.select_option("#id_event", "fire")
    page.check("#id_casualty_or_major_loss")
    page.fill("#id_application_date", "2020-05-01")
    page.fill("#id_requested_amount", "12.345")
    page.click("button:has-text('测算')")
    page.wait_for_selector(".field-error")
    assert "两位小数" in page.inner_text(".field:has(#id_requested_amount) .field-error")
    assert page.locator("section.policy-answer").count() == 0
    assert page.input_value("#id_hukou_district") == "310105"  # what was typed is kept
    page.fill("#id_requested_amount", "15000")
    page.click("button:has-text('测算')")
    answer.wait_for()
    assert "¥15,000.00" in answer.inner_text()
    assert errors == []
