"""Households and cases for the case tests, built straight from the models (the registry's
services live in their own app); ID numbers are valid GB 11643 numbers."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from stdnum.cn import ric

from bangfu.audit.actor import Actor
from bangfu.core.crypto import lookup_hash
from bangfu.orgs.models import Organisation
from bangfu.registry.models import Household, HouseholdCategory, Person

_seq = itertools.count(1)
APPLIED_ON = date(2021, 3, 15)  # inside 长民发〔2016〕31号's validity (2016-07-01 to 2021-12-31)


def id_number(n: int) -> str:
    body = f"310105198001{n % 28 + 1:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def household(street_code: str = "310105001", category: str = "other", **extra) -> Household:
    n = next(_seq)
    street = Organisation.objects.get(code=street_code)
    h = Household.objects.create(
        file_number=f"T{street_code}{n:05d}", street=street, address=f"测试路{n}号", **extra
    )
    Person.objects.create(
        household=h, name=f"张{n}", id_number=(num := id_number(n)), id_hash=lookup_hash(num), sex="M",
        birth_date=date(1980, 1, 1), relationship="head", hukou_district=street.parent,
        serious_illness=True, lost_work_capacity=True,
    )  # fmt: skip
    if category != "other":
        HouseholdCategory.objects.create(household=h, category=category, valid_from=date(2016, 1, 1))
    return h


def case(
    user,
    h: Household | None = None,
    *,
    aid_type: str = "medical",
    invoices=((Decimal("10000.00"),),),
    **extra,
):
    from bangfu.cases import services

    h = h or household()
    c = services.case_create(
        actor=Actor.for_user(user, "test"), household=h, applicant=h.members.first(), aid_type=aid_type,
        application_date=extra.pop("application_date", APPLIED_ON), hardship="突发重病，医疗费用负担重。", **extra,
    )  # fmt: skip
    if aid_type == "medical":
        for (amount,) in invoices:
            n = next(_seq)
            services.invoice_add(
                actor=Actor.for_user(user, "test"), case=c, number=f"INV{n:06d}", hospital="长宁区中心医院",
                regular_hospital=True, date=date(2021, 1, 10), fee_type="treatment", total=amount,
                reimbursed=Decimal("0"), self_paid=amount,
            )  # fmt: skip
    return c


def fund_street(street_code: str = "310105001", amount: str = "100000.00", day: date = date(2021, 1, 1)):
    """Case money at the street (a fiscal matching receipt through the funds service): a case is
    paid only from what its street holds (SPEC §10). Dated before any test's payment."""
    from bangfu.funds import services as funds
    from bangfu.funds.models import FundSource

    actor = Actor.system("tests")
    source = FundSource.objects.filter(code="T-CZ").first() or funds.fund_source_create(
        actor=actor, code="T-CZ", name="测试财政配套", kind="fiscal_matching"
    )
    return funds.fiscal_matching_receive(
        actor=actor, org=Organisation.objects.get(code=street_code), source=source, amount=amount, day=day,
        memo="测试：街镇个案帮扶资金到账", idempotency_key=f"test-fund-{street_code}-{next(_seq)}",
    )  # fmt: skip


def approve(c, amount: Decimal | str, by=None):
    """The case approved as the procedure leaves it (state, amount and the transition), without
    walking every step: for tests whose subject is what comes after approval."""
    from bangfu.cases.models import Case, CaseState, Transition

    Case.objects.filter(pk=c.pk).update(state=CaseState.APPROVED, approved_amount=Decimal(amount))
    Transition.objects.create(
        case_id=c.pk, action="approve", from_state=c.state, to_state=CaseState.APPROVED, user=by,
        actor_label="测试", comment="测试：已审批",
    )  # fmt: skip
    return Case.objects.get(pk=c.pk)


def panel(street_code: str = "310105001", n: int = 7):
    from bangfu.cases.models import PanelMember

    street = Organisation.objects.get(code=street_code)
    kinds = [
        "cadre",
        "committee_cadre",
        "building_head",
        "volunteer",
        "resident",
        "resident",
        "cadre",
        "volunteer",
    ]
    return [
        PanelMember.objects.create(street=street, name=f"评审{i}", kind=kinds[i % len(kinds)])
        for i in range(n)
    ]
