"""The case list's default order across streets (a district's or the city's list): newest
application first, as `core.listing` sorts it (`application_date DESC NULLS LAST, id DESC`).

An index serves an ORDER BY only if its null placement matches, and `-application_date` in
`Meta.indexes` is `DESC NULLS FIRST`; SQLite cannot declare `NULLS LAST` in an index, so the
index is PostgreSQL's only and lives here rather than in `Case.Meta`. With it a district's first
page (11 streets, about 4,700 cases at 100,000) is read from the index's end, about 1,000 entries,
instead of sorting every case of the district: 4 ms instead of 33–94 ms (docs/bench.md).
"""

from django.db import migrations

INDEX = "case_applied_newest"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case (application_date DESC NULLS LAST, id DESC)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
