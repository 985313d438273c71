"""Finding a household: by file number, a member's name or an exact ID number; paging
without counting; no query per row."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.registry.conftest import member


def links(page: str, households) -> set:
    return {h.pk for h in households if f"/households/{h.pk}/" in page}


@pytest.fixture
def three(new_household):
    return [
        new_household("310105001", [member("张伟"), member("张小红", "child")]),
        new_household("310105001", [member("李明")]),
        new_household("310105001", [member("王张", "head")]),
    ]


def test_search_by_name_prefix_finds_any_member(cast, login, three):
    client = login(cast.intake_a)
    assert links(client.get("/households/", {"q": "张"}).content.decode(), three) == {three[0].pk}
    assert links(client.get("/households/", {"q": "张小"}).content.decode(), three) == {three[0].pk}
    assert links(client.get("/households/", {"q": "李明"}).content.decode(), three) == {three[1].pk}


def test_search_by_file_number_exact_and_prefix(cast, login, three):
    client = login(cast.intake_a)
    assert links(client.get("/households/", {"q": three[1].file_number}).content.decode(), three) == {
        three[1].pk
    }
    assert links(client.get("/households/", {"q": "310105001-"}).content.decode(), three) == {
        h.pk for h in three
    }


def test_search_by_exact_id_number_only(cast, login, three):
    client = login(cast.intake_a)
    number = three[1].members.get().id_number
    assert links(client.get("/households/", {"q": number}).content.decode(), three) == {three[1].pk}
    assert links(client.get("/households/", {"q": number.lower()}).content.decode(), three) == {three[1].pk}
    # A part of an ID number finds nothing: the number is only stored encrypted and hashed.
    assert links(client.get("/households/", {"q": number[:14]}).content.decode(), three) == set()


def test_filter_by_current_category(cast, login, system, three):
    from bangfu.registry import services

    services.category_add(actor=system, household=three[0], category="dibao", valid_from=date(2024, 1, 1))
    services.category_add(actor=system, household=three[1], category="dibao", valid_from=date(2020, 1, 1),
                          valid_to=date(2021, 1, 1))  # fmt: skip
    client = login(cast.intake_a)
    assert links(client.get("/households/", {"category": "dibao"}).content.decode(), three) == {three[0].pk}
    assert links(client.get("/households/", {"category": "other"}).content.decode(), three) == {
        three[1].pk,
        three[2].pk,
    }


def test_district_filters_by_street(cast, login, new_household):
    a, b = new_household("310105001"), new_household("310105002")
    client = login(cast.district_cn)
    page = client.get("/households/").content.decode()
    assert links(page, [a, b]) == {a.pk, b.pk} and 'name="street"' in page
    assert links(client.get("/households/", {"street": a.street_id}).content.decode(), [a, b]) == {a.pk}


def test_paging_shows_twenty_and_never_counts(cast, login, new_household):
    made = [new_household("310105001", [member(f"户{i}")]) for i in range(23)]
    client = login(cast.intake_a)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/households/").content.decode()
    assert len(links(first, made)) == 20 and "下一页" in first and "上一页" not in first
    assert not any(
        "COUNT(" in q["sql"].upper() and "registry_household" in q["sql"] for q in queries.captured_queries
    )
    second = client.get("/households/", {"page": 2}).content.decode()
    assert len(links(second, made)) == 3 and "下一页" not in second and "上一页" in second
    assert client.get("/households/", {"page": "x"}).status_code == 200


def test_list_page_makes_the_same_number_of_queries_for_5_or_20_rows(cast, login, new_household, system):
    from bangfu.registry import services

    def queries_for_list() -> int:
        client = login(cast.intake_a)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/households/")
        return len(ctx.captured_queries)

    for _ in range(5):
        services.category_add(actor=system, household=new_household("310105001"), category="dibao",
                              valid_from=date(2024, 1, 1))  # fmt: skip
    queries_for_list()  # the first request of a process loads the organisation tree once
    few = queries_for_list()
    for _ in range(15):
        new_household("310105001")
    assert queries_for_list() == few


@pytest.mark.postgres
def test_postgres_serves_each_kind_of_search_from_an_index(cast, household_a):
    """The name prefix, the file number prefix and the ID hash each have an index the planner can use."""
    from bangfu.registry.selectors import household_search

    head = household_a.members.get(relationship="head")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for q in ("张", "310105001-00", head.id_number):
            sql, params = household_search(user=cast.intake_a, q=q).query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, (q, plan)
        cursor.execute("SET enable_seqscan = on")
