"""Every project aid action named in Chinese in the audit log (its actions registered with
`register_actions`, its keys by their labels): a foundation plan taken from drafting through
filing, enrolment, a batch, verification, evaluation and the audit export."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.audit.describe import describe_entries
from bangfu.audit.models import AuditEntry
from bangfu.orgs.models import Organisation
from bangfu.projects import audit, batches, enrolment, evaluation, filing, indicators, verification
from tests.cases import factories

from .conftest import FOUNDATION, STREET, as_

pytestmark = pytest.mark.django_db


@pytest.fixture
def lived(cast, today, changning_in_force, lottery):
    """A foundation plan on lottery money with one of each step done."""
    plan = filing.plan_create(
        actor=as_(cast.foundation), owner=Organisation.objects.get(code=FOUNDATION), title="助学帮扶",
        purpose="困难家庭子女助学。", aid_kind="money", unit_value=Decimal("1000"), budget=Decimal("10000"),
        fund_source=lottery, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), target_households=5,
    )  # fmt: skip
    filing.plan_update(actor=as_(cast.foundation), project=plan, title="困难家庭助学帮扶")
    indicators.indicators_update(actor=as_(cast.foundation), project=plan, weights=plan.weights, targets={})
    filing.transition(actor=as_(cast.foundation), project=plan, action="submit")
    filing.transition(actor=as_(cast.foundation2), project=plan, action="approve")
    plan.refresh_from_db()
    kept, moved = factories.household(STREET), factories.household(STREET)
    enrolment.enrol_one(actor=as_(cast.foundation), project=plan, household=kept)
    e = enrolment.enrol_one(actor=as_(cast.foundation), project=plan, household=moved)
    enrolment.pause(actor=as_(cast.foundation), enrolment=e, reason="住院")
    enrolment.resume(actor=as_(cast.foundation), enrolment=e)
    enrolment.exit(actor=as_(cast.foundation), enrolment=e, reason="迁出本市")
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=date(2026, 6, 30))
    batches.approve(actor=as_(cast.foundation2), batch=b)
    batches.deliver(actor=as_(cast.foundation), batch=b, day=today)
    v = verification.draw(actor=as_(cast.foundation), project=plan, method="number", number=1)
    verification.record(actor=as_(cast.foundation), check=v.checks.get(), result="received", channel="phone")
    hand = plan.indicators.filter(source="").order_by("id").first()
    evaluation.enter_actual(
        actor=as_(cast.foundation), indicator=hand, actual=Decimal("100"), evidence="评审意见"
    )
    evaluation.evaluate(actor=as_(cast.foundation), project=plan, conclusion="资金使用规范。")
    audit.export(actor=as_(cast.foundation), project=plan)
    return plan


RAW = re.compile(r"\b[a-z][a-z_.]{2,}\b")  # an action code, a key as a service wrote it


def test_every_action_of_a_plan_is_named_in_chinese_in_the_log(cast, lived):
    entries = AuditEntry.objects.filter(target_type__startswith="projects.").order_by("id")
    assert {e.action for e in entries} >= {
        "create", "update", "project.indicators", "project.submit", "project.approve", "project.enrol",
        "project.enrolment.pause", "project.enrolment.resume", "project.enrolment.exit",
        "project.verification.draw", "project.check.record", "project.indicator.enter", "project.evaluate",
        "project.audit.export",
    }  # fmt: skip
    described = describe_entries(entries, user=cast.auditor_city)
    for d in described:
        assert d.action != "其他操作", d.entry.action
        assert RAW.findall(f"{d.action} {d.changes_text} {d.note}") == [], (d.entry.action, d.changes_text)
    shown = {d.entry.action: d for d in described}
    # A step named per owner is named by both in the log, its note saying which was taken.
    assert (
        shown["project.submit"].action == "报基金会备案／提交审批"
        and shown["project.submit"].note == "提交审批"
    )
    assert "资金金额：¥1,000.00" in next(d.changes_text for d in described if "已发放户数" in d.changes_text)
    assert (
        "得分：" in shown["project.evaluate"].changes_text
        and "¥" not in shown["project.evaluate"].changes_text
    )
    # Each row names its object by its plan and links it to its page, for a reader of the plan.
    code = lived.code
    exited = shown["project.enrolment.exit"]
    assert exited.object_name.startswith(f"{code} 档案 ")
    assert exited.object_url == reverse("projects:enrolments", args=[lived.pk])
    assert shown["project.approve"].object_url == reverse("projects:detail", args=[lived.pk])
    assert shown["project.check.record"].object_url.startswith("/projects/checks/")
    assert shown["project.evaluate"].object_name.endswith("分")
    batch = next(d for d in described if d.entry.target_type == "projects.batch")
    assert batch.object_name == f"{code} 第1批" and batch.object_url.startswith("/projects/batches/")
    # Another district's reader sees the names, never the links.
    for d in describe_entries(entries, user=cast.district_hp):
        assert d.object_url == "", d.entry.action


def test_the_plan_and_audit_pages_name_the_steps(cast, login, lived):
    client = login(cast.foundation)
    for name in ("projects:detail", "projects:audit"):
        r = client.get(reverse(name, args=[lived.pk]))
        text = html.unescape(re.sub(r"<[^>]*>", " ", r.content.decode().split("<main", 1)[-1]))
        assert "提交审批" in text and "审批通过" in text, name
        assert not re.search(r"\bproject\.|\b(submit|approve|enrol_query|enrol_excel)\b", text), name
