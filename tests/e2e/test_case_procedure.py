"""In a real browser: one medical case through the whole procedure (SPEC §5), each step by
its own role, each signing in through the login page:

    intake worker: opens the application from the household file, enters two invoices
        line by line, uploads the medical history;
    assessor: investigates and sends the pre-review form (预审表) to the district;
    district approver: finds it in the district's 预审表 queue and remarks on it;
    panel member: records the review meeting of seven members;
    street approver: approves;
    cashier: pays (confirming on the second screen) and takes the recipient's on-screen signature;
    assessor: records the follow-up, which closes the case;
and the household file then shows the case, its payment and its follow-up.
"""

import base64
from decimal import Decimal

import pytest

from bangfu.cases.models import Case, CaseState, Document, PaymentRecord, Transition
from tests.cases import factories
from tests.conftest import CAST, PASSWORD

# A 1×1 PNG, the scanned page of the medical history.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ROLES = ("intake_a", "assessor_a", "panel_a", "approver_a", "cashier_a", "district_cn")


def sign_in(page, username: str) -> None:
    """Through the real login page; whoever was signed in signs out first."""
    if page.locator("button:has-text('退出')").count():
        page.click("button:has-text('退出')")
        page.wait_for_url("**/login/**")
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def open_from_tile(page, tile: str, number: str) -> None:
    """From the home page's work queue to the case, as a worker would."""
    page.click(f"a.tile:has-text('{tile}')")
    page.click(f"table >> text={number}")
    page.wait_for_selector(f"h1:has-text('{number}'), :text('个案 {number}')")


def expect_done(page, text: str) -> None:
    """Wait for the success message; if it does not come, fail with what the page said."""
    try:
        page.wait_for_selector(f"text={text}", timeout=10000)
    except Exception:
        alerts = page.locator(".alert, .field-error").all_inner_texts()
        pytest.fail(f"“{text}” did not appear at {page.url}; the page says: {alerts}")


def card(page, title: str):
    return page.locator(f".card:has(> h2:text-is('{title}'))")


def flash(page) -> str:
    return page.locator(".messages").inner_text()


@pytest.mark.e2e
def test_medical_case_through_the_whole_procedure(browser_page, make_user):
    for name in ROLES:
        make_user(name, CAST[name])
    household = factories.household()
    applicant = household.members.get()
    roster = factories.panel(n=7)
    page = browser_page

    # 1. 受理申请: the intake worker opens the application from the household file.
    sign_in(page, "intake_a")
    page.goto(f"{page.base_url}/households/{household.pk}/")
    page.click("#cases >> text=受理申请")
    page.select_option("#id_applicant", str(applicant.pk))
    page.select_option("#id_aid_type", "medical")
    page.fill("#id_application_date", "2021-03-15")  # while 长民发〔2016〕31号 is in force
    page.fill("#id_hardship", "户主突发脑梗住院，自负医疗费用负担重。")
    page.click("button:has-text('受理')")
    expect_done(page, "已受理申请")
    case = Case.objects.get(household=household)
    assert case.state == CaseState.APPLIED and case.created_by.username == "intake_a"

    # Invoices, line by line.
    for number, fee_type, total, reimbursed, self_paid in (
        ("31000012345", "treatment", "8000.00", "2000.00", "6000.00"),
        ("31000012346", "medicine", "4000.00", "0", "4000.00"),
    ):
        page.fill("#invoice_number", number)
        page.fill("#invoice_hospital", "长宁区中心医院")
        page.fill("#invoice_date", "2021-02-20")
        page.select_option("#invoice_fee_type", fee_type)
        page.fill("#invoice_total", total)
        page.fill("#invoice_reimbursed", reimbursed)
        page.fill("#invoice_self_paid", self_paid)
        page.click("button:has-text('录入发票')")
        page.wait_for_selector(f"td:has-text('{number}')")
        assert "已录入发票" in flash(page)
    assert case.invoices.count() == 2
    # The proposal follows the invoices: for a household of no category, 40% of the 10,000
    # self-paid (长民发〔2016〕31号 三(一)1).
    assert "可帮扶上限\n¥4,000.00" in card(page, "政策测算").inner_text()

    # A document: the medical history, a scanned page.
    page.select_option("#document_kind", "medical_history")
    page.set_input_files("#document_upload", {"name": "病史.png", "mimeType": "image/png", "buffer": PNG})
    page.click("button:has-text('上传')")
    expect_done(page, "已上传材料")
    doc = Document.objects.get(case=case, kind="medical_history")
    assert doc.content_type == "image/png" and "病史" in card(page, "申请材料").inner_text()

    # 2. 调查评估 by the assessor, found through the work queue.
    sign_in(page, "assessor_a")
    open_from_tile(page, "待调查评估", case.number)
    page.click("a.btn:has-text('调查评估')")
    page.fill("#id_visited_on", "2021-03-16")
    page.fill("#id_income", "户主退休金每月3200元")
    page.fill("#id_income_sources", "退休金")
    page.fill("#id_daily_life", "出院后需家人照护")
    page.fill("#id_housing", "公房一间，约30平方米")
    page.fill("#id_committee_opinion", "情况属实，同意申请")
    page.fill("#id_plan", "医疗帮扶")
    page.click("button[type=submit]:has-text('调查评估')")
    expect_done(page, "已办理：调查评估")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEWING

    # The pre-review form to the district service society (长民发〔2016〕31号 四(二)).
    page.click("button:has-text('提交预审表')")
    expect_done(page, "已向区服务社提交综合帮扶预审表")
    assert "区服务社尚未填写意见" in card(page, "综合帮扶预审表").inner_text()

    # The district finds it in its queue, reads it, remarks; the printable form opens.
    sign_in(page, "district_cn")
    open_from_tile(page, "预审表", case.number)
    form = card(page, "综合帮扶预审表")
    assert "公房一间，约30平方米" in form.inner_text() and "¥4,000.00" in form.inner_text()
    page.fill("#remark_text", "同意街镇帮扶方案。")
    page.click("button:has-text('填写意见')")
    expect_done(page, "已填写预审意见")
    assert "同意街镇帮扶方案。" in card(page, "综合帮扶预审表").inner_text()
    pdf = page.request.get(f"{page.base_url}/cases/{case.pk}/forms/prereview.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    # 3. 民主评议: seven members of the street's roster: all present in one choice (全部出席),
    # then the one exception changed.
    sign_in(page, "panel_a")
    open_from_tile(page, "待民主评议", case.number)
    page.click("a.btn:has-text('民主评议')")
    page.select_option("#id_member_all", "agree")
    assert page.locator(f"#id_member_{roster[0].pk} option").first.inner_text() == "同全体（同意）"
    page.select_option(f"#id_member_{roster[-1].pk}", "abstain")
    page.fill("#id_meeting_date", "2021-03-20")
    page.fill("#id_introduction", "户主突发脑梗，自负医疗费一万元。")
    page.fill("#id_documents_examined", "医疗发票两张、病史")
    page.fill("#id_discussion", "成员一致认为情况属实。")
    page.select_option("#id_conclusion", "aid")
    page.fill("#id_amount", "4000.00")
    page.fill("#id_minutes", "2021年3月20日评审会议，七人出席，六人同意、一人弃权。")
    page.click("button[type=submit]:has-text('民主评议')")
    expect_done(page, "已办理：民主评议")
    review = card(page, "民主评议").inner_text()
    assert "评审0" in review and "评审6" in review and "弃权" in review
    case.refresh_from_db()
    assert case.state == CaseState.APPROVING_STREET and case.panel_review.attendance.count() == 7

    # 4. 审批 by the street approver (4,000 ≤ the 20,000 street limit).
    sign_in(page, "approver_a")
    open_from_tile(page, "待街镇审批", case.number)
    page.click("a.btn:has-text('街镇审批')")
    assert page.input_value("#id_amount") == "4000.00"  # the panel's amount, offered
    page.fill("#id_comment", "同意帮扶。")
    page.click("button[type=submit]:has-text('街镇审批')")
    expect_done(page, "已办理：街镇审批")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and case.approved_amount == Decimal("4000.00")

    # 5. 签收发放: the cashier pays, then the recipient signs on screen.
    sign_in(page, "cashier_a")
    open_from_tile(page, "待发放", case.number)
    page.click("a.btn:has-text('发放')")
    # The street holds no case money yet: the screen says so before anything is sent …
    assert "专项资金尚缺 ¥4,000.00" in page.locator("#pay-screen").inner_text()
    page.select_option("#id_method", "cash")
    page.click("button[type=submit]:has-text('发放')")
    page.click("button[type=submit]:has-text('确认发放')")
    # … and the confirmed payment is refused with the figures; nothing is paid.
    page.wait_for_selector("text=专项资金不足")
    assert "¥4,000.00" in page.content() and not PaymentRecord.objects.filter(case=case).exists()
    factories.fund_street("310105001", amount="10000.00")
    page.select_option("#id_method", "cash")
    page.click("button[type=submit]:has-text('发放')")
    page.click("button[type=submit]:has-text('确认发放')")
    expect_done(page, "已办理：发放")
    assert "未签收" in card(page, "发放").inner_text()
    page.locator("#sign-pad").scroll_into_view_if_needed()  # the mouse only reaches what is on screen
    pad = page.locator("#sign-pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + 100)
    page.mouse.down()
    for x, y in ((80, 40), (130, 120), (180, 50), (240, 110), (300, 60)):
        page.mouse.move(pad["x"] + x, pad["y"] + y, steps=4)
    page.mouse.up()
    page.click("button:has-text('登记签收')")
    expect_done(page, "已登记签收")
    assert "已签收" in card(page, "发放").inner_text()
    assert page.locator("#receipt-form").count() == 0  # signed for: the receipt form is gone
    case.refresh_from_db()
    assert case.state == CaseState.PAID
    assert case.payment.amount == Decimal("4000.00") and case.payment.receipt_kind == "signature"
    assert case.payment.receipt.content_type == "image/png"
    assert PaymentRecord.objects.get(case=case).amount == Decimal("4000.00")

    # 6. 回访反馈 by the assessor closes the case.
    sign_in(page, "assessor_a")
    open_from_tile(page, "待回访", case.number)
    page.click("a.btn:has-text('回访反馈')")
    page.fill("#id_outcome", "已用于支付住院费用，病情稳定")
    page.fill("#id_feedback", "家属表示感谢")
    page.fill("#id_further_needs", "希望链接康复护理服务")
    page.click("button[type=submit]:has-text('回访反馈')")
    expect_done(page, "已办理：回访反馈")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    # The history by name, role and step, in Chinese.
    history = card(page, "流转记录").inner_text()
    assert "intake_a（受理员） · 受理申请（待调查）" in history
    assert "cashier_a（发放员） · 发放：待发放 → 已发放·待回访" in history
    assert "回访反馈：已发放·待回访 → 已结案" in history and "apply" not in history

    # Every step by the role that owns it.
    steps = dict(Transition.objects.filter(case=case).values_list("action", "user__username"))
    assert steps == {
        "apply": "intake_a", "investigate": "assessor_a", "pre_review": "assessor_a", "review": "panel_a",
        "approve": "approver_a",
        "pay": "cashier_a", "receipt": "cashier_a", "follow_up": "assessor_a",
    }  # fmt: skip

    # The household file shows the case, its payment and its follow-up.
    page.goto(f"{page.base_url}/households/{household.pk}/")
    row = page.locator(f"#cases tr:has-text('{case.number}')").inner_text()
    assert "大重病医疗帮扶" in row and "已结案" in row
    assert "¥4,000.00" in row
    assert "已回访" in row and "已用于支付住院费用" in row
