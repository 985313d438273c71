"""Amounts in the evaluation contract (API and `bangfu policy evaluate`) and in a policy's values:
read by the one money parser. The contract is for machines: it reads the plain form its OpenAPI
pattern states and refuses the rest with `invalid_input`, the field and the parser's Chinese
message; a value typed on the policy pages is read as every typed amount is."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.core.money import CONTRACT_PATTERN
from bangfu.orgs.models import Organisation
from bangfu.policy.models import Policy

from .casetable import load

GOOD = json.loads(load("rules.toml")[0].body)
URL = "/api/v1/policy/evaluate"
FIELD = "medical.invoices[0].self_paid"

REFUSED = [
    ("12,3.4", "千位分隔符位置不对"),
    ("1 200.50", "如 1200.50、1,200.50 或 ¥1,200.50"),
    ("１２００.５０", "如 1200.50、1,200.50 或 ¥1,200.50"),
    ("1e3", "不能用科学计数法"),
    ("1200.505", "最多两位小数（到分）"),
    ("NaN", "不能是 NaN 或无穷大"),
    ("Infinity", "不能是 NaN 或无穷大"),
    ("-5.00", "不能为负数"),
    ("", "请填写金额"),
]


def with_self_paid(value) -> str:
    body = json.loads(json.dumps(GOOD))
    body["medical"]["invoices"][0]["self_paid"] = value
    return json.dumps(body, ensure_ascii=False)


def cli(body: str) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("policy", "evaluate", stdin=io.StringIO(body), stdout=out)
    except CommandError as e:
        return e.returncode, json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


@pytest.mark.parametrize(("amount", "message"), REFUSED)
def test_the_api_refuses_an_amount_it_cannot_read_exactly_with_the_error_object(cast, login, amount, message):
    response = login(cast.assessor_a).post(URL, with_self_paid(amount), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == FIELD
    assert message in error["message"] and error["message"].startswith(FIELD)


@pytest.mark.parametrize(("amount", "message"), REFUSED)
def test_the_command_refuses_the_same_with_the_same_error_object(cast, login, amount, message):
    status, body = cli(with_self_paid(amount))
    api = login(cast.assessor_a).post(URL, with_self_paid(amount), content_type="application/json").json()
    assert status == 2 and body == api and message in body["error"]["message"]


def test_an_amount_read_is_answered_with_two_places(db):
    status, body = cli(with_self_paid("1200.5"))
    assert status == 0 and body["max_amount"] == "720.30"


@pytest.mark.parametrize("amount", ["1200.50", "1,200.50", "¥1,200.50", "¥1200.5"])
def test_the_api_and_the_command_read_the_same_amount_however_it_is_written(cast, login, amount):
    status, body = cli(with_self_paid(amount))
    api = login(cast.assessor_a).post(URL, with_self_paid(amount), content_type="application/json").json()
    assert status == 0 and body == api and body["max_amount"] == "720.30"


def test_the_schema_states_the_pattern_the_engine_reads(cast, login):
    schema = login(cast.assessor_a).get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/policy/evaluate"]["post"]["requestBody"]["content"]["application/json"]
    invoice = body["schema"]["properties"]["medical"]["properties"]["invoices"]["items"]
    assert invoice["properties"]["self_paid"]["pattern"] == CONTRACT_PATTERN
    requested = body["schema"]["properties"]["requested_amount"]["anyOf"]
    assert {"type": "null"} in requested and CONTRACT_PATTERN in [t.get("pattern") for t in requested]


@pytest.fixture
def draft(cast, login):
    client = login(cast.finance_cn)
    client.post(
        "/policy/new/",
        {"district": Organisation.objects.get(code="310105").pk, "code": "changning-2022",
         "title": "长宁区综合帮扶实施意见（2022）", "document": "长民发〔2022〕1号", "valid_from": "2022-01-01",
         "valid_to": "2026-12-31", "validity_reference": "长民发〔2022〕1号 末段",
         "copy_from": Policy.objects.get(code="changning-2016").pk},
    )  # fmt: skip
    policy = Policy.objects.get(code="changning-2022")
    row = policy.values.get(name="approval.street_limit")

    def post(value):
        return client.post(
            f"/policy/changning-2022/values/{row.pk}/",
            {"name": "approval.street_limit", "start": "2022-01-01", "value": value, "reference": "四(三)"},
        )

    post.value = lambda: policy.values.get(name="approval.street_limit").value
    return post


@pytest.mark.parametrize("typed", ["30,000", "¥30,000.00", "30000", "30000.0"])
def test_a_policy_amount_typed_on_the_page_is_stored_as_one_text(draft, typed):
    assert draft(typed).status_code == 302
    assert draft.value() == "30000.00"


@pytest.mark.parametrize(("typed", "message"), [("3,0000", "千位分隔符位置不对"), ("3e4", "科学计数法"),
                                                ("-30000", "不能为负数"), ("30000.001", "最多两位小数")])  # fmt: skip
def test_a_policy_amount_that_could_be_another_is_refused(draft, typed, message):
    before = draft.value()
    response = draft(typed)
    assert response.status_code == 200 and message in response.content.decode()
    assert draft.value() == before
