"""In a real browser: the cashier's pay screen, with the case and the payment restated and a
confirmation before anything is paid; and the intake worker's invoice line, refused, coming
back with everything typed still there. Real clock: the cases are dated in 2021, while
长民发〔2016〕31号 was in force, and their payments on whatever day the test runs."""

from decimal import Decimal

import pytest

from bangfu.cases.models import Invoice, Payment
from tests.cases import factories
from tests.conftest import CAST

from .test_case_procedure import expect_done, sign_in

ACCOUNT = "6222021001123451234"


@pytest.mark.e2e
def test_the_cashier_reads_the_payment_and_confirms_it_before_it_is_paid(browser_page, make_user):
    intake = make_user("intake_a", CAST["intake_a"])
    make_user("cashier_a", CAST["cashier_a"])
    factories.fund_street("310105001", amount="10000.00")
    case = factories.approve(factories.case(intake), "4000.00")
    applicant = case.applicant
    applicant.bank_name, applicant.bank_account = "中国工商银行", ACCOUNT
    applicant.save()
    page = browser_page

    sign_in(page, "cashier_a")
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    page.click("a.btn:has-text('发放')")
    # The case it acts on, and the payment: payee, figures and capitals, the account masked, the fund.
    summary = page.locator("#case-summary").inner_text()
    assert case.number in summary and case.household.file_number in summary and "待发放" in summary
    screen = page.locator("#pay-screen").inner_text()
    assert applicant.name in screen and "¥4,000.00" in screen and "肆仟元整" in screen
    assert "中国工商银行 6222 **** **** *** 1234" in screen and ACCOUNT not in page.content()
    assert "测试财政配套" in screen
    assert page.input_value("#id_method") == "transfer"  # an account on file: transfer preselected

    page.click("button[type=submit]:has-text('发放')")
    page.wait_for_selector("h2:has-text('请确认发放')")
    confirm = page.locator("#pay-screen").inner_text()
    assert "银行转账，转入 中国工商银行 6222 **** **** *** 1234" in confirm and "肆仟元整" in confirm
    assert not Payment.objects.filter(case=case).exists()  # nothing paid before the confirmation

    page.click("button[type=submit]:has-text('确认发放')")
    expect_done(page, "已办理：发放")
    payment = Payment.objects.get(case=case)
    assert (payment.method, payment.amount) == ("transfer", Decimal("4000.00"))


@pytest.mark.e2e
def test_a_refused_invoice_line_keeps_what_was_typed(browser_page, make_user):
    intake = make_user("intake_a", CAST["intake_a"])
    case = factories.case(intake, invoices=())  # applied on 2021-03-15
    page = browser_page

    sign_in(page, "intake_a")
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    typed = {
        "#invoice_number": "31000099999", "#invoice_hospital": "华山医院", "#invoice_date": "2021-04-01",
        "#invoice_total": "1234.50", "#invoice_reimbursed": "200.00", "#invoice_self_paid": "1034.50",
    }  # fmt: skip
    for selector, value in typed.items():
        page.fill(selector, value)
    page.select_option("#invoice_fee_type", "medicine")
    page.uncheck("#invoice_regular_hospital")
    page.click("button:has-text('录入发票')")

    page.wait_for_selector(".field-error:has-text('发票日期不能晚于申请日期')")
    for selector, value in typed.items():
        assert page.input_value(selector) == value, selector
    assert page.input_value("#invoice_fee_type") == "medicine"
    assert not page.is_checked("#invoice_regular_hospital")
    assert not Invoice.objects.filter(case=case).exists()

    # Only the date to correct: the line goes in.
    page.fill("#invoice_date", "2021-02-20")
    page.click("button:has-text('录入发票')")
    expect_done(page, "已录入发票")
    assert Invoice.objects.get(case=case).hospital == "华山医院"
