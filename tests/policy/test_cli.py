"""`bangfu policy evaluate`: one request, a batch, a file; exit status 2 on an error."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .casetable import load

GOOD = load("rules.toml")[0].body.decode()


def run(*args, stdin: str = "") -> str:
    out = io.StringIO()
    call_command("policy", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


def test_one_request_from_stdin(db):
    answer = json.loads(run("evaluate", stdin=GOOD))
    assert answer["max_amount"] == "720.30"
    assert answer["policy"] == {"id": "changning-2016", "valid_from": "2016-07-01", "valid_to": "2021-12-31"}


def test_one_request_from_a_file(db, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(GOOD, encoding="utf-8")
    assert json.loads(run("evaluate", "--input", str(path)))["recommended_amount"] == "720.30"


def test_bad_input_prints_the_error_object_and_exits_2(db):
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("policy", "evaluate", stdin=io.StringIO('{"district": "310105", "x": 1}'), stdout=out)
    assert exc.value.returncode == 2
    assert json.loads(out.getvalue()) == {
        "error": {"code": "invalid_input", "message": "未知字段 x：请删除该字段。", "field": "x"}
    }


def test_no_policy_in_force_exits_2(db):
    request = json.loads(GOOD) | {"application_date": "2022-01-01"}
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("policy", "evaluate", stdin=io.StringIO(json.dumps(request)), stdout=out)
    assert exc.value.returncode == 2
    assert json.loads(out.getvalue())["error"]["code"] == "no_policy_in_force"


def test_a_missing_input_file_is_bad_input(db, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("policy", "evaluate", "--input", str(tmp_path / "none.json"), stdout=out)
    assert exc.value.returncode == 2
    assert json.loads(out.getvalue())["error"]["field"] == "input"


def test_batch_answers_every_line_in_order_and_goes_on_after_a_bad_one(db):
    lines = [GOOD, "{not json", "", GOOD.replace('"dibao"', '"low_income"'), GOOD.replace('"310105"', "1", 1)]
    answers = [
        orjson.loads(a) for a in run("evaluate", "--batch", stdin="\n".join(lines) + "\n").splitlines()
    ]
    assert len(answers) == 5
    assert answers[0]["max_amount"] == "720.30"
    assert answers[1]["error"]["code"] == "invalid_input"
    assert answers[2]["error"]["code"] == "invalid_input"  # a blank line keeps its place
    assert answers[3]["max_amount"] == "600.25"
    assert answers[4]["error"] == {
        "code": "invalid_input", "message": answers[4]["error"]["message"], "field": "district"
    }  # fmt: skip


@pytest.fixture(scope="module")
def migrated_dir(tmp_path_factory):
    """A migrated SQLite database of its own, for the real `bangfu` process."""
    folder = tmp_path_factory.mktemp("bangfu-cli")
    env = _env(folder)
    subprocess.run([*_bangfu(), "migrate", "--no-input", "-v0"], env=env, check=True)
    return folder


def _env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BANGFU_TESTING")}
    return env | {"BANGFU_DATA_DIR": str(folder)}


def _bangfu() -> list[str]:
    script = Path(sys.executable).with_name("bangfu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bangfu.cli"]


def test_the_real_command_exits_0_with_an_answer(migrated_dir):
    done = subprocess.run(
        [*_bangfu(), "policy", "evaluate"], input=GOOD.encode(), capture_output=True, env=_env(migrated_dir)
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["max_amount"] == "720.30"


def test_the_real_command_exits_2_with_the_error_object(migrated_dir):
    done = subprocess.run(
        [*_bangfu(), "policy", "evaluate"],
        input=b'{"district": "310105"',
        capture_output=True,
        env=_env(migrated_dir),
    )
    assert done.returncode == 2
    assert orjson.loads(done.stdout)["error"]["code"] == "invalid_input"
    assert b"Traceback" not in done.stderr


def test_the_real_batch(migrated_dir):
    stdin = "\n".join([GOOD, "[]", GOOD]).encode() + b"\n"
    done = subprocess.run(
        [*_bangfu(), "policy", "evaluate", "--batch"],
        input=stdin,
        capture_output=True,
        env=_env(migrated_dir),
    )
    assert done.returncode == 0, done.stderr
    answers = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert [("error" in a) for a in answers] == [False, True, False]
