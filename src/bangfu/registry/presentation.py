"""What a page, a printed form or an export shows of a person's birth (SPEC §10).

Digits 7–14 of an ID number are the birth date, and they are exactly the digits the mask
hides (`310105********1234`): beside the full birth date the mask hides nothing. So a
person's birth is shown as the year only, to everyone and everywhere, and the full date
comes only together with the full ID number, in the reveal that someone who may reveal
(`registry.reveal` at the household's street) asks for and that is logged. Showing the
full date to those who may reveal without that step would let them read the whole number
unlogged, which is what the log is for.

The year is shown rather than the age: an age turns over on the birthday, so whoever
watched a page from one day to the next would learn the date.

Everything that shows a person goes through `birth_shown` (the `{% birth %}` tag of
`registry_tags` on pages); `redact_birth_dates` does the same for stored snapshots, such
as audit rows written before the log kept the year only.
"""

from __future__ import annotations

from datetime import date

from bangfu.orgs.scope import has_perm_at


def birth_year(born: date | None) -> str:
    """1956年生"""
    return f"{born.year}年生" if born else "—"


def birth_full(born: date | None) -> str:
    """1956年3月12日"""
    return f"{born.year}年{born.month}月{born.day}日" if born else "—"


def may_see_birth_date(user, person, *, revealed: bool) -> bool:
    """Only within a reveal of this person's ID number, and only for someone who may reveal it
    at the household's street (the reveal view has checked and logged it; checked again here
    so that no page can show the date by passing `revealed` alone)."""
    return revealed and has_perm_at(user, "registry.reveal", person.household.street_id)


def birth_shown(user, person, *, revealed: bool = False) -> str:
    """The birth as this user may see it beside the masked ID number."""
    if may_see_birth_date(user, person, revealed=revealed):
        return birth_full(person.birth_date)
    return birth_year(person.birth_date)


def redact_birth_dates(value):
    """A stored snapshot (dict, list, scalar) with every `birth_date` cut to its year."""
    if isinstance(value, dict):
        return {
            ("birth_year" if k == "birth_date" else k): (
                _year_of(v) if k == "birth_date" else redact_birth_dates(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_birth_dates(v) for v in value]
    return value


def _year_of(value) -> int | None:
    if isinstance(value, date):
        return value.year
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None
