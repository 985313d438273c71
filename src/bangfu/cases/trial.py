"""试算 for a household on file (policy's trial page): find it within the user's scope, and
read its facts on a day as the case procedure reads an applicant's (rules.py), so a trial
answers what an application that day would be told.

The head of the household stands for the applicant: its residency, its illness and work
capacity; the category and the year's prior aid are the household's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from bangfu.core.refusal import Refused
from bangfu.registry.models import Category, Household, Person
from bangfu.registry.selectors import household_category_on, household_head, household_search, households

from .rules import household_block, household_prior_aid

SHOWN = 10  # a search for a trial names one household; a few candidates are enough


@dataclass(frozen=True)
class Candidate:
    household: Household
    head_name: str
    category: str  # its label, today


def trial_households(*, user, q: str) -> list[Candidate]:
    """Households in scope whose file number or member's name begins with `q` (the registry's
    own search), the first few, with the head's name and today's category."""
    if not (q or "").strip():
        return []
    today = timezone.localdate()
    out = []
    for h in household_search(user=user, q=q)[:SHOWN]:
        head = household_head(h)
        out.append(
            Candidate(h, head.name if head else "（无户主）", Category(household_category_on(h, today)).label)
        )
    return out


def trial_household(*, user, pk) -> Household | None:
    """The household, if the user may see it; else None (the page says it was not found)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return households(user=user).select_related("street__parent").filter(pk=pk).first()


@dataclass(frozen=True)
class HouseholdFacts:
    district: str  # the code of the household's district
    household: dict  # the request's `household` block
    head: Person


def household_facts(household: Household, day: date) -> HouseholdFacts:
    head = household_head(household)
    if head is None:
        raise Refused("该家庭没有在册的户主，请先在家庭档案中补录。", code="invalid_input", field="household")
    block = household_block(
        head,
        category=household_category_on(household, day),
        prior=household_prior_aid(household.pk, day),
    )
    return HouseholdFacts(household.street.parent.code, block, head)
