"""An aid record for every case payment already posted to the ledger, and a reversal record
for each of those whose ledger transaction was reversed (SPEC §4: the aid record is the one
answer to "what did this household receive", so the payments made before it existed join it).

Historical models only: the mapping of `bangfu.aid.builders.case_payment_row` and
`reversal_row` is copied here (a migration must not import live models); keep them alike.
Running it twice writes nothing the second time (payments with a record are skipped).
"""

from django.db import migrations


def write_case_payment_records(apps, schema_editor):
    AidRecord = apps.get_model("aid", "AidRecord")
    Transaction = apps.get_model("funds", "Transaction")
    Posting = apps.get_model("funds", "Posting")
    done = set(
        AidRecord.objects.filter(case_payment__isnull=False, reverses=None).values_list(
            "case_payment_id", flat=True
        )
    )
    txns = (
        Transaction.objects.filter(payment_record__isnull=False)
        .select_related("payment_record__case")
        .order_by("pk")
    )
    originals = []
    for txn in txns.iterator(chunk_size=2000):
        record = txn.payment_record
        if record.payment_id in done:
            continue
        first_source = (
            Posting.objects.filter(transaction_id=txn.pk, account="aid")
            .order_by("pk")
            .values_list("fund_source_id", flat=True)
            .first()
        )
        originals.append(
            AidRecord(
                household_id=record.household_id,
                person_id=record.case.applicant_id,
                form="case",
                kind="money",
                value=record.amount,
                date=record.paid_on,
                organisation_id=record.street_id,
                fund_source_id=first_source,
                ledger_transaction_id=txn.pk,
                case_payment_id=record.payment_id,
            )
        )
    AidRecord.objects.bulk_create(originals, batch_size=2000)
    # Reversals: every standing record whose ledger transaction has been reversed.
    reversals = []
    standing = AidRecord.objects.filter(
        reverses=None, reversed_by=None, ledger_transaction__reversed_by__isnull=False
    )
    for r in (
        standing.select_related("ledger_transaction__reversed_by").order_by("pk").iterator(chunk_size=2000)
    ):
        rev = r.ledger_transaction.reversed_by
        reversals.append(
            AidRecord(
                household_id=r.household_id,
                person_id=r.person_id,
                form=r.form,
                kind=r.kind,
                value=-r.value,
                hours=None if r.hours is None else -r.hours,
                date=rev.date,
                organisation_id=r.organisation_id,
                fund_source_id=r.fund_source_id,
                ledger_transaction_id=rev.pk,
                case_payment_id=r.case_payment_id,
                reverses_id=r.pk,
            )
        )
    AidRecord.objects.bulk_create(reversals, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("aid", "0002_append_only")]
    # Backwards leaves the records: they are append-only (the rows go with the table when
    # 0001 is unapplied).
    operations = [migrations.RunPython(write_case_payment_records, migrations.RunPython.noop)]
