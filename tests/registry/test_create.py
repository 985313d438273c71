"""Registering a household with its members in one go (建档立卡)."""

import re
from datetime import date

from bangfu.registry.models import Household, Person
from tests.registry.conftest import create_post, make_id, row_counts


def test_intake_registers_a_household_with_two_members(cast, login, org):
    head_id, spouse_id = make_id(birth="19650304", sex="M"), make_id(birth="19680710", sex="F")
    post = create_post(
        org("310105001"),
        [
            {"name": "刘建华", "id_number": head_id, "relationship": "head", "bank_name": "建设银行",
             "bank_account": "6217 0012 3456 7890", "serious_illness": True},
            {"name": "周美玲", "id_number": spouse_id, "relationship": "spouse"},
        ],
        category="dibao", category_from="2025-01-01",
    )  # fmt: skip
    response = login(cast.intake_a).post("/households/new/", post)
    household = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    assert re.fullmatch(r"310105001-\d{7}", household.file_number)
    head, spouse = household.members.order_by("pk")
    assert (head.name, head.sex, head.birth_date, head.relationship) == (
        "刘建华",
        "M",
        date(1965, 3, 4),
        "head",
    )
    assert (spouse.sex, spouse.birth_date) == ("F", date(1968, 7, 10))
    assert head.bank_account == "6217001234567890" and head.serious_illness
    assert household.categories.get().category == "dibao"
    assert household.created_by == cast.intake_a


def test_file_numbers_follow_each_street_without_gaps(new_household):
    first = new_household("310105001")
    second = new_household("310105001")
    other_street = new_household("310105002")
    assert first.file_number == "310105001-0000001"
    assert second.file_number == "310105001-0000002"
    assert other_street.file_number == "310105002-0000001"


def test_file_number_continues_from_the_counter(new_household, org):
    from bangfu.registry.models import FileNumberCounter

    # synth bulk-loads households and leaves the counter at its last number.
    FileNumberCounter.objects.create(street=org("310105001"), last=41)
    assert new_household("310105001").file_number == "310105001-0000042"


def test_add_member_without_javascript_adds_a_row_and_saves_nothing(cast, login, org):
    post = create_post(org("310105001"), [{"name": "甲", "id_number": make_id(), "relationship": "head"}])
    del post["save"]
    post["add_member"] = "1"
    response = login(cast.intake_a).post("/households/new/", post)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="m-1-name"' in page and 'value="甲"' in page
    assert "请填写" not in page  # a round trip is not a submission: no errors yet
    assert Household.objects.count() == 0


def test_a_blank_extra_member_row_is_ignored(cast, login, org):
    post = create_post(org("310105001"), [{"name": "甲", "id_number": make_id(), "relationship": "head"}, {}])
    assert login(cast.intake_a).post("/households/new/", post).status_code == 302
    assert Person.objects.count() == 1


def test_street_worker_cannot_register_in_another_street(cast, login, org):
    before = row_counts()
    post = create_post(org("310105002"), [{"name": "甲", "id_number": make_id(), "relationship": "head"}])
    response = login(cast.intake_a).post("/households/new/", post)
    assert response.status_code == 200
    assert "只能在您负责的街镇建档" in response.content.decode()
    assert row_counts() == before


def test_the_new_household_page_offers_the_one_street_without_asking(cast, login):
    page = login(cast.intake_a).get("/households/new/").content.decode()
    assert "华阳路街道" in page and 'name="street"' in page and '<select name="street"' not in page


def test_cli_has_a_migration_for_every_registry_model_change(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "registry", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
