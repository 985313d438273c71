"""With DEBUG off, 400, 403, 404 and 500 and a failed CSRF check are Chinese pages in the
platform's layout that say nothing of what failed inside; under /api/ they are the API's error
object. The failing addresses come from a test-only URL module, not the platform's."""

import re

import pytest
from django.test import Client

from tests.web.error_urls import SECRET

pytestmark = pytest.mark.urls("tests.web.error_urls")

LAYOUT = ('class="topbar"', "市民综合帮扶信息化平台", '<main class="main">', 'lang="zh-Hans"')
LEAKS = (SECRET, "Traceback", "SECRET_KEY", "settings.py", "Exception", "Error", "DEBUG", "Django")


def _page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    for piece in (*LAYOUT, *texts):
        assert piece in body, piece
    for leak in LEAKS:
        assert leak not in body, leak
    assert not re.search(r"\b(Not Found|Forbidden|Bad Request|Server Error)\b", body)
    return body


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def test_404_for_someone_signed_in_keeps_their_navigation(cast, login, settings):
    assert settings.DEBUG is False
    body = _page(login(cast.intake_a).get("/households/999999/"), 404, "找不到页面", "不在您的职责范围内")
    assert "家庭档案" in body and "退出" in body  # the sidebar and the user's bar
    assert "/households/999999/" not in body


def test_404_for_an_unknown_address(cast, login):
    body = _page(login(cast.intake_a).get("/no/such/page-xyz/"), 404, "找不到页面", "回到工作台")
    assert "page-xyz" not in body


def test_404_without_a_login(anonymous, db):
    _page(anonymous.get("/no/such/page/"), 404, "找不到页面")


def test_403_for_a_role_without_the_permission(cast, login):
    _page(login(cast.sysadmin).get("/policy/"), 403, "没有权限", "安全管理员")


def test_403_says_nothing_of_the_refusal(cast, login):
    _page(login(cast.intake_a).get("/forbidden/"), 403, "没有权限")


def test_400(cast, login):
    _page(login(cast.intake_a).get("/suspicious/"), 400, "请求无效")


def test_500_is_self_contained_and_says_nothing_of_the_exception(anonymous, db):
    body = _page(anonymous.get("/boom/"), 500, "系统出错", "请稍后再试")
    assert "退出" not in body and "sidebar" not in body


def test_500_renders_without_the_database(anonymous):
    # No `db` fixture: any query would fail, and the page would fall back to its bare text.
    from bangfu.web.errors import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert all(piece in response.content.decode() for piece in LAYOUT)


def test_500_for_someone_signed_in(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast.intake_a)
    body = _page(client.get("/boom/"), 500, "系统出错")
    assert "intake_a" not in body


def test_a_failed_csrf_check_is_a_chinese_403(cast):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.intake_a)
    body = _page(strict.post("/households/new/", {"address": "x"}), 403, "页面已过期", "刷新后重新提交")
    assert "CSRF" not in body and "Referer" not in body


def test_the_login_form_without_its_token(db):
    _page(
        Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"}),
        403,
        "页面已过期",
    )


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [("/api/v1/no-such-endpoint", 404, "not_found"), ("/api/v1/boom/", 500, "server_error")],
)
def test_under_the_api_errors_stay_json(anonymous, db, url, status, code):
    response = anonymous.get(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and re.search(r"[\u4e00-\u9fff]", error["message"])
    assert SECRET not in response.content.decode()
