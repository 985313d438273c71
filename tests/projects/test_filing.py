"""Filing a plan (SPEC §4; 沪民救发〔2025〕1号 二(二)): a district's plan is reported to the
foundation, which accepts it with a filing number or returns it with remarks; a foundation plan
is approved by a second officer. Through the pages, and the refusals of each step."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.projects import filing
from bangfu.projects.indicators import DEFAULT_INDICATORS
from bangfu.projects.models import Indicator, PlanState, PlanStep, Project
from bangfu.projects.targets import Target
from tests.projects.conftest import DISTRICT, FOUNDATION, as_, make_plan


def plan_data(source, **over) -> dict:
    data = {
        "title": "困难家庭助学补贴",
        "purpose": "为困难家庭子女提供阶段性助学补贴。",
        "categories": ["dibao"],
        "areas": ["310105001"],
        "aid_kind": "money",
        "unit_value": "1000.00",
        "budget": "50000.00",
        "fund_source": source.pk,
        "period_start": "2026-07-01",
        "period_end": "2026-12-31",
        "target_households": "50",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def new_plan(client, source, **over) -> Project:
    response = client.post(reverse("projects:new"), plan_data(source, **over))
    assert response.status_code == 302, response.content.decode()
    return Project.objects.order_by("-pk").first()


def act(client, project, action, remarks=""):
    return client.post(reverse("projects:act", args=[project.pk, action]), {"remarks": remarks})


def state_of(project) -> str:
    return Project.objects.get(pk=project.pk).state


@pytest.fixture
def submitted_district_plan(today, cast, login, district_money):
    client = login(cast.district_cn)
    project = new_plan(client, district_money)
    assert act(client, project, "submit").status_code == 302
    return project


def test_district_plan_is_filed_by_the_foundation(today, cast, login, district_money):
    client = login(cast.district_cn)
    project = new_plan(client, district_money)
    assert project.state == PlanState.DRAFT and project.owner.code == DISTRICT
    assert project.created_by == cast.district_cn
    assert project.target == Target(categories=("dibao",), areas=("310105001",)).to_json()
    # The default indicators, made with the plan: the plan's figures as the output targets.
    made = {i.source or i.name: i for i in project.indicators.all()}
    assert len(made) == len(DEFAULT_INDICATORS) == 9
    assert made["households_reached"].target == 50 and made["amount_delivered"].target == Decimal("50000")
    assert made["budget_execution"].target == 95 and made["受助家庭满意度"].target == 90

    assert act(client, project, "submit").status_code == 302
    assert state_of(project) == PlanState.SUBMITTED
    sent = PlanStep.objects.get(project=project, action="submit")
    assert sent.user == cast.district_cn and (sent.from_state, sent.to_state) == ("draft", "submitted")
    # The plan as submitted is kept with the step.
    assert sent.snapshot["budget"] == "50000.00" and sent.snapshot["fund_source"] == "CZ-CN"
    assert sent.snapshot["period_start"] == "2026-07-01" and len(sent.snapshot["indicators"]) == 9
    assert sent.snapshot["target_described"] == ["家庭类别：低保家庭", "实施区域：华阳路街道"]

    response = act(login(cast.foundation), project, "accept", "同意备案")
    assert response.status_code == 302
    filed = Project.objects.get(pk=project.pk)
    assert filed.state == PlanState.FILED and filed.filing_number == "沪帮备〔2026〕1号"
    assert filed.filed_at is not None
    step = PlanStep.objects.get(project=project, action="accept")
    assert step.user == cast.foundation and step.remarks == "同意备案"
    assert step.snapshot == {"filing_number": "沪帮备〔2026〕1号"}
    audits = AuditEntry.objects.filter(target_type="projects.project", target_id=str(project.pk))
    assert set(audits.values_list("action", flat=True)) == {"create", "project.submit", "project.accept"}
    accepted = audits.get(action="project.accept")
    assert accepted.user == cast.foundation and accepted.after["filing_number"] == "沪帮备〔2026〕1号"
    assert accepted.before == {"state": "submitted"} and "同意备案" in accepted.note


def test_filing_numbers_count_within_the_year_and_never_repeat(today, cast, login, district_money):
    for number in ("沪帮备〔2026〕7号", "沪帮备〔2025〕40号"):  # filed this year; last year's are their own
        Project.objects.filter(pk=make_plan(owner=DISTRICT).pk).update(filing_number=number)
    client = login(cast.district_cn)
    plans = [new_plan(client, district_money, title=f"项目{n}") for n in range(2)]
    for p in plans:
        assert act(client, p, "submit").status_code == 302
    officer = login(cast.foundation)
    for p in plans:
        assert act(officer, p, "accept").status_code == 302
    numbers = [Project.objects.get(pk=p.pk).filing_number for p in plans]
    assert numbers == ["沪帮备〔2026〕8号", "沪帮备〔2026〕9号"]
    assert filing.next_filing_number(date(2027, 1, 4)) == "沪帮备〔2027〕1号"


def test_foundation_plan_is_approved_by_another_officer(today, cast, login, lottery):
    client = login(cast.foundation)
    project = new_plan(client, lottery, areas=["310105", "310101002"])
    assert project.owner.code == FOUNDATION
    assert act(client, project, "submit").status_code == 302
    # Four eyes: who submitted it may not approve it, nor send it back.
    for action in ("approve", "return"):
        response = act(client, project, action, "自己审批")
        assert response.status_code == 403
        assert "另一位基金会项目官员" in response.content.decode()
        assert state_of(project) == PlanState.SUBMITTED
    project.refresh_from_db()
    offers = {o.action: o for o in filing.available_actions(cast.foundation, project)}
    assert not offers["approve"].allowed and offers["approve"].code == "not_submitter"
    # A district plan's "accept" is not a foundation plan's step.
    assert "accept" not in offers
    assert act(client, project, "accept").status_code == 409
    assert act(login(cast.foundation2), project, "approve").status_code == 302
    approved = Project.objects.get(pk=project.pk)
    assert approved.state == PlanState.FILED and approved.filing_number.startswith("沪帮备〔2026〕")
    assert PlanStep.objects.get(project=project, action="approve").user == cast.foundation2


def test_return_needs_remarks_then_the_plan_is_edited_and_sent_again(submitted_district_plan, cast, login):
    project = submitted_district_plan
    officer = login(cast.foundation)
    response = act(officer, project, "return", "  ")
    assert response.status_code == 400 and "须填写意见" in response.content.decode()
    assert state_of(project) == PlanState.SUBMITTED
    assert not PlanStep.objects.filter(project=project, action="return").exists()
    assert act(officer, project, "return", "预算测算依据不足，请补充。").status_code == 302
    assert state_of(project) == PlanState.RETURNED
    assert PlanStep.objects.get(project=project, action="return").remarks == "预算测算依据不足，请补充。"
    assert AuditEntry.objects.filter(action="project.return", target_id=str(project.pk)).exists()

    client = login(cast.district_cn)
    edit = client.post(
        reverse("projects:edit", args=[project.pk]),
        plan_data(project.fund_source, budget="60000.00", target_households="60"),
    )
    assert edit.status_code == 302
    edited = Project.objects.get(pk=project.pk)
    assert edited.budget == Decimal("60000.00")
    # The output targets followed the plan's figures.
    assert edited.indicators.get(source="amount_delivered").target == Decimal("60000")
    assert edited.indicators.get(source="households_reached").target == 60
    assert AuditEntry.objects.filter(action="update", target_id=str(project.pk)).exists()
    assert act(client, project, "submit").status_code == 302
    sent = PlanStep.objects.filter(project=project, action="submit").order_by("id")
    assert [s.snapshot["budget"] for s in sent] == ["50000.00", "60000.00"]
    assert [s.from_state for s in sent] == ["draft", "returned"]


def test_a_step_out_of_its_state_is_refused(today, cast, login, district_money):
    draft = make_plan(owner=DISTRICT, state=PlanState.DRAFT, fund_source=district_money)
    filed = make_plan(owner=DISTRICT, fund_source=district_money)
    officer = login(cast.foundation)
    response = act(officer, draft, "accept")
    assert response.status_code == 409 and "草拟" in response.content.decode()
    assert act(login(cast.district_cn), filed, "submit").status_code == 409
    assert act(login(cast.foundation), filed, "return", "退回").status_code == 409
    assert (state_of(draft), state_of(filed)) == (PlanState.DRAFT, PlanState.FILED)
    assert not PlanStep.objects.filter(project__in=[draft, filed]).exists()


def test_a_step_by_the_wrong_role_is_refused(submitted_district_plan, cast, login, district_money):
    project = submitted_district_plan
    # The district files with the foundation; it does not accept its own filing.
    assert act(login(cast.district_cn), project, "accept").status_code == 403
    # Foundation finance and the bureau read the plan but do not file it.
    for user in (cast.foundation_fin, cast.supervisor, cast.auditor_city):
        assert act(login(user), project, "accept").status_code == 403
    assert state_of(project) == PlanState.SUBMITTED
    project.refresh_from_db()
    # The foundation does not draw up or send a district's plan.
    draft = make_plan(owner=DISTRICT, state=PlanState.DRAFT, fund_source=district_money)
    response = act(login(cast.foundation), draft, "submit")
    assert response.status_code == 403 and "长宁区" in response.content.decode()
    assert state_of(draft) == PlanState.DRAFT
    assert filing.available_actions(cast.supervisor, project) == []


def test_submitting_needs_the_source_period_budget_and_indicators(today, cast, login):
    bare = make_plan(owner=DISTRICT, state=PlanState.DRAFT, budget="0", period=(None, None))
    response = act(login(cast.district_cn), bare, "submit")
    page = response.content.decode()
    assert response.status_code == 400
    assert "资金来源" in page and "实施期起止日期" in page and "预算" in page and "绩效指标" in page
    assert state_of(bare) == PlanState.DRAFT
    offers = {o.action: o for o in filing.available_actions(cast.district_cn, bare)}
    assert not offers["submit"].allowed and offers["submit"].code == "complete"


def test_edit_is_refused_once_filed(submitted_district_plan, cast, login):
    project = submitted_district_plan
    client = login(cast.district_cn)
    while_submitted = client.post(reverse("projects:edit", args=[project.pk]), plan_data(project.fund_source))
    assert while_submitted.status_code == 409
    act(login(cast.foundation), project, "accept")
    client = login(cast.district_cn)
    response = client.post(
        reverse("projects:edit", args=[project.pk]), plan_data(project.fund_source, budget="99999.00")
    )
    assert response.status_code == 409 and "不再变更" in response.content.decode()
    assert Project.objects.get(pk=project.pk).budget == Decimal("50000.00")
    # Nor its indicators, nor through the service.
    indicators = client.post(reverse("projects:indicators", args=[project.pk]), {})
    assert indicators.status_code == 302
    with pytest.raises(Refused) as e:
        filing.plan_update(actor=as_(cast.district_cn), project=project, budget=Decimal("1"))
    assert e.value.code == "frozen"
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 302


def test_a_plan_is_closed_by_its_owner(today, cast, login, district_money):
    project = make_plan(owner=DISTRICT, fund_source=district_money)
    assert act(login(cast.foundation), project, "close").status_code == 403
    assert act(login(cast.district_cn), project, "close", "项目实施完毕").status_code == 302
    assert state_of(project) == PlanState.CLOSED
    assert PlanStep.objects.get(project=project, action="close").remarks == "项目实施完毕"


def test_what_a_plan_must_be(today, cast, district_money, lottery):
    cn, foundation = Organisation.objects.get(code=DISTRICT), Organisation.objects.get(code=FOUNDATION)
    good = {
        "title": "助老服务",
        "aid_kind": "money",
        "unit_value": Decimal("500"),
        "budget": Decimal("10000"),
        "fund_source": district_money,
        "period_start": date(2026, 7, 1),
        "period_end": date(2026, 12, 31),
    }

    def refused(owner, user, **over):
        with pytest.raises(Refused) as e:
            filing.plan_create(actor=as_(user), owner=owner, **{**good, **over})
        return e.value

    # A foundation plan draws on city lottery money (二(二)).
    e = refused(foundation, cast.foundation)
    assert e.field == "fund_source" and "市级福彩金" in e.message
    assert filing.plan_create(
        actor=as_(cast.foundation), owner=foundation, **{**good, "fund_source": lottery}
    )
    # Only the owner's own staff draw up its plans.
    assert refused(cn, cast.foundation).status == 403
    assert refused(Organisation.objects.get(code="310105001"), cast.district_cn).field == "owner"
    assert refused(cn, cast.district_cn, unit_value=Decimal("0")).field == "unit_value"
    assert refused(cn, cast.district_cn, budget=Decimal("0")).field == "budget"
    assert refused(cn, cast.district_cn, aid_kind="service", item="心理慰藉").field == "hours"
    assert refused(cn, cast.district_cn, aid_kind="goods").field == "item"
    assert refused(cn, cast.district_cn, period_end=date(2026, 6, 30)).field == "period_end"
    e = refused(cn, cast.district_cn, target=Target(areas=("310101002",)))
    assert e.field == "areas" and "不在" in e.message
    # A source earmarked for another project is not this plan's (专款专用).
    other = make_plan(owner=DISTRICT)
    district_money.project = other
    district_money.save()
    assert refused(cn, cast.district_cn).code == "not_entitled"
    service = filing.plan_create(
        actor=as_(cast.district_cn), owner=cn,
        **{**good, "fund_source": None, "aid_kind": "service", "item": "心理慰藉", "hours": Decimal("4")},
    )  # fmt: skip
    assert service.hours == Decimal("4") and service.state == PlanState.DRAFT
    assert Indicator.objects.filter(project=service).count() == 9


def test_a_registered_project_becomes_a_plan_with_its_indicators(today, cast, district_money):
    from bangfu.projects.services import project_create

    owner = Organisation.objects.get(code=DISTRICT)
    project = project_create(actor=as_(cast.foundation), code="XM-1", title="助学", owner=owner)
    assert not project.indicators.exists()
    filing.plan_update(
        actor=as_(cast.district_cn), project=project, unit_value=Decimal("800"), budget=Decimal("8000"),
        fund_source=district_money, period_start=date(2026, 7, 1), period_end=date(2026, 9, 30),
    )  # fmt: skip
    assert project.indicators.count() == 9
    assert project.indicators.get(source="amount_delivered").target == Decimal("8000")
    filed = filing.transition(actor=as_(cast.district_cn), project=project, action="submit")
    assert filed.state == PlanState.SUBMITTED
