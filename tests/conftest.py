"""Shared test set-up: a cast of users across roles and organisations, so that every
feature is also tested from the side of someone who must not see or do it.

PostgreSQL-only tests (marked `postgres`) run on PostgreSQL and are deselected on
SQLite; browser tests (marked `e2e`) need Debian's chromium and fail in CI without it.
"""

import os
from types import SimpleNamespace

import pytest

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
    "supervisor": [("supervisor", "SHMZJ")],
    "auditor_city": [("auditor", "SHMZJ")],
    "sysadmin": [("sysadmin", "SHMZJ")],
}


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def org():
    from bangfu.orgs.models import Organisation

    return lambda code: Organisation.objects.get(code=code)


@pytest.fixture
def make_user(db):
    from bangfu.orgs.models import Organisation, RoleAssignment, User

    def make(username: str, roles=(), **extra):
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, **extra)
        for role, code in roles:
            RoleAssignment.objects.create(user=user, org=Organisation.objects.get(code=code), role=role)
        return user

    return make


@pytest.fixture
def cast(make_user):
    """Every user of CAST, by name: `cast.intake_a` …"""
    users = {name: make_user(name, roles) for name, roles in CAST.items()}
    users["sysadmin"].is_staff = users["sysadmin"].is_superuser = True
    users["sysadmin"].save()
    return SimpleNamespace(**users)


@pytest.fixture
def login(client):
    """`login(user)` returns the test client logged in as that user."""

    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.fixture
def browser_page(live_server):
    """A real Chromium page (Debian's chromium through playwright), pointed at the live server."""
    chromium = os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        if IN_CI:
            pytest.fail(f"{chromium} is missing: CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
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
        yield page
        context.close()
        browser.close()
