"""Statements over many rows: ids sent as one parameter (`one_of`), rows written by the
database from a query (`insert_from`, `INSERT INTO … SELECT …`).

`one_of`: a filter on thousands of ids as `pk__in=[…]` sends one parameter per id, and the
driver's splicing of 5,000 placeholders into the statement took longer than the database's
answer; one array (PostgreSQL) or one JSON list (SQLite) is one parameter whatever the count.

For the bulk paths that copy what a query already says (10,000 enrolments from the target
group, a batch's items from its enrolments): `bulk_create` builds a model instance per row,
prepares every value in Python, sends them back as parameters and, on PostgreSQL, reads every
new id back; none of that is needed when the rows' values are columns and constants of a query.
The ORM has no INSERT … SELECT, so this is the one place that spells it; the SELECT is the
ORM's own, compiled for the backend in use (PostgreSQL and SQLite).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import F, Lookup, QuerySet, Value


class _OneOf(Lookup):
    """`lhs` is one of a list of integer ids, the list sent as one parameter."""

    lookup_name = "one_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):  # SQLite: json_each is JSON1's, built in since 3.38
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.rhs)]  # noqa: S608 - lhs is a compiled column

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, self.rhs]


def one_of(field: str, ids: Iterable[int]) -> _OneOf:
    """A filter: `field` (an id column, `pk` or a foreign key's `…_id`) is one of `ids`, sent
    as one parameter: `qs.filter(one_of("household_id", ids))`."""
    return _OneOf(F(field), [int(i) for i in ids])


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
