"""A project batch item is the source of its aid record (SPEC §4), as a case payment is.

Adding the unique constraint rebuilds aid_aidrecord on SQLite, and its append-only triggers
(0002) go with the old table: they are dropped first and made again last, both ways, inside
the migration's transaction (PostgreSQL alters the table in place and keeps them).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_guards = importlib.import_module("bangfu.aid.migrations.0002_append_only")


def lift(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _guards.SQLITE_REVERSE:
            schema_editor.execute(sql.replace("DROP TRIGGER ", "DROP TRIGGER IF EXISTS ", 1), params=None)


def reinstate(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _guards.SQLITE:
            schema_editor.execute(
                sql.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1), params=None
            )


class Migration(migrations.Migration):
    dependencies = [
        ("aid", "0003_case_payment_records"),
        ("cases", "0006_case_list_newest_first_index"),
        ("funds", "0006_drop_text_refs"),
        ("orgs", "0004_security_admin"),
        ("projects", "0002_plans_enrolments_batches"),
        ("registry", "0002_list_indexes"),
    ]

    operations = [
        migrations.RunPython(lift, reinstate),
        migrations.AddField(
            model_name="aidrecord",
            name="project_item",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="aid_records",
                to="projects.batchitem",
                verbose_name="项目发放明细",
            ),
        ),
        migrations.AddConstraint(
            model_name="aidrecord",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reverses__isnull", True)),
                fields=("project_item",),
                name="aid_one_per_project_item",
            ),
        ),
        migrations.RunPython(reinstate, lift),
    ]
