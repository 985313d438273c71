"""Writes of aid records (SPEC §4), called by the case procedure and the ledger inside their
own database transaction: a payment and its aid record, a reversal and its reversal record,
are written together or not at all.

Not audited on their own: each record follows from a ledger transaction that is (funds
`_post` writes its audit row in the same transaction), and says nothing that one does not.
"""

from __future__ import annotations

from django.db import transaction

from bangfu.funds.builders import first_aid_source
from bangfu.funds.models import Posting, Transaction

from . import builders
from .models import AidRecord


@transaction.atomic
def case_payment_record(*, payment_record, txn: Transaction) -> AidRecord:
    """The aid record of a case payment (cases.PaymentRecord) posted by `txn`; written once:
    a retried posting finds the record the first one wrote."""
    existing = AidRecord.objects.filter(case_payment_id=payment_record.payment_id, reverses=None).first()
    if existing is not None:
        return existing
    postings = Posting.objects.filter(transaction=txn).order_by("pk")
    row = builders.payment_record_row(
        payment_record, transaction_id=txn.pk, fund_source_id=first_aid_source(list(postings))
    )
    row.save()
    return row


@transaction.atomic
def reversal_records(*, original: Transaction, reversal: Transaction) -> list[AidRecord]:
    """The reversal records of every aid record `original` posted (not already reversed),
    posted by `reversal` and dated with it."""
    rows = [
        builders.reversal_row(r, transaction_id=reversal.pk, day=reversal.date)
        for r in AidRecord.objects.filter(ledger_transaction=original, reverses=None, reversed_by=None)
    ]
    for row in rows:
        row.save()
    return rows
