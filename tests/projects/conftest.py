"""Project aid's test world: the lottery fund at the foundation, a district's own money for its
plan, and plans made directly as rows in a given state (so each part of the procedure is tested
on its own; the filing tests make them through the pages)."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from bangfu.audit.actor import Actor
from bangfu.funds import services as funds
from bangfu.orgs.models import Organisation
from bangfu.projects.models import PlanState, Project

FOUNDATION = "SHBKHZ"
DISTRICT = "310105"  # 长宁区
STREET = "310105001"  # 长宁区 华阳路街道
OTHER_STREET = "310105002"  # 长宁区 江苏路街道
OTHER_DISTRICT = "310101"  # 黄浦区

_n = itertools.count(1)


def key() -> str:
    return f"projects-test-{next(_n)}"


def as_(user) -> Actor:
    return Actor.for_user(user, "test")


def make_plan(
    *,
    owner: str = FOUNDATION,
    state: str = PlanState.FILED,
    aid_kind: str = "money",
    unit_value: str = "1000.00",
    budget: str = "100000.00",
    target: dict | None = None,
    fund_source=None,
    hours: str | None = None,
    item: str = "",
    period: tuple[date, date] = (date(2026, 1, 1), date(2026, 12, 31)),
    target_households: int = 100,
    **extra,
) -> Project:
    """A plan as a row, in `state` (filed: with a filing number)."""
    n = next(_n)
    filed = state in (PlanState.FILED, PlanState.CLOSED)
    return Project.objects.create(
        code=f"XM-T{n:03d}",
        title=f"测试项目{n}",
        owner=Organisation.objects.get(code=owner),
        purpose="为符合条件的困难家庭提供阶段性帮扶。",
        target=target or {},
        aid_kind=aid_kind,
        unit_value=Decimal(unit_value),
        item=item,
        hours=None if hours is None else Decimal(hours),
        budget=Decimal(budget),
        fund_source=fund_source,
        period_start=period[0],
        period_end=period[1],
        target_households=target_households,
        state=state,
        filing_number=f"沪帮备〔2026〕{n}号" if filed else "",
        **extra,
    )


@pytest.fixture
def lottery(cast):
    """The city lottery fund: 1,000,000 received at the foundation on 5 January 2026."""
    source = funds.fund_source_create(
        actor=as_(cast.foundation), code="FC", name="市级福彩金", kind="lottery", draw_order=20
    )
    funds.lottery_funds_receive(
        actor=as_(cast.foundation_fin), source=source, amount="1000000.00", day=date(2026, 1, 5),
        memo="2026年福彩金到账", idempotency_key=key(),
    )  # fmt: skip
    return source


@pytest.fixture
def district_money(cast):
    """长宁区's fiscal matching money, 200,000 received at the district on 6 January 2026."""
    source = funds.fund_source_create(
        actor=as_(cast.foundation), code="CZ-CN", name="长宁区财政配套", kind="fiscal_matching", draw_order=10
    )
    funds.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=Organisation.objects.get(code=DISTRICT), source=source,
        amount="200000.00", day=date(2026, 1, 6), memo="区财政配套到账", idempotency_key=key(),
    )  # fmt: skip
    return source


def changning_version(cast, *, code: str, valid_from: date, valid_to: date, values: tuple = ()):
    """A 长宁区 version copied from changning-2016 (its caps, 三(四)), `values` (name, value) set
    from its first day, drafted by district finance and published by the district approver."""
    from bangfu.policy import services as policy_services
    from bangfu.policy.models import Policy

    draft = policy_services.policy_draft_create(
        actor=as_(cast.finance_cn), district=Organisation.objects.get(code=DISTRICT), code=code,
        title=f"长宁区综合帮扶实施意见（{valid_from.year}）", document=f"长民发〔{valid_from.year}〕1号",
        valid_from=valid_from, valid_to=valid_to, validity_reference="末段",
        copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    for name, value in values:
        policy_services.parameter_value_set(
            actor=as_(cast.finance_cn), policy=draft, name=name, start=valid_from, value=value,
            reference=f"长民发〔{valid_from.year}〕1号 三(四)", generally=False,
        )  # fmt: skip
    policy_services.policy_submit(actor=as_(cast.finance_cn), policy=draft)
    return policy_services.policy_publish(actor=as_(cast.district_cn), policy=draft)


@pytest.fixture
def changning_in_force(cast):
    """长宁区's rules in force in 2026: the published changning-2016 version ends on 31 December
    2021, so a version of 2022–2026 copied from it (the same caps, 三(四): 2 events of case aid,
    80,000 of case and project aid) is published."""
    return changning_version(
        cast, code="changning-2022", valid_from=date(2022, 1, 1), valid_to=date(2026, 12, 31)
    )
