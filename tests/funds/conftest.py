"""A small fund world: the lottery source, an agreement with 长宁区, money allocated down to
华阳路街道 (310105001), and the helpers the fund tests share."""

import itertools
import uuid
from datetime import date
from decimal import Decimal

import pytest

from bangfu.audit.actor import Actor
from bangfu.funds import services

_keys = itertools.count(1)
STREET = "310105001"  # 长宁区 华阳路街道
OTHER_STREET = "310105002"  # 长宁区 江苏路街道
DISTRICT = "310105"


def key() -> str:
    return f"test-{next(_keys)}-{uuid.uuid4().hex[:8]}"


def D(text: str) -> Decimal:
    return Decimal(text)


def as_(user) -> Actor:
    return Actor.for_user(user, "test")


def project(code: str, owner: str = "SHBKHZ"):
    """The project of that code (registered by the foundation the first time it is named)."""
    from bangfu.orgs.models import Organisation
    from bangfu.projects.models import Project
    from bangfu.projects.services import project_create

    return Project.objects.filter(code=code).first() or project_create(
        actor=Actor.system("tests"),
        code=code,
        title=f"{code} 帮扶项目",
        owner=Organisation.objects.get(code=owner),
    )


def plan(code: str):
    """The specific-aid plan of that code, of a department under the bureau (made the first time)."""
    from bangfu.orgs.models import Organisation
    from bangfu.specific.models import Plan
    from bangfu.specific.services import plan_create

    department, _ = Organisation.objects.get_or_create(
        code="D-PLAN",
        defaults={"name": "某委员会", "kind": "department", "parent": Organisation.objects.get(code="SHMZJ")},
    )
    return Plan.objects.filter(code=code).first() or plan_create(
        actor=Actor.system("tests"), code=code, title=f"{code} 特定帮扶计划", department=department
    )


@pytest.fixture
def sources(cast):
    """One source of each kind, made by the foundation."""
    a = as_(cast.foundation)
    make = services.fund_source_create
    return type(
        "Sources",
        (),
        {
            "lottery": make(actor=a, code="FC", name="市级福彩金", kind="lottery", draw_order=20),
            "fiscal": make(actor=a, code="CZ-CN", name="长宁区财政配套", kind="fiscal_matching", draw_order=10),
            "directed": make(
                actor=a, code="DX-1", name="某公司定向捐赠", kind="donation_directed", donor="某公司",
                purpose="大重病医疗帮扶", draw_order=30,
            ),
            "undirected": make(
                actor=a, code="FDX", name="非定向捐赠", kind="donation_undirected", donor="社会各界", draw_order=40
            ),
            "enterprise": make(
                actor=a, code="QY-1", name="某集团助学项目资助", kind="enterprise", project=project("P-2025-01")
            ),
            "department": make(
                actor=a, code="BM-1", name="某委特定帮扶经费", kind="department", plan=plan("PLAN-7")
            ),
        },
    )  # fmt: skip


@pytest.fixture
def agreement(cast, org, sources):
    a = services.agreement_create(
        actor=as_(cast.foundation), district=org(DISTRICT), number="XY-2021-CN", amount="600000.00",
        valid_from=date(2021, 1, 1), valid_to=date(2021, 12, 31), duties="区帮扶组织负责综合帮扶资金的管理和发放。",
        reporting="每月填报业务及资金使用报表。",
    )  # fmt: skip
    return services.agreement_sign(actor=as_(cast.foundation), agreement=a, signed_on=date(2021, 1, 2))


@pytest.fixture
def funded(cast, org, sources, agreement):
    """Lottery money: 1,000,000 at the foundation, 500,000 to 长宁区, 200,000 on to 华阳路街道."""
    services.lottery_funds_receive(
        actor=as_(cast.foundation_fin), source=sources.lottery, amount="1000000.00", day=date(2021, 1, 5),
        memo="2021年福彩金到账", idempotency_key=key(),
    )  # fmt: skip
    services.allocation_make(
        actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=sources.lottery,
        amount="500000.00", day=date(2021, 1, 10), memo="一季度下拨", idempotency_key=key(),
    )  # fmt: skip
    services.allocation_make(
        actor=as_(cast.finance_cn), agreement=agreement, to_org=org(STREET), source=sources.lottery,
        amount="200000.00", day=date(2021, 1, 15), memo="下拨华阳路街道", idempotency_key=key(),
    )  # fmt: skip
    return sources


@pytest.fixture
def donations_used_2021(sources, cast, org, agreement):
    """华阳路街道 in 2021 (长民发〔2016〕31号 in force): 40,000 of directed and 20,000 of
    non-directed donation money used, both having come down from the foundation."""
    street = org(STREET)
    for source, amount, used in [
        (sources.directed, "100000.00", "40000.00"),
        (sources.undirected, "50000.00", "20000.00"),
    ]:
        services.donation_receive(
            actor=as_(cast.foundation_fin), org=org("SHBKHZ"), source=source, donor=source.donor, amount=amount,
            day=date(2021, 3, 1), memo="捐赠到账", idempotency_key=key(),
        )  # fmt: skip
        services.allocation_make(
            actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=source, amount=amount,
            day=date(2021, 3, 2), memo="下拨", idempotency_key=key(),
        )  # fmt: skip
        services.allocation_make(
            actor=as_(cast.finance_cn), agreement=agreement, to_org=street, source=source, amount=amount,
            day=date(2021, 3, 3), memo="下拨", idempotency_key=key(),
        )  # fmt: skip
        services.aid_pay(
            actor=as_(cast.finance_cn), org=street, source=source, amount=used, day=date(2021, 4, 1),
            memo="项目帮扶发放", idempotency_key=key(), project=project("P-CN-1"),
        )  # fmt: skip
    return sources


def paid_case(cast, amount: str = "4000.00"):
    """A case of 华阳路街道 paid through the case procedure (posted with its payment, so the
    street must hold the money); returns its PaymentRecord."""
    from bangfu.cases import services as case_services
    from tests.cases import factories

    c = factories.approve(factories.case(cast.intake_a), amount)
    payment = case_services.case_pay(
        case=c, actor=as_(cast.cashier_a), method="cash", idempotency_key=uuid.uuid4()
    )
    return payment.record


def unposted_case(cast, amount: str = "4000.00"):
    """A payment as an earlier version left it: the case paid and its record written, the
    posting left to the background, and not made (the street had no money then). Written
    straight into the tables, rows the append-only guards let in (inserts only)."""
    from django.utils import timezone

    from bangfu.cases.models import Case, CaseState, Payment, PaymentRecord, Transition
    from tests.cases import factories

    c = factories.approve(factories.case(cast.intake_a), amount)
    payment = Payment.objects.create(
        case=c, amount=c.approved_amount, method="cash", idempotency_key=uuid.uuid4(), paid_by=cast.cashier_a
    )
    Case.objects.filter(pk=c.pk).update(state=CaseState.PAID)
    Transition.objects.create(
        case=c, action="pay", from_state=CaseState.APPROVED, to_state=CaseState.PAID, user=cast.cashier_a,
        actor_label="cashier_a",
    )  # fmt: skip
    return PaymentRecord.objects.create(
        payment=payment, case=c, household_id=c.household_id, street_id=c.street_id, amount=payment.amount,
        aid_type=c.aid_type, category="other", paid_on=timezone.localdate(),
    )  # fmt: skip
