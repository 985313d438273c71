"""Aid records are append-only, held by the database like the ledger (SPEC §4, §7): UPDATE and
DELETE of `aid_aidrecord` are refused (PostgreSQL also refuses TRUNCATE); a mistake is a
reversal record. `bangfu ledger verify` checks that these triggers are present
(funds/verify.py, GUARD_TRIGGERS).
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER aid_aidrecord_no_update BEFORE UPDATE ON aid_aidrecord
       BEGIN SELECT RAISE(ABORT, 'aid records are append-only'); END;""",
    """CREATE TRIGGER aid_aidrecord_no_delete BEFORE DELETE ON aid_aidrecord
       BEGIN SELECT RAISE(ABORT, 'aid records are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER aid_aidrecord_no_update;", "DROP TRIGGER aid_aidrecord_no_delete;"]

POSTGRES = [
    """CREATE FUNCTION aid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$;""",
    """CREATE TRIGGER aid_aidrecord_append_only BEFORE UPDATE OR DELETE ON aid_aidrecord
       FOR EACH ROW EXECUTE FUNCTION aid_append_only();""",
    """CREATE TRIGGER aid_aidrecord_no_truncate BEFORE TRUNCATE ON aid_aidrecord
       FOR EACH STATEMENT EXECUTE FUNCTION aid_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER aid_aidrecord_no_truncate ON aid_aidrecord;",
    "DROP TRIGGER aid_aidrecord_append_only ON aid_aidrecord;",
    "DROP FUNCTION aid_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        # No parameters: the PL/pgSQL body uses '%' in RAISE, which must not be read as a placeholder.
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
