"""The discovery list: households due for a visit, paged with the head's name, searched by file
number or the head's name, sorted, and kept to the street."""

import re

import pytest
from django.urls import reverse

from tests.cases import factories

pytestmark = pytest.mark.django_db
URL = reverse("discovery:discovery")


def due(response) -> list[int]:
    return [h.pk for h in response.context["due"]]


def test_the_due_list_pages_with_the_heads_name_and_keeps_its_filters(today, cast, login):
    made = [factories.household() for _ in range(23)]
    factories.household("310105002")
    client = login(cast.assessor_a)
    first = client.get(URL, {"sort": "file_number"})
    html = first.content.decode()
    assert due(first) == [h.pk for h in made[:20]]
    assert made[0].members.get().name in html and "户主" in html
    link = re.search(r'href="\?([^"]*)">下一页', html).group(1).replace("&amp;", "&")
    assert set(link.split("&")) == {"sort=file_number", "page=2"}
    assert due(client.get(f"{URL}?{link}")) == [h.pk for h in made[20:]]
    assert due(client.get(URL, {"sort": "-file_number"}))[0] == made[-1].pk
    assert due(client.get(URL, {"sort": "address"})) == due(client.get(URL))  # not a column: ignored


def test_the_due_list_searches_by_file_number_and_head_and_stays_in_the_street(today, cast, login):
    a, b = factories.household(), factories.household()
    other = factories.household("310105002")
    client = login(cast.assessor_a)
    assert due(client.get(URL, {"q": b.file_number})) == [b.pk]
    assert due(client.get(URL, {"q": a.members.get().name})) == [a.pk]
    assert due(client.get(URL, {"q": other.file_number})) == []
    assert due(client.get(URL, {"q": other.members.get().name})) == []
    assert due(client.get(URL, {"street": other.street_id})) == [a.pk, b.pk]  # not a choice: ignored
