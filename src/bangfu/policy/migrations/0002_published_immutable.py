"""Published policy versions never change: the database refuses it, not only the services.

UPDATE of a published version, and INSERT or UPDATE of a value of a published version, are
refused. DELETE is refused by the model and the services (not here: Django's test flush
deletes rows on SQLite).
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER policy_published_no_update BEFORE UPDATE ON policy_policy
        WHEN OLD.status = 'published'
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;""",
    """CREATE TRIGGER policy_value_published_no_insert BEFORE INSERT ON policy_parametervalue
        WHEN (SELECT status FROM policy_policy WHERE id = NEW.policy_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;""",
    """CREATE TRIGGER policy_value_published_no_update BEFORE UPDATE ON policy_parametervalue
        WHEN (SELECT status FROM policy_policy WHERE id = OLD.policy_id) = 'published'
          OR (SELECT status FROM policy_policy WHERE id = NEW.policy_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER policy_published_no_update;",
    "DROP TRIGGER policy_value_published_no_insert;",
    "DROP TRIGGER policy_value_published_no_update;",
]

POSTGRES = [
    """CREATE FUNCTION policy_published_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.status = 'published' THEN RAISE EXCEPTION 'published policy versions are immutable'; END IF;
          RETURN NEW;
        END; $$;""",
    """CREATE TRIGGER policy_published_no_update BEFORE UPDATE ON policy_policy
       FOR EACH ROW EXECUTE FUNCTION policy_published_no_update();""",
    """CREATE FUNCTION policy_value_published_no_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM policy_policy WHERE id = NEW.policy_id AND status = 'published')
             OR (TG_OP = 'UPDATE' AND EXISTS (
                 SELECT 1 FROM policy_policy WHERE id = OLD.policy_id AND status = 'published')) THEN
            RAISE EXCEPTION 'published policy versions are immutable';
          END IF;
          RETURN NEW;
        END; $$;""",
    """CREATE TRIGGER policy_value_published_no_change BEFORE INSERT OR UPDATE ON policy_parametervalue
       FOR EACH ROW EXECUTE FUNCTION policy_value_published_no_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER policy_value_published_no_change ON policy_parametervalue;",
    "DROP FUNCTION policy_value_published_no_change();",
    "DROP TRIGGER policy_published_no_update ON policy_policy;",
    "DROP FUNCTION policy_published_no_update();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
