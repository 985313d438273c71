"""In a real browser: a street intake worker logs in, registers a household with two
members, finds it by name and opens its file, where both members appear masked."""

import pytest
from django.db import connection
from stdnum.cn import ric

from tests.conftest import PASSWORD


def valid_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.e2e
def test_intake_worker_registers_finds_and_opens_a_household(browser_page, make_user):
    make_user("intake_e2e", [("intake", "310105001")])
    head_id, spouse_id = valid_id("31010519650304011"), valid_id("31010519680710022")
    page = browser_page

    page.goto(page.base_url + "/login/")
    page.fill("#id_username", "intake_e2e")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")

    page.click("text=新建档案")
    page.fill("#id_address", "长宁区华阳路112弄5号302室")
    page.fill("#id_m-0-name", "刘建华")
    page.fill("#id_m-0-id_number", head_id)
    page.select_option("#id_m-0-relationship", "head")
    page.click("#add-member")  # copies a blank member row in the page itself
    page.fill("#id_m-1-name", "周美玲")
    page.fill("#id_m-1-id_number", spouse_id)
    page.select_option("#id_m-1-relationship", "spouse")
    page.click("button[name=save]")
    page.wait_for_selector("text=已建档")

    page.click("nav.sidebar >> text=家庭档案")
    page.fill("#id_q", "刘建")
    page.press("#id_q", "Enter")
    page.wait_for_url("**q=**")
    page.click("table >> text=刘建华")

    members = page.locator("#members table").inner_text()
    assert "刘建华" in members and "周美玲" in members
    assert f"{head_id[:6]}********{head_id[-4:]}" in members
    assert f"{spouse_id[:6]}********{spouse_id[-4:]}" in members
    html = page.content()
    assert head_id not in html and spouse_id not in html


@pytest.mark.after_flushes
def test_audit_triggers_are_back_after_a_browser_test(make_user):
    """Runs last (the `after_flushes` marker, ordered by tests/conftest.py), after the browser
    tests and every other test whose flush lifted the guards: the log is append-only again."""
    from django.db import DatabaseError, transaction

    from bangfu.audit.actor import Actor
    from bangfu.audit.models import AuditEntry
    from bangfu.audit.services import audit_record
    from tests.conftest import IN_CI, lifted_flushes

    if not lifted_flushes:
        # Run alone, nothing lifted the guards; the whole suite (and so CI) always does.
        if IN_CI:
            pytest.fail("no test of this run lifted the guards for its flush: the browser tests did not run")
        pytest.skip("no test of this run lifted the guards for its flush")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"  # not the replica role: the triggers fire
    # A flush leaves the tables empty (the network too): the entry's target is made here.
    entry = audit_record(actor=Actor.system("test"), action="create", target=make_user("after_flushes"))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
