"""The case procedure over HTTP: every transition by its role, every refusal with its message."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.cases.models import Approval, Case, CaseState, PaymentRecord, Transition
from bangfu.funds.models import Posting

from . import factories
from .conftest import INVESTIGATION, review_data

# The streets hold case money: these tests pay cases (a payment needs money behind it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]


def text(response) -> str:
    return response.content.decode()


def to_reviewing(cast, act, c):
    assert act(cast.assessor_a, c, "investigate", **INVESTIGATION).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.REVIEWING


def to_approved(cast, act, roster, c, amount="4000.00"):
    to_reviewing(cast, act, c)
    assert act(cast.panel_a, c, "review", **review_data(roster, amount=amount)).status_code == 302
    assert act(cast.approver_a, c, "approve", amount=amount).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVED


def test_intake_creates_case_with_engine_proposal(cast, login):
    h = factories.household(category="dibao")
    client = login(cast.intake_a)
    r = client.post(
        reverse("cases:new", args=[h.pk]),
        {
            "applicant": h.members.first().pk,
            "aid_type": "medical",
            "application_date": "2021-03-15",
            "hardship": "重病",
        },
    )
    c = Case.objects.get()
    assert r.status_code == 302 and c.state == CaseState.APPLIED and c.number.startswith("GA2021")
    assert "error" in c.proposal or c.proposal["eligible"] is False  # no invoice yet
    c2 = factories.case(cast.intake_a, h)
    assert c2.proposal.get("eligible"), c2.proposal
    assert c2.proposal["eligible"] and c2.proposal["max_amount"] == "6000.00"  # 60% of 10,000 (三(一)1)
    assert "长民发〔2016〕31号" in text(login(cast.intake_a).get(reverse("cases:detail", args=[c2.pk])))


def test_other_street_and_other_district_get_404(cast, login):
    c = factories.case(cast.intake_a)
    for user in (cast.intake_b, cast.intake_hp, cast.district_hp, cast.sysadmin, cast.volunteer_a):
        assert login(user).get(reverse("cases:detail", args=[c.pk])).status_code == 404
    for user in (cast.district_cn, cast.supervisor, cast.auditor_city, cast.auditor_cn):
        assert login(user).get(reverse("cases:detail", args=[c.pk])).status_code == 200


def test_full_procedure_each_step_by_its_role(cast, act, roster, login):
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    client = login(cast.cashier_a)
    form = client.get(reverse("cases:action", args=[c.pk, "pay"]))
    key = form.context["form"].initial["idempotency_key"]
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.PAID and c.payment.amount == Decimal("4000.00")
    record = PaymentRecord.objects.get()
    assert record.amount == Decimal("4000.00") and record.category == "other"
    # Posted with the payment, in its transaction: the street's aid and fund, for this case.
    posting = Posting.objects.get(transaction__payment_record=record, account="aid")
    assert record.posted_at and record.ledger_reference == posting.transaction.number
    assert (posting.amount, posting.case_id, posting.org_id) == (Decimal("4000.00"), c.pk, c.street_id)
    assert c.follow_ups.get().due_date > c.payment.paid_at.date()
    # Follow-up before the signed receipt is refused.
    r = act(cast.assessor_a, c, "follow_up", outcome="好转", feedback="感谢")
    assert r.status_code == 400 and "签收" in text(r)
    png = _png()
    client = login(cast.cashier_a)
    assert client.post(reverse("cases:receipt", args=[c.pk]), {"signature": png}).status_code == 302
    c.payment.refresh_from_db()
    assert c.payment.receipt_kind == "signature" and c.payment.receipt_at
    assert act(cast.assessor_a, c, "follow_up", outcome="病情稳定", feedback="满意").status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.CLOSED
    steps = list(Transition.objects.filter(case=c).values_list("action", "from_state", "to_state"))
    assert [s[0] for s in steps] == [
        "apply",
        "investigate",
        "review",
        "approve",
        "pay",
        "receipt",
        "follow_up",
    ]
    assert all(t.user_id for t in Transition.objects.filter(case=c))
    assert AuditEntry.objects.filter(
        target_type="cases.case", target_id=str(c.pk), action="case.pay"
    ).exists()


def _png() -> str:
    import base64
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\xff" * 30 for _ in range(10))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.mark.parametrize(
    ("user", "action"),
    [
        ("intake_a", "investigate"), ("panel_a", "investigate"), ("cashier_a", "investigate"),
        ("supervisor", "investigate"), ("auditor_cn", "investigate"), ("district_cn", "investigate"),
        ("assessor_a", "reject"), ("intake_b", "investigate"),
    ],
)  # fmt: skip
def test_wrong_role_is_refused(cast, act, user, action):
    c = factories.case(cast.intake_a)
    r = act(getattr(cast, user), c, action, **INVESTIGATION, comment="x")
    assert r.status_code in (302, 404)
    c.refresh_from_db()
    assert c.state == CaseState.APPLIED and not Transition.objects.filter(case=c, action=action).exists()


def test_illegal_transition_refused_with_message(cast, act, login):
    c = factories.case(cast.intake_a)
    r = act(cast.cashier_a, c, "pay", method="cash", idempotency_key="6f1e7d56-1111-4222-8333-444455556666")
    assert r.status_code == 302
    page = login(cast.cashier_a).get(r["Location"])
    assert "当前状态为“待调查”，不能办理“发放”" in text(page)


def test_fast_track_for_dibao_records_reason(cast, act):
    c = factories.case(cast.intake_a, factories.household(category="dibao"))
    assert act(cast.assessor_a, c, "fast_track", reason="低保家庭，经社区评议快速帮扶").status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.REVIEWING and c.fast_track and "低保" in c.fast_track_reason


def test_fast_track_refused_for_other_households_and_without_reason(cast, act):
    c = factories.case(cast.intake_a)
    r = act(cast.assessor_a, c, "fast_track", reason="想快一点")
    assert r.status_code == 400 and "须上门调查" in text(r)
    d = factories.case(cast.intake_a, factories.household(category="low_income"))
    r = act(cast.assessor_a, d, "fast_track", reason="")
    assert r.status_code == 400
    d.refresh_from_db()
    assert d.state == CaseState.APPLIED


def test_panel_fewer_than_seven_needs_reason(cast, act):
    roster = factories.panel(n=5)
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    r = act(cast.panel_a, c, "review", **review_data(roster))
    assert r.status_code == 400 and "少于7人" in text(r)
    r = act(cast.panel_a, c, "review", **review_data(roster, fewer_members_reason="两名成员因病缺席"))
    assert r.status_code == 302


def test_panel_needs_amount_and_rejection_ends_case(cast, act, roster):
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    r = act(cast.panel_a, c, "review", **review_data(roster, amount=""))
    assert r.status_code == 400 and "评议金额" in text(r)
    assert (
        act(cast.panel_a, c, "review", **review_data(roster, conclusion="reject", amount="")).status_code
        == 302
    )
    c.refresh_from_db()
    assert c.state == CaseState.REJECTED


def test_panel_before_investigation_refused(cast, act, roster):
    c = factories.case(cast.intake_a)
    r = act(cast.panel_a, c, "review", **review_data(roster))
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPLIED


def test_panel_member_of_other_street_refused(cast, act, roster):
    other = factories.panel("310105002", n=1)
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    r = act(cast.panel_a, c, "review", **review_data(roster), **{f"member_{other[0].pk}": "agree"})
    # The form only offers the street's roster: a member of another street is not even a field.
    assert r.status_code == 302
    assert not c.panel_review.attendance.filter(member=other[0]).exists()


def test_street_approves_up_to_its_limit_and_refers_above(cast, act, roster):
    # 长民发〔2016〕31号 四(三): ≤ 20,000 street; above, the street refers to the district.
    c = factories.case(
        cast.intake_a, factories.household(category="dibao"), invoices=[(Decimal("50000.00"),)]
    )
    to_reviewing(cast, act, c)
    assert act(cast.panel_a, c, "review", **review_data(roster, amount="30000.00")).status_code == 302
    r = act(cast.approver_a, c, "approve", amount="30000.00")
    assert r.status_code == 400 and "须报区服务社审批" in text(r)
    r = act(cast.district_cn, c, "approve_district", amount="30000.00")
    assert r.status_code == 302 and Case.objects.get(pk=c.pk).state == CaseState.APPROVING_STREET
    assert act(cast.approver_a, c, "refer", amount="30000.00").status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVING_DISTRICT
    r = act(cast.district_cn, c, "approve_district", amount="30000.01")
    assert r.status_code == 400  # above the medical maximum (60% of 50,000): a hard limit
    assert act(cast.district_cn, c, "approve_district", amount="30000.00").status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVED and c.approved_amount == Decimal("30000.00")
    assert set(Approval.objects.filter(case=c).values_list("tier", "decision")) == {
        ("street", "refer"),
        ("district", "approve"),
    }


def test_refer_within_street_limit_is_refused(cast, act, roster):
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    act(cast.panel_a, c, "review", **review_data(roster))
    r = act(cast.approver_a, c, "refer", amount="4000.00")
    assert r.status_code == 400 and "无须报区" in text(r)


def test_exceeding_third_event_needs_reason_and_district(cast, act, roster, login):
    h = factories.household()
    for _ in range(2):
        c = factories.case(cast.intake_a, h, invoices=[(Decimal("5000.00"),)])
        to_approved(cast, act, roster, c, amount="1000.00")
    third = factories.case(cast.intake_a, h, invoices=[(Decimal("5000.00"),)])
    to_reviewing(cast, act, third)
    act(cast.panel_a, third, "review", **review_data(roster, amount="1000.00"))
    r = act(cast.approver_a, third, "approve", amount="1000.00")
    assert r.status_code == 400 and "一般不超过2次" in text(r)
    r = act(cast.approver_a, third, "refer", amount="1000.00")
    assert r.status_code == 400 and "书面说明" in text(r)
    assert (
        act(
            cast.approver_a, third, "refer", amount="1000.00", exception_reason="再次住院，确有困难"
        ).status_code
        == 302
    )
    assert act(cast.district_cn, third, "approve_district", amount="1000.00").status_code == 302
    third.refresh_from_db()
    assert third.state == CaseState.APPROVED and third.exception_reason


def test_annual_80000_is_a_hard_cap(cast, act, roster):
    h = factories.household(category="dibao")
    first = factories.case(cast.intake_a, h, invoices=[(Decimal("130000.00"),)])
    to_reviewing(cast, act, first)
    act(cast.panel_a, first, "review", **review_data(roster, amount="78000.00"))
    act(cast.approver_a, first, "refer", amount="78000.00")
    assert act(cast.district_cn, first, "approve_district", amount="78000.00").status_code == 302
    second = factories.case(cast.intake_a, h, invoices=[(Decimal("20000.00"),)])
    to_reviewing(cast, act, second)
    act(cast.panel_a, second, "review", **review_data(roster, amount="3000.00"))
    r = act(cast.approver_a, second, "approve", amount="3000.00")
    assert r.status_code == 400 and "本次最多 ¥2,000.00" in text(r)
    r = act(cast.approver_a, second, "refer", amount="3000.00", exception_reason="特别困难")
    assert r.status_code == 400
    assert act(cast.approver_a, second, "approve", amount="2000.00").status_code == 302


def test_reject_and_withdraw(cast, act):
    c = factories.case(cast.intake_a)
    r = act(cast.approver_a, c, "reject", comment="")
    assert r.status_code == 400
    assert act(cast.approver_a, c, "reject", comment="不符合户籍条件").status_code == 302
    assert Case.objects.get(pk=c.pk).state == CaseState.REJECTED
    d = factories.case(cast.intake_a)
    assert act(cast.intake_a, d, "withdraw", comment="申请人撤回").status_code == 302
    d.refresh_from_db()
    assert d.state == CaseState.WITHDRAWN
    assert act(cast.intake_a, d, "withdraw", comment="again").status_code == 302  # refused by state
    assert Transition.objects.filter(case=d, action="withdraw").count() == 1


def test_payment_is_made_once_on_double_submit_and_new_key(cast, act, roster):
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    key = "6f1e7d56-1111-4222-8333-444455556666"
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=key).status_code == 302
    r = act(cast.cashier_a, c, "pay", method="cash", idempotency_key="6f1e7d56-1111-4222-8333-444455550000")
    assert r.status_code == 302
    assert PaymentRecord.objects.count() == 1 and Transition.objects.filter(case=c, action="pay").count() == 1


def test_help_first_pays_then_shows_missing_steps_and_overdue(today, cast, act, roster, login):
    from datetime import timedelta

    c = factories.case(cast.intake_a, invoices=())
    due = today + timedelta(days=10)
    r = act(
        cast.approver_a, c, "help_first", amount="3000.00", reason="突发火灾后住院", paperwork_due=str(due)
    )
    assert r.status_code == 302
    assert (
        act(
            cast.cashier_a, c, "pay", method="cash", idempotency_key="6f1e7d56-1111-4222-8333-444455556666"
        ).status_code
        == 302
    )
    login(cast.cashier_a).post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()})
    page = text(login(cast.intake_a).get(reverse("cases:detail", args=[c.pk])))
    assert "须在" in page and "民主评议" in page and "调查评估" in page
    r = act(cast.assessor_a, c, "follow_up", outcome="好转", feedback="满意")
    assert r.status_code == 400 and "补齐手续" in text(r)
    Case.objects.filter(pk=c.pk).update(paperwork_due=today - timedelta(days=1))
    page = text(login(cast.approver_a).get(reverse("cases:detail", args=[c.pk])))
    assert "补办手续已逾期" in page
    assert (
        login(cast.approver_a).get(reverse("cases:list") + "?queue=paperwork_overdue").context["page"][0].pk
        == c.pk
    )
    # Paperwork done after payment: investigation, panel, invoice and documents.
    assert act(cast.assessor_a, c, "investigate", **INVESTIGATION).status_code == 302
    assert act(cast.panel_a, c, "review", **review_data(roster, amount="3000.00")).status_code == 302
    from bangfu.audit.actor import Actor
    from bangfu.cases import services

    services.invoice_add(
        actor=Actor.for_user(cast.intake_a), case=c, number="HF1", hospital="华山医院", regular_hospital=True,
        date=factories.APPLIED_ON, fee_type="treatment", total=Decimal("8000"), reimbursed=Decimal("0"),
        self_paid=Decimal("8000"),
    )  # fmt: skip
    client = login(cast.intake_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    for kind in ("invoice", "medical_history"):
        f = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
        client.post(reverse("cases:document_upload", args=[c.pk]), {"kind": kind, "upload": f})
    assert act(cast.assessor_a, c, "follow_up", outcome="好转", feedback="满意").status_code == 302
    assert Case.objects.get(pk=c.pk).state == CaseState.CLOSED


def test_help_first_needs_reason_deadline_and_street_limit(cast, act):
    c = factories.case(cast.intake_a)
    r = act(cast.approver_a, c, "help_first", amount="25000.00", reason="紧急", paperwork_due="2099-01-01")
    assert r.status_code == 400 and "街镇审批限额" in text(r)
    r = act(cast.approver_a, c, "help_first", amount="2000.00", reason="", paperwork_due="2099-01-01")
    assert r.status_code == 400
    assert Case.objects.get(pk=c.pk).state == CaseState.APPLIED


def test_work_queue_tiles_count_per_role(cast, act, roster):
    from bangfu.cases.selectors import work_queue_tiles

    factories.case(cast.intake_a)
    c = factories.case(cast.intake_a)
    to_reviewing(cast, act, c)
    by_label = {t["label"]: t["count"] for t in work_queue_tiles(cast.assessor_a)}
    assert by_label["待调查评估"] == 1
    assert {t["label"]: t["count"] for t in work_queue_tiles(cast.panel_a)}["待民主评议"] == 1
    assert {t["label"]: t["count"] for t in work_queue_tiles(cast.intake_b)} == {"补办手续逾期": 0}
    assert all(t["count"] == 0 for t in work_queue_tiles(cast.district_cn) if t["label"] == "待区服务社审批")
