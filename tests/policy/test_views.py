"""The policy pages: who sees which version, drafting to publishing in the browser's
requests, and the trace rendered in Chinese where an amount is proposed."""

import json
from datetime import date

from django.template.loader import render_to_string

from bangfu.audit.actor import Actor
from bangfu.orgs.models import Organisation
from bangfu.policy import services
from bangfu.policy.engine import evaluate
from bangfu.policy.models import Policy

from .casetable import load


def _draft(user, code="changning-2022"):
    return services.policy_draft_create(
        actor=Actor.for_user(user, "test"),
        district=Organisation.objects.get(code="310105"),
        code=code,
        title="长宁区（2022）",
        document="长民发〔2022〕1号",
        valid_from=date(2022, 1, 1),
        valid_to=date(2026, 12, 31),
        validity_reference="末段",
        copy_from=Policy.objects.get(code="changning-2016"),
    )


def test_staff_see_the_published_policy(cast, login):
    client = login(cast.intake_a)
    page = client.get("/policy/")
    assert page.status_code == 200
    assert "changning-2016" in page.content.decode()
    detail = client.get("/policy/changning-2016/").content.decode()
    assert "长民发〔2016〕31号 三(一)1" in detail and "60%" in detail and "¥80,000.00" in detail


def test_the_list_needs_the_view_permission(cast, login):
    assert login(cast.sysadmin).get("/policy/").status_code == 403


def test_a_draft_is_not_seen_outside_its_district(cast, login):
    _draft(cast.finance_cn)
    assert login(cast.district_cn).get("/policy/changning-2022/").status_code == 200
    for user in (cast.intake_a, cast.district_hp, cast.volunteer_a):
        client = login(user)
        assert client.get("/policy/changning-2022/").status_code == 404
        assert "changning-2022" not in client.get("/policy/").content.decode()
    assert login(cast.supervisor).get("/policy/changning-2022/").status_code == 200


def test_others_cannot_change_a_draft(cast, login):
    policy = _draft(cast.finance_cn)
    row = policy.values.get(name="medical.rate.dibao")
    client = login(cast.district_hp)
    assert client.post(f"/policy/changning-2022/values/{row.pk}/", {}).status_code == 404
    assert client.post("/policy/changning-2022/submit/").status_code == 404
    assert client.post("/policy/changning-2022/publish/").status_code == 404
    assert login(cast.intake_a).get("/policy/new/").status_code == 403


def test_draft_edit_submit_and_publish_through_the_pages(cast, login):
    client = login(cast.finance_cn)
    response = client.post(
        "/policy/new/",
        {
            "district": Organisation.objects.get(code="310105").pk,
            "code": "changning-2022",
            "title": "长宁区综合帮扶实施意见（2022）",
            "document": "长民发〔2022〕1号",
            "valid_from": "2022-01-01",
            "valid_to": "2026-12-31",
            "validity_reference": "长民发〔2022〕1号 末段",
            "copy_from": Policy.objects.get(code="changning-2016").pk,
        },
    )
    assert response.status_code == 302
    policy = Policy.objects.get(code="changning-2022")
    row = policy.values.get(name="approval.street_limit")
    response = client.post(
        f"/policy/changning-2022/values/{row.pk}/",
        {
            "name": "approval.street_limit",
            "start": "2022-01-01",
            "value": "30000",
            "reference": "长民发〔2022〕1号 四(三)",
        },
    )
    assert response.status_code == 302
    assert policy.values.get(name="approval.street_limit").value == "30000.00"
    bad = client.post(
        f"/policy/changning-2022/values/{row.pk}/",
        {"name": "approval.street_limit", "start": "2022-01-01", "value": "三万", "reference": "x"},
    )
    assert bad.status_code == 200 and "金额格式不正确" in bad.content.decode()
    assert client.post("/policy/changning-2022/submit/").status_code == 302
    # the drafter is refused, the district approver publishes
    client.post("/policy/changning-2022/publish/")
    assert Policy.objects.get(code="changning-2022").status == "review"
    page = login(cast.district_cn).get("/policy/changning-2022/").content.decode()
    assert "发布" in page
    assert login(cast.district_cn).post("/policy/changning-2022/publish/").status_code == 302
    assert Policy.objects.get(code="changning-2022").status == "published"


def test_an_overlap_is_explained_on_the_page(cast, login):
    client = login(cast.finance_cn)
    policy = _draft(cast.finance_cn, code="changning-2021")
    services.policy_update(
        actor=Actor.for_user(cast.finance_cn), policy=policy, title="t", document="d",
        valid_from=date(2021, 6, 1), valid_to=date(2025, 12, 31), validity_reference="r",
    )  # fmt: skip
    client.post("/policy/changning-2021/submit/")
    response = login(cast.district_cn).post("/policy/changning-2021/publish/", follow=True)
    assert "有效期与已发布的版本 changning-2016" in response.content.decode()


def test_the_trace_include_renders_every_step(file_book):
    cases = [c for c in load("rules.toml") if "error" not in c.spec]
    for case in cases:
        answer = evaluate(json.loads(case.body), file_book)
        html = render_to_string("policy/_trace.html", {"answer": answer})
        assert html.count("<tr") == len(answer["trace"]) + 1
        assert "policy." not in html.replace("policy.validity", "").replace("policy/policy.css", ""), case
