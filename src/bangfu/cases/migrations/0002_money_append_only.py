"""The case's money and its history, held by the database like the ledger (SPEC §5, §7):

- `cases_transition`: append-only, UPDATE and DELETE refused (every state change is kept);
- `cases_payment`: DELETE refused; the only UPDATE allowed records the signed receipt: each of
  `receipt_id`, `receipt_kind`, `receipt_at` may go once from empty (NULL, or '' for the kind)
  to a value, and then never changes; every other column stays as the payment wrote it;
- `cases_paymentrecord`: DELETE refused; the only UPDATE allowed marks it posted: each of
  `posted_at`, `ledger_reference` may go once from empty to a value (the ledger transaction
  refers to the record, so the record is written first and marked after the posting, in the
  same database transaction); every other column stays.

The receipt and the posted mark stay on their rows rather than in rows of their own: they are
read everywhere the payment is, and "set once from empty" is as strict as a new row (it
cannot be changed or withdrawn afterwards), with no join to keep in step.

PostgreSQL also refuses TRUNCATE of the three tables. `bangfu ledger verify` checks that these
triggers are present and enabled (funds/verify.py, GUARD_TRIGGERS).
"""

from django.db import migrations

PAYMENT_FIXED = ("id", "case_id", "amount", "method", "idempotency_key", "paid_by_id", "paid_at")
PAYMENT_ONCE = (("receipt_id", "NULL"), ("receipt_kind", "''"), ("receipt_at", "NULL"))
RECORD_FIXED = (
    "id", "event_id", "payment_id", "case_id", "household_id", "street_id", "amount", "aid_type", "category",
    "paid_on", "created_at",
)  # fmt: skip
RECORD_ONCE = (("posted_at", "NULL"), ("ledger_reference", "''"))


def _sqlite_only_once(fixed, once) -> str:
    """SQLite: true when an UPDATE keeps `fixed` and sets each `once` column at most once."""
    kept = [f"NEW.{c} IS OLD.{c}" for c in fixed]
    set_once = [f"(OLD.{c} IS {empty} OR NEW.{c} IS OLD.{c})" for c, empty in once]
    return " AND ".join(kept + set_once)


SQLITE = [
    """CREATE TRIGGER cases_transition_no_update BEFORE UPDATE ON cases_transition
       BEGIN SELECT RAISE(ABORT, 'case transitions are append-only'); END;""",
    """CREATE TRIGGER cases_transition_no_delete BEFORE DELETE ON cases_transition
       BEGIN SELECT RAISE(ABORT, 'case transitions are append-only'); END;""",
    f"""CREATE TRIGGER cases_payment_receipt_once BEFORE UPDATE ON cases_payment
       WHEN NOT ({_sqlite_only_once(PAYMENT_FIXED, PAYMENT_ONCE)})
       BEGIN SELECT RAISE(ABORT, 'case payments are append-only (only the receipt is recorded, once)'); END;""",
    """CREATE TRIGGER cases_payment_no_delete BEFORE DELETE ON cases_payment
       BEGIN SELECT RAISE(ABORT, 'case payments are append-only'); END;""",
    f"""CREATE TRIGGER cases_paymentrecord_posted_once BEFORE UPDATE ON cases_paymentrecord
       WHEN NOT ({_sqlite_only_once(RECORD_FIXED, RECORD_ONCE)})
       BEGIN SELECT RAISE(ABORT, 'payment records are append-only (only the posting is marked, once)'); END;""",
    """CREATE TRIGGER cases_paymentrecord_no_delete BEFORE DELETE ON cases_paymentrecord
       BEGIN SELECT RAISE(ABORT, 'payment records are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER cases_transition_no_update;",
    "DROP TRIGGER cases_transition_no_delete;",
    "DROP TRIGGER cases_payment_receipt_once;",
    "DROP TRIGGER cases_payment_no_delete;",
    "DROP TRIGGER cases_paymentrecord_posted_once;",
    "DROP TRIGGER cases_paymentrecord_no_delete;",
]

POSTGRES = [
    """CREATE FUNCTION cases_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$;""",
    # The trigger's arguments name the columns that may be set once from empty (NULL or '');
    # every other column must stay as it was.
    """CREATE FUNCTION cases_set_once() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE col text; old_row jsonb := to_jsonb(OLD); new_row jsonb := to_jsonb(NEW);
       BEGIN
         FOREACH col IN ARRAY TG_ARGV LOOP
           IF COALESCE(old_row ->> col, '') <> '' AND (new_row -> col) IS DISTINCT FROM (old_row -> col) THEN
             RAISE EXCEPTION '% is append-only: %.% is recorded once', TG_TABLE_NAME, TG_TABLE_NAME, col;
           END IF;
           old_row := old_row - col;
           new_row := new_row - col;
         END LOOP;
         IF new_row IS DISTINCT FROM old_row THEN
           RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
         END IF;
         RETURN NEW;
       END; $$;""",
    """CREATE TRIGGER cases_transition_append_only BEFORE UPDATE OR DELETE ON cases_transition
       FOR EACH ROW EXECUTE FUNCTION cases_append_only();""",
    """CREATE TRIGGER cases_transition_no_truncate BEFORE TRUNCATE ON cases_transition
       FOR EACH STATEMENT EXECUTE FUNCTION cases_append_only();""",
    """CREATE TRIGGER cases_payment_receipt_once BEFORE UPDATE ON cases_payment
       FOR EACH ROW EXECUTE FUNCTION cases_set_once('receipt_id', 'receipt_kind', 'receipt_at');""",
    """CREATE TRIGGER cases_payment_no_delete BEFORE DELETE ON cases_payment
       FOR EACH ROW EXECUTE FUNCTION cases_append_only();""",
    """CREATE TRIGGER cases_payment_no_truncate BEFORE TRUNCATE ON cases_payment
       FOR EACH STATEMENT EXECUTE FUNCTION cases_append_only();""",
    """CREATE TRIGGER cases_paymentrecord_posted_once BEFORE UPDATE ON cases_paymentrecord
       FOR EACH ROW EXECUTE FUNCTION cases_set_once('posted_at', 'ledger_reference');""",
    """CREATE TRIGGER cases_paymentrecord_no_delete BEFORE DELETE ON cases_paymentrecord
       FOR EACH ROW EXECUTE FUNCTION cases_append_only();""",
    """CREATE TRIGGER cases_paymentrecord_no_truncate BEFORE TRUNCATE ON cases_paymentrecord
       FOR EACH STATEMENT EXECUTE FUNCTION cases_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER cases_paymentrecord_no_truncate ON cases_paymentrecord;",
    "DROP TRIGGER cases_paymentrecord_no_delete ON cases_paymentrecord;",
    "DROP TRIGGER cases_paymentrecord_posted_once ON cases_paymentrecord;",
    "DROP TRIGGER cases_payment_no_truncate ON cases_payment;",
    "DROP TRIGGER cases_payment_no_delete ON cases_payment;",
    "DROP TRIGGER cases_payment_receipt_once ON cases_payment;",
    "DROP TRIGGER cases_transition_no_truncate ON cases_transition;",
    "DROP TRIGGER cases_transition_append_only ON cases_transition;",
    "DROP FUNCTION cases_set_once();",
    "DROP FUNCTION cases_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        # No parameters: the PL/pgSQL bodies use '%' in RAISE, which must not be read as a placeholder.
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
