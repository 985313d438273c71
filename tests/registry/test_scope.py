"""Scope crossing: a street worker reaching for another street's records, model by model.

Every attempt answers 404, whether through the other household's own URLs or by
putting another household's member or category under one's own household's URL.
"""

from tests.registry.conftest import row_counts


def test_street_worker_cannot_open_another_streets_household(cast, login, household_b):
    client = login(cast.intake_a)
    assert client.get(f"/households/{household_b.pk}/").status_code == 404
    assert client.get(f"/households/{household_b.pk}/edit/").status_code == 404
    assert client.post(f"/households/{household_b.pk}/edit/", {"address": "x"}).status_code == 404


def test_district_cannot_open_another_districts_household(cast, login, household_hp):
    assert login(cast.district_cn).get(f"/households/{household_hp.pk}/").status_code == 404


def test_person_of_another_street_is_404_through_either_household(cast, login, household_a, household_b):
    client = login(cast.intake_a)
    other = household_b.members.get()
    before = row_counts()
    for base in (f"/households/{household_b.pk}", f"/households/{household_a.pk}"):
        assert client.get(f"{base}/members/{other.pk}/edit/").status_code == 404
        assert (
            client.post(f"{base}/members/{other.pk}/edit/", {"name": "x", "relationship": "head"}).status_code
            == 404
        )
        assert client.post(f"{base}/members/{other.pk}/remove/", {"reason": "x"}).status_code == 404
    assert row_counts() == before


def test_means_of_another_streets_person_cannot_be_added(cast, login, household_a, household_b):
    client = login(cast.intake_a)
    other = household_b.members.get()
    before = row_counts()
    data = {"kind": "income", "amount": "100", "as_of": "2025-01-01"}
    for base in (f"/households/{household_b.pk}", f"/households/{household_a.pk}"):
        assert client.post(f"{base}/members/{other.pk}/means/new/", data).status_code == 404
    assert row_counts() == before


def test_category_of_another_street_is_404(cast, login, system, household_a, household_b):
    from datetime import date

    from bangfu.registry import services

    category = services.category_add(
        actor=system, household=household_b, category="dibao", valid_from=date(2025, 1, 1)
    )
    client = login(cast.intake_a)
    before = row_counts()
    assert client.post(f"/households/{household_b.pk}/categories/new/", {}).status_code == 404
    for base in (f"/households/{household_b.pk}", f"/households/{household_a.pk}"):
        assert (
            client.post(f"{base}/categories/{category.pk}/end/", {"valid_to": "2025-02-01"}).status_code
            == 404
        )
    assert row_counts() == before
    category.refresh_from_db()
    assert category.valid_to is None


def test_reveal_of_another_streets_person_is_404_and_not_logged(cast, login, household_a, household_b):
    from bangfu.audit.models import AuditEntry

    client = login(cast.intake_a)
    other = household_b.members.get()
    for base in (f"/households/{household_b.pk}", f"/households/{household_a.pk}"):
        response = client.post(f"{base}/members/{other.pk}/reveal/id_number/")
        assert response.status_code == 404
        assert other.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_merge_cannot_reach_another_streets_file(cast, login, household_a, household_b):
    client = login(cast.intake_a)
    assert client.get(f"/households/{household_b.pk}/merge/").status_code == 404
    response = client.post(
        f"/households/{household_a.pk}/merge/",
        {"duplicate": household_b.file_number, "reason": "同一家庭", "confirm": "1"},
    )
    page = response.content.decode()
    # Reads exactly like a number that does not exist: nothing about the other file leaks.
    assert response.status_code == 200 and "在您的职责范围内未找到该档案编号" in page
    assert "王强" not in page
    household_b.refresh_from_db()
    assert household_b.status == "active"


def test_search_never_returns_another_streets_household(cast, login, household_a, household_b):
    client = login(cast.intake_a)
    person = household_b.members.get()
    for q in (household_b.file_number, "王强", person.id_number):
        page = client.get("/households/", {"q": q}).content.decode()
        assert f"/households/{household_b.pk}/" not in page, q
        assert "没有找到" in page
