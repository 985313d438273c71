"""In a real browser, with a real queue worker: a district approver starts the what-if of a
draft over last year's cases from the version's page; the job's page shows its progress bar,
which moves as the worker goes through the cases (the worker is held half-way, so the test sees
the bar at 50% before it lets it finish), then 100% and the tables; the job is in 后台任务."""

import threading

import pytest
from django.db import connections

from bangfu.jobs import services as job_services
from bangfu.policy import whatif
from tests.cases import factories
from tests.conftest import CAST
from tests.e2e.test_case_procedure import sign_in
from tests.policy.drafts import changning_2022


@pytest.fixture
def queue_worker():
    """A huey consumer in this process (one worker thread) in place of the inline mode of the
    tests, on the same in-memory queue. On SQLite's in-memory test database the worker uses the
    connection the live server shares (as Django's live server does); on PostgreSQL its own."""
    from huey.contrib.djhuey import HUEY

    shared = connections["default"]
    in_memory = shared.vendor == "sqlite" and shared.is_in_memory_db()

    def share_connection():
        if in_memory:
            connections["default"] = shared

    if in_memory:
        shared.inc_thread_sharing()
    HUEY.on_startup("tests-share-connection")(share_connection)
    HUEY._immediate = False  # the storage stays the in-memory queue of the inline mode
    consumer = HUEY.create_consumer(
        workers=1, periodic=False, initial_delay=0.05, backoff=1, max_delay=0.05, check_worker_health=False
    )
    consumer._set_signal_handlers = lambda: None  # pytest keeps its own
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        HUEY._immediate = True
        HUEY.unregister_on_startup("tests-share-connection")
        if in_memory:
            shared.dec_thread_sharing()


@pytest.mark.e2e
def test_a_what_if_runs_in_the_background_with_its_progress_bar(
    browser_page, make_user, queue_worker, monkeypatch
):
    intake, district_cn = (make_user(name, CAST[name]) for name in ("intake_a", "district_cn"))
    changning_2022(district_cn)
    for _ in range(4):  # 10,000 self-paid each: 4,000 in force, 5,000 under the draft
        factories.case(intake, factories.household())

    # The worker reports after every case and waits, half-way, until the test has seen 50%.
    monkeypatch.setattr(whatif, "PROGRESS_EVERY", 1)
    half_way, go_on = threading.Event(), threading.Event()
    record = job_services.record_progress

    def held(job_id, done, total):
        record(job_id, done, total)
        if total and done * 2 == total:
            half_way.set()
            go_on.wait(30)

    monkeypatch.setattr(job_services, "record_progress", held)

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "district_cn")
    page.goto(f"{page.base_url}/policy/changning-2022/")
    page.click("text=历史个案测算")
    page.fill("#id_start", "2021-01-01")
    page.fill("#id_end", "2021-12-31")
    page.click("button:has-text('开始测算')")
    page.wait_for_url("**/jobs/*/")
    assert page.locator("progress#job-progress").count() == 1

    assert half_way.wait(30), "the worker never got half-way"
    page.wait_for_function(
        "() => { const b = document.getElementById('job-progress'); return b && b.max === 4 && b.value === 2; }"
    )
    assert page.inner_text("#job-progress-text") == "已完成 2 / 4（50%）"
    assert page.locator("#whatif-result").count() == 0
    go_on.set()

    page.wait_for_selector("#whatif-result", timeout=30000)  # the page reloads when the job is done
    bar = page.locator("progress#job-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "4"
    assert page.inner_text("#job-progress-text") == "已完成（100%）"
    assert "已完成" in page.inner_text("[data-job-state]")
    result = page.inner_text("#whatif-result")
    assert "4 件个案" in result and "现行测算 ¥16,000.00，草案测算 ¥20,000.00" in result
    assert page.locator("table[data-breakdown=street] tr[data-key='310105001'] td").first.inner_text() == "4"

    # Kept: 后台任务 in the navigation lists it, and it opens again with the same tables.
    page.click("nav.sidebar >> text=后台任务")
    page.click("table.jobs-table >> text=历史个案测算")
    page.wait_for_selector("#whatif-result")
    assert "草案测算 ¥20,000.00" in page.inner_text("#whatif-result")
    assert errors == []
