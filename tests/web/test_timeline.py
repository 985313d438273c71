"""The household file's timeline (SPEC §2): the whole history of a household, newest first, each
entry linking to where it comes from, read through the user's scope."""

import html
import re
import uuid
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.audit.actor import Actor
from bangfu.discovery import services as discovery
from bangfu.funds import services as funds
from bangfu.funds.models import Transaction
from bangfu.orgs import roles
from bangfu.web.templatetags.timeline_tags import SHOWN
from bangfu.web.timeline import SOURCES, household_timeline
from tests.cases import factories
from tests.cases.conftest import INVESTIGATION, act, review_data, roster  # noqa: F401  (fixtures)
from tests.cases.test_procedure import _png
from tests.conftest import shanghai
from tests.registry.conftest import member

STREET = "310105001"
# The case's dates lie inside 长民发〔2016〕31号 (to 2021-12-31); the page is read in June.
TODAY = "2021-06-20 10:00"

pytestmark = pytest.mark.parametrize("today", [TODAY], indirect=True)


def at(moment: str):
    """The clock at `moment` (Shanghai) while one step of the history is recorded."""
    return time_machine.travel(shanghai(moment), tick=False)


def page(client, household, **query) -> str:
    r = client.get(reverse("registry:detail", args=[household.pk]), query)
    assert r.status_code == 200
    return html.unescape(r.content.decode())


def timeline(text: str) -> str:
    section = text[text.index('id="timeline"') :]
    return section[: section.index("</section>")]


def entries(section: str) -> list[tuple[str, str]]:
    """(kind, text) of each entry, in the page's order."""
    rows = re.findall(r'<li class="timeline-([a-z_]+)">(.*?)</li>', section, re.S)
    return [(kind, re.sub(r"<[^>]+>", "", body)) for kind, body in rows]


def links(section: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', section)


@pytest.fixture
def history(today, cast, act, roster, new_household, login, org):  # noqa: F811
    """A household of 华阳路街道 with a year's history, each step on its own day."""
    factories.fund_street(STREET)
    with at("2021-03-01 09:00"):
        h = new_household(
            STREET,
            [
                member("赵敏", hukou_district=org("310105"), serious_illness=True, lost_work_capacity=True),
                member("钱军", "spouse", hukou_district=org("310105")),
            ],
            categories=[{"category": "dibao", "valid_from": date(2020, 1, 1)}],
        )
    assessor = Actor.for_user(cast.assessor_a, "test")
    with at("2021-03-10 10:00"):
        discovery.visit_record(
            actor=assessor, household=h, visited_on=date(2021, 3, 10), finding="sudden_illness",
            notes="户主突发脑梗住院", next_visit_due=date(2021, 6, 10),
        )  # fmt: skip
    with at("2021-03-10 11:00"):
        discovery.lead_raise(
            actor=assessor, household=h, source="referral", description="居委会转介：医疗费用高"
        )
    with at("2021-03-15 09:00"):
        c = factories.case(cast.intake_a, h)
    with at("2021-03-16 09:00"):
        assert act(cast.assessor_a, c, "investigate", **INVESTIGATION).status_code == 302
    with at("2021-03-17 09:00"):
        r = login(cast.assessor_a).post(reverse("cases:pre_review_submit", args=[c.pk]))
        assert r.status_code == 302
    with at("2021-03-18 09:00"):
        r = login(cast.district_cn).post(
            reverse("cases:pre_review_remark", args=[c.pk]), {"text": "建议核实住房面积后再定金额。"}
        )
        assert r.status_code == 302
    with at("2021-03-20 09:00"):
        assert act(cast.panel_a, c, "review", **review_data(roster, amount="4000.00")).status_code == 302
    with at("2021-03-21 09:00"):
        r = act(cast.approver_a, c, "approve", amount="4000.00")
        assert r.status_code == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', r.content.decode())
    with at("2021-03-22 09:00"):
        r = act(cast.cashier_a, c, "pay", method="cash", idempotency_key=str(uuid.uuid4()))
        assert r.status_code == 302
    with at("2021-03-23 09:00"):
        scan = SimpleUploadedFile("病历.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, content_type="image/png")
        r = login(cast.intake_a).post(
            reverse("cases:document_upload", args=[c.pk]), {"kind": "medical_history", "upload": scan}
        )
        assert r.status_code == 302
    with at("2021-03-24 09:00"):
        r = login(cast.cashier_a).post(reverse("cases:receipt", args=[c.pk]), {"signature": _png()})
        assert r.status_code == 302
    with at("2021-04-01 09:00"):
        assert (
            act(cast.assessor_a, c, "follow_up", outcome="病情稳定", feedback="感谢帮助").status_code == 302
        )
    with at("2021-06-05 10:00"):
        funds.transaction_reverse(
            actor=Actor.for_user(cast.finance_cn, "test"),
            txn=Transaction.objects.get(payment_record__payment__case=c),
            day=date(2021, 6, 5),
            reason="重复发放",
        )
    c.refresh_from_db()
    return h, c


def test_the_file_shows_the_whole_history_newest_first_with_working_links(history, cast, login):
    h, c = history
    client = login(cast.assessor_a)  # who makes the visits sees them too
    section = timeline(page(client, h))
    shown = entries(section)
    kinds = [kind for kind, _ in shown]
    assert kinds == [
        "aid_reversal",  # 2021-06-05
        "follow_up",  # 04-01
        "document",  # 03-24: the signed receipt
        "document",  # 03-23: the medical history
        "aid",  # 03-22: the payment
        "decision",  # 03-21: approval
        "decision",  # 03-20: the panel
        "pre_review_remark",  # 03-18: the district's remark
        "pre_review",  # 03-17
        "decision",  # 03-16: the investigation
        "case",  # 03-15
        "lead",  # 03-10 11:00
        "visit",  # 03-10
        "file",  # 03-01: two members …
        "file",
        "file",  # … and the file itself
        "category",  # valid from 2020-01-01
    ]
    text = dict(zip(kinds, (t for _, t in shown), strict=False))
    assert "冲销 2021年3月22日 的个案帮扶 · 资金 ¥4,000.00" in text["aid_reversal"]
    assert "重复发放" in text["aid_reversal"]
    aid = next(t for k, t in shown if k == "aid")
    assert "个案帮扶 · 资金 ¥4,000.00" in aid and "已冲销" in aid and c.number in aid
    approval = next(t for k, t in shown if k == "decision")
    assert "街镇审批" in approval and "¥4,000.00" in approval and "approver_a" in approval
    assert "建议核实住房面积" in text["pre_review_remark"] and "district_cn" in text["pre_review_remark"]
    assert "报送综合帮扶预审表，测算建议 ¥" in text["pre_review"]
    assert "病情稳定" in text["follow_up"] and "2021年4月1日 09:00" in text["follow_up"]
    assert "突发疾病" in text["visit"] and "2021年3月10日" in text["visit"]
    assert "居委会转介" in text["lead"] and "待跟进" in text["lead"]
    assert "低保家庭" in text["category"] and "2020年1月1日 至 长期" in text["category"]
    assert any("成员 钱军 登记入档" in t for k, t in shown if k == "file")
    # Masked data stays masked: no member's ID number anywhere in the timeline.
    for person in h.members.all():
        assert person.id_number not in section
    # Every link leads somewhere the user may go: the case, its documents, the file, discovery.
    urls = links(section)
    assert reverse("cases:detail", args=[c.pk]) in urls
    assert any(u.startswith(reverse("cases:document", args=[c.pk, 0])[:-2]) for u in urls)
    for url in set(urls):
        assert client.get(url).status_code == 200, url
    assert reverse("discovery:discovery") + "#visits" in urls
    # The intake worker's links too (no visits or leads among them: see below).
    intake = login(cast.intake_a)
    for url in set(links(timeline(page(intake, h)))):
        assert intake.get(url).status_code == 200, url


def test_an_open_follow_up_shows_at_its_due_date(today, cast, login):
    h = factories.household(STREET)
    factories.fund_street(STREET)
    with at("2021-03-22 09:00"):
        c = factories.approve(factories.case(cast.intake_a, h), "3000.00")
        from bangfu.cases import services as case_services

        case_services.case_pay(
            case=c, actor=Actor.for_user(cast.cashier_a, "test"), method="cash", idempotency_key=uuid.uuid4()
        )
    due = c.follow_ups.get().due_date
    shown = entries(timeline(page(login(cast.intake_a), h)))
    pending = [t for k, t in shown if k == "follow_up_due"]
    assert len(pending) == 1 and f"{due.year}年{due.month}月{due.day}日 前" in pending[0]
    assert f"{due.year}年{due.month}月{due.day}日" in pending[0]


def test_another_street_gets_404(history, cast, login):
    h, _ = history
    for user in (cast.intake_b, cast.intake_hp, cast.volunteer_a):
        assert login(user).get(reverse("registry:detail", args=[h.pk])).status_code == 404


def test_who_may_see_the_file_but_not_the_cases_sees_no_case_entries(history, cast, login, monkeypatch):
    h, c = history
    # An intake worker makes no visits: the visits and leads are not theirs to see.
    intake = entries(timeline(page(login(cast.intake_a), h)))
    assert not {"visit", "lead"} & {k for k, _ in intake}
    # A role that reads the registry but not the cases (the tables allow it: the permission
    # table is data): no case, decision, follow-up or document, and no case number anywhere.
    monkeypatch.setitem(
        roles.PERMISSIONS, "cases.view", roles.PERMISSIONS["cases.view"] - {roles.Role.AUDITOR}
    )
    section = timeline(page(login(cast.auditor_cn), h))
    kinds = {k for k, _ in entries(section)}
    assert not kinds & {"case", "decision", "pre_review", "pre_review_remark", "follow_up", "document"}
    assert c.number not in section and reverse("cases:detail", args=[c.pk]) not in section
    assert {"aid", "aid_reversal", "category", "file"} <= kinds  # what the file itself shows
    assert login(cast.auditor_cn).get(reverse("cases:detail", args=[c.pk])).status_code == 404


def test_a_long_history_is_cut_with_a_link_to_all_of_it(history, cast, login):
    h, _ = history
    with at("2021-06-10 09:00"):
        for n in range(SHOWN):
            discovery.lead_raise(
                actor=Actor.for_user(cast.assessor_a, "test"),
                household=h,
                source="referral",
                description=f"转介{n}",
            )
    client = login(cast.assessor_a)
    section = timeline(page(client, h))
    assert len(entries(section)) == SHOWN and "?timeline=all#timeline" in section
    everything = entries(timeline(page(client, h, timeline="all")))
    assert len(everything) == SHOWN + 17  # the new leads and the seventeen entries of the history
    assert everything[-1][0] == "category"


def test_the_timeline_costs_one_query_per_source(history, cast, login, django_assert_max_num_queries):
    h, _ = history
    client = login(cast.assessor_a)
    page(client, h)  # warm the session and the organisation tree
    with django_assert_max_num_queries(60) as few:
        page(client, h)
    # More of everything costs no more queries.
    with at("2021-06-10 09:00"):
        for n in range(5):
            discovery.lead_raise(
                actor=Actor.for_user(cast.assessor_a, "test"),
                household=h,
                source="referral",
                description=f"转介{n}",
            )
            factories.case(cast.intake_a, h)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, h, timeline="all")
    # The timeline itself: one query per kind of entry (pre-reviews and their remarks, done and
    # open follow-ups are two kinds each), and the four id look-ups of the registry's history.
    with django_assert_max_num_queries(len(SOURCES) + 2 + 4):
        assert len(household_timeline(user=cast.assessor_a, household=h).entries) > 17
