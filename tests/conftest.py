"""Shared test set-up: a cast of users across roles and organisations, so that every
feature is also tested from the side of someone who must not see or do it.

PostgreSQL-only tests (marked `postgres`) run on PostgreSQL and are deselected on
SQLite; browser tests (marked `e2e`) need Debian's chromium and fail in CI without it.
"""

import os
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from types import SimpleNamespace

import pytest
import time_machine

os.environ.setdefault("BANGFU_TESTING", "1")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "pw-test-12345"

# username -> roles as (role, organisation code)
CAST = {
    "intake_a": [("intake", "310105001")],  # 长宁区 华阳路街道
    "assessor_a": [("assessor", "310105001")],
    "panel_a": [("panel_member", "310105001")],
    "approver_a": [("street_approver", "310105001")],
    "cashier_a": [("cashier", "310105001")],
    "volunteer_a": [("volunteer", "310105001")],
    "intake_b": [("intake", "310105002")],  # 长宁区 江苏路街道
    "district_cn": [("district_approver", "310105")],
    "finance_cn": [("district_finance", "310105")],
    "auditor_cn": [("auditor", "310105")],
    "intake_hp": [("intake", "310101002")],  # 黄浦区 南京东路街道
    "district_hp": [("district_approver", "310101")],
    "foundation": [("foundation_officer", "SHBKHZ")],
    "foundation_fin": [("foundation_finance", "SHBKHZ")],
    "foundation2": [("foundation_officer", "SHBKHZ")],  # the second pair of eyes on foundation plans
    "supervisor": [("supervisor", "SHMZJ")],
    "auditor_city": [("auditor", "SHMZJ")],
    "sysadmin": [("sysadmin", "SHMZJ")],
}


# Shanghai's clock as a fixed offset (it has kept UTC+8 without summer time since 1991). Not a
# ZoneInfo, so time-machine moves the clock and leaves the process's own time zone (UTC) alone:
# code that takes the UTC date for Shanghai's still shows up.
SHANGHAI = dt_timezone(timedelta(hours=8))
# The days the date-sensitive tests (the demo's year, the reports) run on: New Year's Day, a leap
# day, the 1st and the 11th of a month (the demo's cases fall from the 12th), New Year's Eve.
# Each at a time when Shanghai's date is not the UTC date, or when the day is about to end.
EDGE_DAYS = (
    "2027-01-01 00:30",
    "2028-02-29 12:00",
    "2026-12-01 00:00",
    "2026-12-11 23:59",
    "2026-12-31 23:59",
)
ORDINARY_DAY = "2026-06-17 10:00"  # a Wednesday in mid-month: what `today` is unless a test says otherwise


def shanghai(moment: str) -> datetime:
    """'2027-01-01 00:30' as that moment in Shanghai."""
    return datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)


@pytest.fixture
def today(request) -> date:
    """The clock frozen at a moment in Shanghai, for the whole test and its later fixtures; the
    day. An ordinary day unless parametrized: `@pytest.mark.parametrize("today", EDGE_DAYS,
    indirect=True)`. Request it before `db` and the data fixtures so they see the same day."""
    moment = shanghai(getattr(request, "param", ORDINARY_DAY))
    with time_machine.travel(moment, tick=False):
        yield moment.date()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "after_flushes: runs at the end of the session, after the tests that lift the guards to flush",
    )


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    # Tests that check what the flushes of the live-server and parallel tests leave behind go last.
    items.sort(key=lambda item: item.get_closest_marker("after_flushes") is not None)
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fresh_organisation_tree():
    """A test's organisations are rolled back with it, but the cached tree is not transactional:
    move its version on after every test, so no later test sees a rolled-back organisation."""
    yield
    from bangfu.orgs.scope import move_tree_version

    move_tree_version()


@pytest.fixture
def org():
    from bangfu.orgs.models import Organisation

    return lambda code: Organisation.objects.get(code=code)


@pytest.fixture
def make_user(db):
    from bangfu.audit.actor import Actor
    from bangfu.orgs.models import Organisation, User
    from bangfu.orgs.services import grant_role

    def make(username: str, roles=(), **extra):
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, **extra)
        for role, code in roles:  # roles are granted only through the service
            grant_role(
                actor=Actor.system("tests"), user=user, role=role, org=Organisation.objects.get(code=code)
            )
        return user

    return make


@pytest.fixture
def cast(make_user):
    """Every user of CAST, by name: `cast.intake_a` …"""
    users = {name: make_user(name, roles) for name, roles in CAST.items()}
    # The two administrators of the Django admin: staff, never superusers (roles decide).
    # The security admin is kept out of CAST (it reaches no case or household at all).
    users["sysadmin"].is_staff = True
    users["sysadmin"].save()
    users["secadmin"] = make_user("secadmin", [("security_admin", "SHMZJ")], is_staff=True)
    return SimpleNamespace(**users)


@pytest.fixture
def login(client):
    """`login(user)` returns the test client logged in as that user."""

    def do(user):
        client.force_login(user)
        return client

    return do


def _restore_migration_data() -> None:
    """A flush empties every table, the data migrations' rows too: put back the network and
    the built-in policy, as the migrations wrote them."""
    from bangfu.audit.models import AuditEntry
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.network import load_network
    from bangfu.orgs.scope import bump_tree_version
    from bangfu.policy.builtin import load_builtin
    from bangfu.policy.models import ParameterValue, Policy

    if Organisation.objects.exists():
        return
    load_network(Organisation)
    bump_tree_version()
    load_builtin(
        "changning-2016", Organisation=Organisation, Policy=Policy, ParameterValue=ParameterValue,
        AuditEntry=AuditEntry,
    )  # fmt: skip


@pytest.fixture
def flushable_db(transactional_db):
    """A database for tests that need real commits (a live server, parallel connections).

    Such tests end with a flush, which the append-only guards of the audit log and the ledger
    refuse, as they should refuse anyone. For that flush only they are lifted: on PostgreSQL
    this connection runs in the replica role (no triggers fire) and is closed afterwards; on
    SQLite the triggers are dropped and re-created from their own SQL once the flush is done.
    """
    from django.db import connection
    from django.db.models.signals import post_migrate

    _restore_migration_data()
    yield
    lifted_flushes.append(connection.vendor)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        _close_after_flush.append(connection)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')

    def restore(**kwargs):  # flush sends post_migrate once the tables are empty
        post_migrate.disconnect(dispatch_uid="bangfu-tests-restore-triggers")
        with connection.cursor() as cursor:
            for _, sql in triggers:
                cursor.execute(sql)

    post_migrate.connect(restore, weak=False, dispatch_uid="bangfu-tests-restore-triggers")


_close_after_flush: list = []
lifted_flushes: list[str] = []  # one entry per flush run with the guards lifted, this session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield
    while _close_after_flush:  # no later test may inherit the replica role
        _close_after_flush.pop().close()


@pytest.fixture
def browser_page(flushable_db, live_server):
    """A real Chromium page (Debian's chromium through playwright), pointed at the live server."""
    chromium = os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        if IN_CI:
            pytest.fail(f"{chromium} is missing: CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            # While playwright's event loop runs in this thread, Django keeps the thread's
            # connections in a context variable, not in the thread local: the test's own queries
            # opened one there, which nothing else closes. Left open, it keeps a session on the
            # test database when PostgreSQL is asked to drop it.
            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture
def city_rules_with(tmp_path, monkeypatch):
    """The city rules file with more dated values appended, e.g.
    `city_rules_with('[reports.monthly_due_day]', 'values.2030-01-01 = ...')` adds a value to an
    existing table (the lines go right after that table's header). The cache is cleared before
    and after, so no other test reads the altered rules."""
    from bangfu.policy import parameters

    def write(header: str, *lines: str):
        text = parameters.CITY_FILE.read_text(encoding="utf-8")
        assert header in text
        path = tmp_path / "shanghai.toml"
        path.write_text(text.replace(header, "\n".join((header, *lines)), 1), encoding="utf-8")
        monkeypatch.setattr(parameters, "CITY_FILE", path)
        parameters.city_rules.cache_clear()

    parameters.city_rules.cache_clear()
    yield write
    monkeypatch.undo()
    parameters.city_rules.cache_clear()
