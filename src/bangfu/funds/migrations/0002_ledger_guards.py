"""The ledger's rules, held by the database itself, not only by the services (SPEC §7):

- postings are never updated or deleted (nor truncated on PostgreSQL);
- a transaction is inserted unsealed; the only change ever allowed to it is sealing it
  (sealed false → true, nothing else), and sealing checks that it has at least two postings
  and that they sum to zero within each fund source;
- no posting may be added to a sealed transaction, and a posting carries its transaction's date.

PostgreSQL also has deferred constraint triggers that check every transaction written in a
database transaction at COMMIT: at least two postings, zero per fund source, sealed. A
writer going around the services (raw SQL) cannot commit an unbalanced transaction.

SQLite has no deferred triggers: the seal check is its guard, and an unsealed (so unchecked)
transaction left by raw SQL is found by `bangfu ledger verify`. Amounts are summed in fen as
integers there, because SQLite keeps NUMERIC values as floating point.
"""

from django.db import migrations

TRANSACTION_COLUMNS = (
    "id", "kind", "date", "memo", "idempotency_key", "reverses_id", "agreement_id", "payment_record_id",
    "return_to_id", "returns_id", "counterparty", "created_by_id", "actor_label", "created_at",
)  # fmt: skip

_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in TRANSACTION_COLUMNS)

SQLITE = [
    """CREATE TRIGGER funds_posting_no_update BEFORE UPDATE ON funds_posting
       BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;""",
    """CREATE TRIGGER funds_posting_no_delete BEFORE DELETE ON funds_posting
       BEGIN SELECT RAISE(ABORT, 'ledger postings are append-only'); END;""",
    """CREATE TRIGGER funds_posting_open_transaction BEFORE INSERT ON funds_posting
       WHEN (SELECT sealed FROM funds_transaction WHERE id = NEW.transaction_id) IS NOT 0
         OR NEW.date IS NOT (SELECT date FROM funds_transaction WHERE id = NEW.transaction_id)
       BEGIN SELECT RAISE(ABORT, 'postings go only into an open transaction, on its date'); END;""",
    """CREATE TRIGGER funds_transaction_no_delete BEFORE DELETE ON funds_transaction
       BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only'); END;""",
    """CREATE TRIGGER funds_transaction_insert_open BEFORE INSERT ON funds_transaction
       WHEN NEW.sealed IS NOT 0
       BEGIN SELECT RAISE(ABORT, 'a ledger transaction is inserted open and sealed after its postings'); END;""",
    f"""CREATE TRIGGER funds_transaction_seal_only BEFORE UPDATE ON funds_transaction
       WHEN NOT (OLD.sealed = 0 AND NEW.sealed = 1 AND {_UNCHANGED})
       BEGIN SELECT RAISE(ABORT, 'ledger transactions are append-only (only sealing is allowed)'); END;""",
    """CREATE TRIGGER funds_transaction_seal_balanced BEFORE UPDATE OF sealed ON funds_transaction
       WHEN NEW.sealed = 1 AND (
         (SELECT COUNT(*) FROM funds_posting WHERE transaction_id = NEW.id) < 2
         OR EXISTS (SELECT 1 FROM funds_posting WHERE transaction_id = NEW.id
                    GROUP BY fund_source_id HAVING SUM(CAST(ROUND(amount * 100) AS INTEGER)) <> 0))
       BEGIN SELECT RAISE(ABORT, 'the postings of a transaction must sum to zero in each fund source'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER funds_posting_no_update;",
    "DROP TRIGGER funds_posting_no_delete;",
    "DROP TRIGGER funds_posting_open_transaction;",
    "DROP TRIGGER funds_transaction_no_delete;",
    "DROP TRIGGER funds_transaction_insert_open;",
    "DROP TRIGGER funds_transaction_seal_only;",
    "DROP TRIGGER funds_transaction_seal_balanced;",
]

POSTGRES = [
    """CREATE FUNCTION funds_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'ledger % is append-only', TG_TABLE_NAME; END; $$;""",
    # The problems of one transaction, or NULL when it is complete and balanced.
    """CREATE FUNCTION funds_transaction_problem(txn bigint) RETURNS text LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT COUNT(*) FROM funds_posting WHERE transaction_id = txn) < 2 THEN
           RETURN 'ledger transaction ' || txn || ' has fewer than two postings';
         END IF;
         IF EXISTS (SELECT 1 FROM funds_posting WHERE transaction_id = txn
                    GROUP BY fund_source_id HAVING SUM(amount) <> 0) THEN
           RETURN 'the postings of ledger transaction ' || txn || ' do not sum to zero in each fund source';
         END IF;
         RETURN NULL;
       END; $$;""",
    """CREATE FUNCTION funds_transaction_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE problem text;
       BEGIN
         IF TG_OP = 'INSERT' THEN
           IF NEW.sealed THEN
             RAISE EXCEPTION 'a ledger transaction is inserted open and sealed after its postings';
           END IF;
           RETURN NEW;
         END IF;
         IF OLD.sealed OR NOT NEW.sealed
            OR (to_jsonb(NEW) - 'sealed') IS DISTINCT FROM (to_jsonb(OLD) - 'sealed') THEN
           RAISE EXCEPTION 'ledger transactions are append-only (only sealing is allowed)';
         END IF;
         problem := funds_transaction_problem(NEW.id);
         IF problem IS NOT NULL THEN RAISE EXCEPTION '%', problem; END IF;
         RETURN NEW;
       END; $$;""",
    """CREATE FUNCTION funds_posting_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NOT EXISTS (SELECT 1 FROM funds_transaction
                        WHERE id = NEW.transaction_id AND NOT sealed AND date = NEW.date) THEN
           RAISE EXCEPTION 'postings go only into an open transaction, on its date';
         END IF;
         RETURN NEW;
       END; $$;""",
    # Runs at COMMIT for every posting and every transaction written.
    """CREATE FUNCTION funds_check_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE txn bigint; problem text;
       BEGIN
         IF TG_TABLE_NAME = 'funds_posting' THEN txn := NEW.transaction_id; ELSE txn := NEW.id; END IF;
         problem := funds_transaction_problem(txn);
         IF problem IS NULL AND NOT (SELECT sealed FROM funds_transaction WHERE id = txn) THEN
           problem := 'ledger transaction ' || txn || ' was not sealed';
         END IF;
         IF problem IS NOT NULL THEN RAISE EXCEPTION '%', problem; END IF;
         RETURN NULL;
       END; $$;""",
    """CREATE TRIGGER funds_posting_append_only BEFORE UPDATE OR DELETE ON funds_posting
       FOR EACH ROW EXECUTE FUNCTION funds_append_only();""",
    """CREATE TRIGGER funds_posting_no_truncate BEFORE TRUNCATE ON funds_posting
       FOR EACH STATEMENT EXECUTE FUNCTION funds_append_only();""",
    """CREATE TRIGGER funds_posting_open_transaction BEFORE INSERT ON funds_posting
       FOR EACH ROW EXECUTE FUNCTION funds_posting_guard();""",
    """CREATE TRIGGER funds_transaction_no_delete BEFORE DELETE ON funds_transaction
       FOR EACH ROW EXECUTE FUNCTION funds_append_only();""",
    """CREATE TRIGGER funds_transaction_no_truncate BEFORE TRUNCATE ON funds_transaction
       FOR EACH STATEMENT EXECUTE FUNCTION funds_append_only();""",
    """CREATE TRIGGER funds_transaction_seal_only BEFORE INSERT OR UPDATE ON funds_transaction
       FOR EACH ROW EXECUTE FUNCTION funds_transaction_guard();""",
    """CREATE CONSTRAINT TRIGGER funds_posting_balanced AFTER INSERT ON funds_posting
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_check_at_commit();""",
    """CREATE CONSTRAINT TRIGGER funds_transaction_balanced AFTER INSERT ON funds_transaction
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_check_at_commit();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER funds_transaction_balanced ON funds_transaction;",
    "DROP TRIGGER funds_posting_balanced ON funds_posting;",
    "DROP TRIGGER funds_transaction_seal_only ON funds_transaction;",
    "DROP TRIGGER funds_transaction_no_truncate ON funds_transaction;",
    "DROP TRIGGER funds_transaction_no_delete ON funds_transaction;",
    "DROP TRIGGER funds_posting_open_transaction ON funds_posting;",
    "DROP TRIGGER funds_posting_no_truncate ON funds_posting;",
    "DROP TRIGGER funds_posting_append_only ON funds_posting;",
    "DROP FUNCTION funds_check_at_commit();",
    "DROP FUNCTION funds_posting_guard();",
    "DROP FUNCTION funds_transaction_guard();",
    "DROP FUNCTION funds_transaction_problem(bigint);",
    "DROP FUNCTION funds_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        # No parameters: the PL/pgSQL bodies use '%' in RAISE, which must not be read as a placeholder.
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        # No parameters: the PL/pgSQL bodies use '%' in RAISE, which must not be read as a placeholder.
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
