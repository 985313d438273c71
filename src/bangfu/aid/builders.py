"""The one place an aid record's fields are decided (SPEC §4): row builders returning unsaved
`AidRecord`s, used by the services (one payment at a time, in its transaction) and by the
bulk writers of synthetic and demo data (`bulk_create` of many rows).

Migration aid/0003 copies `case_payment_row`'s mapping (migrations cannot import live
models): change both together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .models import AidForm, AidKind, AidRecord


def case_payment_row(
    *,
    payment_id: int,
    household_id: int,
    person_id: int | None,
    street_id: int,
    amount: Decimal,
    day: date,
    transaction_id: int,
    fund_source_id: int | None,
) -> AidRecord:
    """A case payment (个案帮扶, money): delivered by the case's street on the day it was paid,
    for the payment's amount, posted by its ledger transaction."""
    return AidRecord(
        household_id=household_id,
        person_id=person_id,
        form=AidForm.CASE,
        kind=AidKind.MONEY,
        value=amount,
        date=day,
        organisation_id=street_id,
        fund_source_id=fund_source_id,
        ledger_transaction_id=transaction_id,
        case_payment_id=payment_id,
    )


def payment_record_row(record, *, transaction_id: int, fund_source_id: int | None) -> AidRecord:
    """The aid record of a case payment's hand-over row (`cases.PaymentRecord`, case loaded)
    posted by its ledger transaction; the fund source named is the one the payment drew on
    first (`funds.builders.first_aid_source`)."""
    return case_payment_row(
        payment_id=record.payment_id,
        household_id=record.household_id,
        person_id=record.case.applicant_id,
        street_id=record.street_id,
        amount=record.amount,
        day=record.paid_on,
        transaction_id=transaction_id,
        fund_source_id=fund_source_id,
    )


def project_item_row(
    item, *, project, street_id: int, transaction_id: int | None, fund_source_id: int | None
) -> AidRecord:
    """A delivered project batch item (项目帮扶): money at its amount (posted by the batch's
    delivery transaction), goods at their value, a service with its hours and value; delivered
    by the household's street on the item's delivery day. `item` a `projects.BatchItem`."""
    return AidRecord(
        household_id=item.household_id,
        person_id=item.person_id,
        form=AidForm.PROJECT,
        kind=item.kind,
        value=item.value,
        hours=item.hours if item.kind == AidKind.SERVICE else None,
        date=item.delivered_on,
        organisation_id=street_id,
        fund_source_id=fund_source_id,
        ledger_transaction_id=transaction_id if item.kind == AidKind.MONEY else None,
        project_item_id=item.pk,
    )


def reversal_row(original: AidRecord, *, transaction_id: int | None, day: date) -> AidRecord:
    """The record undoing `original`: the same delivery with the value negated, dated and
    posted by the reversal."""
    return AidRecord(
        household_id=original.household_id,
        person_id=original.person_id,
        form=original.form,
        kind=original.kind,
        value=-original.value,
        hours=None if original.hours is None else -original.hours,
        date=day,
        organisation_id=original.organisation_id,
        fund_source_id=original.fund_source_id,
        ledger_transaction_id=transaction_id,
        case_payment_id=original.case_payment_id,
        project_item_id=original.project_item_id,
        reverses=original,
    )
