"""The fee caps (SPEC §7) and their refusals, with the figures in the message."""

from datetime import date

import pytest

from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Account, Posting

from .conftest import STREET, as_, key, project


@pytest.fixture
def lottery_spent_2025(sources, cast, org):
    """2,000,000 of lottery money in 2025, 1,000,000 of it spent on a foundation project."""
    fin = as_(cast.foundation_fin)
    services.lottery_funds_receive(
        actor=fin, source=sources.lottery, amount="2000000.00", day=date(2025, 1, 15), memo="福彩金到账",
        idempotency_key=key(),
    )  # fmt: skip
    services.aid_pay(
        actor=fin, org=org("SHBKHZ"), source=sources.lottery, amount="1000000.00", day=date(2025, 6, 1),
        memo="项目帮扶发放", idempotency_key=key(), project=project("P-FC-2025"),
    )  # fmt: skip
    return sources


def fee(cast, sources, amount, day=date(2025, 12, 20)):
    return services.management_fee_record(
        actor=as_(cast.foundation_fin), source=sources.lottery, amount=amount, day=day, memo="管理费",
        idempotency_key=key(),
    )  # fmt: skip


def test_management_fee_up_to_two_and_a_half_percent(lottery_spent_2025, cast):
    fee(cast, lottery_spent_2025, "20000.00")
    fee(cast, lottery_spent_2025, "5000.00")  # exactly 25,000.00: allowed
    assert Posting.objects.filter(account=Account.MANAGEMENT_FEE).count() == 2


def test_management_fee_beyond_the_cap_is_refused_with_the_figures(lottery_spent_2025, cast):
    fee(cast, lottery_spent_2025, "20000.00")
    with pytest.raises(Refused) as e:
        fee(cast, lottery_spent_2025, "6000.00")
    assert e.value.code == "cap_exceeded"
    assert e.value.message.startswith(
        "管理费将达 ¥26,000.00，超过2025年福彩金项目支出 ¥1,000,000.00 的 2.5%（¥25,000.00）"
    )
    assert "沪民救发〔2025〕1号 四(三)" in e.value.message
    assert Posting.objects.filter(account=Account.MANAGEMENT_FEE).count() == 1


def test_management_fee_counts_only_that_years_spending(lottery_spent_2025, cast):
    with pytest.raises(Refused, match=r"¥0\.00"):
        fee(cast, lottery_spent_2025, "1.00", day=date(2026, 1, 5))


def test_management_fee_before_the_rate_exists_is_refused(funded, cast):
    with pytest.raises(Refused, match="没有生效的管理费比例"):
        fee(cast, funded, "1.00", day=date(2021, 6, 1))


def test_management_fee_comes_from_lottery_money_only(lottery_spent_2025, cast):
    with pytest.raises(Refused, match="福彩金"):
        services.management_fee_record(
            actor=as_(cast.foundation_fin), source=lottery_spent_2025.fiscal, amount="1.00", day=date(2025, 12, 1),
            memo="x", idempotency_key=key(),
        )  # fmt: skip


def work(cast, org, source, amount, day=date(2021, 12, 1)):
    return services.work_expense_record(
        actor=as_(cast.finance_cn), org=org(STREET), source=source, amount=amount, day=day, memo="工作经费",
        idempotency_key=key(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "cap", "used", "percent"),
    [("directed", "4000.00", "¥40,000.00", "10%"), ("undirected", "1000.00", "¥20,000.00", "5%")],
)
def test_work_expenses_within_the_share_of_donations_used(
    donations_used_2021, cast, org, kind, cap, used, percent
):
    source = getattr(donations_used_2021, kind)
    work(cast, org, source, cap)
    with pytest.raises(Refused) as e:
        work(cast, org, source, "0.01")
    message = e.value.message
    assert e.value.code == "cap_exceeded"
    assert (
        f"超过当年{source.get_kind_display()}资金实际使用额 {used} 的 {percent}（¥{float(cap):,.2f}）"
        in message
    )
    assert "长民发〔2016〕31号 五.3" in message


def test_work_expenses_need_a_district_policy_in_force(donations_used_2021, cast, org):
    # 长民发〔2016〕31号 ran to 2021-12-31; 长宁 has no policy for 2023.
    with pytest.raises(Refused) as e:
        work(cast, org, donations_used_2021.directed, "1.00", day=date(2023, 3, 1))
    assert e.value.code == "no_policy_in_force"


def test_work_expenses_come_from_donations_only(funded, cast, org):
    with pytest.raises(Refused, match="只能从捐赠资金"):
        work(cast, org, funded.lottery, "1.00")
