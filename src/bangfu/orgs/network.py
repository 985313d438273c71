"""Loading the default organisation tree from the shipped division list."""

import csv
from pathlib import Path

DIVISIONS_CSV = Path(__file__).parent / "data" / "shanghai_divisions_2023.csv"

BUREAU = ("SHMZJ", "上海市民政局")
FOUNDATION = ("SHBKHZ", "上海市帮困互助基金会")
GUANGMING = ("GMJT", "光明集团帮扶服务社")


def load_network(Organisation) -> int:
    """Create (or update by code) bureau, foundation, 17 district organisations and the streets.

    Takes the model class so that a data migration can pass its historical model.
    Returns the number of organisations in the tree.
    """
    bureau, _ = Organisation.objects.update_or_create(
        code=BUREAU[0], defaults={"name": BUREAU[1], "kind": "bureau", "parent": None}
    )
    foundation, _ = Organisation.objects.update_or_create(
        code=FOUNDATION[0], defaults={"name": FOUNDATION[1], "kind": "foundation", "parent": bureau}
    )
    Organisation.objects.update_or_create(
        code=GUANGMING[0], defaults={"name": GUANGMING[1], "kind": "district", "parent": foundation}
    )
    with DIVISIONS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    districts = {}
    for row in rows:
        if row["level"] == "district":
            districts[row["code"]], _ = Organisation.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": "district", "parent": foundation}
            )
    for row in rows:
        if row["level"] == "street":
            Organisation.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "kind": "street", "parent": districts[row["parent_code"]]},
            )
    return Organisation.objects.count()
