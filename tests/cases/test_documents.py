"""Uploads checked by content, duplicate invoices across the city, and the PDF forms' text."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from bangfu.audit.actor import Actor
from bangfu.cases import services
from bangfu.cases.models import CaseState, Document
from bangfu.core.refusal import Refused

from . import factories
from .conftest import INVESTIGATION, review_data

pytestmark = pytest.mark.django_db


def test_upload_checked_by_content_not_name(cast, login):
    c = factories.case(cast.intake_a)
    client = login(cast.intake_a)
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post(reverse("cases:document_upload", args=[c.pk]), {"kind": "medical_history", "upload": fake})
    assert not Document.objects.filter(case=c).exists()
    png = SimpleUploadedFile("scan.txt", b"\x89PNG\r\n\x1a\n" + b"0" * 50, content_type="text/plain")
    client.post(reverse("cases:document_upload", args=[c.pk]), {"kind": "medical_history", "upload": png})
    doc = Document.objects.get(case=c)
    assert doc.content_type == "image/png" and doc.file.name.startswith(f"{c.pk}/")
    assert client.get(reverse("cases:document", args=[c.pk, doc.pk])).status_code == 200
    assert login(cast.intake_b).get(reverse("cases:document", args=[c.pk, doc.pk])).status_code == 404


def test_upload_size_limit(cast):
    c = factories.case(cast.intake_a)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (services.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(Refused, match="超过 10 MB"):
        services.document_upload(actor=Actor.for_user(cast.intake_a), case=c, kind="other", upload=big)


def test_duplicate_invoice_in_another_street_blocks_until_district_override(cast, act, roster, login):
    first = factories.case(cast.intake_b, factories.household("310105002"))
    number = first.invoices.get().number
    c = factories.case(cast.intake_a, invoices=())
    _, dups = services.invoice_add(
        actor=Actor.for_user(cast.intake_a), case=c, number=f" {number.lower()} ", hospital="长宁区中心医院",
        regular_hospital=True, date=factories.APPLIED_ON, fee_type="treatment", total=Decimal("900"),
        reimbursed=Decimal("0"), self_paid=Decimal("900"),
    )  # fmt: skip
    assert [d.case_id for d in dups] == [first.pk]
    act(cast.assessor_a, c, "investigate", **INVESTIGATION)
    r = act(cast.panel_a, c, "review", **review_data(roster, amount="300.00"))
    assert r.status_code == 400 and "已在其他个案中申报" in r.content.decode()
    invoice = c.invoices.get()
    client = login(cast.approver_a)
    client.post(reverse("cases:invoice_override", args=[c.pk, invoice.pk]), {"reason": "street tries"})
    invoice.refresh_from_db()
    assert not invoice.duplicate_override_reason
    client = login(cast.district_cn)
    client.post(
        reverse("cases:invoice_override", args=[c.pk, invoice.pk]), {"reason": "经核实为同一发票复印件误报"}
    )
    assert act(cast.panel_a, c, "review", **review_data(roster, amount="300.00")).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVING_STREET


def test_pdf_forms_carry_chinese_text(cast, act, roster, login):
    c = factories.case(cast.intake_a)
    act(cast.assessor_a, c, "investigate", **INVESTIGATION)
    act(cast.panel_a, c, "review", **review_data(roster))
    client = login(cast.approver_a)
    expected = {
        "application": "市民综合帮扶申请表", "investigation": "调查情况表", "prereview": "综合帮扶预审表",
        "panel": "评审会议记录", "approval": "审批表",
    }  # fmt: skip
    for form, title in expected.items():
        r = client.get(reverse("cases:pdf", args=[c.pk, form]))
        assert r["Content-Type"] == "application/pdf"
        extracted = "".join(page.extract_text() for page in PdfReader(BytesIO(r.content)).pages)
        assert title in extracted and c.applicant.name in extracted
    assert login(cast.intake_b).get(reverse("cases:pdf", args=[c.pk, "application"])).status_code == 404
