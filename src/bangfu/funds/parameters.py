"""The fee caps as dated parameters, each with the clause it comes from (SPEC §7).

The foundation's management-fee rate is a city rule, kept here, values keyed by the date they
start (as the policy parameters are). The work-expense rates are district rules: they are
parameters of the district's policy (`funds.work_expense_rate.*`, 长民发〔2016〕31号 五.3 for
Changning) and are read from the version in force on the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Rate:
    value: Decimal
    reference: str
    starts: date

    @property
    def percent(self) -> str:
        """'2.5%', '10%': as the documents write it."""
        return f"{(self.value * 100).normalize():f}%"


# 沪民救发〔2025〕1号 四(三), citing 财综〔2021〕18号: 管理费最高不得超过本单位当年彩票公益金项目支出的2.5%.
# Dated from the notice (2025-01-10); an earlier year has no rate here and a fee is refused.
MANAGEMENT_FEE_RATES: tuple[Rate, ...] = (
    Rate(Decimal("0.025"), "沪民救发〔2025〕1号 四(三)（财综〔2021〕18号）", date(2025, 1, 10)),
)

WORK_EXPENSE_PARAMETER = {
    "donation_directed": "funds.work_expense_rate.directed",
    "donation_undirected": "funds.work_expense_rate.non_directed",
}


def management_fee_rate(day: date) -> Rate | None:
    """The rate in force on `day`: the latest value starting on or before it."""
    current = None
    for rate in sorted(MANAGEMENT_FEE_RATES, key=lambda r: r.starts):
        if rate.starts <= day:
            current = rate
    return current


def work_expense_rate(district_code: str, fund_kind: str, day: date) -> Rate | None:
    """The rate of the district's policy in force on `day` for that kind of donation, or None."""
    from bangfu.policy.selectors import parameter_set, policy_in_force

    policy = policy_in_force(district_code, day)
    if policy is None:
        return None
    param = parameter_set(policy).at(day).get(WORK_EXPENSE_PARAMETER[fund_kind])
    if param is None:
        return None
    return Rate(Decimal(param.text), param.reference, policy.valid_from)
