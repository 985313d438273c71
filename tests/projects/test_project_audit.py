"""The project audit 项目审计 (沪民救发〔2025〕1号 四(一)): one page per plan with its filing, enrolments,
batches, postings, verification and evaluations, and its Excel workbook; for the foundation, the
bureau and auditors only."""

from datetime import date, datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.audit.models import AuditEntry
from bangfu.funds import services as funds
from bangfu.orgs.models import Organisation
from bangfu.projects import audit, evaluation, verification
from bangfu.projects.models import Dimension, Enrolment, EnrolmentState, PlanState, PlanStep

from .conftest import DISTRICT, as_, key, make_plan
from .delivered import Lot, deliver, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast, today, district_money):
    """长宁区's filed plan: submitted and accepted, 4 households delivered 1,000 each (one more not
    delivered, one exited), 4,000 paid from the district's money, 2 checks, one evaluation."""
    p = make_plan(owner=DISTRICT, fund_source=district_money, budget="10000.00", target_households=6)
    PlanStep.objects.create(project=p, action="submit", from_state=PlanState.DRAFT, to_state=PlanState.SUBMITTED,
                            user=cast.district_cn, actor_label="district_cn", remarks="报基金会备案")  # fmt: skip
    PlanStep.objects.create(project=p, action="accept", from_state=PlanState.SUBMITTED, to_state=PlanState.FILED,
                            user=cast.foundation, actor_label="foundation", remarks="同意备案")  # fmt: skip
    (batch,) = deliver(
        p, [Lot(4, date(2026, 4, 30), date(2026, 4, 28), undelivered=1)],
        preparer=cast.district_cn, approver=cast.finance_cn,
    )  # fmt: skip
    exited = Enrolment.objects.filter(project=p).order_by("id").last()
    Enrolment.objects.filter(pk=exited.pk).update(state=EnrolmentState.EXITED, reason="迁出本区")
    txn = funds.aid_pay(
        actor=as_(cast.finance_cn), org=Organisation.objects.get(code=DISTRICT), source=district_money,
        amount="4000.00", day=date(2026, 4, 28), memo="第1批发放", idempotency_key=key(), project=p,
    )  # fmt: skip
    batch.ledger_transaction = txn
    batch.save(update_fields=["ledger_transaction"])
    v = verification.draw(actor=as_(cast.district_cn), project=p, method="number", number=2)
    first, second = v.checks.order_by("id")
    verification.record(actor=as_(cast.district_cn), check=first, result="received", channel="phone")
    verification.record(
        actor=as_(cast.district_cn), check=second, result="problem", channel="visit", note="少发物品"
    )
    indicator(p, Dimension.DECISION, "立项依据充分、绩效目标明确", 100, unit="分", actual=100)
    evaluation.evaluate(actor=as_(cast.foundation), project=p, conclusion="资金使用规范。")
    p.txn = txn
    return p


def test_the_page_holds_every_section(cast, plan, login):
    r = login(cast.foundation).get(reverse("projects:audit", args=[plan.pk]))
    assert r.status_code == 200
    page = r.content.decode()
    for text in ("报基金会备案", "同意备案", "予以备案", "已纳入 4户", "已退出 1户", "迁出本区",  # filing, enrolments
                 "第1批", "district_cn", "finance_cn", "¥4,000.00",  # batch: preparer, approver, totals
                 plan.txn.number, reverse("funds:transaction", args=[plan.txn.pk]), "记入本项目",  # the voucher
                 "少发物品", "收到但有问题", "确认收到 50.00%",  # verification
                 "资金使用规范。", reverse("projects:evaluation_pdf", args=[plan.evaluations.get().pk])):  # fmt: skip
        assert text in page, text
    assert "2026-" not in page  # dates as people read them


def test_the_workbook_has_a_sheet_per_section_with_dates_and_money_as_such(cast, plan, login):
    r = login(cast.auditor_city).get(reverse("projects:audit_xlsx", args=[plan.pk]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == [
        "项目概况",
        "备案记录",
        "帮扶对象",
        "发放批次",
        "资金分录",
        "发放核查",
        "绩效评价",
    ]
    facts = {row[0].value: row[1] for row in wb["项目概况"].iter_rows(min_row=2)}
    assert facts["预算（元）"].value == 10000 and facts["预算（元）"].number_format == "#,##0.00"
    assert facts["实施期起"].value == datetime(2026, 1, 1) and facts["实施期起"].number_format == "yyyy-mm-dd"
    assert facts["项目名称"].value == plan.title and facts["状态"].value == "已备案"
    steps = wb["备案记录"]
    assert [c.value for c in steps[1]] == ["时间", "操作", "原状态", "新状态", "操作人", "意见"]
    assert (
        isinstance(steps["A2"].value, datetime)
        and steps["B2"].value == "报基金会备案"  # filing's own names of its steps
        and steps["B3"].value == "予以备案"
        and steps["D3"].value == "已备案"
    )
    enrolled = wb["帮扶对象"]
    assert enrolled.max_row == 6 and {enrolled.cell(row=r, column=4).value for r in range(2, 7)} == {
        "已纳入",
        "已退出",
    }
    batches = wb["发放批次"]
    assert batches["A1"].value == "批次号" and batches["D2"].value == datetime(2026, 4, 30)
    assert batches["F2"].value == 5000
    assert (
        batches["H2"].value == 4000 and batches["H2"].number_format == "#,##0.00" and batches["I2"].value == 1
    )
    assert batches["P2"].value == plan.txn.number
    postings = wb["资金分录"]
    rows = [[c.value for c in row] for row in postings.iter_rows(min_row=2)]
    assert len(rows) == 2 and sorted(r[7] for r in rows) == [-4000, 4000]
    assert all(r[0] == datetime(2026, 4, 28) and r[1] == plan.txn.number for r in rows)
    assert postings["H2"].number_format == "#,##0.00"
    checks = wb["发放核查"]
    assert {checks.cell(row=r, column=8).value for r in (2, 3)} == {"已收到", "收到但有问题"}
    assert checks["G2"].value == 1000 and checks["G2"].number_format == "#,##0.00"
    scored = wb["绩效评价"]
    assert (
        scored["F2"].value == "立项依据充分、绩效目标明确"
        and scored["C2"].value == 10
        and scored["D2"].value == "差"
    )
    assert AuditEntry.objects.filter(
        action=audit.EXPORT, target_id=str(plan.pk), user=cast.auditor_city
    ).exists()


def test_the_audit_is_the_foundations_the_bureaus_and_the_auditors(cast, plan, login):
    page, xlsx = reverse("projects:audit", args=[plan.pk]), reverse("projects:audit_xlsx", args=[plan.pk])
    for user in (cast.foundation, cast.foundation_fin, cast.supervisor, cast.auditor_city, cast.auditor_cn):
        assert login(user).get(page).status_code == 200, user
    # 黄浦区 does not know the plan exists; 长宁区's approver runs the plan, the audit is not theirs.
    for user in (cast.district_hp, cast.district_cn, cast.intake_a):
        client = login(user)
        assert client.get(page).status_code == 404 and client.get(xlsx).status_code == 404, user
    assert not AuditEntry.objects.filter(action=audit.EXPORT).exists()


def test_the_plan_page_sections_link_the_pages(cast, plan, rf):
    from django.template.loader import render_to_string

    def section(name, user):
        return render_to_string(f"projects/sections/{name}.html", {"project": plan, "user": user})

    assert reverse("projects:audit", args=[plan.pk]) in section("audit", cast.foundation)
    assert section("audit", cast.district_cn).strip() == ""
    text = section("verification", cast.district_cn)
    assert reverse("projects:verification", args=[plan.pk]) in text and "已抽取 2 条" in text
    text = section("evaluation", cast.district_cn)
    assert (
        "10.00分，差" in text and reverse("projects:evaluation_pdf", args=[plan.evaluations.get().pk]) in text
    )
