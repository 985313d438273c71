"""A residence start, an income and its date, as the intake worker types them: read exactly or
refused in Chinese with nothing saved (SPEC §10)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from bangfu.registry.models import Household, Means
from tests.registry.conftest import create_post, make_id, row_counts

TODAY = "2026-03-15 10:00 +0800"


def head(**extra) -> dict:
    return {"name": "甲", "relationship": "head", "id_number": make_id(), **extra}


def test_a_residence_start_in_the_future_is_refused_and_nothing_saved(cast, login, org):
    client = login(cast.intake_a)
    before = row_counts()
    with time_machine.travel(TODAY, tick=False):
        r = client.post("/households/new/", create_post(org("310105001"), [head(resides_since="2030-01-01")]))
    assert r.status_code == 200 and "居住起始日期不能晚于今天（2026年3月15日）" in r.content.decode()
    assert row_counts() == before


def test_a_residence_start_of_today_is_kept(cast, login, org):
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(
            "/households/new/", create_post(org("310105001"), [head(resides_since="2026-03-15")])
        )
    assert r.status_code == 302
    assert Household.objects.get().members.get().resides_since == date(2026, 3, 15)


def test_a_member_edit_may_not_move_the_residence_start_into_the_future(cast, login, household_a):
    person = household_a.members.get(relationship="head")
    before = row_counts()
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(
            f"/households/{household_a.pk}/members/{person.pk}/edit/",
            {"name": person.name, "relationship": "head", "resides_in_district": "on", "resides_since": "2026-03-16"},
        )
    assert r.status_code == 200 and "居住起始日期不能晚于今天" in r.content.decode()
    assert row_counts() == before


def means_url(household) -> str:
    person = household.members.get(relationship="head")
    return f"/households/{household.pk}/members/{person.pk}/means/new/"


@pytest.mark.parametrize("amount", ["¥2,650.00", "2,650", "2650.00", "２６５０"])
def test_an_income_typed_with_separators_is_stored_exactly(cast, login, household_a, amount):
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(
            means_url(household_a), {"kind": "income", "amount": amount, "as_of": "2026-03-01"}
        )
    assert r.status_code == 302
    assert Means.objects.get().amount == Decimal("2650.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "2,65.00"}, "千位分隔符位置不对"),
        ({"amount": "2.65e3"}, "不能用科学计数法"),
        ({"amount": "NaN"}, "不能是 NaN 或无穷大"),
        ({"as_of": "2026-03-16"}, "核定日期不能晚于今天（2026年3月15日）"),
    ],
)
def test_an_income_that_could_be_another_or_lies_ahead_is_refused(cast, login, household_a, data, message):
    before = row_counts()
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(
            means_url(household_a), {"kind": "income", "amount": "2650.00", "as_of": "2026-03-01", **data}
        )
    assert r.status_code == 200 and message in r.content.decode()
    assert row_counts() == before


def test_a_category_may_be_valid_until_a_day_ahead(cast, login, household_a):
    """A category's end plans: it is not a fact."""
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.intake_a).post(
            f"/households/{household_a.pk}/categories/new/",
            {"category": "low_income", "valid_from": "2026-03-01", "valid_to": "2027-02-28", "source": "manual"},
        )
    assert r.status_code == 302
