"""The default organisation tree is the real 2023 division list (SPEC §1)."""

import csv

from bangfu.orgs.models import Organisation
from bangfu.orgs.network import DIVISIONS_CSV


def test_network_has_1_plus_17_plus_streets(db):
    kinds = {
        k: Organisation.objects.filter(kind=k).count() for k in ("bureau", "foundation", "district", "street")
    }
    assert kinds == {"bureau": 1, "foundation": 1, "district": 17, "street": 215}


def test_every_street_of_the_division_list_is_under_its_district(db):
    with DIVISIONS_CSV.open(encoding="utf-8") as f:
        streets = [r for r in csv.DictReader(f) if r["level"] == "street"]
    by_code = {o.code: o for o in Organisation.objects.select_related("parent")}
    for row in streets:
        assert by_code[row["code"]].name == row["name"]
        assert by_code[row["code"]].parent.code == row["parent_code"]


def test_guangming_is_the_seventeenth_district_organisation(db):
    gm = Organisation.objects.get(code="GMJT")
    assert gm.kind == "district" and gm.parent.kind == "foundation"


def test_development_zones_are_not_streets(db):
    # 漕河泾新兴技术开发区 (310104501) is listed by the Bureau beside streets, but is no working group.
    assert not Organisation.objects.filter(code="310104501").exists()
    assert not Organisation.objects.filter(name__contains="农场").exists()
