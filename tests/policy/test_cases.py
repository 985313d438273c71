"""The case tables (cases/rules.toml, cases/bad_input.toml, cases/forms.toml), run against the engine directly,
through `bangfu policy evaluate --batch` and through `POST /api/v1/policy/evaluate`."""

import io

import orjson
import pytest
from django.core.management import call_command

from bangfu.policy.engine import respond

from .casetable import check, load

RULES = load("rules.toml")
BAD = load("bad_input.toml")
FORMS = load("forms.toml")  # prior aid by form of aid (SPEC §4)
ALL = RULES + BAD + FORMS


@pytest.mark.parametrize("case", ALL, ids=str)
def test_case_directly(case, file_book):
    status, answer = respond(case.body, file_book)
    check(case, status, answer)


def test_every_case_through_the_batch_command(db):
    stdin = io.StringIO("\n".join(case.body.decode() for case in ALL) + "\n")
    stdout = io.StringIO()
    call_command("policy", "evaluate", "--batch", stdin=stdin, stdout=stdout)
    answers = stdout.getvalue().splitlines()
    assert len(answers) == len(ALL)
    for case, line in zip(ALL, answers, strict=True):
        answer = orjson.loads(line)
        status = (
            200
            if "error" not in answer
            else (422 if answer["error"]["code"] == "no_policy_in_force" else 400)
        )
        check(case, status, answer)


def test_every_case_over_http(cast, login):
    client = login(cast.intake_a)
    for case in ALL:
        response = client.post("/api/v1/policy/evaluate", case.body, content_type="application/json")
        assert response["Content-Type"] == "application/json"
        check(case, response.status_code, response.json())


def test_the_tables_cover_every_reason_code():
    seen = {code for case in RULES for code in case.spec.get("expect", {}).get("reasons", [])}
    assert seen == {
        "residency", "no_eligible_expense", "category_not_eligible", "condition_not_met", "annual_count_exceeded",
        "annual_amount_exhausted", "capped_by_annual_limit", "requested_above_maximum",
    }  # fmt: skip
    errors = {case.spec["error"]["code"] for case in ALL if "error" in case.spec}
    assert errors == {"invalid_input", "no_policy_in_force"}
