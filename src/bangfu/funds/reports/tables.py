"""The report pages' fund tables with their subtotals: by fund source, a 小计 for each fund kind
(福彩金, 财政配套, 捐赠 …) that has more than one source; by organisation, a 小计 of the streets
under the district's own row. The figures themselves are not changed: each subtotal is the sum of
the rows above it, and the table's 合计 stays the report's total."""

from __future__ import annotations

from decimal import Decimal

from bangfu.core.money import ZERO

from .figures import FUND_KEYS


def _subtotal(label: str, rows: list[dict]) -> dict:
    sums: dict[str, Decimal] = {k: sum((r[k] for r in rows), ZERO) for k in FUND_KEYS}
    return {"label": label, "subtotal": True, **sums}


def fund_rows_by_source(rows: list[dict]) -> list[dict]:
    """The sources grouped by their fund kind (in the order the kinds first occur, each source in
    its draw order within), a subtotal after every kind of two or more sources."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get("fund_kind") or "", []).append(row)
    out: list[dict] = []
    for kind, members in groups.items():
        out += members
        if kind and len(members) > 1:
            out.append(_subtotal(f"{kind}小计", members))
    return out


def fund_rows_by_org(rows: list[dict], street_codes: set[str]) -> list[dict]:
    """The district's own row, its streets and their subtotal, then any other organisation."""
    own = [r for r in rows[:1] if r["key"] not in street_codes]
    streets = [r for r in rows if r["key"] in street_codes]
    others = [r for r in rows[len(own) :] if r["key"] not in street_codes]
    subtotal = [_subtotal("街镇小计", streets)] if own and len(streets) > 1 else []
    return own + streets + subtotal + others


def report_tables(figures: dict) -> dict:
    funds = figures["funds"]
    street_codes = {r["key"] for r in figures["cases"].get("by_street", [])}
    tables = {
        "fund_by_source": fund_rows_by_source(funds["by_source"]),
        "fund_by_org": fund_rows_by_org(funds["by_org"], street_codes),
    }
    if "months" in figures:  # the annual inspection's monthly trend, and its year
        tables["months_total"] = {
            k: sum((m[k] for m in figures["months"]), ZERO) for k in ("in", "out", "aid")
        }
    return tables
