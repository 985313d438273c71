"""For the migrations that change the ledger's tables after 0002 put its guards on them.

Not a migration (the loader skips modules starting with "_"): the guards' own SQL stays in
0002, and these helpers read it from there.

- On SQLite, Django rebuilds a table for some changes (a new table, the rows copied, the old
  table dropped, the new one renamed): the triggers on the old table go with it, and SQLite
  refuses the rename while a trigger on another table (the seal check on funds_transaction)
  names the table that is briefly missing. So a migration that changes the ledger's tables
  runs `lift_sqlite_guards` first and `reinstate_sqlite_guards` last, both ways (`around`):
  inside its own database transaction, so no other writer ever sees the tables unguarded, and
  every guard is back whatever Django did to the tables. (PostgreSQL alters tables in place and
  keeps their triggers.)
- `postings_writable` lets one migration update postings, which the guards refuse to anyone
  else: only a migration that must carry existing postings over to a new column may use it.
"""

import importlib
from contextlib import contextmanager

from django.db import migrations

_guards = importlib.import_module("bangfu.funds.migrations.0002_ledger_guards")


def _sqlite_trigger(name: str) -> str:
    (sql,) = [s for s in _guards.SQLITE if s.startswith(f"CREATE TRIGGER {name} ")]
    return sql


def lift_sqlite_guards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _guards.SQLITE_REVERSE:
        schema_editor.execute(sql.replace("DROP TRIGGER ", "DROP TRIGGER IF EXISTS ", 1), params=None)


def reinstate_sqlite_guards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in _guards.SQLITE:
        schema_editor.execute(sql.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1), params=None)


def around(operations: list) -> list:
    """The operations, with SQLite's guards lifted before them and put back after them, whichever
    way the migration runs."""
    return [
        migrations.RunPython(lift_sqlite_guards, reinstate_sqlite_guards),
        *operations,
        migrations.RunPython(reinstate_sqlite_guards, lift_sqlite_guards),
    ]


@contextmanager
def postings_writable(schema_editor):
    """Lift the no-update guard of the postings for the block, and put it back after it."""
    if schema_editor.connection.vendor == "postgresql":
        # ALTER TABLE refuses to run while trigger events are pending in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE funds_posting DISABLE TRIGGER funds_posting_append_only")
        yield
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE funds_posting ENABLE TRIGGER funds_posting_append_only")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS funds_posting_no_update")
        yield
        schema_editor.execute(_sqlite_trigger("funds_posting_no_update"), params=None)
