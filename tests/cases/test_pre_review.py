"""综合帮扶预审表 (长民发〔2016〕31号 四(二)) over HTTP: the street sends it to the district once the
investigation (or the fast track) is done; the district of that district reads it in its queue and
remarks on it; nobody else sees it; the street's approval never waits for the remarks."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bangfu.audit.models import AuditEntry
from bangfu.cases.models import CaseState, PreReview, PreReviewRemark, Transition

from . import factories
from .conftest import INVESTIGATION, review_data

pytestmark = pytest.mark.django_db


def submit(login, user, c):
    return login(user).post(reverse("cases:pre_review_submit", args=[c.pk]), follow=True)


def remark(login, user, c, text):
    return login(user).post(reverse("cases:pre_review_remark", args=[c.pk]), {"text": text}, follow=True)


def queue(login, user) -> str:
    return login(user).get(reverse("cases:list") + "?queue=pre_review").content.decode()


def detail(login, user, c) -> str:
    return login(user).get(reverse("cases:detail", args=[c.pk])).content.decode()


@pytest.fixture
def investigated(cast, act):
    c = factories.case(cast.intake_a)
    assert act(cast.assessor_a, c, "investigate", **INVESTIGATION).status_code == 302
    c.refresh_from_db()
    return c


def test_street_submits_after_investigation_with_the_form_as_it_stood(cast, login, investigated):
    c = investigated
    assert "提交预审表" in detail(login, cast.assessor_a, c)
    r = submit(login, cast.assessor_a, c)
    assert "已向区服务社提交综合帮扶预审表" in r.content.decode()
    pre = PreReview.objects.get(case=c)
    assert pre.submitted_by == cast.assessor_a
    content = pre.content
    assert content["applicant"]["name"] == c.applicant.name
    assert content["applicant"]["id_number"] == c.applicant.id_number_masked != c.applicant.id_number
    assert content["household"]["file_number"] == c.household.file_number
    assert content["aid_type"] == "大重病医疗帮扶"
    assert content["investigation"]["income"] == INVESTIGATION["income"]
    assert content["investigation"]["plan"] == INVESTIGATION["plan"]
    # The engine's proposal when it was sent: 40% of the 10,000 self-paid (三(一)1), no category.
    assert pre.proposed_amount == Decimal(c.proposal["recommended_amount"]) == Decimal("4000.00")
    # No state change; the step is on the timeline and in the audit log.
    c.refresh_from_db()
    assert c.state == CaseState.REVIEWING
    t = Transition.objects.get(case=c, action="pre_review")
    assert (t.from_state, t.to_state, t.user) == (CaseState.REVIEWING, CaseState.REVIEWING, cast.assessor_a)
    assert AuditEntry.objects.filter(action="case.pre_review", target_id=str(c.pk)).count() == 1
    page = detail(login, cast.assessor_a, c)
    assert "区服务社尚未填写意见" in page and "提交预审表</button>" not in page


def test_fast_track_case_may_be_submitted_by_the_street_approver(cast, act, login):
    c = factories.case(cast.intake_a, factories.household(category="dibao"))
    assert act(cast.assessor_a, c, "fast_track", reason="低保家庭，情况明确").status_code == 302
    submit(login, cast.approver_a, c)
    pre = PreReview.objects.get(case=c)
    assert pre.content["investigation"] is None
    assert pre.content["fast_track_reason"] == "低保家庭，情况明确"


def test_refused_before_investigation(cast, login):
    c = factories.case(cast.intake_a)
    assert "提交预审表" not in detail(login, cast.assessor_a, c)
    r = submit(login, cast.assessor_a, c)
    assert "尚未完成调查评估" in r.content.decode()
    assert not PreReview.objects.exists()
    assert not AuditEntry.objects.filter(action="case.pre_review").exists()


def test_refused_the_second_time(cast, login, investigated):
    submit(login, cast.assessor_a, investigated)
    r = submit(login, cast.approver_a, investigated)
    assert "已提交，不能重复提交" in r.content.decode()
    assert PreReview.objects.filter(case=investigated).count() == 1
    assert Transition.objects.filter(case=investigated, action="pre_review").count() == 1


def test_only_the_street_working_group_submits(cast, login, investigated):
    # The intake worker and the panel member do not; the district does not send it to itself.
    for user in (cast.intake_a, cast.panel_a, cast.cashier_a, cast.district_cn):
        r = submit(login, user, investigated)
        assert r.status_code == 200 and "只有本街镇的救助顾问" in r.content.decode()
    # Another street's or another district's user: the case does not exist for them.
    for user in (cast.intake_b, cast.district_hp):
        assert login(user).post(reverse("cases:pre_review_submit", args=[investigated.pk])).status_code == 404
    assert not PreReview.objects.exists()


def test_district_sees_it_in_its_queue_and_remarks(cast, login, investigated):
    c = investigated
    submit(login, cast.assessor_a, c)
    home = login(cast.district_cn).get("/").content.decode()
    assert "预审表" in home and "queue=pre_review" in home
    listing = queue(login, cast.district_cn)
    assert c.number in listing and "未填写" in listing
    page = detail(login, cast.district_cn, c)
    assert INVESTIGATION["housing"] in page and "填写意见" in page

    r = remark(login, cast.district_cn, c, "建议核实住房面积后再定金额。")
    assert "已填写预审意见" in r.content.decode()
    note = PreReviewRemark.objects.get()
    assert (note.by, note.text, note.pre_review.case) == (cast.district_cn, "建议核实住房面积后再定金额。", c)
    assert AuditEntry.objects.filter(action="case.pre_review_remark", target_id=str(c.pk)).count() == 1
    assert "1 条" in queue(login, cast.district_cn)
    # The street reads the remark on the case page, with who wrote it.
    page = detail(login, cast.assessor_a, c)
    assert "建议核实住房面积后再定金额。" in page and "district_cn" in page
    # An empty remark is refused in Chinese; nothing is saved.
    assert "请填写预审意见" in remark(login, cast.district_cn, c, "   ").content.decode()
    assert PreReviewRemark.objects.count() == 1


def test_queue_lists_newest_first(cast, act, login, investigated):
    second = factories.case(cast.intake_a)
    assert act(cast.assessor_a, second, "investigate", **INVESTIGATION).status_code == 302
    submit(login, cast.assessor_a, investigated)
    submit(login, cast.assessor_a, second)
    listing = queue(login, cast.district_cn)
    assert listing.index(second.number) < listing.index(investigated.number)


def test_another_district_neither_sees_nor_remarks(cast, login, investigated):
    c = investigated
    submit(login, cast.assessor_a, c)
    assert login(cast.district_hp).get(reverse("cases:detail", args=[c.pk])).status_code == 404
    assert c.number not in queue(login, cast.district_hp)
    r = login(cast.district_hp).post(reverse("cases:pre_review_remark", args=[c.pk]), {"text": "越权意见"})
    assert r.status_code == 404
    # The street's own staff do not remark on what they sent (and their own street only).
    assert "只有该街镇所属区的区服务社" in remark(login, cast.approver_a, c, "自评").content.decode()
    assert login(cast.intake_b).get(reverse("cases:pdf", args=[c.pk, "prereview"])).status_code == 404
    assert not PreReviewRemark.objects.exists()


def test_street_approval_within_its_limit_does_not_wait_for_the_district(
    cast, act, login, roster, investigated
):
    c = investigated
    submit(login, cast.assessor_a, c)
    assert act(cast.panel_a, c, "review", **review_data(roster, amount="4000.00")).status_code == 302
    assert act(cast.approver_a, c, "approve", amount="4000.00").status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVED and c.approved_amount == Decimal("4000.00")
    assert not PreReviewRemark.objects.exists()
    # Still on the district's queue, and it may still remark (advisory).
    assert c.number in queue(login, cast.district_cn)
    assert "已填写预审意见" in remark(login, cast.district_cn, c, "同意。").content.decode()


def test_printed_pre_review_form_is_the_submitted_snapshot(cast, login, investigated):
    c = investigated
    submit(login, cast.assessor_a, c)
    remark(login, cast.district_cn, c, "同意街镇方案")
    # The household moves after submission: the printed form keeps the address that was sent.
    sent_address = c.household.address
    type(c.household).objects.filter(pk=c.household_id).update(address="迁居后的新地址")
    r = login(cast.district_cn).get(reverse("cases:pdf", args=[c.pk, "prereview"]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(r.content)).pages)
    assert "综合帮扶预审表" in text and c.applicant.name in text and INVESTIGATION["housing"] in text
    assert sent_address in text and "迁居后的新地址" not in text
    assert "同意街镇方案" in text and "¥4,000.00" in text


def test_refused_once_the_case_is_rejected(cast, act, login, investigated):
    assert act(cast.approver_a, investigated, "reject", comment="经调查不符合条件").status_code == 302
    r = submit(login, cast.approver_a, investigated)
    assert "不再提交预审表" in r.content.decode()
    assert not PreReview.objects.exists()
