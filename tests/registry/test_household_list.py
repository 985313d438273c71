"""The household list through core.listing: filters in the URL, sorting both ways, an unknown
sort ignored, paging that keeps the filters, and a scope no search crosses."""

import re

import pytest

from tests.registry.conftest import member

pytestmark = pytest.mark.django_db
URL = "/households/"


def shown(response) -> list[int]:
    return [h.pk for h in response.context["page"]]


@pytest.fixture
def files(new_household):
    from datetime import date

    a = new_household("310105001", [member("赵一")])
    b = new_household("310105001", [member("钱二")], categories=[{"category": "dibao", "valid_from": date(2020, 1, 1)}])
    other = new_household("310105002", [member("赵三")])
    return a, b, other


def test_search_filter_and_sort(cast, login, files):
    a, b, other = files
    client = login(cast.district_cn)
    assert shown(client.get(URL, {"q": "赵"})) == [other.pk, a.pk]
    assert shown(client.get(URL, {"q": "赵", "street": other.street_id})) == [other.pk]
    assert shown(client.get(URL, {"category": "dibao"})) == [b.pk]
    assert shown(client.get(URL, {"sort": "file_number"})) == [a.pk, b.pk, other.pk]
    assert shown(client.get(URL, {"sort": "-file_number"})) == [other.pk, b.pk, a.pk]
    assert shown(client.get(URL, {"sort": "-street"}))[0] == other.pk
    assert shown(client.get(URL, {"sort": "created"})) == [a.pk, b.pk, other.pk]
    html = client.get(URL, {"sort": "created", "category": "dibao"}).content.decode()
    assert 'aria-sort="ascending"' in html and "建档日期 ▲" in html
    assert 'href="?sort=-created&amp;category=dibao"' in html


@pytest.mark.parametrize("key", ["address", "-members__id_hash", "id_number"])
def test_an_unknown_sort_key_is_ignored(cast, login, files, key):
    a, b, other = files
    assert shown(login(cast.district_cn).get(URL, {"sort": key})) == [other.pk, b.pk, a.pk]


def test_paging_keeps_the_filters(cast, login, new_household):
    made = [new_household("310105001", [member(f"孙{i:02d}")]) for i in range(23)]
    new_household("310105001", [member("周某")])
    client = login(cast.intake_a)
    first = client.get(URL, {"q": "孙", "sort": "file_number"})
    link = re.search(r'href="\?([^"]*)">下一页', first.content.decode()).group(1).replace("&amp;", "&")
    assert set(link.split("&")) == {"q=孙".replace("孙", "%E5%AD%99"), "sort=file_number", "page=2"}
    second = client.get(f"{URL}?{link}")
    assert shown(first) + shown(second) == [h.pk for h in made]


def test_another_streets_files_never_appear_even_by_exact_id_number(cast, login, files):
    *_, other = files
    head = other.members.get()
    client = login(cast.intake_a)
    for q in (head.id_number, other.file_number, head.name):
        assert other.pk not in shown(client.get(URL, {"q": q}))
    assert other.pk not in shown(client.get(URL, {"street": other.street_id}))
    assert 'name="street"' not in client.get(URL).content.decode()
