"""Who may take each step (SPEC §1, §5), as a matrix: every workflow action tried by every
user of the cast. Only the step's owner succeeds; anyone else in scope is refused with a
message saying why and nothing is saved; anyone out of scope gets 404 (the case's
existence does not leak). Illegal transitions are refused the same way."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.cases import services, workflow
from bangfu.cases.models import Case, CaseState, Document, Invoice, Payment, Transition
from tests.conftest import CAST

from . import factories
from .conftest import INVESTIGATION, post_confirmed, review_data
from .test_procedure import _png

# The streets hold case money: these tests pay cases (a payment needs money behind it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]

# Users who cannot see a case of 华阳路街道 (310105001) at all.
OUT_OF_SCOPE = {"intake_b", "intake_hp", "district_hp", "sysadmin", "volunteer_a"}


def _do(user, case, action, **data):
    return workflow.transition(case, action, Actor.for_user(user, "test"), **data)


def _reviewed(cast, roster, amount="4000.00", **case_kw):
    c = factories.case(cast.intake_a, **case_kw)
    _do(cast.assessor_a, c, "investigate", **_investigation())
    _do(cast.panel_a, c, "review", **_review(roster, amount))
    return c


def _investigation():
    from datetime import date

    return {**INVESTIGATION, "visited_on": date(2021, 3, 16)}


def _review(roster, amount):
    from datetime import date

    return {
        "meeting_date": date(2021, 3, 20), "introduction": "介绍", "documents_examined": "发票",
        "discussion": "讨论", "conclusion": "aid", "amount": Decimal(amount), "minutes": "记录",
        "attendance": [{"member": m, "opinion": "agree"} for m in roster],
    }  # fmt: skip


def _approved(cast, roster):
    c = _reviewed(cast, roster)
    _do(cast.approver_a, c, "approve", amount=Decimal("4000.00"))
    return c


def _paid(cast, roster, receipt=False):
    c = _approved(cast, roster)
    services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    if receipt:
        services.receipt_record(actor=Actor.for_user(cast.cashier_a, "test"), case=c, signature=_png())
    return c


def _big(cast, roster):
    h = factories.household(category="dibao")
    return _reviewed(cast, roster, amount="30000.00", h=h, invoices=[(Decimal("50000.00"),)])


def _referred(cast, roster):
    c = _big(cast, roster)
    _do(cast.approver_a, c, "refer", amount=Decimal("30000.00"))
    return c


def _applied(cast, roster):
    return factories.case(cast.intake_a)


def _dibao(cast, roster):
    return factories.case(cast.intake_a, factories.household(category="dibao"))


@pytest.fixture(autouse=True)
def _on_a_fixed_day(today):
    """Payments are dated today and help-first paperwork is due after it: the clock is frozen."""


def _in_ten_days() -> str:
    return str(timezone.localdate() + timedelta(days=10))


# action -> (owner, how to bring a case to where the action is legal, POST data)
MATRIX = {
    "investigate": ("assessor_a", _applied, lambda r: INVESTIGATION),
    "fast_track": ("assessor_a", _dibao, lambda r: {"reason": "低保家庭"}),
    "review": ("panel_a", lambda cast, roster: _to_reviewing(cast), lambda r: review_data(r)),
    "approve": ("approver_a", _reviewed, lambda r: {"amount": "4000.00"}),
    "refer": ("approver_a", _big, lambda r: {"amount": "30000.00"}),
    "approve_district": ("district_cn", _referred, lambda r: {"amount": "30000.00"}),
    "help_first": (
        "approver_a", _applied, lambda r: {"amount": "3000.00", "reason": "火灾", "paperwork_due": _in_ten_days()}
    ),
    "pay": ("cashier_a", _approved, lambda r: {"method": "cash", "idempotency_key": str(uuid.uuid4())}),
    "follow_up": ("assessor_a", lambda cast, roster: _paid(cast, roster, receipt=True),
                  lambda r: {"outcome": "好转", "feedback": "满意"}),
    "reject": ("approver_a", _applied, lambda r: {"comment": "不符合条件"}),
    "withdraw": ("intake_a", _applied, lambda r: {"comment": "申请人撤回"}),
}  # fmt: skip


def _to_reviewing(cast):
    c = factories.case(cast.intake_a)
    _do(cast.assessor_a, c, "investigate", **_investigation())
    return c


def test_matrix_covers_every_action_of_the_workflow():
    assert set(MATRIX) | {"receipt"} == {s.action for s in workflow.STEPS}


@pytest.mark.parametrize("username", list(CAST))
@pytest.mark.parametrize("action", list(MATRIX))
def test_only_the_owner_takes_each_step(cast, client, roster, action, username):
    owner, setup, data = MATRIX[action]
    c = setup(cast, roster)
    before = (c.state, Transition.objects.filter(case=c).count(), Payment.objects.count())
    client.force_login(getattr(cast, username))
    if action == "pay":  # the cashier confirms on the second screen
        r = post_confirmed(client, c, data(roster))
    else:
        r = client.post(reverse("cases:action", args=[c.pk, action]), data(roster))
    c.refresh_from_db()
    if username == owner:
        assert r.status_code == 302, r.content.decode()[:2000]
        assert Transition.objects.filter(case=c, action=action, user__username=owner).count() == 1
        return
    if username in OUT_OF_SCOPE:
        assert r.status_code == 404
    else:
        assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[c.pk])
        page = client.get(r["Location"]).content.decode()
        assert "您没有在华阳路街道办理" in page and "权限" in page
    assert (c.state, Transition.objects.filter(case=c).count(), Payment.objects.count()) == before


@pytest.mark.parametrize("username", list(CAST))
def test_only_the_cashier_records_the_receipt(cast, client, roster, username):
    c = _paid(cast, roster)
    client.force_login(getattr(cast, username))
    r = client.post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()}, follow=False)
    payment = Payment.objects.get(case=c)
    if username == "cashier_a":
        assert r.status_code == 302 and payment.receipt_at is not None
        return
    assert r.status_code == (404 if username in OUT_OF_SCOPE else 403)
    assert payment.receipt_at is None and not Document.objects.filter(case=c, kind="receipt").exists()
    if username not in OUT_OF_SCOPE:
        assert "权限" in r.content.decode()


def _invoice_post():
    return {
        "number": "NEW0001", "hospital": "华山医院", "regular_hospital": "on", "date": "2021-02-01",
        "fee_type": "medicine", "total": "500.00", "reimbursed": "0", "self_paid": "500.00",
    }  # fmt: skip


def _pdf_upload():
    return SimpleUploadedFile("病史.pdf", b"%PDF-1.4 test page", content_type="application/pdf")


@pytest.mark.parametrize("username", list(CAST))
def test_invoices_and_documents_by_intake_and_assessor_only(cast, client, username):
    c = factories.case(cast.intake_a)
    invoice = c.invoices.get()
    client.force_login(getattr(cast, username))
    r_add = client.post(reverse("cases:invoice_add", args=[c.pk]), _invoice_post())
    r_doc = client.post(
        reverse("cases:document_upload", args=[c.pk]), {"kind": "medical_history", "upload": _pdf_upload()}
    )
    r_remove = client.post(reverse("cases:invoice_remove", args=[c.pk, invoice.pk]))
    may_invoice = username == "intake_a"
    may_upload = username in ("intake_a", "assessor_a")
    if username in OUT_OF_SCOPE:
        assert (r_add.status_code, r_doc.status_code, r_remove.status_code) == (404, 404, 404)
    else:  # a refused form comes back on the case page, with the refusal's status
        assert (r_add.status_code, r_doc.status_code, r_remove.status_code) == (
            302 if may_invoice else 403, 302 if may_upload else 403, 302,
        )  # fmt: skip
    # intake_a added one and removed the original: still one, but a different one.
    numbers = set(Invoice.objects.filter(case=c).values_list("number", flat=True))
    assert numbers == ({"NEW0001"} if may_invoice else {invoice.number})
    assert Document.objects.filter(case=c, kind="medical_history").exists() == may_upload
    if username not in OUT_OF_SCOPE and not may_upload:
        assert "您没有办理此项的权限" in r_doc.content.decode()


@pytest.mark.parametrize("username", list(CAST))
def test_documents_and_pdfs_read_in_scope_only(cast, client, roster, username):
    c = _reviewed(cast, roster)
    doc = services.document_upload(
        actor=Actor.for_user(cast.intake_a, "test"), case=c, kind="medical_history", upload=_pdf_upload()
    )
    client.force_login(getattr(cast, username))
    r_doc = client.get(reverse("cases:document", args=[c.pk, doc.pk]))
    r_pdf = client.get(reverse("cases:pdf", args=[c.pk, "panel"]))
    if username in OUT_OF_SCOPE:
        assert (r_doc.status_code, r_pdf.status_code) == (404, 404)
    else:
        assert (r_doc.status_code, r_pdf.status_code) == (200, 200)
        assert b"".join(r_doc.streaming_content).startswith(b"%PDF-")
        assert r_pdf["Content-Type"] == "application/pdf"


def test_document_of_another_case_is_404_through_this_case(cast, login):
    mine = factories.case(cast.intake_a)
    other = factories.case(cast.intake_b, factories.household("310105002"))
    doc = services.document_upload(
        actor=Actor.for_user(cast.intake_b, "test"), case=other, kind="other", upload=_pdf_upload()
    )
    assert login(cast.intake_a).get(reverse("cases:document", args=[mine.pk, doc.pk])).status_code == 404


def test_only_the_district_lets_a_duplicate_invoice_through(cast, login):
    c = factories.case(cast.intake_a)
    invoice = c.invoices.get()
    for user in (cast.intake_a, cast.approver_a, cast.assessor_a, cast.supervisor):
        r = login(user).post(
            reverse("cases:invoice_override", args=[c.pk, invoice.pk]), {"reason": "试图放行"}
        )
        assert r.status_code == 302
    assert (
        login(cast.district_hp)
        .post(reverse("cases:invoice_override", args=[c.pk, invoice.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    invoice.refresh_from_db()
    assert invoice.duplicate_override_reason == ""
    login(cast.district_cn).post(
        reverse("cases:invoice_override", args=[c.pk, invoice.pk]), {"reason": "已核实"}
    )
    invoice.refresh_from_db()
    assert invoice.duplicate_override_reason == "已核实"


# --- illegal transitions: the right role, the wrong moment ------------------------------------

ILLEGAL = [
    # (action, owner, setup, state label in the message)
    ("review", "panel_a", _applied, "待调查"),
    ("approve", "approver_a", _applied, "待调查"),
    ("approve_district", "district_cn", _reviewed, "待街镇审批"),
    ("pay", "cashier_a", _reviewed, "待街镇审批"),
    ("follow_up", "assessor_a", _approved, "待发放"),
    ("investigate", "assessor_a", lambda cast, roster: _to_reviewing(cast), "待评议"),
    ("help_first", "approver_a", _approved, "待发放"),
    ("withdraw", "intake_a", lambda cast, roster: _paid(cast, roster), "已发放"),
    ("reject", "approver_a", lambda cast, roster: _paid(cast, roster), "已发放"),
]


@pytest.mark.parametrize(("action", "owner", "setup", "state_label"), ILLEGAL, ids=[a[0] for a in ILLEGAL])
def test_illegal_transition_refused_with_message_and_nothing_saved(
    cast, client, roster, action, owner, setup, state_label
):
    c = setup(cast, roster)
    before = (c.state, Transition.objects.filter(case=c).count(), Payment.objects.count())
    client.force_login(getattr(cast, owner))
    data = MATRIX[action][2](roster)
    r = client.post(reverse("cases:action", args=[c.pk, action]), data)
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert f"个案当前状态为“{state_label}" in page and f"不能办理“{workflow.ACTION_LABELS[action]}”" in page
    c.refresh_from_db()
    assert (c.state, Transition.objects.filter(case=c).count(), Payment.objects.count()) == before


def test_receipt_before_payment_is_refused(cast, login, roster):
    c = _approved(cast, roster)
    client = login(cast.cashier_a)
    r = client.post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()})
    assert r.status_code == 400 and "不能办理“登记签收”" in r.content.decode()
    assert not Document.objects.filter(case=c, kind="receipt").exists()


def test_second_receipt_is_refused(cast, login, roster):
    c = _paid(cast, roster, receipt=True)
    client = login(cast.cashier_a)
    r = client.post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()})
    assert r.status_code == 400 and "该笔发放已签收" in r.content.decode()
    assert Document.objects.filter(case=c, kind="receipt").count() == 1


def test_unknown_action_is_404(cast, login):
    c = factories.case(cast.intake_a)
    assert login(cast.approver_a).post(reverse("cases:action", args=[c.pk, "delete"])).status_code == 404
    assert Case.objects.get(pk=c.pk).state == CaseState.APPLIED


def test_action_page_shows_the_help_first_label_only_on_help_first_cases(cast, login, roster):
    c = _to_reviewing(cast)
    r = login(cast.panel_a).get(reverse("cases:action", args=[c.pk, "review"]))
    assert "<h1>民主评议" in r.content.decode().replace("\n", "") or "民主评议 · " in r.content.decode()
    assert "补办民主评议" not in r.content.decode()
