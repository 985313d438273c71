"""In a real browser, every page every demo login can reach: the demo data loaded, each demo user
signs in through the login page at 1366×768 and walks breadth-first from the home page, following
the navigation and every link (tests/e2e/walk.py). Each page must show a clean Chinese interface:
no server error and no broken link, nothing wider than the window or than the box that holds it,
no request to another server, no console error, no English, no ISO date, no raw Python data.
A new page is covered as soon as a link leads to it.

Every finding is collected first and printed as `who · URL · problem`, then the test fails if
there is any. The walk must also have reached enough (every navigation item of every login, the
detail pages the demo has), so that a walk stopped short cannot pass.
"""

import re
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from bangfu.demo.management.commands.demo import DEMO_PASSWORD, DEMO_USERS
from bangfu.orgs.roles import Role
from tests.e2e.walk import Rules, Walker, view_name

# ---------------------------------------------------------------- what may be shown

# The only latin-letter words a page may show, each a whole token (letters with the digits and
# hyphens around them):
ALLOWED_WORDS = re.compile(
    "|".join(
        (
            # A code in capitals and digits: case numbers (GA20260000001), voucher numbers
            # (JZ00000001), agreement, fund source and project codes (XY-DEMO-202601-310105),
            # the codes of organisations without a division code (SHBKHZ), an ID number's check
            # letter (…123X), and the names of formats written in capitals (PDF, PNG, JPEG, API).
            r"[A-Z0-9]+(?:-[A-Z0-9]+)*",
            r"Excel",  # the spreadsheet's name, as Chinese users say it (下载 Excel)
            r"\d+[KMG]B",  # a file size limit (10MB)
        )
    )
)

# ---------------------------------------------------------------- how much is opened

# Pages opened per URL pattern (view name and the URL's non-identifying parts; a query string
# makes a variant) and role: one shows the template as the role sees it; a second object of each
# pattern doubles the minutes of the walk (on PostgreSQL it then takes ten) for little more. Another
# login of a role (the same role at another street or district) sees the same templates: it opens
# its navigation and what its role has not opened yet.
PER_PATTERN = 1
# Except the pages of the objects themselves, which show what the object's state allows (a draft
# policy its editing links, a case the step it is at): two of each per role.
PER_PATTERN_OF = dict.fromkeys(
    (
        "registry:detail", "cases:detail", "funds:transaction", "funds:agreement", "funds:report_monthly",
        "funds:report_annual", "policy:detail", "projects:detail", "projects:batch",
    ),
    2,
)  # fmt: skip
# A download is only requested (status and content type): one per pattern and role.
PER_FILE_PATTERN = 1
# Never followed: the logouts end the session (the admin's is a link); the API's documentation
# (Swagger UI, in its own English) and its schema are for the programmers of other systems, not
# for staff.
SKIP_VIEWS = frozenset({"logout", "admin:logout", "api:openapi-view", "api:openapi-json"})
# What a download may be: the printable forms and reports, the spreadsheets, uploaded scans.
DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
        "image/jpeg",
    }
)
# The pages the demo data has, which some login must have opened: a walk that misses one has
# lost a chain of links.
MUST_REACH = frozenset(
    {
        "home", "registry:list", "registry:detail", "cases:list", "cases:detail", "discovery:discovery",
        "funds:dashboard", "funds:balances", "funds:transaction", "funds:agreement", "funds:reports",
        "funds:report_monthly", "funds:report_annual", "policy:list", "policy:detail", "audit:list",
        "admin:index", "admin:orgs_user_changelist", "admin:orgs_user_change",
        "projects:list", "projects:detail", "projects:enrolments", "projects:batches", "projects:batch",
        "projects:verification", "projects:check", "projects:evaluation", "projects:audit",
    }
)  # fmt: skip
# At least this many pages rendered in all (about 400 on the demo data): a walk cut short cannot pass.
MIN_PAGES = 300

# ---------------------------------------------------------------- the walk


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def navigation(page) -> list[str]:
    """The navigation items of the page shown, as URLs."""
    return page.eval_on_selector_all("nav.sidebar a[href]", "links => links.map(a => a.href)")


@pytest.mark.e2e
def test_every_demo_login_walks_every_page_it_can_reach(browser_page):
    started = time.monotonic()
    # The demo makes its year as of the real clock, which the browser keeps too.
    call_command("demo", stdout=StringIO())
    loaded = time.monotonic()
    page = browser_page
    walker = Walker(
        page,
        page.base_url,
        Rules(ALLOWED_WORDS, PER_PATTERN, PER_PATTERN_OF, PER_FILE_PATTERN, SKIP_VIEWS, DOWNLOAD_TYPES),
    )
    walks = [walker.check("未登录", "/login/")]
    unvisited_navigation = []
    patterns: dict[str, Counter] = {}  # role -> pages opened per pattern, over the role's logins
    for username, _, role, _ in DEMO_USERS:
        sign_in(page, username)
        items = navigation(page)
        assert items, f"{username} sees no navigation"
        walk = walker.walk(
            f"{username}（{Role(role).label}）", [page.url, *items], patterns.setdefault(role, Counter())
        )
        walks.append(walk)
        unvisited_navigation += [f"{username} · {url}" for url in items if url not in walk.visited]

    findings = [finding for walk in walks for finding in walk.findings]
    pages = sum(len(walk.visited) for walk in walks)
    files = sum(len(walk.downloads) for walk in walks)
    checks = sum(walk.checks for walk in walks)
    reached = {view_name(url.removeprefix(page.base_url).split("?")[0]) for w in walks for url in w.visited}
    print(
        f"\n页面巡检：{len(patterns)} 个角色、{len(DEMO_USERS)} 个演示账号，打开 {pages} 个页面、"
        f"下载 {files} 个文件，检查 {checks} 项，发现 {len(findings)} 个问题；"
        f"演示数据 {loaded - started:.0f} 秒，巡检 {time.monotonic() - loaded:.0f} 秒。"
    )
    for walk in walks:
        print(
            f"  {walk.who}：{len(walk.visited)} 个页面、{len(walk.downloads)} 个文件、{walk.checks} 项检查、"
            f"{len(walk.findings)} 个问题，{sum(walk.seconds.values()):.0f} 秒"
        )
    for finding in findings:
        print(finding)

    assert set(patterns) == set(Role.values)
    assert not unvisited_navigation, "navigation items not opened:\n" + "\n".join(unvisited_navigation)
    assert reached >= MUST_REACH, f"never reached: {sorted(MUST_REACH - reached)}"
    assert pages >= MIN_PAGES, f"only {pages} pages opened"
    assert not findings, f"{len(findings)} problems:\n" + "\n".join(map(str, findings))
