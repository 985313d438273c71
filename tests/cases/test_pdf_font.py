"""Every printable form carries its Chinese font and gives back the Chinese written in it."""

import pytest
from django.urls import reverse

from bangfu.cases.pdf import FORMS
from tests.pdffonts import assert_fonts_embedded, pdf_text

from . import factories
from .conftest import INVESTIGATION, review_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]


def test_every_case_form_embeds_its_font_and_extracts_as_written(cast, act, roster, login):
    h = factories.household()
    h.address = "长宁区华阳路街道镇宁路１２号（甲）"
    h.save(update_fields=["address"])
    c = factories.case(cast.intake_a, h)
    act(cast.assessor_a, c, "investigate", **INVESTIGATION)
    act(cast.panel_a, c, "review", **review_data(roster))
    c = factories.approve(c, "4000.00")
    client = login(cast.cashier_a)
    key = client.get(reverse("cases:action", args=[c.pk, "pay"])).context["form"].initial["idempotency_key"]
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302
    client = login(cast.approver_a)
    for form, (title, _) in FORMS.items():
        r = client.get(reverse("cases:pdf", args=[c.pk, form]))
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", form
        assert_fonts_embedded(r.content)
        text = pdf_text(r.content)
        assert title in text and c.applicant.name in text and c.number in text, form
    receipt = pdf_text(client.get(reverse("cases:pdf", args=[c.pk, "receipt"])).content)
    assert "¥4,000.00" in receipt and "华阳路街道" in receipt
    application = pdf_text(client.get(reverse("cases:pdf", args=[c.pk, "application"])).content)
    assert "镇宁路１２号（甲）" in application and "突发重病，医疗费用负担重。" in application
