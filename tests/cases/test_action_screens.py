"""What each step's screen shows of the case it acts on, the cashier's two pay screens, the
case page's forms after a refusal, the receipt once recorded, and the 签收单 PDF."""

import html
import re
import uuid
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bangfu.audit.actor import Actor
from bangfu.cases import services
from bangfu.cases.models import Invoice, Payment, Transition

from . import factories
from .conftest import CONFIRM, post_confirmed
from .test_permissions import MATRIX, _approved, _paid
from .test_procedure import _png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]

ACCOUNT = "6222021001123451234"


@pytest.fixture(autouse=True)
def _on_a_fixed_day(today):
    """Payments are dated today: the clock is frozen."""


def page(response) -> str:
    return html.unescape(response.content.decode())


def visible(response) -> str:
    """The page's text as read: tags out, runs of white space as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


def pay_url(case) -> str:
    return reverse("cases:action", args=[case.pk, "pay"])


def with_account(case):
    applicant = case.applicant
    applicant.bank_name, applicant.bank_account = "中国工商银行", ACCOUNT
    applicant.save()
    return case


# --- 1. every step's screen restates the case -------------------------------------------------------


@pytest.mark.parametrize("action", list(MATRIX))
def test_every_step_screen_shows_the_case_it_acts_on(cast, login, roster, action):
    owner, setup, _ = MATRIX[action]
    c = setup(cast, roster)
    head = c.household.members.get(relationship="head")
    r = login(getattr(cast, owner)).get(reverse("cases:action", args=[c.pk, action]))
    assert r.status_code == 200
    assert "cases/_case_summary.html" in [t.name for t in r.templates]
    summary = page(r).split('id="case-summary"')[1].split("</dl>")[0]
    for shown in (
        c.number, f"户主 {head.name}", c.household.file_number, "长宁区", c.street.name,
        c.get_aid_type_display(), c.get_state_display(), "申请日期", "2021年3月15日",
    ):  # fmt: skip
        assert shown in summary, (action, shown)


def test_the_summary_names_the_latest_decision_and_its_dates(cast, login, roster):
    c = _approved(cast, roster)
    summary = page(login(cast.cashier_a).get(pay_url(c))).split('id="case-summary"')[1].split("</dl>")[0]
    assert "街镇综合帮扶工作组：批准 ¥4,000.00（approver_a" in summary
    assert "调查日期" in summary and "2021年3月16日" in summary and "评议日期" in summary
    assert "¥4,000.00" in summary  # the approved amount


def test_before_any_decision_the_summary_says_so(cast, login):
    c = factories.case(cast.intake_a)
    r = login(cast.assessor_a).get(reverse("cases:action", args=[c.pk, "investigate"]))
    assert "尚无评议或审批结论" in page(r)


# --- 2. the cashier's screen and its confirmation ---------------------------------------------------


def test_the_pay_screen_shows_payee_amount_account_and_fund(cast, login, roster):
    c = with_account(_approved(cast, roster))
    r = login(cast.cashier_a).get(pay_url(c))
    text, seen = page(r), visible(r)
    assert r.status_code == 200
    assert f"{c.applicant.name}（{c.applicant.id_number_masked}）" in text
    assert "¥4,000.00" in text and "肆仟元整" in text
    assert "中国工商银行 6222 **** **** *** 1234" in seen and ACCOUNT not in text
    assert re.search(r'<option value="transfer" selected>', text)  # an account on file: transfer first
    sources = text.split('class="pay-sources">')[1].split("</dd>")[0]
    assert "测试财政配套" in sources and "¥4,000.00" in sources and "尚缺" not in sources


def test_without_an_account_cash_is_offered_first(cast, login, roster):
    c = _approved(cast, roster)
    text = page(login(cast.cashier_a).get(pay_url(c)))
    assert "领款人未登记银行账户" in text
    assert re.search(r'<option value="cash" selected>', text)


def test_the_pay_screen_warns_when_the_street_cannot_cover_it(cast, login, roster):
    # Another household's 50,000 paid first leaves the street 50,000 of its 100,000 (an amount
    # under the household's annual cap, which the pay screen would refuse before any shortage).
    other = factories.approve(factories.case(cast.intake_a, factories.household()), "50000.00")
    services.case_pay(
        case=other, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    c = factories.approve(_approved(cast, roster), "60000.00")
    text = visible(login(cast.cashier_a).get(pay_url(c)))
    assert "测试财政配套 ¥50,000.00" in text and "专项资金尚缺 ¥10,000.00" in text


def test_the_first_submission_only_asks_for_confirmation(cast, login, roster):
    c = with_account(_approved(cast, roster))
    client = login(cast.cashier_a)
    key = str(uuid.uuid4())
    r = client.post(pay_url(c), {"method": "transfer", "idempotency_key": key})
    text = page(r)
    assert r.status_code == 200 and "请确认发放" in text and "确认发放" in text
    assert not Payment.objects.exists()
    # Everything restated: payee, figures and capitals, method and account, fund.
    assert c.applicant.name in text and "¥4,000.00" in text and "肆仟元整" in text
    assert "银行转账，转入 中国工商银行 6222 **** **** *** 1234" in text and "测试财政配套" in text
    assert f'name="idempotency_key" value="{key}"' in text and CONFIRM.search(text)

    r = client.post(
        pay_url(c), {"method": "transfer", "idempotency_key": key, "confirm": CONFIRM.search(text)[1]}
    )
    assert r.status_code == 302
    payment = Payment.objects.get(case=c)
    assert (payment.method, payment.amount, str(payment.idempotency_key)) == ("transfer", 4000, key)


def test_a_confirmed_payment_sent_twice_pays_once(cast, login, roster):
    c = _approved(cast, roster)
    client = login(cast.cashier_a)
    data = {"method": "cash", "idempotency_key": str(uuid.uuid4())}
    token = CONFIRM.search(page(client.post(pay_url(c), data)))[1]
    assert client.post(pay_url(c), {**data, "confirm": token}).status_code == 302
    assert client.post(pay_url(c), {**data, "confirm": token}).status_code == 302  # the same key
    assert Payment.objects.filter(case=c).count() == 1
    assert Transition.objects.filter(case=c, action="pay").count() == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data, token: ({**data, "method": "transfer"}, token), id="another-method"),
        pytest.param(lambda data, token: ({**data, "idempotency_key": str(uuid.uuid4())}, token), id="another-key"),
        pytest.param(lambda data, token: (data, token[:-2] + "xx"), id="tampered"),
    ],
)  # fmt: skip
def test_a_confirmation_of_other_terms_is_asked_again_never_paid(cast, login, roster, change):
    c = _approved(cast, roster)
    client = login(cast.cashier_a)
    data = {"method": "cash", "idempotency_key": str(uuid.uuid4())}
    token = CONFIRM.search(page(client.post(pay_url(c), data)))[1]
    sent, token = change(data, token)
    r = client.post(pay_url(c), {**sent, "confirm": token})
    assert r.status_code == 200 and "发放信息已变化或确认已超时" in page(r) and "请确认发放" in page(r)
    assert not Payment.objects.exists()


def test_a_confirmation_left_too_long_is_asked_again(cast, login, roster):
    c = _approved(cast, roster)
    client = login(cast.cashier_a)
    data = {"method": "cash", "idempotency_key": str(uuid.uuid4())}
    token = CONFIRM.search(page(client.post(pay_url(c), data)))[1]
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        r = client.post(pay_url(c), {**data, "confirm": token})
    assert r.status_code == 200 and "确认已超时" in page(r) and not Payment.objects.exists()


def test_a_changed_amount_voids_the_confirmation(cast, login, roster):
    c = _approved(cast, roster)
    client = login(cast.cashier_a)
    data = {"method": "cash", "idempotency_key": str(uuid.uuid4())}
    token = CONFIRM.search(page(client.post(pay_url(c), data)))[1]
    factories.approve(c, "3000.00")
    r = client.post(pay_url(c), {**data, "confirm": token})
    assert r.status_code == 200 and "¥3,000.00" in page(r) and not Payment.objects.exists()
    assert post_confirmed(client, c, data).status_code == 302  # confirmed anew: paid, at 3,000
    assert Payment.objects.get(case=c).amount == 3000


# --- 3. a refused form of the case page comes back as typed -----------------------------------------


def test_a_refused_invoice_line_comes_back_as_typed(cast, login):
    c = factories.case(cast.intake_a, invoices=())
    typed = {
        "number": "31000099999", "hospital": "华山医院", "date": "2021-04-01", "fee_type": "medicine",
        "total": "1234.50", "reimbursed": "200.00", "self_paid": "1034.50",
    }  # fmt: skip
    r = login(cast.intake_a).post(reverse("cases:invoice_add", args=[c.pk]), typed)
    text = page(r)
    assert r.status_code == 400 and not Invoice.objects.filter(case=c).exists()
    for name, value in typed.items():
        if name == "fee_type":
            assert re.search(r'<option value="medicine" selected>', text)
        else:
            assert re.search(rf'name="{name}" value="{re.escape(value)}"', text), name
    tick = re.search(r'<input type="checkbox" name="regular_hospital"[^>]*>', text)[0]
    assert "checked" not in tick  # left unticked, as sent
    # The refusal on the date it is about, in the one way a refusal is shown.
    field = text.split('for="invoice_date"')[1].split('for="invoice_fee_type"')[0]
    assert "发票日期不能晚于申请日期" in field
    assert "请修改下面标红的内容" in text


def test_a_refused_document_keeps_its_kind(cast, login):
    c = factories.case(cast.intake_a)
    fake = SimpleUploadedFile("病史.pdf", b"MZ not a pdf", content_type="application/pdf")
    r = login(cast.intake_a).post(
        reverse("cases:document_upload", args=[c.pk]), {"kind": "medical_history", "upload": fake}
    )
    assert r.status_code == 400 and "不是 PDF、JPEG 或 PNG 文件" in page(r)
    assert re.search(r'<option value="medical_history" selected>', page(r))


# --- 4. the receipt, once recorded ------------------------------------------------------------------


def test_the_receipt_form_gives_way_to_the_recorded_receipt(cast, login, roster):
    c = _paid(cast, roster)
    client = login(cast.cashier_a)
    assert 'id="receipt-form"' in page(client.get(reverse("cases:detail", args=[c.pk])))
    assert client.post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()}).status_code == 302
    text = page(client.get(reverse("cases:detail", args=[c.pk])))
    payment = Payment.objects.get(case=c)
    assert 'id="receipt-form"' not in text and "sign-pad" not in text
    assert "已签收" in text and "屏幕签名" in text
    assert reverse("cases:document", args=[c.pk, payment.receipt_id]) in text  # the signature, shown
    assert reverse("cases:pdf", args=[c.pk, "receipt"]) in text


# --- 5. the 签收单 ----------------------------------------------------------------------------------


def _receipt_pdf(client, c) -> PdfReader:
    r = client.get(reverse("cases:pdf", args=[c.pk, "receipt"]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    return PdfReader(BytesIO(r.content))


def _images(reader: PdfReader) -> list:
    resources = reader.pages[0]["/Resources"]
    xobjects = resources.get("/XObject", {}) if resources else {}
    return [name for name, ref in xobjects.items() if ref.get_object()["/Subtype"] == "/Image"]


def test_the_receipt_pdf_carries_the_capitals_and_the_signature(cast, login, roster):
    c = _paid(cast, roster, receipt=True)
    reader = _receipt_pdf(login(cast.cashier_a), c)
    text = reader.pages[0].extract_text()
    assert "大写金额" in text and "肆仟元整" in text and "¥4,000.00" in text
    assert len(_images(reader)) == 1


def test_a_receipt_without_a_screen_signature_has_no_image(cast, login, roster):
    c = _paid(cast, roster)
    reader = _receipt_pdf(login(cast.cashier_a), c)
    assert "肆仟元整" in reader.pages[0].extract_text() and _images(reader) == []
    # A signed page uploaded is the receipt itself: nothing is drawn on the form.
    services.receipt_record(
        actor=Actor.for_user(cast.cashier_a, "test"), case=c,
        upload=SimpleUploadedFile("签收单.pdf", b"%PDF-1.4 signed page", content_type="application/pdf"),
    )  # fmt: skip
    assert _images(_receipt_pdf(login(cast.cashier_a), c)) == []
