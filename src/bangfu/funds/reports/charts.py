"""What the report screens' charts draw (`funds/static/funds/report_charts.js`)."""

from __future__ import annotations

from .snapshot import to_json


def chart_data(figures: dict) -> dict:
    """What the screen's charts draw (numbers as strings: no float is made here)."""
    f = to_json(figures)
    cases, funds = f["cases"], f["funds"]
    return {
        "aid_type": {"labels": [r["label"] for r in cases["by_aid_type"]],
                     "amounts": [r["amount"] for r in cases["by_aid_type"]],
                     "cases": [r["cases"] for r in cases["by_aid_type"]]},
        "category": {"labels": [r["label"] for r in cases["by_category"]],
                     "amounts": [r["amount"] for r in cases["by_category"]]},
        "source": {"labels": [r["label"] for r in funds["by_source"]],
                   "receipts": [r["receipts"] for r in funds["by_source"]],
                   "payments": [r["payments"] for r in funds["by_source"]],
                   "closing": [r["closing"] for r in funds["by_source"]]},
        "street": {"labels": [r["label"] for r in cases["by_street"]],
                   "amounts": [r["amount"] for r in cases["by_street"]]},
        "months": f.get("months"),
    }  # fmt: skip
