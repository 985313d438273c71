"""The case procedure's door to the policy engine (SPEC §6).

Builds the evaluation request from a case (category on the application date, residency of
the applicant, invoices, the household's earlier paid aid of the calendar year from the
database) and reads the parameters the procedure itself needs (street limit, annual caps,
panel size) from the policy version in force. The engine stays pure; the database reads
happen here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bangfu.aid import selectors as aid_selectors
from bangfu.aid.models import AMOUNT_KINDS
from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO
from bangfu.core.refusal import Refused
from bangfu.policy import selectors as policy_selectors
from bangfu.policy.engine import counted_forms, evaluate
from bangfu.registry.selectors import household_category_on

from .models import AidType, Case


@dataclass(frozen=True)
class Limit:
    value: object
    reference: str
    generally: bool  # 一般: may be exceeded with a written reason and district approval


@dataclass(frozen=True)
class CaseRules:
    policy_id: str
    street_limit: Limit
    max_events: Limit
    max_amount: Limit
    panel_min_members: Limit
    # The forms of aid (SPEC §4) each annual cap counts; every form when the version does not say.
    max_events_forms: frozenset
    max_amount_forms: frozenset


def district_code(case: Case) -> str:
    return case.street.parent.code


def rules_for(case: Case, *, book=None) -> CaseRules:
    """The procedure's parameters for the case; `book` (a loaded `policy_book()`) when many
    cases are read at once."""
    day = case.application_date
    book = book or policy_selectors.policy_book()
    ps = book.in_force(district_code(case), day)
    if ps is None:
        # No policy covers the application date: a refusal, never a zero (SPEC §6).
        raise Refused(
            f"{case.street.parent.name}在{cn_date(day)}没有生效的帮扶政策，无法办理。"
            "请核对申请日期，或由区帮扶组织发布适用的政策版本。",
            code="no_policy_in_force",
            field="application_date",
            status=422,
        )
    p = ps.at(day)

    def limit(name: str) -> Limit:
        return Limit(p[name].value, p[name].reference, p[name].generally)

    return CaseRules(
        policy_id=ps.code,
        street_limit=limit("approval.street_limit"),
        max_events=limit("annual.max_events"),
        max_amount=limit("annual.max_amount"),
        panel_min_members=limit("panel.min_members"),
        max_events_forms=counted_forms(p, "annual.max_events.forms"),
        max_amount_forms=counted_forms(p, "annual.max_amount.forms"),
    )


def lowest_annual_caps() -> tuple[int, Decimal]:
    """The lowest `annual.max_events` and `annual.max_amount` of any published version: a
    household-year within both is within the caps of every version (`ledger verify` reads
    only the household-years above them). (0, 0) when none is published: read them all.
    The names are exact: the `.forms` parameters below them are not caps."""
    from bangfu.policy.models import ParameterValue, Policy

    values = ParameterValue.objects.filter(
        policy__status=Policy.Status.PUBLISHED, name__in=("annual.max_events", "annual.max_amount")
    ).values_list("name", "value")
    events = [int(v) for n, v in values if n == "annual.max_events"]
    amounts = [Decimal(v) for n, v in values if n == "annual.max_amount"]
    return min(events, default=0), min(amounts, default=Decimal("0"))


def prior_aid(case: Case) -> list[dict]:
    """The household's earlier aid in the calendar year of the application (三(四)), other than
    this case's own payment."""
    return household_prior_aid(case.household_id, case.application_date, exclude_case_id=case.pk)


def household_prior_aid(household_id: int, day: date, *, exclude_case_id: int | None = None) -> list[dict]:
    """A household's aid in the calendar year of `day` (三(四)): every aid record that stands
    (SPEC §4), of every form — the engine counts each toward the caps its policy says."""
    year = aid_selectors.aid_in_year(household_id, day.year, exclude_case_id=exclude_case_id)
    # Dated by the day the record counts on (a case's application date, as the engine's
    # calendar year of the application counts cases). The amount is what counts toward an annual
    # amount: a service is an event of its form, and its value counts toward no amount.
    return [
        {
            "date": r.counts_on.isoformat(),
            "amount": f"{r.value if r.kind in AMOUNT_KINDS else ZERO:.2f}",
            "form": r.form,
        }
        for r in year.standing
    ]


def evaluation_request(case: Case) -> dict:
    """The SPEC §6 request for this case, from the database."""
    return request_for(
        case,
        category=str(household_category_on(case.household, case.application_date)),
        prior=prior_aid(case),
        invoices=case.invoices.all(),
    )


def request_for(case: Case, *, category: str, prior: list[dict], invoices) -> dict:
    """The SPEC §6 request for a case whose category, prior aid and invoices were read already.

    The one place a case becomes an engine request: the case page reads the three inputs for
    one case, the what-if (policy/whatif.py) for a whole period's cases at once.
    `case.street.parent` and `case.applicant.hukou_district` must be loaded or loadable.
    """
    applicant = case.applicant
    day: date = case.application_date
    request: dict = {
        "district": district_code(case),
        "application_date": day.isoformat(),
        "aid_type": case.aid_type,
        "household": household_block(applicant, category=category, prior=prior),
    }
    if case.aid_type == AidType.MEDICAL:
        request["medical"] = {
            "invoices": [
                {
                    "number": inv.number,
                    "date": inv.date.isoformat(),
                    "regular_hospital": inv.regular_hospital,
                    "fee_type": inv.fee_type,
                    "self_paid": f"{inv.self_paid:.2f}",
                }
                for inv in invoices
            ]
        }
    elif case.aid_type == AidType.INSURANCE_SUPPLEMENT:
        request["insurance_supplement"] = {
            "personal_share": f"{case.personal_share or Decimal('0'):.2f}",
            "serious_illness": applicant.serious_illness,
            "lost_work_capacity": applicant.lost_work_capacity,
        }
    elif case.aid_type == AidType.EMERGENCY:
        request["emergency"] = {
            "event": case.emergency_event,
            "casualty_or_major_loss": case.casualty_or_major_loss,
        }
    if case.requested_amount is not None:
        request["requested_amount"] = f"{case.requested_amount:.2f}"
    return request


def household_block(person, *, category: str, prior: list[dict]) -> dict:
    """The request's `household` block, the residency read from `person` (a case's applicant;
    for 试算 of a household on file, its head: cases/trial.py)."""
    if person.hukou_district_id is None:
        raise Refused(
            "申请人未登记户籍区，请先在家庭档案中补录。",
            code="invalid_input",
            field="household.hukou_district",
        )
    return {
        "category": category,
        "hukou_district": person.hukou_district.code,
        "resides_in_district": person.resides_in_district,
        "non_local_spouse_or_child": person.non_local_spouse_or_child,
        "prior_aid": prior,
    }


def propose(case: Case, *, amount: Decimal | None = None) -> dict:
    """The engine's answer for the case as it stands; `Refused` says what is missing.

    With `amount`, the engine judges that amount (as the requested amount): its reasons then
    say whether it exceeds a maximum and whether that maximum is a "generally" (一般) one.
    """
    request = evaluation_request(case)
    if amount is not None:
        request["requested_amount"] = f"{amount:.2f}"
    return evaluate(request, policy_selectors.policy_book())
