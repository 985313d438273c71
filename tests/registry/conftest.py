"""Households on file in three streets of two districts, and helpers to make valid IDs."""

import itertools
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

_seq = itertools.count(1)


def make_id(area: str = "310105", birth: str | None = None, sex: str = "M") -> str:
    """A valid 18-digit ID number, different on every call (GB 11643 check digit).

    The 17th digit is odd for men and even for women."""
    n = next(_seq)
    birth = birth or (date(1950, 1, 1) + timedelta(days=(n * 7) % 25000)).strftime("%Y%m%d")
    order = f"{n % 100:02d}{2 * (n % 5) + (1 if sex == 'M' else 0)}"
    body = f"{area}{birth}{order}"
    return body + ric.calc_check_digit(body + "0")


def member(name: str, relationship: str = "head", **extra) -> dict:
    data = {"name": name, "relationship": relationship, "id_number": make_id()}
    data.update(extra)
    return data


@pytest.fixture
def system():
    from bangfu.audit.actor import Actor

    return Actor.system("test")


@pytest.fixture
def new_household(db, system, org):
    """`new_household("310105001", [member(...), ...])` registers a household through the service."""
    from bangfu.registry import services

    def make(street_code: str, members=None, **extra):
        members = members or [member("户主甲"), member("配偶乙", "spouse", bank_name="工商银行")]
        return services.household_create(
            actor=system, street=org(street_code), address=extra.pop("address", "长宁区某路1号"), members=members,
            **extra,
        )  # fmt: skip

    return make


@pytest.fixture
def household_a(new_household):
    """华阳路街道 (长宁区): head with a bank account, spouse, current dibao category."""
    return new_household(
        "310105001",
        [
            member("张伟", bank_name="上海农商银行", bank_account="6228480402564890018"),
            member("李芳", "spouse"),
        ],
        categories=[{"category": "dibao", "valid_from": date(2024, 1, 1)}],
    )


@pytest.fixture
def household_b(new_household):
    """江苏路街道, the same district as A."""
    return new_household(
        "310105002", [member("王强", bank_name="工商银行", bank_account="6222020200112233445")]
    )


@pytest.fixture
def household_hp(new_household):
    """南京东路街道, 黄浦区: another district."""
    return new_household("310101002", [member("陈磊")])


def member_post(prefix: str, data: dict) -> dict:
    """Form fields of one member row, as the browser posts them."""
    post = {f"{prefix}-resides_in_district": "on"}
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                post[f"{prefix}-{key}"] = "on"
        else:
            post[f"{prefix}-{key}"] = value
    return post


def create_post(street, members: list[dict], **household) -> dict:
    post = {
        "street": str(street.pk),
        "address": household.pop("address", "长宁区华阳路100弄3号201室"),
        "phone": household.pop("phone", ""),
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        "save": "1",
    }
    post.update(household)
    for i, m in enumerate(members):
        post.update(member_post(f"m-{i}", m))
    return post


def row_counts() -> tuple:
    """Rows of every registry table and the audit log: a refused form changes none of them.

    Logins are left out of the audit count: signing in to post the form is logged, as it must be.
    """
    from bangfu.audit.models import AuditEntry
    from bangfu.registry.models import Household, HouseholdCategory, Means, Person

    tables = tuple(m.objects.count() for m in (Household, Person, HouseholdCategory, Means))
    return (*tables, AuditEntry.objects.exclude(action="login").count())
