"""The plan pages (SPEC §4): who sees which plans (scope, 404 outside it), the list's filters,
the plan's page in Chinese, the forms and their refusals, the indicators page."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bangfu.core.money import format_yuan
from bangfu.projects.models import Dimension, PlanState, PlanStep, Project
from tests.projects.conftest import DISTRICT, OTHER_DISTRICT, make_plan
from tests.projects.test_filing import act, new_plan, plan_data

ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def titled(project, title: str) -> Project:
    Project.objects.filter(pk=project.pk).update(title=title)
    project.refresh_from_db()
    return project


@pytest.fixture
def plans(today, cast, lottery, district_money):
    """One plan of each owner: the foundation's (lottery), 长宁区's, 黄浦区's."""
    return {
        "foundation": titled(make_plan(fund_source=lottery), "基金会助医"),
        "cn": titled(make_plan(owner=DISTRICT, fund_source=district_money), "长宁助学"),
        "hp": titled(make_plan(owner=OTHER_DISTRICT), "黄浦助老"),
    }


def listed(client, query="") -> set[str]:
    response = client.get(reverse("projects:list") + query)
    assert response.status_code == 200
    return {p.title for p in response.context["page"]}


def test_a_district_sees_its_own_plans_only(plans, cast, login):
    client = login(cast.district_cn)
    assert listed(client) == {"长宁助学"}
    assert client.get(reverse("projects:detail", args=[plans["cn"].pk])).status_code == 200
    for other in (plans["foundation"], plans["hp"]):
        assert client.get(reverse("projects:detail", args=[other.pk])).status_code == 404


def test_another_district_gets_404_everywhere(plans, cast, login):
    client = login(cast.district_hp)
    cn = plans["cn"]
    for name in ("projects:detail", "projects:edit", "projects:indicators"):
        assert client.get(reverse(name, args=[cn.pk])).status_code == 404
    assert act(client, cn, "close").status_code == 404
    assert client.post(reverse("projects:edit", args=[cn.pk]), {}).status_code == 404
    assert Project.objects.get(pk=cn.pk).state == PlanState.FILED
    assert listed(client) == {"黄浦助老"}


@pytest.mark.parametrize("who", ["foundation", "foundation_fin", "supervisor", "auditor_city"])
def test_the_foundation_and_the_bureau_see_every_plan(plans, cast, login, who):
    client = login(getattr(cast, who))
    assert listed(client) == {"基金会助医", "长宁助学", "黄浦助老"}
    page = client.get(reverse("projects:detail", args=[plans["hp"].pk]))
    assert page.status_code == 200


def test_a_street_worker_has_no_plan_pages(plans, cast, login):
    client = login(cast.intake_a)
    assert client.get(reverse("projects:list")).status_code == 403
    assert client.get(reverse("projects:new")).status_code == 403
    assert client.get(reverse("projects:detail", args=[plans["cn"].pk])).status_code == 404
    assert act(client, plans["cn"], "close").status_code == 404
    assert "项目帮扶" not in client.get(reverse("home")).content.decode()
    assert reverse("projects:list") in login(cast.district_cn).get(reverse("home")).content.decode()


def test_the_list_filters_and_sorts(plans, cast, login, district_money):
    titled(make_plan(owner=DISTRICT, state=PlanState.DRAFT, budget="5000.00"), "长宁草稿")
    client = login(cast.foundation)
    assert listed(client, "?state=draft") == {"长宁草稿"}
    assert listed(client, "?owner_kind=district") == {"长宁助学", "黄浦助老", "长宁草稿"}
    assert listed(client, "?owner_kind=foundation") == {"基金会助医"}
    assert listed(client, "?lottery=yes") == {"基金会助医"}
    assert "基金会助医" not in listed(client, "?lottery=no")
    assert listed(client, "?q=助学") == {"长宁助学"}
    response = client.get(reverse("projects:list") + "?sort=budget")
    titles = [p.title for p in response.context["page"]]
    assert titles[0] == "长宁草稿"
    # A filter value that is not one is shown, never a server error.
    assert client.get(reverse("projects:list") + "?state=nonsense&sort=evil").status_code == 200


def test_the_plan_page_is_in_chinese(today, cast, login, lottery):
    client = login(cast.foundation)
    project = new_plan(
        client, lottery, areas=["310105001"], categories=["dibao", "low_income"], age_min="60",
        disability="on", size_max="3",
    )  # fmt: skip
    act(client, project, "submit")
    act(login(cast.foundation2), project, "approve", "同意")
    response = client.get(reverse("projects:detail", args=[project.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "家庭类别：低保家庭、低收入困难家庭（低保边缘）",
        "实施区域：华阳路街道",
        "年龄：60周岁及以上",
        "成员条件：残疾",
        "家庭人数：1至3人",
        "彩票公益金资助",
        "已备案",
        "沪帮备〔2026〕1号",
        "2026年6月17日",
        "2026年7月1日",
        "审批通过",
        "提交审批",
        "受益户数",
        format_yuan(Decimal("50000")),
    ):
        assert text in page, text
    assert not ISO_DATE.search(page.split("<main", 1)[-1].replace('value="', "")), ISO_DATE.findall(page)
    # The sections of enrolment, batches, verification, evaluation and audit are included, in order.
    names = [t.name for t in response.templates]
    # (Their own partials, named with a leading underscore, are theirs.)
    sections = [n for n in names if n.startswith("projects/sections/") and not n.rsplit("/", 1)[-1].startswith("_")]
    assert sections == [
        "projects/sections/enrolments.html",
        "projects/sections/batches.html",
        "projects/sections/verification.html",
        "projects/sections/evaluation.html",
        "projects/sections/audit.html",
    ]
    assert "projects/_lottery_mark.html" in names


def test_the_page_offers_what_the_user_may_do(submitted_plan_page, cast, login):
    project = submitted_plan_page
    officer = login(cast.foundation).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:act", args=[project.pk, "accept"]) in officer
    assert reverse("projects:act", args=[project.pk, "return"]) in officer
    owner = login(cast.district_cn).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:act", args=[project.pk, "accept"]) not in owner
    assert reverse("projects:edit", args=[project.pk]) not in owner  # submitted: not editable


@pytest.fixture
def submitted_plan_page(today, cast, login, district_money):
    client = login(cast.district_cn)
    project = new_plan(client, district_money)
    act(client, project, "submit")
    return project


def test_an_action_is_post_only_and_needs_the_csrf_token(submitted_plan_page, cast):
    project = submitted_plan_page
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.foundation)
    url = reverse("projects:act", args=[project.pk, "accept"])
    assert client.get(url).status_code == 405
    assert client.post(url, {"remarks": ""}).status_code == 403
    assert Project.objects.get(pk=project.pk).state == PlanState.SUBMITTED
    assert Client().post(url).status_code == 302  # to the login page
    plain = Client()
    plain.force_login(cast.foundation)
    assert plain.post(reverse("projects:act", args=[project.pk, "nonsense"])).status_code == 404


def test_the_form_shows_errors_in_chinese(today, cast, login, district_money, lottery):
    client = login(cast.district_cn)
    response = client.post(
        reverse("projects:new"),
        plan_data(district_money, unit_value="0", period_end="2026-06-01", title=""),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写项目名称" in page and "实施期止不能早于实施期起" in page
    response = client.post(reverse("projects:new"), plan_data(district_money, unit_value="0"))
    assert response.status_code == 400 and "每户帮扶金额须大于零" in response.content.decode()
    response = client.post(
        reverse("projects:new"), plan_data(district_money, aid_kind="service", item="陪护")
    )
    assert response.status_code == 400 and "服务时数" in response.content.decode()
    response = client.post(reverse("projects:new"), plan_data(district_money, areas=["310101002"]))
    assert response.status_code == 400  # 黄浦区's street is not a choice of 长宁区's plan
    assert not Project.objects.exists()
    # The foundation's form offers only lottery money.
    form = login(cast.foundation).get(reverse("projects:new")).context["form"]
    assert list(form.fields["fund_source"].queryset) == [lottery]
    assert "owner" not in form.fields
    response = login(cast.foundation).post(reverse("projects:new"), plan_data(district_money))
    assert response.status_code == 400 and not Project.objects.exists()


def test_the_indicators_page_sets_targets_and_weights(submitted_plan_page, cast, login):
    project = submitted_plan_page
    officer = login(cast.foundation)
    act(officer, project, "return", "请调整权重")
    client = login(cast.district_cn)
    url = reverse("projects:indicators", args=[project.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["weight_decision"] = 20  # 110 together
    response = client.post(url, data)
    assert response.status_code == 400 and "合计须为100，现为110" in response.content.decode()
    data["weight_output"] = 30
    satisfaction = project.indicators.get(name="受助家庭满意度")
    data[f"target_{satisfaction.pk}"] = "85"
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.weights[Dimension.DECISION] == 20 and project.weights[Dimension.OUTPUT] == 30
    assert project.indicators.get(pk=satisfaction.pk).target == 85
    # The foundation reads them but does not set a district's targets.
    assert login(cast.foundation).get(url).status_code == 403
    assert PlanStep.objects.filter(project=project).count() == 2


def test_edit_page_keeps_the_plan_as_it_is(submitted_plan_page, cast, login):
    project = submitted_plan_page
    act(login(cast.foundation), project, "return", "请修改")
    client = login(cast.district_cn)
    form = client.get(reverse("projects:edit", args=[project.pk])).context["form"]
    assert form["budget"].value() == "50000.00" and form["categories"].value() == ["dibao"]
    assert "owner" not in form.fields
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 200
    assert login(cast.foundation).get(reverse("projects:edit", args=[project.pk])).status_code == 403


def test_the_submitter_sees_approval_disabled_with_the_reason(today, cast, login, lottery):
    client = login(cast.foundation)
    project = new_plan(client, lottery, areas=[])
    act(client, project, "submit")
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'disabled data-action="approve"' in page and "暂不能办理" in page
    assert "须由另一位基金会项目官员审核" in page
    assert reverse("projects:act", args=[project.pk, "approve"]) not in page
    other = login(cast.foundation2).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:act", args=[project.pk, "approve"]) in other and "暂不能办理" not in other
