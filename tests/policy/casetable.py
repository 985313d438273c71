"""Reading the case tables (cases/*.toml) and checking an answer against a case."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).parent / "cases"
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class Case:
    name: str
    body: bytes  # the request as JSON text
    spec: dict

    def __str__(self) -> str:
        return self.name


def _path(dotted: str) -> list:
    return [int(index) if index else key for key, index in _PART.findall(dotted)]


def _set(target, dotted: str, value) -> None:
    *parents, last = _path(dotted)
    for part in parents:
        target = target[part]
    target[last] = value


def _unset(target, dotted: str) -> None:
    *parents, last = _path(dotted)
    for part in parents:
        target = target[part]
    del target[last]


def _bases() -> dict:
    with (CASES_DIR / "rules.toml").open("rb") as f:
        return tomllib.load(f)["base"]


def load(name: str) -> list[Case]:
    with (CASES_DIR / name).open("rb") as f:
        table = tomllib.load(f)
    bases = _bases()
    cases = []
    for spec in table["case"]:
        if "raw" in spec:
            body = spec["raw"].encode()
        else:
            request = copy.deepcopy(bases[spec["base"]])
            for dotted, value in spec.get("set", {}).items():
                _set(request, dotted, value)
            for dotted in spec.get("unset", []):
                _unset(request, dotted)
            body = json.dumps(request, ensure_ascii=False).encode()
        cases.append(Case(spec["name"], body, spec))
    return cases


def check(case: Case, status: int, answer: dict) -> None:
    """The answer must be what the case says, and well formed either way."""
    spec = case.spec
    if "error" in spec:
        want = spec["error"]
        assert "error" in answer, f"{case}: expected an error, got {answer}"
        error = answer["error"]
        assert error["code"] == want["code"], f"{case}: {error}"
        assert error["field"] == (want["field"] or None), f"{case}: {error}"
        assert error["message"] and not error["message"].isascii(), (
            f"{case}: the message is for people, in Chinese"
        )
        assert status == (422 if want["code"] == "no_policy_in_force" else 400)
        assert set(answer) == {"error"} and set(error) == {"code", "message", "field"}
        return
    assert status == 200, f"{case}: {answer}"
    assert set(answer) == {
        "eligible",
        "max_amount",
        "recommended_amount",
        "approval_level",
        "policy",
        "reasons",
        "trace",
    }
    expect = spec.get("expect", {})
    for key, value in expect.items():
        if key == "reasons":
            assert [r["code"] for r in answer["reasons"]] == value, f"{case}: {answer['reasons']}"
        elif key == "approval_level":
            assert answer[key] == (None if value == "none" else value), f"{case}: {answer[key]}"
        else:
            assert answer[key] == value, f"{case}: {key} = {answer[key]!r}, expected {value!r}"
    if not answer["eligible"]:
        assert (answer["max_amount"], answer["recommended_amount"], answer["approval_level"]) == (
            "0.00",
            "0.00",
            None,
        )
    for want in spec.get("trace", []):
        assert any(all(step.get(k) == v for k, v in want.items()) for step in answer["trace"]), (
            f"{case}: no trace step {want} in {json.dumps(answer['trace'], ensure_ascii=False)}"
        )
    for want in spec.get("reason_details", []):
        assert any(all(r.get(k) == v for k, v in want.items()) for r in answer["reasons"]), (
            f"{case}: {answer['reasons']}"
        )
    for step in answer["trace"]:
        assert step["parameter"] and step["source"].startswith("长民发〔2016〕31号"), step
    for reason in answer["reasons"]:
        assert reason["message"] and not reason["message"].isascii()
