"""Enrolment in a plan (SPEC §4), through the pages: one by one from the household file and from
the plan's list, from an Excel list (every bad row with its line and reason, nothing
half-imported), from the target query (inline, and in the background with a job); pause,
resume, exit; and who may do any of it."""

import html
import io
from datetime import date

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.jobs.models import Job
from bangfu.projects import enrolment as services
from bangfu.projects.models import Enrolment, EnrolmentState, EnrolmentVia
from bangfu.registry.models import HouseholdStatus
from tests.cases import factories
from tests.projects.conftest import DISTRICT, OTHER_STREET, STREET, as_, make_plan

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def xlsx(rows, headers=("档案编号", "身份证号码", "受助成员身份证号码")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "名单.xlsx"
    return buffer


def id_of(h) -> str:
    return h.members.get(relationship="head").id_number


def near_cap(cast, h, amount="79500.00"):
    """A 2026 case of the household approved for `amount` and not yet paid (counts toward 三(四))."""
    return factories.approve(factories.case(cast.intake_a, h, application_date=date(2026, 3, 2)), amount)


@pytest.fixture
def plan(today, changning_in_force):
    """长宁区's money plan of 1,000 for 低保 households of 华阳路街道."""
    return make_plan(owner=DISTRICT, target={"categories": ["dibao"], "areas": [STREET]})


@pytest.fixture
def service_plan(today, changning_in_force):
    return make_plan(
        owner=DISTRICT, target={"categories": ["dibao"]}, aid_kind="service", unit_value="3000.00", hours="12",
        item="居家照护",
    )  # fmt: skip


# --- one by one --------------------------------------------------------------------------------


def test_the_intake_worker_enrols_their_streets_household_from_its_file(login, cast, plan, service_plan):
    h = factories.household(STREET, category="dibao")
    client = login(cast.intake_a)
    url = reverse("projects:enrol_household", args=[h.pk])
    page = text(client.get(url))
    assert plan.title in page and service_plan.title in page
    r = client.post(url, {"project": plan.pk, "person": ""})
    assert r.status_code == 302 and r["Location"] == reverse("registry:detail", args=[h.pk])
    e = Enrolment.objects.get(project=plan, household=h)
    assert (e.state, e.via, e.enrolled_by, e.person) == ("enrolled", "one", cast.intake_a, h.members.get())
    entry = AuditEntry.objects.get(action="project.enrol", target_id=str(e.pk))
    assert entry.user == cast.intake_a and entry.org.code == DISTRICT
    # Once: the plan is no longer offered, and enrolling again is refused.
    assert client.get(url).context["plans"] == [service_plan]
    with pytest.raises(Refused) as refused:
        services.enrol_one(actor=as_(cast.intake_a), project=plan, household=h)
    assert refused.value.code == "already_enrolled"
    assert Enrolment.objects.filter(household=h).count() == 1


def test_the_household_files_offer_is_a_template_with_the_plans(cast, plan):
    h = factories.household(STREET, category="dibao")
    request = RequestFactory().get("/")
    request.user = cast.intake_a
    out = Template('{% include "projects/_household_enrol.html" %}').render(
        Context({"household": h, "request": request})
    )
    assert plan.title in out and reverse("projects:enrol_household", args=[h.pk]) in out
    request.user = cast.assessor_a  # reads the file, enrols nothing
    out = Template('{% include "projects/_household_enrol.html" %}').render(
        Context({"household": h, "request": request})
    )
    assert plan.title not in out and "form" not in out


def test_outside_scope_is_not_found_and_nothing_is_enrolled(login, cast, plan):
    h = factories.household(STREET, category="dibao")
    url = reverse("projects:enrol_household", args=[h.pk])
    for user in (cast.intake_b, cast.intake_hp, cast.district_hp):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"project": plan.pk}).status_code == 404
    assert login(cast.district_hp).get(reverse("projects:enrolments", args=[plan.pk])).status_code == 404
    assert login(cast.intake_a).get(reverse("projects:enrolments", args=[plan.pk])).status_code == 404
    assert not Enrolment.objects.exists()
    # intake_b's own household of 江苏路街道 is outside the plan's area (华阳路街道 only).
    theirs = factories.household(OTHER_STREET, category="dibao")
    client = login(cast.intake_b)
    assert plan.title not in text(client.get(reverse("projects:enrol_household", args=[theirs.pk])))
    r = client.post(reverse("projects:enrol_household", args=[theirs.pk]), {"project": plan.pk})
    assert r.status_code == 200 and not Enrolment.objects.exists()
    with pytest.raises(Refused):
        services.enrol_one(actor=as_(cast.intake_b), project=plan, household=theirs)


def test_a_money_plan_that_would_cross_the_annual_cap_is_refused_a_service_plan_is_not(
    login, cast, plan, service_plan
):
    h = factories.household(STREET, category="dibao")
    near_cap(cast, h)
    client = login(cast.intake_a)
    url = reverse("projects:enrol_household", args=[h.pk])
    r = client.post(url, {"project": plan.pk})
    assert r.status_code == 200
    assert "本年度已获帮扶 79,500.00 元，加本项目 1,000.00 元将超过全年累计 80,000.00 元上限" in text(r)
    assert not Enrolment.objects.filter(project=plan).exists()
    assert client.post(url, {"project": service_plan.pk}).status_code == 302
    assert Enrolment.objects.filter(project=service_plan, household=h).exists()


def test_the_plans_owner_enrols_by_file_number(login, cast, plan):
    h = factories.household(STREET, category="dibao")
    client = login(cast.district_cn)
    url = reverse("projects:enrolments", args=[plan.pk])
    assert client.post(url, {"file_number": "T-没有这个"}).status_code == 200
    assert "未找到该档案编号" in text(client.post(url, {"file_number": "T-没有这个"}))
    r = client.post(url, {"file_number": h.file_number})
    assert r.status_code == 302
    e = Enrolment.objects.get(project=plan)
    assert e.household == h and e.enrolled_by == cast.district_cn
    page = text(client.get(url))
    assert h.file_number in page and "已纳入" in page and "逐户纳入" in page
    assert "已纳入本项目" in text(client.post(url, {"file_number": h.file_number}))
    # A plan not filed takes nobody.
    draft = make_plan(owner=DISTRICT, state="draft", target={"categories": ["dibao"]})
    other = factories.household(STREET, category="dibao")
    page = text(
        client.post(reverse("projects:enrolments", args=[draft.pk]), {"file_number": other.file_number})
    )
    assert "未备案" in page and not Enrolment.objects.filter(project=draft).exists()


# --- from an Excel list ------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(login, cast, plan):
    good = factories.household(STREET, category="dibao")
    by_id = factories.household(STREET, category="dibao")
    closed = factories.household(STREET, category="dibao", status=HouseholdStatus.CLOSED)
    elsewhere = factories.household(OTHER_STREET, category="dibao")
    not_dibao = factories.household(STREET, category="low_income")
    over = factories.household(STREET, category="dibao")
    near_cap(cast, over)
    stranger = factories.household(STREET, category="dibao")
    valid = id_of(good)
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    rows = [
        (good.file_number, "", ""),  # 2 fine
        ("", id_of(by_id), ""),  # 3 fine, by ID number
        ("T-不存在", "", ""),  # 4
        ("", wrong_check, ""),  # 5
        ("", id_of(closed), ""),  # 6
        (elsewhere.file_number, "", ""),  # 7
        (good.file_number, "", ""),  # 8 the same household as line 2
        (not_dibao.file_number, "", ""),  # 9
        (over.file_number, "", ""),  # 10
        (good.file_number, id_of(stranger), ""),  # 11 two households
        ("", "", ""),  # a blank line: left out
        (stranger.file_number, "", id_of(good)),  # 13 a member of another household
    ]
    client = login(cast.district_cn)
    url = reverse("projects:enrol_excel", args=[plan.pk])
    r = client.post(url, {"file": xlsx(rows)})
    assert r.status_code == 200
    page = text(r)
    assert "名单共 11 行，其中 9 行有问题，整份名单未导入" in page
    report = r.context["report"]
    reasons = {e.line: e.reason for e in report.errors}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 13]
    assert "档案编号“T-不存在”不存在" in reasons[4]
    assert "无效" in reasons[5] and "校验位" in reasons[5] and valid not in reasons[5]
    assert "不在在册家庭中" in reasons[6]
    assert "江苏路街道" in reasons[7] and "不在项目实施区域内" in reasons[7]
    assert "与第2行为同一家庭" in reasons[8]
    assert "不符合本项目的帮扶对象条件" in reasons[9]
    assert "79,500.00 元" in reasons[10] and "80,000.00 元上限" in reasons[10]
    assert "不是档案" in reasons[11]
    assert "不是档案" in reasons[13] and "在册成员" in reasons[13]
    for line in reasons:
        assert f"第 {line} 行" in page
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.filter(action="project.enrol_excel").exists()

    # The list put right: every row in, one audit entry for the list.
    r = client.post(url, {"file": xlsx([rows[0], rows[1], (stranger.file_number, "", id_of(stranger))])})
    assert r.status_code == 302 and r["Location"] == reverse("projects:enrolments", args=[plan.pk])
    assert set(Enrolment.objects.values_list("household_id", "via")) == {
        (good.pk, "excel"),
        (by_id.pk, "excel"),
        (stranger.pk, "excel"),
    }
    assert Enrolment.objects.get(household=by_id).person == by_id.members.get()
    entry = AuditEntry.objects.get(action="project.enrol_excel")
    assert entry.after["enrolled"] == 3 and entry.target_id == str(plan.pk)
    assert not AuditEntry.objects.filter(action="project.enrol").exists()


def test_a_list_the_import_cannot_read(login, cast, plan):
    client = login(cast.district_cn)
    url = reverse("projects:enrol_excel", args=[plan.pk])
    r = client.post(url, {"file": xlsx([("x",)], headers=("姓名",))})
    assert "第1行须为表头" in text(r)
    not_excel = io.BytesIO(b"not a workbook")
    not_excel.name = "名单.xlsx"
    assert "无法读取该文件" in text(client.post(url, {"file": not_excel}))
    csv = io.BytesIO(b"a,b")
    csv.name = "名单.csv"
    assert "请上传 Excel" in text(client.post(url, {"file": csv}))
    assert not Enrolment.objects.exists()
    assert login(cast.intake_a).post(url, {"file": xlsx([])}).status_code == 404


def test_the_template_has_the_headers_and_how_to_fill_it(login, cast, plan):
    r = login(cast.district_cn).get(reverse("projects:enrol_template", args=[plan.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == ["档案编号", "身份证号码", "受助成员身份证号码"]
    assert wb.worksheets[0].max_row == 1 or all(c.value is None for c in wb.worksheets[0][2])
    notes = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "任填其一" in notes and "整份名单不导入" in notes and "示例" in notes
    assert login(cast.district_hp).get(reverse("projects:enrol_template", args=[plan.pk])).status_code == 404


# --- from the target query ---------------------------------------------------------------------


def test_the_query_previews_then_enrols_and_counts_the_refused_by_reason(login, cast, plan):
    fine = [factories.household(STREET, category="dibao") for _ in range(3)]
    over = factories.household(STREET, category="dibao")
    near_cap(cast, over)
    enrolled = factories.household(STREET, category="dibao")
    Enrolment.objects.create(project=plan, household=enrolled, via=EnrolmentVia.ONE)
    factories.household(OTHER_STREET, category="dibao")  # outside the area: not in the group
    client = login(cast.district_cn)
    url = reverse("projects:enrol_query", args=[plan.pk])
    r = client.get(url)
    preview = r.context["preview"]
    assert (preview.count, preview.enrolled) == (4, 1)
    page = text(r)
    head = fine[0].members.get()
    assert fine[0].file_number in page and head.id_number_masked in page and head.id_number not in page
    r = client.post(url)
    assert r.status_code == 200
    assert set(Enrolment.objects.filter(via="query").values_list("household_id", flat=True)) == {
        h.pk for h in fine
    }
    summary = r.context["summary"]
    assert (summary.enrolled, summary.refused) == (3, {"over_annual_amount": 1})
    assert "超过全年累计帮扶资金上限" in text(r)
    entries = AuditEntry.objects.filter(action="project.enrol_query")
    assert entries.count() == 1 and entries.get().after["enrolled"] == 3
    assert not AuditEntry.objects.filter(action="project.enrol").exists()


def test_a_large_query_runs_in_the_background_with_its_progress(
    login, cast, plan, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "BACKGROUND_OVER", 2)
    monkeypatch.setattr(services, "CHECK_CHUNK", 2)
    households = [factories.household(STREET, category="dibao") for _ in range(4)]
    near_cap(cast, households[-1])
    reports = []
    from bangfu.jobs import services as job_services

    real = job_services.record_progress

    def record(pk, done, total):
        reports.append((done, total))
        real(pk, done, total)

    monkeypatch.setattr(job_services, "record_progress", record)
    client = login(cast.district_cn)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("projects:enrol_query", args=[plan.pk]))
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.state, job.owner, job.org.code) == (
        "projects.enrol_query",
        "done",
        cast.district_cn,
        DISTRICT,
    )
    assert reports[0] == (0, 5) and (2, 5) in reports and reports[-1] == (5, 5)
    assert job.result == {"project": plan.pk, "enrolled": 3, "refused": {"over_annual_amount": 1}}
    assert Enrolment.objects.filter(project=plan, via="query").count() == 3
    page = text(client.get(reverse("jobs:detail", args=[job.pk])))
    assert "纳入结果" in page and "超过全年累计帮扶资金上限" in page
    assert AuditEntry.objects.filter(action="project.enrol_query").count() == 1
    # Another user does not see the job.
    assert login(cast.district_hp).get(reverse("jobs:detail", args=[job.pk])).status_code == 404


# --- pause, resume, exit -----------------------------------------------------------------------


def test_pause_resume_and_exit_with_its_reason(login, cast, plan):
    h = factories.household(STREET, category="dibao")
    e = services.enrol_one(actor=as_(cast.district_cn), project=plan, household=h)
    client = login(cast.district_cn)

    def act(action, **data):
        return client.post(reverse("projects:enrolment_act", args=[e.pk, action]), data)

    assert act("pause").status_code == 302  # the reason may be left out
    e.refresh_from_db()
    assert e.state == EnrolmentState.PAUSED
    assert act("resume").status_code == 302
    e.refresh_from_db()
    assert e.state == EnrolmentState.ENROLLED
    r = act("exit", reason="")
    assert r.status_code == 200 and "请填写原因" in text(r)
    e.refresh_from_db()
    assert e.state == EnrolmentState.ENROLLED
    assert act("exit", reason="已迁出本区").status_code == 302
    e.refresh_from_db()
    assert (e.state, e.reason) == (EnrolmentState.EXITED, "已迁出本区")
    assert act("resume").status_code == 302  # refused: an exit is final
    e.refresh_from_db()
    assert e.state == EnrolmentState.EXITED
    moves = {a.action for a in AuditEntry.objects.filter(target_id=str(e.pk))}
    assert moves >= {f"project.enrolment.{a}" for a in ("pause", "resume", "exit")}
    # Others: not found.
    assert (
        login(cast.district_hp).post(reverse("projects:enrolment_act", args=[e.pk, "pause"])).status_code
        == 404
    )
    assert (
        login(cast.intake_a).get(reverse("projects:enrolment_act", args=[e.pk, "pause"])).status_code == 404
    )


def test_a_household_waiting_in_an_open_batch_can_neither_pause_nor_exit(login, cast, plan, district_money):
    from bangfu.projects import batches

    plan.fund_source = district_money
    plan.save(update_fields=["fund_source"])
    h = factories.household(STREET, category="dibao")
    e = services.enrol_one(actor=as_(cast.district_cn), project=plan, household=h)
    batch = batches.prepare(actor=as_(cast.district_cn), project=plan, due_date=date(2026, 6, 20))
    client = login(cast.district_cn)
    for action, data in (("pause", {}), ("exit", {"reason": "已迁出本区"})):
        r = client.post(reverse("projects:enrolment_act", args=[e.pk, action]), data)
        assert r.status_code == 200 and f"该户在第{batch.number}批中待发放" in text(r), action
        e.refresh_from_db()
        assert e.state == EnrolmentState.ENROLLED
    batches.cancel(actor=as_(cast.district_cn), batch=batch, reason="名单有误，重新编制")
    assert (
        client.post(
            reverse("projects:enrolment_act", args=[e.pk, "exit"]), {"reason": "已迁出本区"}
        ).status_code
        == 302
    )
    e.refresh_from_db()
    assert e.state == EnrolmentState.EXITED


def test_not_eligible_shows_its_reason_and_the_counts_by_state(login, cast, plan):
    a = factories.household(STREET, category="dibao")
    b = factories.household(STREET, category="dibao")
    Enrolment.objects.create(project=plan, household=a, via=EnrolmentVia.ONE)
    Enrolment.objects.create(
        project=plan, household=b, via=EnrolmentVia.ONE, state=EnrolmentState.NOT_ELIGIBLE,
        reason="本年度已获帮扶 79,500.00 元，超过上限",
    )  # fmt: skip
    client = login(cast.district_cn)
    url = reverse("projects:enrolments", args=[plan.pk])
    page = text(client.get(url))
    assert "不符合条件" in page and "本年度已获帮扶 79,500.00 元，超过上限" in page
    counts = client.get(url).context["counts"]
    assert ("enrolled", "已纳入", 1) in counts and ("not_eligible", "不符合条件", 1) in counts
    only = client.get(url, {"state": "not_eligible"}).context["page"].rows
    assert [e.household_id for e in only] == [b.pk]
    # The plan page's section: counts and the ways in.
    request = RequestFactory().get("/")
    request.user = cast.district_cn
    out = Template('{% include "projects/sections/enrolments.html" %}').render(
        Context({"project": plan, "request": request})
    )
    assert reverse("projects:enrol_query", args=[plan.pk]) in out and "不符合条件" in out
    request.user = cast.foundation_fin  # reads the plan, enrols nothing
    out = Template('{% include "projects/sections/enrolments.html" %}').render(
        Context({"project": plan, "request": request})
    )
    assert reverse("projects:enrolments", args=[plan.pk]) in out
    assert reverse("projects:enrol_query", args=[plan.pk]) not in out
