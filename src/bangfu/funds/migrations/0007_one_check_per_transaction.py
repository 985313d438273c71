"""The check at COMMIT runs once per ledger transaction, not once per posting (PostgreSQL).

0002 put the deferred check (`funds_check_at_commit`: the transaction sums to zero and is sealed)
on every posting and on every transaction. Each call sums all of its transaction's postings, so
a transaction of n postings was checked n + 1 times over n postings: a project batch's delivery
of 10,000 items took twenty seconds at COMMIT for what one check does in milliseconds.

The posting's own check adds nothing: a posting goes only into an open transaction
(`funds_posting_open_transaction`), and no open transaction outlives the database transaction
that wrote it (the transaction's check at COMMIT refuses one left unsealed). So every posting
written belongs to a ledger transaction written in the same database transaction, whose own
deferred check runs at that COMMIT over all of its postings. SQLite checks at sealing, once per
transaction, and is left as it is.
"""

from django.db import migrations

POSTING_CHECK = """CREATE CONSTRAINT TRIGGER funds_posting_balanced AFTER INSERT ON funds_posting
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_check_at_commit();"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER funds_posting_balanced ON funds_posting;", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTING_CHECK, params=None)


class Migration(migrations.Migration):
    dependencies = [("funds", "0006_drop_text_refs")]
    operations = [migrations.RunPython(forwards, backwards)]
