"""Only possible actions are offered: each button of the case page and the household file is
worked out by the rules the procedure enforces. What the records do not allow yet is shown
disabled with the reason, and a POST all the same is refused with that same reason; what the
user's role can never do is not shown at all."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from bangfu.audit.actor import Actor
from bangfu.cases import services, workflow
from bangfu.cases.models import Case, CaseState, FollowUp, Transition
from bangfu.core.refusal import Refused
from bangfu.registry.models import Household

from . import factories
from .conftest import INVESTIGATION, review_data
from .test_permissions import _do, _investigation, _png, _review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]


def offered(client, case) -> dict[str, tuple[bool, str]]:
    """action -> (enabled, reason shown) as the case page offers it."""
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    actions = {}
    for action in re.findall(rf'href="/cases/{case.pk}/do/([a-z_]+)/"', page):
        actions[action] = (True, "")
    for action, reason in re.findall(
        r'<button type="button"[^>]*disabled data-action="([a-z_]+)" title="([^"]*)"', page
    ):
        actions[action] = (False, unescape(reason))
        # The reason is also written out beside the buttons, not only in the tooltip.
        assert re.search(
            rf'<li id="why-{action}"><strong>[^<]+</strong>暂不能办理：{re.escape(reason)}</li>', page
        )
    return actions


def refused_with(response, reason: str) -> bool:
    return response.status_code == 400 and reason in unescape(response.content.decode())


def _help_first_paid(cast, today):
    c = factories.case(cast.intake_a, invoices=())
    _do(
        cast.approver_a, c, "help_first", amount=Decimal("3000.00"), reason="突发火灾后住院",
        paperwork_due=today + timedelta(days=10),
    )  # fmt: skip
    services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    return Case.objects.get(pk=c.pk)


def test_fast_track_for_a_household_in_other_is_disabled_with_the_reason(cast, login, act):
    c = factories.case(cast.intake_a)  # category 其他
    actions = offered(login(cast.assessor_a), c)
    assert actions["investigate"] == (True, "")
    enabled, reason = actions["fast_track"]
    assert not enabled and "须上门调查" in reason and "其他" in reason
    assert reason == workflow.offer(cast.assessor_a, c, "fast_track").reason
    # Opening the form is refused with it; a POST all the same too, and the case stays.
    r = login(cast.assessor_a).get(reverse("cases:action", args=[c.pk, "fast_track"]))
    assert r.status_code == 302 and reason in unescape(
        login(cast.assessor_a).get(r["Location"]).content.decode()
    )
    assert refused_with(act(cast.assessor_a, c, "fast_track", reason="想快一点"), reason)
    assert Case.objects.get(pk=c.pk).state == CaseState.APPLIED


def test_fast_track_for_a_dibao_household_is_offered(cast, login):
    c = factories.case(cast.intake_a, factories.household(category="dibao"))
    assert offered(login(cast.assessor_a), c)["fast_track"] == (True, "")


def test_follow_up_while_help_first_paperwork_is_missing_is_disabled_with_the_reason(today, cast, login, act):
    c = _help_first_paid(cast, today)
    services.receipt_record(actor=Actor.for_user(cast.cashier_a, "test"), case=c, signature=_png())
    enabled, reason = offered(login(cast.assessor_a), c)["follow_up"]
    assert not enabled and "补齐手续" in reason and "民主评议" in reason
    due = c.paperwork_due
    assert f"期限 {due.year}年{due.month}月{due.day}日" in reason and not re.search(
        r"\d{4}-\d{2}-\d{2}", reason
    )
    assert refused_with(act(cast.assessor_a, c, "follow_up", outcome="好转", feedback="满意"), reason)
    assert Case.objects.get(pk=c.pk).state == CaseState.PAID
    # The paperwork owed is offered to its owners: 补办调查评估 now, 补办民主评议 once investigated.
    assert offered(login(cast.assessor_a), c)["investigate"] == (True, "")
    enabled, reason = offered(login(cast.panel_a), c)["review"]
    assert not enabled and "尚未完成调查评估" in reason
    assert refused_with(act(cast.panel_a, c, "review", **review_data(factories.panel())), reason)
    assert act(cast.assessor_a, c, "investigate", **INVESTIGATION).status_code == 302
    assert offered(login(cast.panel_a), c)["review"] == (True, "")


def test_follow_up_before_the_receipt_is_disabled_with_the_reason(cast, login, act, roster):
    c, _ = _open_follow_up(cast, roster)
    enabled, reason = offered(login(cast.assessor_a), c)["follow_up"]
    assert not enabled and "签收" in reason
    assert refused_with(act(cast.assessor_a, c, "follow_up", outcome="好转", feedback="满意"), reason)
    # The cashier's receipt form is there until the receipt, and gone after it.
    page = login(cast.cashier_a).get(reverse("cases:detail", args=[c.pk])).content.decode()
    assert 'id="receipt-form"' in page
    services.receipt_record(actor=Actor.for_user(cast.cashier_a, "test"), case=c, signature=_png())
    page = login(cast.cashier_a).get(reverse("cases:detail", args=[c.pk])).content.decode()
    assert 'id="receipt-form"' not in page and "已签收" in page
    r = login(cast.cashier_a).post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()})
    assert r.status_code == 400 and "该笔发放已签收，不能重复登记" in unescape(r.content.decode())
    assert offered(login(cast.assessor_a), c)["follow_up"] == (True, "")


def test_a_duplicate_invoice_disables_the_review_with_the_reason(cast, login, act, roster):
    first = factories.case(cast.intake_b, factories.household("310105002"))
    c = factories.case(cast.intake_a, invoices=())
    services.invoice_add(
        actor=Actor.for_user(cast.intake_a), case=c, number=first.invoices.get().number, hospital="长宁区中心医院",
        regular_hospital=True, date=factories.APPLIED_ON, fee_type="treatment", total=Decimal("900"),
        reimbursed=Decimal("0"), self_paid=Decimal("900"),
    )  # fmt: skip
    _do(cast.assessor_a, c, "investigate", **_investigation())
    enabled, reason = offered(login(cast.panel_a), c)["review"]
    assert not enabled and "已在其他个案中申报" in reason
    assert refused_with(act(cast.panel_a, c, "review", **review_data(roster)), reason)


def test_an_action_the_role_can_never_take_is_not_shown(cast, login):
    c = factories.case(cast.intake_a)
    assert set(offered(login(cast.assessor_a), c)) == {"investigate", "fast_track"}
    assert set(offered(login(cast.intake_a), c)) == {"withdraw"}
    assert set(offered(login(cast.approver_a), c)) == {"help_first", "reject"}
    for user in (cast.cashier_a, cast.panel_a, cast.volunteer_a, cast.district_cn, cast.supervisor):
        client = login(user)
        if client.get(reverse("cases:detail", args=[c.pk])).status_code == 200:
            assert offered(client, c) == {}


def test_the_household_file_offers_intake_only_while_the_file_is_open(cast, login):
    h = factories.household()
    page = login(cast.intake_a).get(reverse("registry:detail", args=[h.pk])).content.decode()
    assert f'href="{reverse("cases:new", args=[h.pk])}"' in page
    # Others never see the button at all.
    page = login(cast.assessor_a).get(reverse("registry:detail", args=[h.pk])).content.decode()
    assert "受理申请" not in page

    Household.objects.filter(pk=h.pk).update(status="closed")
    h.refresh_from_db()
    allowed, reason = services.case_may_open(h)
    assert not allowed and reason == "该档案已注销，不能受理新的申请。"
    page = unescape(login(cast.intake_a).get(reverse("registry:detail", args=[h.pk])).content.decode())
    assert f'href="{reverse("cases:new", args=[h.pk])}"' not in page
    assert re.search(r"<button[^>]*disabled[^>]*>＋ 受理申请</button>", page) and reason in page
    client = login(cast.intake_a)
    for r in (
        client.get(reverse("cases:new", args=[h.pk])),
        client.post(
            reverse("cases:new", args=[h.pk]), {"applicant": h.members.first().pk, "aid_type": "other"}
        ),
    ):
        assert r.status_code == 302 and reason in unescape(client.get(r["Location"]).content.decode())
    with pytest.raises(Refused) as refused:
        factories.case(cast.intake_a, h)
    assert refused.value.message == reason
    assert not Case.objects.filter(household=h).exists()


def test_history_names_actors_and_steps_in_chinese(cast, login, roster):
    c = factories.case(cast.intake_a)
    _do(cast.assessor_a, c, "investigate", **_investigation())
    Transition.objects.create(
        case=c, action="pay", from_state=CaseState.APPROVED, to_state=CaseState.PAID, user=None,
        actor_label="system:funds.payment_post",
    )  # fmt: skip
    page = unescape(login(cast.intake_a).get(reverse("cases:detail", args=[c.pk])).content.decode())
    history = page[page.index("流转记录") :]
    assert "intake_a（受理员）" in history and "<strong>受理申请</strong>（待调查）" in history
    assert (
        "assessor_a（救助顾问/评估员）" in history and "<strong>调查评估</strong>：待调查 → 待评议" in history
    )
    assert "系统（发放后自动记账）" in history and "<strong>发放</strong>：待发放 → 已发放·待回访" in history
    assert "待调查 → 待调查" not in history and "(apply)" not in history and "（apply）" not in history
    assert "system:" not in history and "@test" not in history


def _open_follow_up(cast, roster):
    c = factories.case(cast.intake_a)
    _do(cast.assessor_a, c, "investigate", **_investigation())
    _do(cast.panel_a, c, "review", **_review(roster, "4000.00"))
    _do(cast.approver_a, c, "approve", amount=Decimal("4000.00"))
    services.case_pay(
        case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
    )
    return c, c.follow_ups.get()


def test_a_follow_up_is_assigned_from_the_streets_volunteers_and_assessors(cast, login, roster, make_user):
    elsewhere = make_user("assessor_b", [("assessor", "310105002")])
    c, task = _open_follow_up(cast, roster)
    client = login(cast.assessor_a)
    page = client.get(reverse("cases:detail", args=[c.pk])).content.decode()
    options = {
        int(pk): unescape(label) for pk, label in re.findall(r'<option value="(\d+)">([^<]*)</option>', page)
    }
    assert options == {
        cast.assessor_a.pk: "assessor_a（救助顾问/评估员）",
        cast.volunteer_a.pk: "volunteer_a（志愿者）",
    }
    url = reverse("cases:follow_up_assign", args=[c.pk, task.pk])
    for outsider in (
        elsewhere,
        cast.intake_a,
        cast.cashier_a,
    ):  # another street; the right street, a wrong role
        r = client.post(url, {"user": outsider.pk})
        assert services.NOT_AN_ASSIGNEE in unescape(client.get(r["Location"]).content.decode())
        assert FollowUp.objects.get(pk=task.pk).assigned_to is None
        with pytest.raises(Refused) as refused:
            services.follow_up_assign(actor=Actor.for_user(cast.assessor_a), follow_up=task, user=outsider)
        assert refused.value.message == services.NOT_AN_ASSIGNEE
    r = client.post(url, {"user": cast.volunteer_a.pk})
    assert r.status_code == 302 and FollowUp.objects.get(pk=task.pk).assigned_to == cast.volunteer_a


def test_the_invoice_form_is_offered_only_where_an_invoice_line_is_taken(today, cast, login):
    c = _help_first_paid(cast, today)  # owes its invoices
    invoice_form = f'action="{reverse("cases:invoice_add", args=[c.pk])}"'
    assert invoice_form in login(cast.intake_a).get(reverse("cases:detail", args=[c.pk])).content.decode()
    # The assessor may upload the paperwork, but an invoice line is the intake's: no form to refuse.
    page = login(cast.assessor_a).get(reverse("cases:detail", args=[c.pk])).content.decode()
    assert invoice_form not in page and reverse("cases:document_upload", args=[c.pk]) in page
    assert services.invoice_may_add(cast.intake_a, c) and not services.invoice_may_add(cast.assessor_a, c)
    # 重新测算 for those the service lets ask the engine again, in any state.
    assert reverse("cases:propose", args=[c.pk]) in page
    page = login(cast.cashier_a).get(reverse("cases:detail", args=[c.pk])).content.decode()
    assert reverse("cases:propose", args=[c.pk]) not in page
