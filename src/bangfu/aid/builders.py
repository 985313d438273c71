"""The one place an aid record's fields are decided (SPEC §4): row builders returning unsaved
`AidRecord`s, used by the services (one payment at a time, in its transaction) and by the
bulk writers of synthetic and demo data (`bulk_create` of many rows); a project batch's records
are written by the database from its items (`project_items_delivered`).

Migration aid/0003 copies `case_payment_row`'s mapping (migrations cannot import live
models): change both together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from bangfu.core.bulk import insert_from

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


def project_items_delivered(items, *, transaction_id: int | None, fund_source_id: int | None) -> int:
    """The aid records of delivered project batch items (项目帮扶), one per item of `items` (a
    `projects.BatchItem` queryset, their delivery day set): money at its amount (posted by the
    batch's delivery transaction), goods at their value, a service with its hours and value;
    delivered by the household's street on the item's delivery day. Written by the database
    from the items' rows (`insert_from`: a batch is thousands of items); the records written."""
    return insert_from(
        AidRecord,
        items.order_by("pk"),
        {
            "household": F("household_id"),
            "person": F("person_id"),
            "form": AidForm.PROJECT,
            "kind": F("kind"),
            "value": F("value"),
            "hours": Case(When(kind=AidKind.SERVICE, then=F("hours")), default=None),
            "date": F("delivered_on"),
            "organisation": F("household__street_id"),
            "fund_source": fund_source_id,
            # Only money is posted (with no transaction, a plain NULL: PostgreSQL types a CASE
            # of NULLs as text).
            "ledger_transaction": None
            if transaction_id is None
            else Case(When(kind=AidKind.MONEY, then=Value(transaction_id, output_field=BigIntegerField()))),
            "project_item": F("pk"),
            "created_at": timezone.now(),
        },
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
