"""The API's edges, tried from the side of whoever must be refused: no token, a garbage,
expired or revoked token, a session without its CSRF token, an oversized body (declared,
understated or chunked), the docs page and its schema without a login; and the two places
where the schema and the behaviour of `/policy/evaluate` used to disagree."""

import io
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.orgs.models import ApiToken
from bangfu.orgs.services import api_token_issue, api_token_revoke, token_hash
from tests.policy.casetable import load

URL = "/api/v1/policy/evaluate"
GOOD = load("rules.toml")[0].body
MB = 1024 * 1024


def _issue(user, **kwargs) -> str:
    return api_token_issue(actor=Actor.system("test"), user=user, name="合作方系统", **kwargs)


def _post(client, body=GOOD, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


def _bearer(token: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error) == {"code", "message", "field"}
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), "the message is in Chinese"
    return error


# --- authentication ---------------------------------------------------------------------------


@pytest.fixture
def strict():
    """A client that checks CSRF like a browser's requests are checked."""
    return Client(enforce_csrf_checks=True)


def test_no_token_is_401_not_a_csrf_failure(strict, db):
    response = _post(strict)
    _refused(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="bangfu"'


@pytest.mark.parametrize(
    "header", ["Bearer bf_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "bf_without_scheme", ""]
)
def test_a_garbage_token_is_401(strict, db, header):
    response = _post(strict, headers={"Authorization": header})
    _refused(response, 401, "token_invalid")
    assert response["WWW-Authenticate"].startswith('Bearer realm="bangfu", error="invalid_token"')


def test_an_expired_token_is_401(strict, cast):
    token = _issue(cast.district_cn, expires_at=timezone.now() + timedelta(hours=1))
    assert _post(strict, **_bearer(token)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = _post(strict, **_bearer(token))
    error = _refused(response, 401, "token_expired")
    assert "过期" in error["message"]
    assert 'error_description="token expired"' in response["WWW-Authenticate"]


def test_a_token_expires_a_year_after_issue_by_default(strict, cast):
    token = _issue(cast.district_cn)
    row = ApiToken.objects.get(token_hash=token_hash(token))
    assert timedelta(days=364) < row.expires_at - timezone.now() <= timedelta(days=365)
    with time_machine.travel(timezone.now() + timedelta(days=366)):
        _refused(_post(strict, **_bearer(token)), 401, "token_expired")


def test_a_revoked_token_is_401(strict, cast):
    token = _issue(cast.district_cn)
    assert _post(strict, **_bearer(token)).status_code == 200
    row = ApiToken.objects.get(token_hash=token_hash(token))
    assert api_token_revoke(actor=Actor.system("test"), token=row)
    response = _post(strict, **_bearer(token))
    _refused(response, 401, "token_revoked")
    assert 'error_description="token revoked"' in response["WWW-Authenticate"]


def test_revoking_in_the_admin_stops_the_token(cast, login):
    token = _issue(cast.district_cn)
    row = ApiToken.objects.get(token_hash=token_hash(token))
    admin = login(cast.sysadmin)
    admin.post("/admin/orgs/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    admin.logout()
    _refused(_post(Client(), **_bearer(token)), 401, "token_revoked")
    # and the change form cannot bring it back
    admin = login(cast.sysadmin)
    admin.post(f"/admin/orgs/apitoken/{row.pk}/change/", {"name": row.name, "revoked": ""})
    row.refresh_from_db()
    assert row.revoked


def test_a_token_of_a_disabled_account_is_401(strict, cast):
    token = _issue(cast.district_cn)
    cast.district_cn.is_active = False
    cast.district_cn.save()
    _refused(_post(strict, **_bearer(token)), 401, "token_invalid")


def test_a_bad_token_is_refused_even_beside_a_session(cast, login):
    client = login(cast.assessor_a)
    _refused(_post(client, headers={"Authorization": "Bearer bf_forged"}), 401, "token_invalid")


def test_a_session_call_still_needs_its_csrf_token(cast, strict):
    strict.force_login(cast.assessor_a)
    _refused(_post(strict), 403, "csrf_failed")
    strict.get("/")  # the page sets the csrftoken cookie, as a browser would receive it
    csrf = strict.cookies["csrftoken"].value
    response = _post(strict, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.json()["max_amount"] == "720.30"


def test_a_token_call_needs_no_csrf_token(strict, cast):
    response = _post(strict, **_bearer(_issue(cast.district_cn)))
    assert response.status_code == 200


def test_the_issue_form_refuses_an_expiry_in_the_past(cast, login):
    admin = login(cast.sysadmin)
    page = admin.post(
        "/admin/orgs/apitoken/add/",
        {"user": cast.foundation.pk, "name": "基金会系统", "expires_at": "2000-01-01 00:00:00"},
    ).content.decode()
    assert "有效期须晚于现在" in page
    assert not ApiToken.objects.exists()


# --- body size ----------------------------------------------------------------------------------


def test_a_25_mb_body_is_413_with_the_error_object(client, cast):
    response = _post(client, b" " * (25 * MB), **_bearer(_issue(cast.district_cn)))
    error = _refused(response, 413, "payload_too_large")
    assert "20 MB" in error["message"]


def test_a_25_mb_body_is_413_before_authentication(client, db):
    _refused(_post(client, b" " * (25 * MB)), 413, "payload_too_large")


def test_the_limit_is_stated_in_the_openapi_description(cast, login):
    schema = login(cast.intake_a).get("/api/v1/openapi.json").json()
    assert "20 MB" in schema["info"]["description"]
    assert "413" in schema["paths"][URL]["post"]["responses"]


def test_a_body_longer_than_its_content_length_is_cut_not_a_500(client, cast):
    # The stream stops at the declared length: the engine sees 100 bytes of JSON.
    response = _post(
        client, GOOD + b" " * (25 * MB), CONTENT_LENGTH="100", **_bearer(_issue(cast.district_cn))
    )
    _refused(response, 400, "invalid_input")


def test_a_content_length_over_the_limit_is_413_whatever_follows(client, db):
    _refused(_post(client, GOOD, CONTENT_LENGTH=str(25 * MB)), 413, "payload_too_large")


@pytest.mark.parametrize("declared", ["-1", "abc", "1e9"])
def test_a_nonsense_content_length_is_400(client, db, declared):
    _refused(_post(client, GOOD, CONTENT_LENGTH=declared), 400, "bad_request")


def _chunked(body: bytes, terminated: bool) -> dict:
    extra = {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body)}
    if terminated:
        extra["wsgi.input_terminated"] = True
    return extra


def test_a_chunked_body_over_the_limit_is_413(client, cast):
    response = _post(client, b"x", **_chunked(b" " * (25 * MB), True), **_bearer(_issue(cast.district_cn)))
    _refused(response, 413, "payload_too_large")


def test_a_chunked_body_under_the_limit_is_read(client, cast):
    response = _post(client, b"x", **_chunked(GOOD, True), **_bearer(_issue(cast.district_cn)))
    assert response.status_code == 200
    assert response.json()["max_amount"] == "720.30"


def test_a_chunked_body_the_server_cannot_end_is_411(client, db):
    _refused(_post(client, b"x", **_chunked(GOOD, False)), 411, "length_required")


def test_a_page_gets_a_413_page_in_chinese(cast, login):
    client = login(cast.intake_a)
    response = client.post("/households/new/", {"x": "y" * (25 * MB)})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "提交的内容过大" in page and "20 MB" in page


def test_an_anonymous_upload_over_the_limit_is_413_too(client, db):
    response = client.post("/login/", {"username": "x" * (25 * MB)})
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


# --- the docs page ------------------------------------------------------------------------------


def test_the_docs_send_the_anonymous_to_the_login_page(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/api/v1/docs")


def test_the_schema_is_401_to_the_anonymous(client, db):
    response = client.get("/api/v1/openapi.json")
    _refused(response, 401, "not_authenticated")


def test_the_schema_reads_a_partner_token(client, cast):
    response = client.get("/api/v1/openapi.json", **_bearer(_issue(cast.district_cn)))
    assert response.status_code == 200
    _refused(
        client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer bf_x"}), 401, "token_invalid"
    )


def test_the_docs_page_uses_no_other_host_and_its_assets_are_served(cast, login):
    client = login(cast.intake_a)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page), "no asset from another host"
    assets = re.findall(r"""<(?:script|link)[^>]*(?:src|href)="([^"]+)\"""", page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        body = b"".join(served.streaming_content) if served.streaming else served.content
        assert len(body) > 0
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', page, re.S).group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None, "Swagger UI would call validator.swagger.io"


# --- the schema says what the engine does -----------------------------------------------------


def _schema(client) -> dict:
    operation = client.get("/api/v1/openapi.json").json()["paths"][URL]["post"]
    return operation["requestBody"]["content"]["application/json"]["schema"]["properties"]


@pytest.mark.parametrize("district", ["", "长宁区", "31010", "310105001", "999999"])
def test_a_district_the_schema_refuses_the_engine_refuses(cast, login, district):
    client = login(cast.assessor_a)
    documented = _schema(client)["district"]
    assert district not in documented["enum"]
    assert documented["minLength"] == 1
    body = json.loads(GOOD) | {"district": district}
    assert _refused(_post(client, json.dumps(body)), 400, "invalid_input")["field"] == "district"


def test_every_district_the_schema_allows_is_evaluated(cast, login):
    client = login(cast.assessor_a)
    documented = _schema(client)["district"]
    # The 16 districts of Shanghai and 光明集团, which the network places at district level.
    assert len(documented["enum"]) == 17 and {"310105", "GMJT"} <= set(documented["enum"])
    for code in documented["enum"]:
        body = json.loads(GOOD) | {"district": code}
        # Answered: 200 where a policy is in force, 422 no_policy_in_force where none is.
        assert _post(client, json.dumps(body)).status_code in (200, 422), code


def test_requested_amount_null_is_documented_and_accepted(cast, login):
    client = login(cast.assessor_a)
    documented = _schema(client)["requested_amount"]
    assert {"type": "null"} in documented["anyOf"]
    assert any(alt.get("type") == "string" for alt in documented["anyOf"])
    body = json.loads(GOOD) | {"requested_amount": None}
    assert _post(client, json.dumps(body)).json()["recommended_amount"] == "720.30"


@pytest.mark.parametrize("amount", [6000, "", "-1", True, {}])
def test_requested_amount_other_than_string_or_null_is_refused(cast, login, amount):
    client = login(cast.assessor_a)
    body = json.loads(GOOD) | {"requested_amount": amount}
    assert _refused(_post(client, json.dumps(body)), 400, "invalid_input")["field"] == "requested_amount"
