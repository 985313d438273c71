"""Rows written by the database from a query: `INSERT INTO … SELECT …`.

For the bulk paths that copy what a query already says (10,000 enrolments from the target
group, a batch's items from its enrolments): `bulk_create` builds a model instance per row,
prepares every value in Python, sends them back as parameters and, on PostgreSQL, reads every
new id back; none of that is needed when the rows' values are columns and constants of a query.
The ORM has no INSERT … SELECT, so this is the one place that spells it; the SELECT is the
ORM's own, compiled for the backend in use (PostgreSQL and SQLite).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value


def insert_from(model, rows: QuerySet, columns: dict[str, Any]) -> int:
    """Insert into `model`'s table one row per row of `rows`, with `columns`: `model`'s field
    names (a foreign key by its name) → an expression over `rows`' model, or a constant (sent as
    the field's own database value). Returns the number of rows written. Every column without a
    database default must be given: the ORM's Python-side defaults, `auto_now` included, are
    not applied here."""
    aliases = {
        f"_insert_{i}": value
        if hasattr(value, "resolve_expression")
        else Value(value, output_field=model._meta.get_field(name))
        for i, (name, value) in enumerate(columns.items())
    }
    select = rows.annotate(**aliases).values(*aliases)
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    sql, params = select.query.get_compiler(using=rows.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return cursor.rowcount
