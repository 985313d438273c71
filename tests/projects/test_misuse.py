"""Project aid's pages misused (SPEC §4): bad input of every kind, the wrong method, no CSRF
token, a form sent twice, the wrong state and another district's ids. Each answers with a Chinese
message or 404/403/405 — never a 500 — and leaves the database as it was."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.projects import batches
from bangfu.projects.models import (
    Batch,
    BatchState,
    Check,
    Dimension,
    Enrolment,
    EnrolmentState,
    EnrolmentVia,
    PlanState,
    Project,
    Verification,
)
from tests.cases import factories
from tests.projects.conftest import DISTRICT, OTHER_DISTRICT, STREET, as_, make_plan
from tests.projects.delivered import Lot, default_indicators, deliver
from tests.projects.test_enrolment import xlsx

pytestmark = pytest.mark.django_db

DUE = date(2026, 6, 30)


def counts() -> tuple:
    """What a refusal must leave untouched."""
    return (
        Project.objects.count(),
        Enrolment.objects.count(),
        Batch.objects.count(),
        Verification.objects.count(),
        Check.objects.count(),
        AuditEntry.objects.exclude(action="login").count(),  # a login is audited too
    )


def chinese(response) -> str:
    text = response.content.decode()
    assert response.status_code < 500
    return text


def plan_post(**over) -> dict:
    data = {
        "title": "探针项目", "purpose": "", "aid_kind": "money", "unit_value": "500.00", "item": "",
        "hours": "", "budget": "10000.00", "period_start": "2026-07-01", "period_end": "2026-12-31",
        "target_households": "10",
    }  # fmt: skip
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def cn_plan(today, changning_in_force, district_money):
    return make_plan(owner=DISTRICT, fund_source=district_money, unit_value="500.00", budget="200000.00")


@pytest.fixture
def hp_plan(today):
    return make_plan(owner=OTHER_DISTRICT, unit_value="500.00")


def enrol(plan, n=1):
    return [
        Enrolment.objects.create(project=plan, household=factories.household(STREET), via=EnrolmentVia.ONE)
        for _ in range(n)
    ]


# --- a new plan and its edit --------------------------------------------------------------------


@pytest.mark.parametrize(
    "over, field_message",
    [
        ({"title": ""}, "必填"),
        ({"title": "长" * 201}, "200"),
        ({"unit_value": "-5"}, ""),
        ({"unit_value": "0.001"}, ""),
        ({"unit_value": "abc"}, ""),
        ({"unit_value": "0"}, "大于零"),
        ({"unit_value": "99999999999999999999999"}, ""),
        ({"budget": "-1"}, ""),
        ({"budget": "1e9"}, ""),
        ({"period_start": "2026-02-30"}, ""),
        ({"period_start": "2026-12-31", "period_end": "2026-01-01"}, "不能早于"),
        ({"aid_kind": "cash"}, ""),
        ({"areas": "310101001"}, ""),  # a street of another district
        ({"categories": "nope"}, ""),
        ({"age_min": "-1"}, ""),
        ({"age_min": "80", "age_max": "10"}, "不能小于"),
        ({"target_households": "99999999999"}, ""),
        ({"target_households": "1.5"}, ""),
        ({"aid_kind": "service", "item": "照护", "hours": "-3"}, ""),
        ({"aid_kind": "service", "item": "照护", "hours": ""}, "服务时数"),
        ({"aid_kind": "goods", "item": ""}, "物品或服务内容"),
        ({"fund_source": "999999"}, ""),
    ],
)
def test_plan_new_refuses_bad_input(login, cast, today, district_money, over, field_message):
    before = counts()
    r = login(cast.district_cn).post(reverse("projects:new"), plan_post(**over))
    assert r.status_code == 400, over
    text = chinese(r)
    assert field_message in text
    assert counts() == before


def test_plan_pages_refuse_street_and_readers(login, cast, cn_plan):
    for user in (cast.intake_a, cast.intake_b):
        c = login(user)
        assert c.get(reverse("projects:new")).status_code == 403
        assert c.get(reverse("projects:detail", args=[cn_plan.pk])).status_code == 404
    before = counts()
    for user in (cast.supervisor, cast.auditor_city):
        c = login(user)
        assert c.post(reverse("projects:new"), plan_post()).status_code == 403
        assert c.post(reverse("projects:edit", args=[cn_plan.pk]), plan_post()).status_code in (403, 404)
        assert c.post(reverse("projects:act", args=[cn_plan.pk, "close"])).status_code in (400, 403, 404)
        assert c.post(reverse("projects:indicators", args=[cn_plan.pk]), {}).status_code in (403, 404)
    assert counts() == before
    cn_plan.refresh_from_db()
    assert cn_plan.state == PlanState.FILED


def test_another_districts_plan_is_not_found_at_every_address(login, cast, hp_plan):
    c = login(cast.district_cn)
    e = enrol(hp_plan)[0]
    for name in ("detail", "edit", "indicators", "enrolments", "enrol_excel", "enrol_template", "enrol_query",
                 "batches", "batch_new", "verification", "evaluation", "audit", "audit_xlsx"):  # fmt: skip
        assert c.get(reverse(f"projects:{name}", args=[hp_plan.pk])).status_code == 404, name
    before = counts()
    for url in (
        reverse("projects:act", args=[hp_plan.pk, "close"]),
        reverse("projects:verification_draw", args=[hp_plan.pk]),
        reverse("projects:evaluate", args=[hp_plan.pk]),
        reverse("projects:enrolment_act", args=[e.pk, "exit"]),
        reverse("projects:enrolments", args=[hp_plan.pk]),
        reverse("projects:batch_new", args=[hp_plan.pk]),
    ):
        assert (
            c.post(url, {"reason": "x", "file_number": "x", "due_date": "2026-06-30"}).status_code == 404
        ), url
    assert counts() == before


def test_actions_refuse_get(login, cast, cn_plan):
    c = login(cast.district_cn)
    for url in (
        reverse("projects:act", args=[cn_plan.pk, "close"]),
        reverse("projects:verification_draw", args=[cn_plan.pk]),
        reverse("projects:evaluate", args=[cn_plan.pk]),
    ):
        assert c.get(url).status_code == 405, url
    cn_plan.refresh_from_db()
    assert cn_plan.state == PlanState.FILED


def test_posts_without_csrf_are_refused(cast, cn_plan):
    c = Client(enforce_csrf_checks=True)
    c.force_login(cast.district_cn)
    before = counts()
    for url in (
        reverse("projects:new"),
        reverse("projects:act", args=[cn_plan.pk, "close"]),
        reverse("projects:batch_new", args=[cn_plan.pk]),
        reverse("projects:enrolments", args=[cn_plan.pk]),
    ):
        assert c.post(url, {"due_date": "2026-06-30"}).status_code == 403, url
    assert counts() == before


def test_plan_act_twice_and_in_the_wrong_state(login, cast, cn_plan):
    c = login(cast.district_cn)
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "close"]))
    assert r.status_code == 302
    before = counts()
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "close"]))
    assert 400 <= r.status_code < 500
    assert counts() == before
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "submit"]))
    assert 400 <= r.status_code < 500
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "nope"]))
    assert r.status_code == 404
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "submit"]), {"remarks": "长" * 2001})
    assert 400 <= r.status_code < 500
    assert counts() == before


def test_edit_of_a_filed_plan_is_refused(login, cast, cn_plan):
    before = counts()
    r = login(cast.district_cn).post(reverse("projects:edit", args=[cn_plan.pk]), plan_post(title="改了"))
    assert 400 <= r.status_code < 500
    cn_plan.refresh_from_db()
    assert cn_plan.title != "改了"
    assert counts() == before


@pytest.mark.parametrize("value", ["", "-1", "abc", "101", "1e5", "999999999999999999"])
def test_indicators_refuse_bad_weights(login, cast, today, district_money, value):
    plan = make_plan(owner=DISTRICT, state=PlanState.DRAFT, fund_source=district_money)
    c = login(cast.district_cn)
    data = {f"weight_{d}": "20" for d in Dimension}
    data[f"weight_{next(iter(Dimension))}"] = value
    before = counts()
    r = c.post(reverse("projects:indicators", args=[plan.pk]), data)
    assert r.status_code == 400
    assert counts() == before


# --- enrolment -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, said",
    [
        ("名单.xlsx", b"", "空"),
        ("名单.xlsx", b"not an excel file at all", "无法读取该文件"),
        ("名单.txt", b"abc", "请上传 Excel 文件"),
        ("名单.xlsx", "header", "第1行须为表头"),
        ("名单.xlsx", "formula", "没有数据行"),  # no cached value: read as blank
        ("名单.xlsx", "empty", "没有数据行"),
        ("名单.xlsx", "unknown", "“NOPE-2”不存在"),
    ],
)
def test_excel_refuses_bad_files(login, cast, cn_plan, name, content, said):
    if content == "header":
        content = xlsx([["X"]], headers=("姓名",)).getvalue()
    elif content == "formula":
        content = xlsx([["=1+1"]]).getvalue()
    elif content == "empty":
        content = xlsx([]).getvalue()
    elif content == "unknown":
        content = xlsx([["NOPE-1"], ["NOPE-2"]]).getvalue()
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = counts()
    r = login(cast.district_cn).post(
        reverse("projects:enrol_excel", args=[cn_plan.pk]), {"file": SimpleUploadedFile(name, content)}
    )
    assert r.status_code in (200, 400)
    assert said in chinese(r)
    assert counts() == before


def test_excel_over_the_row_limit_is_refused(login, cast, cn_plan, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bangfu.projects import enrolment

    monkeypatch.setattr(enrolment, "MAX_ROWS", 10)
    before = counts()
    content = xlsx([[f"N{i}"] for i in range(11)]).getvalue()
    r = login(cast.district_cn).post(
        reverse("projects:enrol_excel", args=[cn_plan.pk]), {"file": SimpleUploadedFile("a.xlsx", content)}
    )
    assert "最多 10 行" in chinese(r)
    assert counts() == before


@pytest.mark.parametrize("number", ["", " ", "长" * 21, "NOPE"])
def test_enrol_by_file_number_refuses(login, cast, cn_plan, number):
    before = counts()
    r = login(cast.district_cn).post(
        reverse("projects:enrolments", args=[cn_plan.pk]), {"file_number": number}
    )
    assert r.status_code in (200, 400)
    chinese(r)
    assert counts() == before


def test_enrol_another_districts_household_is_not_found(login, cast, cn_plan):
    h = factories.household("310101002")
    before = counts()
    r = login(cast.district_cn).post(
        reverse("projects:enrolments", args=[cn_plan.pk]), {"file_number": h.file_number}
    )
    assert "未找到" in chinese(r)
    assert counts() == before


def test_enrolment_actions_twice_and_bad(login, cast, cn_plan):
    e = enrol(cn_plan)[0]
    c = login(cast.district_cn)
    url = reverse("projects:enrolment_act", args=[e.pk, "exit"])
    before = counts()
    assert c.post(url, {"reason": ""}).status_code in (200, 400)
    assert c.post(url, {"reason": "长" * 201}).status_code in (200, 400)
    assert counts() == before
    assert c.post(url, {"reason": "迁出"}).status_code == 302
    e.refresh_from_db()
    assert e.state == EnrolmentState.EXITED
    before = counts()
    r = c.post(url, {"reason": "迁出"}, follow=True)
    assert r.status_code in (200, 400)
    assert counts() == before
    r = c.post(reverse("projects:enrolment_act", args=[e.pk, "pause"]), {"reason": ""}, follow=True)
    assert counts() == before
    assert c.post(reverse("projects:enrolment_act", args=[e.pk, "nope"])).status_code == 404
    assert c.post(reverse("projects:enrolment_act", args=[999999, "exit"])).status_code == 404


def test_household_enrol_unknown_plan_id(login, cast, cn_plan, hp_plan):
    h = factories.household(STREET)
    c = login(cast.intake_a)
    before = counts()
    for pid in (str(hp_plan.pk), "999999", "abc", ""):
        r = c.post(reverse("projects:enrol_household", args=[h.pk]), {"project": pid})
        assert r.status_code < 500
    r = c.post(
        reverse("projects:enrol_household", args=[h.pk]), {"project": str(cn_plan.pk), "person": "999999"}
    )
    assert r.status_code < 500
    assert counts() == before


# --- batches ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["", "2026-02-30", "abc", "0001-01-01", "9999-12-31", "2025-01-01"])
def test_batch_new_bad_due_date(login, cast, cn_plan, day):
    enrol(cn_plan)
    before = counts()
    r = login(cast.district_cn).post(reverse("projects:batch_new", args=[cn_plan.pk]), {"due_date": day})
    assert r.status_code in (200, 302, 400), day
    if r.status_code != 302:
        assert counts() == before


def test_batch_approve_deliver_twice(login, cast, cn_plan):
    enrol(cn_plan, 3)
    b = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    c = login(cast.finance_cn)
    url = reverse("projects:batch_act", args=[b.pk, "approve"])
    assert c.post(url, {"confirm": "on"}).status_code == 302
    before = counts()
    assert c.post(url, {"confirm": "on"}).status_code == 302
    assert counts() == before
    b.refresh_from_db()
    assert b.state == BatchState.APPROVED
    url = reverse("projects:batch_act", args=[b.pk, "deliver"])
    items = list(b.items.order_by("pk"))
    other = make_plan(owner=DISTRICT, fund_source=cn_plan.fund_source, unit_value="500.00")
    enrol(other)
    foreign = batches.prepare(actor=as_(cast.district_cn), project=other, due_date=DUE).items.get()
    # Another plan's item id, a junk id, no reason: all ignored or refused.
    r = c.post(url, {"day": "2026-06-17", "undelivered": [str(foreign.pk), "abc", "999999"]})
    assert r.status_code in (200, 400)
    r = c.post(url, {"day": "2026-06-17", "undelivered": [str(items[0].pk)]})
    assert r.status_code == 400
    for day in ("", "2026-02-30", "2027-01-01", "abc"):
        before = counts()
        r = c.post(url, {"day": day, "confirm": "on"})
        assert r.status_code == 400, day
        assert counts() == before
    b.refresh_from_db()
    assert b.state == BatchState.APPROVED
    undelivered = {"undelivered": [str(foreign.pk)], f"reason_{foreign.pk}": "不在家"}
    r = c.post(url, {"day": "2026-06-17", "confirm": "on", **undelivered})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == BatchState.DELIVERED
    assert set(b.items.values_list("state", flat=True)) == {"delivered"}
    foreign.refresh_from_db()
    assert foreign.state == "pending" and foreign.note == ""  # another plan's item untouched
    before = counts()
    r = c.post(url, {"day": "2026-06-17", "confirm": "on"})
    assert r.status_code == 302
    assert counts() == before
    # Cancel a delivered batch: refused.
    r = c.post(reverse("projects:batch_act", args=[b.pk, "cancel"]), {"reason": "x"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == BatchState.DELIVERED
    assert c.post(reverse("projects:batch_act", args=[b.pk, "nope"])).status_code == 404


def test_batch_cancel_bad_reason_and_readers(login, cast, cn_plan):
    enrol(cn_plan)
    b = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    url = reverse("projects:batch_act", args=[b.pk, "cancel"])
    before = counts()
    c = login(cast.finance_cn)
    for reason in ("", "长" * 201):
        assert c.post(url, {"reason": reason}).status_code in (200, 400)
    for user in (cast.supervisor, cast.auditor_city, cast.district_hp, cast.intake_a, cast.foundation):
        r = login(user).post(url, {"reason": "撤销"})
        assert r.status_code in (302, 403, 404), user
    assert counts() == before
    b.refresh_from_db()
    assert b.state == BatchState.PREPARED


# --- verification and evaluation ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"method": "share", "share": "0"},
        {"method": "share", "share": "-5"},
        {"method": "share", "share": "101"},
        {"method": "share", "share": "abc"},
        {"method": "share", "share": "999999"},
        {"method": "number", "number": "0"},
        {"method": "number", "number": "-3"},
        {"method": "number", "number": "99999999999"},
        {"method": "number", "number": "1" * 40},
        {"method": "number"},
        {"method": "nope"},
        {},
    ],
)
def test_draw_refuses_bad_input(login, cast, cn_plan, data):
    deliver(cn_plan, [Lot(3, DUE, date(2026, 6, 10))], preparer=cast.district_cn, approver=cast.finance_cn)
    before = counts()
    r = login(cast.district_cn).post(reverse("projects:verification_draw", args=[cn_plan.pk]), data)
    assert r.status_code == 400, data
    chinese(r)
    assert counts() == before


def test_draw_and_check_by_readers_refused(login, cast, cn_plan):
    deliver(cn_plan, [Lot(3, DUE, date(2026, 6, 10))], preparer=cast.district_cn, approver=cast.finance_cn)
    before = counts()
    for user in (cast.supervisor, cast.auditor_city, cast.finance_cn):
        r = login(user).post(reverse("projects:verification_draw", args=[cn_plan.pk]), {"method": "all"})
        assert r.status_code in (400, 403, 404), user
    assert counts() == before
    c = login(cast.district_cn)
    assert (
        c.post(reverse("projects:verification_draw", args=[cn_plan.pk]), {"method": "all"}).status_code == 302
    )
    check = Check.objects.first()
    url = reverse("projects:check", args=[check.pk])
    before = counts()
    for data in ({}, {"result": "pending", "channel": "visit"}, {"result": "received", "channel": "x"},
                 {"result": "problem", "channel": "visit", "note": ""}):  # fmt: skip
        assert c.post(url, data).status_code == 400, data
    assert login(cast.supervisor).post(url, {"result": "received", "channel": "visit"}).status_code in (
        400,
        403,
        404,
    )
    assert login(cast.district_hp).post(url, {"result": "received", "channel": "visit"}).status_code == 404
    assert counts() == before
    c = login(cast.district_cn)
    assert c.post(url, {"result": "received", "channel": "visit"}).status_code == 302
    before = counts()
    assert c.post(url, {"result": "received", "channel": "visit"}).status_code == 400
    assert counts() == before


@pytest.mark.parametrize("actual", ["", "-1", "abc", "1" * 20, "0.001"])
def test_indicator_actual_refuses(login, cast, today, lottery, actual):
    plan = make_plan(fund_source=lottery)
    i = default_indicators(plan)["relief"]
    before = counts()
    r = login(cast.foundation).post(
        reverse("projects:indicator_actual", args=[i.pk]),
        {f"i{i.pk}-actual": actual, f"i{i.pk}-evidence": "问卷"},
    )
    assert r.status_code == 400
    assert counts() == before


def test_evaluate_by_readers_and_long_conclusion(login, cast, cn_plan):
    before = counts()
    for user in (cast.supervisor, cast.auditor_city, cast.district_cn):
        r = login(user).post(reverse("projects:evaluate", args=[cn_plan.pk]), {"conclusion": "好"})
        assert r.status_code in (302, 403, 404)
    r = login(cast.foundation).post(
        reverse("projects:evaluate", args=[cn_plan.pk]), {"conclusion": "长" * 2001}
    )
    assert r.status_code == 302
    assert counts() == before


# --- more: twice, the wrong state, lists with junk -----------------------------------------------


def test_prepare_and_follow_up_twice(login, cast, cn_plan):
    enrol(cn_plan, 2)
    c = login(cast.district_cn)
    url = reverse("projects:batch_new", args=[cn_plan.pk])
    assert c.post(url, {"due_date": "2026-06-30"}).status_code == 302
    before = counts()
    r = c.post(url, {"due_date": "2026-06-30"})
    assert r.status_code in (302, 400)
    assert counts() == before
    b = Batch.objects.get(project=cn_plan)
    b = batches.approve(actor=as_(cast.finance_cn), batch=b)
    items = list(b.items.order_by("pk"))
    batches.deliver(
        actor=as_(cast.finance_cn), batch=b, day=date(2026, 6, 17), undelivered={items[0].pk: "不在家"}
    )
    url = reverse("projects:batch_act", args=[b.pk, "follow_up"])
    for day in ("", "2026-02-30"):
        assert c.post(url, {"due_date": day}).status_code == 400
    assert c.post(url, {"due_date": "2026-07-01"}).status_code == 302
    before = counts()
    r = c.post(url, {"due_date": "2026-07-01"}, follow=True)
    assert r.status_code == 200
    assert "均已编入补发批次" in r.content.decode()
    assert counts() == before


def test_filing_steps_twice_and_by_the_wrong_person(login, cast, today, district_money, lottery):
    plan = make_plan(owner=DISTRICT, state=PlanState.DRAFT, fund_source=district_money)
    default_indicators(plan)
    c = login(cast.district_cn)
    url = lambda a: reverse("projects:act", args=[plan.pk, a])  # noqa: E731
    r = c.post(url("submit"))
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    before = counts()
    assert c.post(url("submit")).status_code in (400, 403, 409)
    assert c.post(url("accept")).status_code in (400, 403, 409)  # the district never accepts
    for user in (cast.supervisor, cast.auditor_city, cast.foundation_fin):
        assert login(user).post(url("accept")).status_code in (400, 403, 404, 409), user
    assert login(cast.foundation).post(url("return"), {"remarks": ""}).status_code in (400, 409)
    assert counts() == before
    assert login(cast.foundation).post(url("accept")).status_code == 302
    plan.refresh_from_db()
    number = plan.filing_number
    before = counts()
    assert login(cast.foundation2).post(url("accept")).status_code in (400, 409)
    plan.refresh_from_db()
    assert plan.filing_number == number
    assert counts() == before
    assert r.status_code == 302


def test_foundation_plan_approved_by_its_submitter_refused(login, cast, today, lottery):
    plan = make_plan(state=PlanState.DRAFT, fund_source=lottery)
    default_indicators(plan)
    c = login(cast.foundation)
    c.post(reverse("projects:act", args=[plan.pk, "submit"]))
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    before = counts()
    r = c.post(reverse("projects:act", args=[plan.pk, "approve"]))
    assert 400 <= r.status_code < 500
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and not plan.filing_number
    assert counts() == before


def test_lists_with_junk_parameters(login, cast, cn_plan):
    enrol(cn_plan)
    b = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    c = login(cast.district_cn)
    junk = {
        "sort": "-evil;drop",
        "page": "abc",
        "state": "zzz",
        "street": "999999",
        "result": "x",
        "q": "长" * 500,
    }
    for url in (
        reverse("projects:list"),
        reverse("projects:enrolments", args=[cn_plan.pk]),
        reverse("projects:batch", args=[b.pk]),
        reverse("projects:verification", args=[cn_plan.pk]),
    ):
        for page in ("abc", "-1", "0", "99999999999999999999"):
            r = c.get(url, {**junk, "page": page})
            assert r.status_code in (200, 400, 404), (url, page)


def test_excel_too_large_refused(login, cast, cn_plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = counts()
    big = SimpleUploadedFile("名单.xlsx", b"0" * (5 * 1024 * 1024 + 1))
    r = login(cast.district_cn).post(reverse("projects:enrol_excel", args=[cn_plan.pk]), {"file": big})
    assert "不能超过5MB" in chinese(r)
    assert counts() == before


def test_enrolment_in_a_draft_plan_and_the_query_twice(
    login, cast, today, district_money, changning_in_force
):
    draft = make_plan(owner=DISTRICT, state=PlanState.DRAFT, fund_source=district_money)
    h = factories.household(STREET)
    c = login(cast.district_cn)
    before = counts()
    r = c.post(reverse("projects:enrolments", args=[draft.pk]), {"file_number": h.file_number})
    assert r.status_code < 500
    r = c.post(reverse("projects:enrol_query", args=[draft.pk]))
    assert r.status_code < 500
    assert counts() == before
    plan = make_plan(owner=DISTRICT, fund_source=district_money, unit_value="500.00")
    url = reverse("projects:enrol_query", args=[plan.pk])
    assert c.post(url).status_code == 200
    n = Enrolment.objects.filter(project=plan).count()
    assert n >= 1
    before = counts()
    r = c.post(url)
    assert r.status_code < 500
    assert Enrolment.objects.filter(project=plan).count() == n
    e = Enrolment.objects.filter(project=plan).first()
    r = c.post(reverse("projects:enrolment_act", args=[e.pk, "resume"]), follow=True)
    assert r.status_code == 200
    assert counts()[:5] == before[:5]


def test_foreign_indicator_evaluation_and_pdf(login, cast, hp_plan, cn_plan):
    i = default_indicators(hp_plan)["relief"]
    c = login(cast.district_cn)
    before = counts()
    r = c.post(
        reverse("projects:indicator_actual", args=[i.pk]), {f"i{i.pk}-actual": "5", f"i{i.pk}-evidence": "x"}
    )
    assert r.status_code == 404
    assert c.get(reverse("projects:evaluation_pdf", args=[999999])).status_code == 404
    assert c.get(reverse("projects:check", args=[999999])).status_code == 404
    assert c.get(reverse("projects:batch", args=[999999])).status_code == 404
    assert c.get(reverse("projects:enrol_household", args=[999999])).status_code == 404
    mine = default_indicators(cn_plan)["relief"]
    r = c.post(
        reverse("projects:indicator_actual", args=[mine.pk]),
        {f"i{mine.pk}-actual": "5", f"i{mine.pk}-evidence": "x"},
    )
    assert r.status_code in (400, 403)  # evaluating is the foundation's
    assert counts() == before


def test_background_enrolment_sent_twice_is_one_job(login, cast, cn_plan, monkeypatch):
    from bangfu.jobs.models import Job
    from bangfu.projects import enrolment

    monkeypatch.setattr(enrolment, "BACKGROUND_OVER", 0)
    factories.household(STREET)
    c = login(cast.district_cn)
    url = reverse("projects:enrol_query", args=[cn_plan.pk])
    first = c.post(url)
    assert first.status_code == 302
    second = c.post(url)
    assert second.status_code == 302 and second.url == first.url
    assert Job.objects.filter(kind="projects.enrol_query").count() == 1


@pytest.mark.parametrize("aid_kind", ["service", "money"])
def test_batch_of_a_plan_at_the_largest_unit_value(
    login, cast, today, changning_in_force, district_money, aid_kind
):
    """Two households at 999,999,999,999.99 each: the batch's total would not fit its column."""
    plan = make_plan(
        owner=DISTRICT, fund_source=district_money, aid_kind=aid_kind, item="照护", hours="4",
        unit_value="999999999999.99", budget="999999999999.99",
    )  # fmt: skip
    enrol(plan, 2)
    before = counts()
    r = login(cast.district_cn).post(
        reverse("projects:batch_new", args=[plan.pk]), {"due_date": "2026-06-30"}
    )
    if aid_kind == "money":  # the annual cap leaves both households out
        assert r.status_code == 400
    else:
        assert "超出一个批次可记录的金额上限" in chinese(r)
        assert r.status_code == 400
    assert counts()[2] == before[2]  # no batch


def test_nul_characters_anywhere(login, cast, cn_plan):
    """A NUL (\\x00) typed or pasted: PostgreSQL refuses it in text, so a form must first."""
    enrol(cn_plan)
    b = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    c = login(cast.district_cn)
    nul = "a\x00b"
    for url in (
        reverse("projects:list"),
        reverse("projects:enrolments", args=[cn_plan.pk]),
        reverse("projects:batch", args=[b.pk]),
        reverse("projects:verification", args=[cn_plan.pk]),
        reverse("projects:audit", args=[cn_plan.pk]),
    ):
        r = c.get(url, {"q": nul, "sort": nul, "state": nul, "street": nul, "result": nul, "page": nul})
        assert r.status_code in (200, 400, 404), url
    before = counts()
    r = c.post(reverse("projects:enrolments", args=[cn_plan.pk]), {"file_number": nul})
    assert r.status_code in (200, 400)
    r = c.post(reverse("projects:act", args=[cn_plan.pk, "close"]), {"remarks": nul})
    assert r.status_code in (400, 409)
    e = Enrolment.objects.filter(project=cn_plan).first()
    r = c.post(reverse("projects:enrolment_act", args=[e.pk, "exit"]), {"reason": nul})
    assert r.status_code in (200, 400)
    r = login(cast.finance_cn).post(reverse("projects:batch_act", args=[b.pk, "cancel"]), {"reason": nul})
    assert r.status_code in (200, 400)
    r = login(cast.district_cn).post(reverse("projects:new"), plan_post(title=nul, purpose=nul))
    assert r.status_code == 400
    assert counts() == before


def test_excel_with_odd_cells(login, cast, cn_plan):
    """Numbers, dates, formulas, very long text and an ID number typed as a number: each a line with
    its reason, nothing enrolled."""
    from datetime import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    rows = [
        [310105001, None, None],
        [datetime(2026, 2, 28, 10, 0), None, None],
        ["=A1&A2", None, None],
        ["长" * 5000, None, None],
        [None, 310105198001011234, None],
        [None, "3.10105E+17", None],
        [None, None, "110101199003070000"],
        [1.5, "-", "x" * 300],
    ]
    content = xlsx(rows, headers=("档案编号", "身份证号码", "受助成员身份证号码")).getvalue()
    before = counts()
    r = login(cast.district_cn).post(
        reverse("projects:enrol_excel", args=[cn_plan.pk]), {"file": SimpleUploadedFile("名单.xlsx", content)}
    )
    text = chinese(r)
    assert "第2行" in text or "2" in text
    assert counts() == before


def test_evaluation_sent_twice_is_kept_once(login, cast, today, lottery):
    from bangfu.projects.models import Evaluation

    plan = make_plan(fund_source=lottery)
    default_indicators(plan)
    c = login(cast.foundation)
    url = reverse("projects:evaluate", args=[plan.pk])
    assert c.post(url, {"conclusion": "资金使用规范。"}).status_code == 302
    r = c.post(url, {"conclusion": "资金使用规范。"}, follow=True)
    assert "未重复保存" in r.content.decode()
    assert Evaluation.objects.filter(project=plan).count() == 1
    # Something changed (the conclusion, an actual value): a new evaluation is kept.
    c.post(url, {"conclusion": "资金使用规范，按时发放。"})
    assert Evaluation.objects.filter(project=plan).count() == 2


@pytest.mark.parametrize("remarks, said", [("长" * 2001, "2000"), ("a\x00b", "意见：")])
def test_remarks_refused_say_why(login, cast, cn_plan, remarks, said):
    r = login(cast.district_cn).post(
        reverse("projects:act", args=[cn_plan.pk, "close"]), {"remarks": remarks}
    )
    assert r.status_code == 400
    text = r.content.decode()
    assert said in text and "意见过长" not in text
    cn_plan.refresh_from_db()
    assert cn_plan.state == PlanState.FILED


def test_readers_and_street_users_write_nothing_anywhere(login, cast, cn_plan):
    """Every write of a plan, by the supervisor, the city auditor and a street's intake worker."""
    deliver(
        cn_plan,
        [Lot(2, DUE, date(2026, 6, 10), undelivered=1)],
        preparer=cast.district_cn,
        approver=cast.finance_cn,
    )
    done = Batch.objects.get(project=cn_plan)
    e = enrol(cn_plan)[0]
    open_batch = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    verification_ = login(cast.district_cn).post(
        reverse("projects:verification_draw", args=[cn_plan.pk]), {"method": "all"}
    )
    assert verification_.status_code == 302
    check = Check.objects.first()
    relief = default_indicators(cn_plan)["relief"]
    h = factories.household(STREET)
    posts = [
        (reverse("projects:new"), plan_post()),
        (reverse("projects:edit", args=[cn_plan.pk]), plan_post()),
        (reverse("projects:indicators", args=[cn_plan.pk]), {}),
        (reverse("projects:act", args=[cn_plan.pk, "close"]), {}),
        (reverse("projects:enrolments", args=[cn_plan.pk]), {"file_number": h.file_number}),
        (reverse("projects:enrol_query", args=[cn_plan.pk]), {}),
        (reverse("projects:enrolment_act", args=[e.pk, "exit"]), {"reason": "迁出"}),
        (reverse("projects:enrolment_act", args=[e.pk, "pause"]), {"reason": ""}),
        (reverse("projects:batch_new", args=[cn_plan.pk]), {"due_date": "2026-06-30"}),
        (reverse("projects:batch_act", args=[open_batch.pk, "approve"]), {"confirm": "on"}),
        (reverse("projects:batch_act", args=[open_batch.pk, "cancel"]), {"reason": "撤销"}),
        (reverse("projects:batch_act", args=[done.pk, "follow_up"]), {"due_date": "2026-07-01"}),
        (reverse("projects:verification_draw", args=[cn_plan.pk]), {"method": "all"}),
        (reverse("projects:check", args=[check.pk]), {"result": "received", "channel": "visit"}),
        (reverse("projects:indicator_actual", args=[relief.pk]), {f"i{relief.pk}-actual": "5", f"i{relief.pk}-evidence": "x"}),
        (reverse("projects:evaluate", args=[cn_plan.pk]), {"conclusion": ""}),
    ]  # fmt: skip
    before = counts()
    for user in (cast.supervisor, cast.auditor_city, cast.intake_a, cast.auditor_cn):
        c = login(user)
        for url, data in posts:
            r = c.post(url, data)
            assert r.status_code < 500, (user, url)
            assert counts() == before, (user, url, r.status_code)
    open_batch.refresh_from_db()
    e.refresh_from_db()
    check.refresh_from_db()
    assert open_batch.state == BatchState.PREPARED and e.state == EnrolmentState.ENROLLED
    assert check.result == "pending"


def test_street_user_reads_no_plan_page_and_enrols_only_its_own(login, cast, cn_plan):
    c = login(cast.intake_a)
    for name in (
        "detail",
        "enrolments",
        "enrol_excel",
        "enrol_query",
        "batches",
        "verification",
        "evaluation",
        "audit",
    ):
        assert c.get(reverse(f"projects:{name}", args=[cn_plan.pk])).status_code in (403, 404), name
    other = factories.household("310105002")  # 江苏路街道: intake_b's
    foreign = factories.household("310101002")  # 黄浦区
    before = counts()
    for h in (other, foreign):
        r = c.post(reverse("projects:enrol_household", args=[h.pk]), {"project": str(cn_plan.pk)})
        assert r.status_code == 404
    assert counts() == before


@pytest.mark.parametrize("state", [PlanState.DRAFT, PlanState.SUBMITTED, PlanState.CLOSED])
def test_background_enrolment_into_an_unfiled_plan_refused_at_once(login, cast, cn_plan, monkeypatch, state):
    from bangfu.jobs.models import Job
    from bangfu.projects import enrolment

    monkeypatch.setattr(enrolment, "BACKGROUND_OVER", 0)
    Project.objects.filter(pk=cn_plan.pk).update(state=state)
    factories.household(STREET)
    before = counts()
    r = login(cast.district_cn).post(reverse("projects:enrol_query", args=[cn_plan.pk]))
    assert r.status_code == 200
    assert "未备案或已结项" in r.content.decode()
    assert not Job.objects.exists()
    assert counts() == before
