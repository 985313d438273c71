"""Fund sources point at the project or specific-aid plan they pay for (专款专用, SPEC §4): a
source earmarked for one pays that one only, and the ledger's postings name the row they paid."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.funds import selectors, services
from bangfu.funds.models import Account, FundSource, Posting
from bangfu.projects.models import Project
from bangfu.projects.services import project_create
from bangfu.specific.services import plan_create

from .conftest import STREET, D, as_, key, plan, project


def _text(response) -> str:
    return response.content.decode()


def _receive_enterprise(cast, org, source, amount="5000.00"):
    services.enterprise_funding_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=source, funder="某集团", amount=amount,
        day=date(2025, 3, 1), memo="项目资助到账", idempotency_key=key(),
    )  # fmt: skip


def _pay(cast, org, source, **refs):
    return services.aid_pay(
        actor=as_(cast.finance_cn), org=org(STREET), source=source, amount="100.00", day=date(2025, 3, 2),
        memo="项目帮扶发放", idempotency_key=key(), **refs,
    )  # fmt: skip


def test_a_project_source_pays_only_its_project(sources, cast, org):
    _receive_enterprise(cast, org, sources.enterprise)
    own, other = project("P-2025-01"), project("P-OTHER")
    with pytest.raises(Refused) as e:
        _pay(cast, org, sources.enterprise, project=other)
    assert e.value.code == "not_entitled"
    assert e.value.message == "资金来源“某集团助学项目资助”不能用于项目 P-OTHER（P-OTHER 帮扶项目）。"
    assert not Posting.objects.filter(account=Account.AID).exists()
    txn = _pay(cast, org, sources.enterprise, project=own)
    lines = list(txn.postings.order_by("account"))
    assert [(p.account, p.amount, p.project, p.plan) for p in lines] == [
        (Account.AID, D("100.00"), own, None),
        (Account.FUND, D("-100.00"), own, None),
    ]
    # The audit row names the project by its code.
    entry = AuditEntry.objects.get(target_type="funds.transaction", target_id=str(txn.pk))
    assert {line[5] for line in entry.after["postings"]} == {"P-2025-01"}


def test_a_plan_source_pays_only_its_plan(sources, cast, org):
    street = org(STREET)
    department = plan("PLAN-7").department
    services.department_funds_receive(
        actor=as_(cast.finance_cn), org=street, source=sources.department, department=department,
        amount="3000.00", day=date(2025, 3, 1), memo="特定帮扶经费", idempotency_key=key(),
    )  # fmt: skip
    with pytest.raises(Refused, match=r"不能用于特定帮扶计划 PLAN-8（PLAN-8 特定帮扶计划）"):
        _pay(cast, org, sources.department, plan=plan("PLAN-8"))
    with pytest.raises(Refused, match="只能用于一个项目或一个特定帮扶计划"):
        _pay(cast, org, sources.department, plan=plan("PLAN-7"), project=project("P-2025-01"))
    txn = _pay(cast, org, sources.department, plan=plan("PLAN-7"))
    assert {(p.project, p.plan.code) for p in txn.postings.all()} == {(None, "PLAN-7")}
    # The monthly spending tells plan money from project money by the posting's plan.
    rows = selectors.spending_by_month(
        user=cast.finance_cn, start=date(2025, 3, 1), end=date(2025, 3, 31), by="aid_type"
    )
    assert [(r["key"], r["amount"]) for r in rows] == [("plan", D("100.00"))]


def test_a_reversal_points_at_the_same_project(sources, cast, org):
    _receive_enterprise(cast, org, sources.enterprise)
    txn = _pay(cast, org, sources.enterprise, project=project("P-2025-01"))
    back = services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=txn, day=date(2025, 3, 3), reason="重复发放"
    )
    assert {(p.account, p.amount, p.project.code) for p in back.postings.all()} == {
        (Account.AID, D("-100.00"), "P-2025-01"),
        (Account.FUND, D("100.00"), "P-2025-01"),
    }


def test_a_source_names_one_registered_project_or_plan(cast):
    a = as_(cast.foundation)
    with pytest.raises(Refused, match="企事业项目资助须注明资助的项目"):
        services.fund_source_create(actor=a, code="QY-9", name="x", kind="enterprise")
    with pytest.raises(Refused, match="职能部门特定帮扶经费须注明对应的特定帮扶计划"):
        services.fund_source_create(actor=a, code="BM-9", name="x", kind="department")
    with pytest.raises(Refused, match="一项资金只能限用于一个项目或一个计划"):
        services.fund_source_create(
            actor=a, code="QY-9", name="x", kind="enterprise", project=project("P-1"), plan=plan("PLAN-1")
        )
    assert not FundSource.objects.filter(code__in=["QY-9", "BM-9"]).exists()
    # The database holds the same rule for any writer.
    source = services.fund_source_create(
        actor=a, code="QY-9", name="x", kind="enterprise", project=project("P-1")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FundSource.objects.filter(pk=source.pk).update(plan=plan("PLAN-1"))


def test_the_foundation_chooses_the_project_from_the_registered_ones(cast, login):
    p = project("XM-2026-03")
    client = login(cast.foundation)
    form = _text(client.get("/funds/sources/new/"))
    assert "XM-2026-03 XM-2026-03 帮扶项目" in form
    data = {
        "code": "QY-7",
        "name": "某集团助学资助",
        "kind": "enterprise",
        "donor": "某集团",
        "draw_order": "100",
    }
    r = client.post("/funds/sources/new/", {**data, "project": "999999"})
    assert r.status_code == 200 and "请从列表中选择一个已登记的项目" in _text(r)
    r = client.post("/funds/sources/new/", data)
    assert r.status_code == 200 and "企事业项目资助须注明资助的项目" in _text(r)
    assert not FundSource.objects.filter(code="QY-7").exists()
    r = client.post("/funds/sources/new/", {**data, "project": str(p.pk)})
    assert r.status_code == 302
    source = FundSource.objects.get(code="QY-7")
    assert source.project == p and source.plan is None and not source.for_cases
    listing = _text(client.get("/funds/sources/"))
    assert "XM-2026-03</span> XM-2026-03 帮扶项目" in listing


def test_the_transaction_shows_the_project_it_paid(sources, cast, org, login):
    _receive_enterprise(cast, org, sources.enterprise)
    txn = _pay(cast, org, sources.enterprise, project=project("P-2025-01"))
    page = _text(login(cast.finance_cn).get(f"/funds/transactions/{txn.pk}/"))
    assert '项目 <span class="mono">P-2025-01</span> P-2025-01 帮扶项目' in page


def test_projects_and_plans_are_registered_with_their_owner(db, org, cast):
    system = Actor.system("tests")
    with pytest.raises(Refused, match="项目主体须为基金会或区帮扶组织"):
        project_create(actor=system, code="XM-1", title="助学", owner=org(STREET))
    with pytest.raises(Refused, match="您无权登记帮扶项目"):
        project_create(actor=as_(cast.finance_cn), code="XM-1", title="助学", owner=org("310105"))
    made = project_create(actor=as_(cast.foundation), code="XM-1", title="助学", owner=org("310105"))
    assert AuditEntry.objects.filter(target_type="projects.project", target_id=str(made.pk)).exists()
    with pytest.raises(Refused, match="项目编号 XM-1 已存在"):
        project_create(actor=system, code="XM-1", title="助学", owner=org("SHBKHZ"))
    with pytest.raises(Refused, match="“上海市帮困互助基金会”不是政府职能部门"):
        plan_create(actor=system, code="JH-1", title="计划", department=org("SHBKHZ"))
    with pytest.raises(Refused, match="请选择制定计划的政府职能部门"):
        plan_create(actor=system, code="JH-1", title="计划", department=None)
    assert list(Project.objects.values_list("code", flat=True)) == ["XM-1"]


def test_the_admin_shows_projects_and_changes_none(cast, client):
    p = project("XM-ADMIN")
    cast.foundation.is_staff = True
    cast.foundation.save()
    client.force_login(cast.foundation)
    assert "XM-ADMIN" in _text(client.get("/admin/projects/project/"))
    assert client.get(f"/admin/projects/project/{p.pk}/change/").status_code == 200  # the view page
    assert client.get("/admin/projects/project/add/").status_code == 403
    assert client.post(f"/admin/projects/project/{p.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=p.pk).exists()
    client.force_login(cast.intake_a)  # no funds.view, and no staff
    assert client.get("/admin/projects/project/").status_code == 302
