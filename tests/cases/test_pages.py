"""The pages around the procedure: the home page's work queues per role, and bad input on the
case forms (a clear Chinese error, nothing saved, never 500). Active discovery: tests/discovery."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from bangfu.cases.models import Case, Invoice, PanelReview, Payment

from . import factories
from .conftest import INVESTIGATION, review_data
from .test_permissions import _approved, _do, _investigation, _paid, _reviewed, _to_reviewing

# The streets hold case money: these tests pay cases (a payment needs money behind it).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]


def tiles(client) -> dict[str, int]:
    html = client.get("/").content.decode()
    found = re.findall(r'tile-figure">(\d+)</span>\s*<span class="tile-label">([^<]+)</span>', html)
    return {label: int(n) for n, label in found}


def test_home_tiles_count_each_roles_queue(cast, login, roster):
    factories.case(cast.intake_a)  # applied
    _to_reviewing(cast)  # reviewing
    _reviewed(cast, roster)  # awaiting the street
    _approved(cast, roster)  # awaiting payment
    _paid(cast, roster)  # paid, no receipt, follow-up due
    factories.case(cast.intake_b, factories.household("310105002"))  # another street's
    assessor = tiles(login(cast.assessor_a))
    assert assessor["待调查评估"] == 1 and assessor["待回访"] == 1 and assessor["回访逾期"] == 0
    assert "待发放" not in assessor and "待民主评议" not in assessor
    assert tiles(login(cast.panel_a))["待民主评议"] == 1
    assert tiles(login(cast.approver_a))["待街镇审批"] == 1
    cashier = tiles(login(cast.cashier_a))
    assert cashier["待发放"] == 1 and cashier["待登记签收"] == 1
    assert "待调查评估" not in tiles(login(cast.intake_a))
    # The other street's assessor-less intake sees none of 华阳路's work.
    assert tiles(login(cast.intake_b)).get("待调查评估") is None
    assert tiles(login(cast.district_cn))["待区服务社审批"] == 0


def test_tile_links_open_the_same_cases(cast, login, roster):
    c = _reviewed(cast, roster)
    factories.case(cast.intake_a)
    client = login(cast.approver_a)
    rows = client.get(reverse("cases:list") + "?queue=approve").context["page"]
    assert [x.pk for x in rows] == [c.pk]


def test_overdue_follow_up_shows_in_red_for_the_assessor(today, cast, login, roster):
    c = _paid(cast, roster)
    c.follow_ups.update(due_date=today - timedelta(days=1))
    html = login(cast.assessor_a).get("/").content.decode()
    assert re.search(
        r'tile tile-warn"[^>]*>\s*<span class="tile-figure">1</span>\s*<span class="tile-label">回访逾期',
        html,
    )


# --- bad input on the case forms ------------------------------------------------------------


def _new_case_post(h, **extra):
    data = {"applicant": h.members.get().pk, "aid_type": "medical", "application_date": "2021-03-15",
            "hardship": "重病"}  # fmt: skip
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"application_date": "2099-01-01"}, "申请日期不能晚于今天"),
        ({"application_date": "15/03/2021"}, "日期"),
        ({"hardship": ""}, "请填写困难情况。"),
        ({"hardship": "   "}, "请填写困难情况。"),
        ({"aid_type": "lottery"}, "选择一个有效的选项"),
        ({"requested_amount": "一千"}, "金额格式不正确"),
        ({"requested_amount": "-5"}, "金额不能为负数"),
        ({"requested_amount": "12,3.4"}, "千位分隔符位置不对"),
        ({"personal_share": "1e3", "aid_type": "insurance_supplement"}, "不能用科学计数法"),
        ({"aid_type": "emergency"}, "突发事件帮扶须选择事件类型"),
        ({"aid_type": "insurance_supplement"}, "补缴金帮扶须填写个人需补缴金额"),
        ({"applicant": "999999"}, "选择一个有效的选项"),
    ],
)
def test_case_form_bad_input(cast, login, extra, message):
    h = factories.household()
    r = login(cast.intake_a).post(reverse("cases:new", args=[h.pk]), _new_case_post(h, **extra))
    assert r.status_code == 200 and message in r.content.decode()
    assert not Case.objects.exists()


def test_case_for_another_households_member_is_refused(cast, login):
    h, other = factories.household(), factories.household()
    r = login(cast.intake_a).post(
        reverse("cases:new", args=[h.pk]), _new_case_post(h, applicant=other.members.get().pk)
    )
    assert r.status_code == 200 and not Case.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("total", "abc", "金额格式不正确"),
        ("total", "12,3.4", "千位分隔符位置不对"),
        ("date", "2099-01-01", "开票日期不能晚于今天"),
        ("date", "2021-13-45", "日期"),
        ("self_paid", "0", "自负金额须大于0"),
        ("self_paid", "600.00", "不能超过发票总金额"),
        ("date", "2021-04-01", "发票日期不能晚于申请日期"),
        ("number", "", "请填写发票号码。"),
        ("total", "1" * 20, "金额超出可记账的范围"),
    ],
)
def test_invoice_bad_input(cast, login, field, value, message):
    c = factories.case(cast.intake_a, invoices=())
    data = {
        "number": "B1", "hospital": "华山医院", "regular_hospital": "on", "date": "2021-02-01",
        "fee_type": "medicine", "total": "500.00", "reimbursed": "0", "self_paid": "500.00", field: value,
    }  # fmt: skip
    r = login(cast.intake_a).post(reverse("cases:invoice_add", args=[c.pk]), data)
    # The case page again, the line as typed, the refusal on it: nothing to type twice.
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page and 'value="华山医院"' in page
    assert not Invoice.objects.filter(case=c).exists()


def test_same_invoice_twice_in_one_case_refused(cast, login):
    c = factories.case(cast.intake_a)
    inv = c.invoices.get()
    r = login(cast.intake_a).post(
        reverse("cases:invoice_add", args=[c.pk]),
        {"number": inv.number.lower(), "hospital": inv.hospital, "date": "2021-02-01", "fee_type": "medicine",
         "total": "100", "self_paid": "100"},
    )  # fmt: skip
    assert r.status_code == 400 and "已在本个案中录入" in r.content.decode() and c.invoices.count() == 1


@pytest.mark.parametrize(
    ("setup", "user", "action", "data", "message"),
    [
        (factories.case, "assessor_a", "investigate", {**INVESTIGATION, "visited_on": "昨天"}, "日期"),
        (factories.case, "assessor_a", "investigate", {**INVESTIGATION, "visited_on": "2099-01-01"}, "调查日期不能晚于今天"),
        (factories.case, "assessor_a", "investigate", {**INVESTIGATION, "income": ""}, "请填写家庭收入情况。"),
        ("reviewing", "panel_a", "review", {"meeting_date": "2021-02-30"}, "日期"),
        ("reviewing", "panel_a", "review", {"amount": "-100"}, "金额不能为负数"),
        ("reviewing", "panel_a", "review", {"meeting_date": "2099-01-01"}, "会议日期不能晚于今天"),
        ("reviewing", "panel_a", "review", {"conclusion": "maybe"}, "选择一个有效的选项"),
        ("reviewing", "panel_a", "review", {"member_0": "agree", "__no_members__": True}, "请选择出席的评审小组成员"),
        ("reviewed", "approver_a", "approve", {"amount": "四千"}, "金额格式不正确"),
        ("reviewed", "approver_a", "approve", {"amount": "4,0.00"}, "千位分隔符位置不对"),
        ("reviewed", "approver_a", "approve", {"amount": "0"}, "请填写核定金额"),
        ("reviewed", "approver_a", "approve", {"amount": "4000.001"}, "金额最多两位小数"),
        ("approved", "cashier_a", "pay", {"method": "cheque", "idempotency_key": str(uuid.uuid4())}, "选择一个有效的选项"),
        ("approved", "cashier_a", "pay", {"method": "cash", "idempotency_key": "not-a-uuid"}, "请输入有效UUID"),
        ("paid", "assessor_a", "follow_up", {"outcome": "", "feedback": ""}, "请填写帮扶效果。"),
    ],
)  # fmt: skip
def test_action_form_bad_input(cast, client, roster, setup, user, action, data, message):
    c = {
        "reviewing": lambda: _to_reviewing(cast),
        "reviewed": lambda: _reviewed(cast, roster),
        "approved": lambda: _approved(cast, roster),
        "paid": lambda: _paid(cast, roster, receipt=True),
    }.get(setup, lambda: factories.case(cast.intake_a))()
    if action == "review":
        post = review_data([] if data.pop("__no_members__", False) else roster)
        post.update(data)
    else:
        post = data
    before = (c.state, c.transitions.count(), Payment.objects.count(), PanelReview.objects.count())
    client.force_login(getattr(cast, user))
    r = client.post(reverse("cases:action", args=[c.pk, action]), post)
    assert r.status_code == 400 and message in r.content.decode()
    c.refresh_from_db()
    assert (c.state, c.transitions.count(), Payment.objects.count(), PanelReview.objects.count()) == before


def test_review_on_a_case_without_policy_is_refused_not_500(today, cast, act, roster):
    """An application dated outside every policy version: a clear refusal, never a 500."""
    c = factories.case(cast.intake_a)
    _do(cast.assessor_a, c, "investigate", **_investigation())
    Case.objects.filter(pk=c.pk).update(application_date=today)
    r = act(cast.panel_a, c, "review", **review_data(roster))
    assert r.status_code == 400 and "没有生效的帮扶政策" in r.content.decode()
    assert not PanelReview.objects.filter(case=c).exists()


def test_household_file_shows_cases_payments_and_follow_ups(cast, login, roster):
    paid = _paid(cast, roster, receipt=True)
    _do(cast.assessor_a, paid, "follow_up", outcome="病情稳定", feedback="满意")
    pending = factories.case(cast.intake_a, paid.household)
    url = reverse("registry:detail", args=[paid.household.pk])
    html = login(cast.assessor_a).get(url).content.decode()
    section = html[html.index('id="cases"') :]
    assert paid.number in section and pending.number in section
    assert "¥4,000.00" in section and "已回访" in section and "病情稳定" in section
    assert "已结案" in section and "待调查" in section
    assert login(cast.intake_b).get(url).status_code == 404


def test_the_case_list_pages_through_every_case_of_the_street(cast, login):
    made = [factories.case(cast.intake_a, invoices=()) for _ in range(55)]
    client = login(cast.intake_a)
    first = client.get(reverse("cases:list"))
    second = client.get(reverse("cases:list"), {"page": 2})
    shown = [c.pk for c in first.context["page"]] + [c.pk for c in second.context["page"]]
    assert sorted(shown) == sorted(c.pk for c in made)
    html = first.content.decode()
    assert "第 1 页（第 1–50 条）" in html and 'href="?page=2">下一页' in html and "上一页" not in html
    assert "第 2 页（第 51–55 条）" in second.content.decode() and "下一页" not in second.content.decode()
    # A page past the end is empty, never an error, and leads back.
    late = client.get(reverse("cases:list"), {"page": 99})
    assert late.status_code == 200 and list(late.context["page"]) == [] and "上一页" in late.content.decode()
    # The street next door sees none of them.
    assert list(login(cast.intake_b).get(reverse("cases:list")).context["page"]) == []
