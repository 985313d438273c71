"""Long work in the background, through HTTP: started from its page, run by the queue (inline
here, once the request's transaction commits, as the worker would run it after the commit),
its page with the progress bar and the status it polls, the result kept and opened again, a
failure kept in Chinese, and nobody but the owner sees any of it."""

import io
import zipfile

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.jobs import services as job_services
from bangfu.jobs.models import Job
from bangfu.policy import whatif
from tests.cases import factories
from tests.policy.drafts import changning_2022

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    return changning_2022(cast.district_cn)


@pytest.fixture
def three_cases(cast):
    """Three medical cases of 2021 in 华阳路街道, 10,000 self-paid each, households of no category:
    40% in force (4,000), 50% under the draft (5,000)."""
    return [factories.case(cast.intake_a, factories.household()) for _ in range(3)]


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """POST the form that starts a job; the job runs when the request commits. Returns the response."""

    def send(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return send


def what_if_url(code="changning-2022"):
    return reverse("policy:what_if", args=[code])


PERIOD = {"start": "2021-01-01", "end": "2021-12-31"}


def test_a_what_if_runs_as_a_job_with_its_progress_and_kept_result(
    login, cast, draft, three_cases, start, monkeypatch
):
    reports = []
    monkeypatch.setattr(whatif, "PROGRESS_EVERY", 1)  # a report after every case

    def record(pk, done, total):
        reports.append((done, total))
        real(pk, done, total)

    real = job_services.record_progress
    monkeypatch.setattr(job_services, "record_progress", record)
    client = login(cast.district_cn)
    r = start(client, what_if_url(), PERIOD)
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("jobs:detail", args=[job.pk])
    assert reports == [(0, 3), (1, 3), (2, 3), (3, 3)]  # the bar moves case by case
    assert (job.state, job.done, job.total, job.owner, job.org.code) == (
        "done",
        3,
        3,
        cast.district_cn,
        "310105",
    )
    assert job.params == {"policy": "changning-2022", "start": "2021-01-01", "end": "2021-12-31"}

    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status == {"state": "done", "state_label": "已完成", "done": 3, "total": 3, "percent": 100,
                      "finished": True, "error": ""}  # fmt: skip
    body = client.get(r["Location"]).content.decode()
    assert "<progress" in body and 'value="3"' in body and "已完成（100%）" in body
    assert "3 件个案" in body and "现行测算 ¥12,000.00，草案测算 ¥15,000.00" in body
    assert 'data-breakdown="street"' in body and "华阳路街道" in body
    assert "jobs/progress.js" not in body  # nothing left to poll
    # Kept: in one's list of jobs (reachable from the navigation) and on the version's page.
    listing = client.get(reverse("jobs:list")).content.decode()
    assert job.title in listing and reverse("jobs:detail", args=[job.pk]) in listing
    assert 'href="/jobs/"' in listing
    assert reverse("jobs:detail", args=[job.pk]) in client.get(what_if_url()).content.decode()
    # Starting it is on the record.
    entry = AuditEntry.objects.get(target_type="jobs.job", target_id=str(job.pk))
    assert entry.action == "create" and entry.user == cast.district_cn


def test_a_queued_job_shows_its_bar_and_polls(login, cast, draft, three_cases):
    """Before the worker has taken it (no commit here, so nothing runs)."""
    client = login(cast.district_cn)
    client.post(what_if_url(), PERIOD)
    job = Job.objects.get()
    assert job.state == "queued"
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "排队中" in body and "<progress" in body and "jobs/progress.js" in body and "等待开始" in body
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["finished"] is False


def test_only_the_owner_sees_a_job_and_its_result(login, cast, draft, three_cases, start):
    start(login(cast.district_cn), what_if_url(), PERIOD)
    job = Job.objects.get()
    # The foundation reads the whole city, and still not another person's job.
    for user in (cast.foundation, cast.district_hp, cast.intake_a):
        client = login(user)
        for name in ("jobs:detail", "jobs:status", "jobs:file"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (user, name)
        assert job.title not in client.get(reverse("jobs:list")).content.decode()
    assert client.get(reverse("jobs:detail", args=[job.pk + 1])).status_code == 404


def test_a_refusal_during_the_run_is_recorded_as_failed_in_chinese(
    login, cast, draft, three_cases, django_capture_on_commit_callbacks
):
    client = login(cast.district_cn)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(what_if_url(), PERIOD)
    draft.values.filter(name="medical.rate.other").delete()  # a parameter removed while it waited
    for run in queued:
        run()
    job = Job.objects.get()
    assert job.state == "failed" and "尚缺参数" in job.error and job.finished_at is not None
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "失败" in body and "尚缺参数" in body and 'id="whatif-result"' not in body


def test_a_fault_is_recorded_as_failed_without_a_traceback(
    login, cast, draft, three_cases, start, monkeypatch, caplog
):
    def broken(**kwargs):
        return 1 / 0

    monkeypatch.setattr("bangfu.policy.jobs.what_if_of_version", broken)
    client = login(cast.district_cn)
    start(client, what_if_url(), PERIOD)
    job = Job.objects.get()
    assert job.state == "failed" and "内部错误" in job.error
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "失败" in body and "内部错误" in body
    assert "Traceback" not in body and "ZeroDivisionError" not in body and "division" not in body
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["state_label"] == "失败"
    assert "ZeroDivisionError" in caplog.text  # the fault is in the log, for whoever runs the system


def test_a_job_runs_once_even_if_delivered_twice(login, cast, draft, three_cases, start):
    start(login(cast.district_cn), what_if_url(), PERIOD)
    job = Job.objects.get()
    finished = job.finished_at
    job_services.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.finished_at == finished


# --- every district's reports ---------------------------------------------------------------


def test_every_districts_monthly_report_in_one_run(login, cast, start, today):
    client = login(cast.foundation_fin)
    index = client.get(reverse("funds:reports")).content.decode()
    assert reverse("funds:reports_all") in index and "生成全部区" in index
    r = start(client, reverse("funds:reports_all"), {"report": "monthly", "month": "2026-05"})
    job = Job.objects.get()
    assert r["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.state, job.done, job.total) == ("done", 17, 17)  # the 16 districts and 光明集团
    body = client.get(r["Location"]).content.decode()
    assert (
        "已生成 17 个区的报表" in body and reverse("funds:report_monthly", args=["310105", 2026, 5]) in body
    )
    assert reverse("jobs:file", args=[job.pk]) in body
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert len(names) == 34 and "310105长宁区2026年5月业务及资金使用报表.xlsx" in names
    assert "310105长宁区2026年5月业务及资金使用报表.pdf" in names
    # Another finance officer cannot download it.
    assert login(cast.finance_cn).get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_the_annual_reports_of_a_district_officer_are_their_district_only(login, cast, start, today):
    client = login(cast.finance_cn)
    # One district only: the page offers no "every district" run…
    assert reverse("funds:reports_all") not in client.get(reverse("funds:reports")).content.decode()
    # …and one asked for anyway covers that district alone.
    start(client, reverse("funds:reports_all"), {"report": "annual", "month": "2025-12"})
    job = Job.objects.get()
    assert job.state == "done" and job.result["districts"] == [{"code": "310105", "name": "长宁区"}]
    assert job.result_name == "全部区2025年度专项检查报告.zip"


def test_a_bad_report_request_is_refused_in_chinese(login, cast, start):
    client = login(cast.foundation_fin)
    r = start(client, reverse("funds:reports_all"), {"report": "weekly", "month": "2026-05"})
    assert r.status_code == 302 and "请选择要生成的报表" in client.get(r["Location"]).content.decode()
    r = start(client, reverse("funds:reports_all"), {"report": "monthly", "month": "五月"})
    assert "月份格式不正确" in client.get(r["Location"]).content.decode()
    assert not Job.objects.exists()
    # Someone without the funds' reports is refused outright.
    assert login(cast.intake_a).post(reverse("funds:reports_all"), {"report": "monthly"}).status_code in (
        403,
        404,
    )
