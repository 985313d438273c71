"""Reads of aid records: what a household received (SPEC §4).

The year a record belongs to is the year of its `counts_on` day: for case aid the
application date of its case (长民发〔2016〕31号 三(四) counts a household's cases by the calendar
year of their application, as the case procedure always has: a case applied in December and
paid in January is aid of December's year), for the other forms the day of delivery.

A reversed record and its reversal cancel out: a reversed delivery is neither an event nor
money received. Callers that read for a user (the household file) have already read the
household through the user's scope (registry.selectors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, DateField, Exists, F, OuterRef, QuerySet, When

from bangfu.core.money import ZERO

from .models import AidForm, AidKind, AidRecord


@dataclass
class AidYear:
    """A household's aid in one calendar year: the events (deliveries not reversed), their
    value, and the records of the year (reversals included, in date order)."""

    events: int = 0
    total: Decimal = ZERO
    records: list[AidRecord] = field(default_factory=list)

    @property
    def standing(self) -> list[AidRecord]:
        """The deliveries of the year that stand: neither a reversal nor reversed."""
        return [r for r in self.records if r.reverses_id is None and not r.reversed]


def with_counts_on(qs: QuerySet) -> QuerySet:
    """`counts_on`: the day whose calendar year the record belongs to (see the module docstring)."""
    return qs.annotate(
        counts_on=Case(
            When(form=AidForm.CASE, then=F("case_payment__case__application_date")),
            default=F("date"),
            output_field=DateField(),
        )
    )


def aid_in_year(
    household_id: int,
    year: int,
    *,
    forms: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    exclude_case_id: int | None = None,
) -> AidYear:
    """The household's aid dated in `year`, of the given forms and kinds (all when None);
    `exclude_case_id`: leave out that case's payment (the case being judged)."""
    qs = with_counts_on(AidRecord.objects.filter(household_id=household_id)).filter(counts_on__year=year)
    if forms is not None:
        qs = qs.filter(form__in=list(forms))
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if exclude_case_id is not None:
        qs = qs.exclude(case_payment__case_id=exclude_case_id)
    records = list(
        qs.annotate(reversed=Exists(AidRecord.objects.filter(reverses=OuterRef("pk")))).order_by(
            "counts_on", "date", "pk"
        )
    )
    year_aid = AidYear(records=records)
    year_aid.events = len(year_aid.standing)
    year_aid.total = sum((r.value for r in year_aid.standing), ZERO)
    return year_aid


def year_by_form_and_kind(household_id: int, year: int) -> list[dict]:
    """The household file's table: per form and kind with aid in the year, the events and
    value (standing deliveries only), in the order of the choices."""
    year_aid = aid_in_year(household_id, year)
    cells: dict[tuple[str, str], dict] = {}
    for r in year_aid.standing:
        cell = cells.setdefault((r.form, r.kind), {"events": 0, "total": ZERO, "hours": None})
        cell["events"] += 1
        cell["total"] += r.value
        if r.hours is not None:
            cell["hours"] = (cell["hours"] or ZERO) + r.hours
    return [
        {
            "form": form,
            "form_label": form_label,
            "kind": kind,
            "kind_label": kind_label,
            **cells[(form, kind)],
        }
        for form, form_label in AidForm.choices
        for kind, kind_label in AidKind.choices
        if (form, kind) in cells
    ]


def case_payments_delivered(start: date, end: date) -> QuerySet:
    """The case payments delivered in [start, end]: their original records (a reversal later
    is a movement of its own period, as in the ledger), for the monthly report's case figures."""
    return AidRecord.objects.filter(form=AidForm.CASE, reverses=None, date__gte=start, date__lte=end)
