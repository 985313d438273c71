"""The target group as a query over the registry (SPEC §4)."""

from datetime import date

import pytest

from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.projects.targets import Target
from tests.cases import factories

DAY = date(2026, 6, 17)


@pytest.fixture
def owner_cn(db):
    return Organisation.objects.get(code="310105")


def test_categories_area_and_age_select_households(owner_cn):
    elder = factories.household("310105001", category="dibao")
    other_street = factories.household("310105002", category="dibao")
    not_dibao = factories.household("310105001", category="low_income")
    elsewhere = factories.household("310101002", category="dibao")
    target = Target(categories=("dibao",), areas=("310105001",))
    found = set(target.households(owner_cn, DAY).values_list("pk", flat=True))
    assert elder.pk in found and other_street.pk not in found and not_dibao.pk not in found
    assert elsewhere.pk not in found
    # With no area, a district plan covers its own streets only.
    found = set(Target(categories=("dibao",)).households(owner_cn, DAY).values_list("pk", flat=True))
    assert {elder.pk, other_street.pk} <= found and elsewhere.pk not in found


def test_person_conditions_hold_for_one_member(owner_cn):
    h = factories.household("310105001")
    head = h.members.get()
    born = head.birth_date
    age = DAY.year - born.year - ((DAY.month, DAY.day) < (born.month, born.day))
    assert Target(age_min=age, age_max=age).households(owner_cn, DAY).filter(pk=h.pk).exists()
    assert not Target(age_min=age + 1).households(owner_cn, DAY).filter(pk=h.pk).exists()
    assert not Target(disability=True).households(owner_cn, DAY).filter(pk=h.pk).exists()
    head.disability = True
    head.save()
    assert Target(disability=True, age_max=age).beneficiary(h, DAY) == head


def test_a_district_target_cannot_reach_outside_the_district(owner_cn):
    with pytest.raises(Refused) as e:
        Target(areas=("310101002",)).checked(owner_cn)
    assert e.value.field == "areas" and "不在" in e.value.message
    with pytest.raises(Refused):
        Target(age_min=70, age_max=60).checked(owner_cn)
    assert Target.from_json(Target(categories=("dibao",), age_min=60).to_json()) == Target(
        categories=("dibao",), age_min=60
    )
