"""A service's refusal, shown: on the form field it names, on the whole form, as a message
after a redirect, and as the API's error object with its status."""

from datetime import date

import orjson
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from bangfu.api import api
from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused
from bangfu.core.views import refusals_to
from bangfu.registry import services as registry
from bangfu.registry.models import HouseholdCategory, Person
from tests.registry.conftest import member


@pytest.fixture
def household(db, org):
    return registry.household_create(
        actor=Actor.system("test"),
        street=org("310105001"),
        address="长宁区某路1号",
        members=[member("张伟"), member("李芳", "spouse")],
        categories=[{"category": "dibao", "valid_from": date(2024, 1, 1)}],
    )


def test_a_refusal_naming_a_field_of_the_form_stands_on_that_field(cast, login, household):
    category = household.categories.get()
    response = login(cast.intake_a).post(
        f"/households/{household.pk}/categories/{category.pk}/end/", {"valid_to": "2023-12-31"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"valid_to": ["有效期止不能早于有效期起。"]}
    assert "有效期止不能早于有效期起。" in response.content.decode()
    assert HouseholdCategory.objects.get(pk=category.pk).valid_to is None


def test_a_refusal_naming_no_field_stands_on_the_whole_form(cast, login, household):
    head = household.members.get(relationship="head")
    response = login(cast.intake_a).post(
        f"/households/{household.pk}/members/{head.pk}/remove/", {"reason": "迁出"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == ["户主不能移除：请先把另一名成员设为户主。"]
    assert "reason" not in form.errors
    assert Person.objects.get(pk=head.pk).active


def test_a_refusal_after_a_post_is_a_message_on_the_page_it_redirects_to(cast, login):
    client = login(cast.finance_cn)
    response = client.post(reverse("policy:discard", args=["changning-2016"]))
    assert response.status_code == 302 and response.url == reverse("policy:detail", args=["changning-2016"])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "只有草稿可以修改；已发布的版本不可更改。"
    ]
    assert "只有草稿可以修改" in client.get(response.url).content.decode()


def test_the_admin_refuses_with_a_message_and_sends_back_to_the_account(cast, login):
    response = login(cast.sysadmin).get(f"/admin/orgs/user/{cast.secadmin.pk}/password/")
    assert response.status_code == 302
    assert response.url == reverse("admin:orgs_user_change", args=[cast.secadmin.pk])
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and str(message).startswith("不能重设管理员账号的密码")


class _Form(forms.Form):
    amount = forms.CharField()


def test_only_a_refusal_is_caught_a_bug_goes_on_up():
    form = _Form({"amount": "1"})
    assert form.is_valid()
    with refusals_to(form) as tried:
        pass
    assert tried.ok and tried.refused is None and not form.errors
    with pytest.raises(ZeroDivisionError), refusals_to(form):
        _ = 1 / 0
    assert not form.errors
    with refusals_to(form) as tried:
        raise Refused("金额超过上限。", code="over_limit", field="amount")
    assert not tried.ok and tried.refused.code == "over_limit"
    assert form.errors == {"amount": ["金额超过上限。"]}


def test_the_api_answers_a_refusal_with_its_error_object_and_status():
    request = RequestFactory().post("/api/v1/x")
    refused = Refused("版本编号 x 已被使用。", code="code_taken", field="code", status=409)
    response = api.on_exception(request, refused)
    assert response.status_code == 409 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == orjson.dumps(
        {"error": {"code": "code_taken", "message": "版本编号 x 已被使用。", "field": "code"}}
    )
    assert orjson.loads(response.content) == refused.as_dict()
    plain = api.on_exception(request, Refused("不行。"))
    assert plain.status_code == 400
    assert orjson.loads(plain.content) == {"error": {"code": "refused", "message": "不行。", "field": None}}


def test_a_refused_token_is_still_401_with_its_header(client, db):
    response = client.post(
        "/api/v1/policy/evaluate", b"{}", content_type="application/json", HTTP_AUTHORIZATION="Bearer bf_x"
    )
    assert response.status_code == 401
    assert orjson.loads(response.content) == {
        "error": {
            "code": "token_invalid",
            "message": "令牌无效：请核对令牌，或向系统管理员申请新令牌。",
            "field": None,
        }
    }
    assert response["WWW-Authenticate"] == (
        'Bearer realm="bangfu", error="invalid_token", error_description="unknown token"'
    )
