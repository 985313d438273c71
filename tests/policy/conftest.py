"""Fixtures of the policy tests: the engine's book built from the data files, without a
database, and a book loaded from the database (the migrated built-in policy)."""

import csv
from pathlib import Path

import pytest

from bangfu.policy.engine import ParameterSet, PolicyBook
from bangfu.policy.parameters import builtin_policy

DIVISIONS = Path(__file__).parents[2] / "src" / "bangfu" / "orgs" / "data" / "shanghai_divisions_2023.csv"


def district_names() -> dict[str, str]:
    with DIVISIONS.open(encoding="utf-8") as f:
        names = {row["code"]: row["name"] for row in csv.DictReader(f) if row["level"] == "district"}
    return names | {"GMJT": "光明集团帮扶服务社"}


@pytest.fixture(scope="session")
def file_book() -> PolicyBook:
    """The built-in policy straight from its file: the engine without the database."""
    return PolicyBook([ParameterSet(builtin_policy("changning-2016"))], district_names())


@pytest.fixture
def db_book(db) -> PolicyBook:
    from bangfu.policy.selectors import policy_book

    return policy_book()
