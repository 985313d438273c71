"""POST /api/v1/policy/evaluate: authenticated, same answers and errors as the CLI,
documented in the OpenAPI schema."""

import json

from bangfu.audit.actor import Actor
from bangfu.orgs.services import api_token_issue
from bangfu.policy import engine
from bangfu.policy.api import REQUEST_SCHEMA
from bangfu.policy.parameters import AID_FORMS

from .casetable import load

GOOD = load("rules.toml")[0].body
URL = "/api/v1/policy/evaluate"


def test_it_refuses_the_unauthenticated(client, db):
    assert client.post(URL, GOOD, content_type="application/json").status_code == 401


def test_it_answers_a_session_user(cast, login):
    response = login(cast.assessor_a).post(URL, GOOD, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["max_amount"] == "720.30"


def test_it_answers_a_bearer_token(cast, client):
    token = api_token_issue(actor=Actor.system("test"), user=cast.district_cn, name="测试")
    response = client.post(
        URL, GOOD, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["recommended_amount"] == "720.30"


def test_bad_input_is_400_with_the_error_object(cast, login):
    body = json.loads(GOOD) | {"household": {"category": "dibao"}}
    response = login(cast.intake_a).post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "household.hukou_district"


def test_no_policy_in_force_is_422(cast, login):
    body = json.loads(GOOD) | {"application_date": "2023-01-01"}
    response = login(cast.intake_a).post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_policy_in_force"


def test_the_openapi_schema_documents_the_contract(cast, login):
    schema = login(cast.intake_a).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/policy/evaluate"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert set(body["required"]) == {"district", "application_date", "aid_type", "household"}
    assert {"200", "400", "422"} <= set(operation["responses"])
    assert operation.get("security"), "the operation is documented as authenticated"


def test_the_documented_fields_are_the_fields_the_engine_reads():
    assert set(REQUEST_SCHEMA["properties"]) == engine._TOP_FIELDS
    props = REQUEST_SCHEMA["properties"]
    assert tuple(props["household"]["properties"]) == engine._HOUSEHOLD_FIELDS
    prior = props["household"]["properties"]["prior_aid"]["items"]
    assert tuple(prior["properties"]) == engine._PRIOR_FIELDS + engine._PRIOR_OPTIONAL
    assert tuple(prior["required"]) == engine._PRIOR_FIELDS
    assert tuple(prior["properties"]["form"]["enum"]) == AID_FORMS
    assert tuple(props["medical"]["properties"]["invoices"]["items"]["properties"]) == engine._INVOICE_FIELDS
    assert tuple(props["insurance_supplement"]["properties"]) == engine._INSURANCE_FIELDS
    assert tuple(props["emergency"]["properties"]) == engine._EMERGENCY_FIELDS
