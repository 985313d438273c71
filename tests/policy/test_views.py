"""The policy pages: who sees which version, drafting to publishing in the browser's
requests (at a Chinese code's address too), and the trace rendered in Chinese where an amount
is proposed."""

import json
from datetime import date
from urllib.parse import quote

import pytest
from django.template.loader import render_to_string

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused
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


def _create(client, code: str):
    return client.post(
        "/policy/new/",
        {
            "district": Organisation.objects.get(code="310105").pk,
            "code": code,
            "title": "长宁区综合帮扶实施意见（2022）",
            "document": "长民发〔2022〕1号",
            "valid_from": "2022-01-01",
            "valid_to": "2026-12-31",
            "validity_reference": "长民发〔2022〕1号 末段",
            "copy_from": Policy.objects.get(code="changning-2016").pk,
        },
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
    response = _create(client, "changning-2022")
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


def test_the_trace_include_renders_every_step(db, file_book):
    # The database is read for the version's title only: the answer names the version by its code.
    title = Policy.objects.get(code="changning-2016").title
    cases = [c for c in load("rules.toml") if "error" not in c.spec]
    for case in cases:
        answer = evaluate(json.loads(case.body), file_book)
        html = render_to_string("policy/_trace.html", {"answer": answer})
        assert html.count("<tr") == len(answer["trace"]) + 1
        assert "policy." not in html.replace("policy/policy.css", ""), case
        # Parameters by their labels, the version by its title, the approval level in Chinese.
        for item in answer["trace"]:
            assert item["parameter"] not in html, (case, item["parameter"])
        assert title in html and "changning-2016" not in html
        assert ">street<" not in html and ">district<" not in html


# --- a version code may be Chinese (长宁-2022), never with a space or a slash -----------------

CHINESE_CODE = "长宁-2022年版"


def test_a_version_with_a_chinese_code_is_created_viewed_and_edited(cast, login):
    client = login(cast.finance_cn)
    response = _create(client, CHINESE_CODE)
    address = f"/policy/{quote(CHINESE_CODE)}/"
    assert response.status_code == 302 and response["Location"] == address
    policy = Policy.objects.get(code=CHINESE_CODE)
    page = client.get(address)
    assert page.status_code == 200 and CHINESE_CODE in page.content.decode()
    assert client.get(f"/policy/{CHINESE_CODE}/").status_code == 200  # as the browser's address bar shows it
    edit = client.post(
        f"{address}edit/",
        {"title": "长宁区综合帮扶实施意见（2022年修订）", "document": "长民发〔2022〕2号", "valid_from": "2022-01-01",
         "valid_to": "2026-12-31", "validity_reference": "末段"},
    )  # fmt: skip
    assert edit.status_code == 302 and edit["Location"] == address
    policy.refresh_from_db()
    assert policy.title == "长宁区综合帮扶实施意见（2022年修订）"
    row = policy.values.get(name="approval.street_limit")
    value = client.post(
        f"{address}values/{row.pk}/",
        {"name": "approval.street_limit", "start": "2022-01-01", "value": "30000", "reference": "四(三)"},
    )
    assert value.status_code == 302 and policy.values.get(name="approval.street_limit").value == "30000.00"
    assert CHINESE_CODE in client.get("/policy/").content.decode()
    assert client.get(f"{address}what-if/").status_code == 200


@pytest.mark.parametrize("code", ["长宁 2022", "长宁/2022", "长宁。2022", "changning 2022"])
def test_a_code_with_a_space_a_slash_or_a_mark_is_refused_in_chinese(cast, login, code):
    response = _create(login(cast.finance_cn), code)
    assert response.status_code == 200
    assert (
        "版本编号只能由汉字、字母、数字、连字符（-）和下划线组成，不能有空格、斜杠或其他符号。"
        in response.content.decode()
    )
    assert not Policy.objects.filter(code=code).exists()


def test_the_service_refuses_such_a_code_too(cast):
    with pytest.raises(Refused) as refused:
        services.policy_draft_create(
            actor=Actor.for_user(cast.finance_cn, "test"), district=Organisation.objects.get(code="310105"),
            code="长宁/2022", title="x", document="x", valid_from=date(2022, 1, 1), valid_to=date(2022, 12, 31),
            validity_reference="x", copy_from=Policy.objects.get(code="changning-2016"),
        )  # fmt: skip
    assert refused.value.code == "bad_code" and refused.value.field == "code"


def test_a_version_is_titled_by_its_title_not_its_code(cast, login):
    title = Policy.objects.get(code="changning-2016").title
    client = login(cast.district_cn)
    for url in ("/policy/changning-2016/", "/policy/changning-2016/what-if/"):
        page = client.get(url).content.decode()
        assert f"{title} · 市民综合帮扶</title>" in page, url
        heading = page[page.index("<h1>") : page.index("</h1>")]
        assert title in heading and "changning-2016" not in heading, url
