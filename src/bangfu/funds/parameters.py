"""The fee caps, read as dated parameters with the clause each comes from (SPEC §7).

One mechanism for both (`bangfu.policy.parameters`): the foundation's management-fee rate is a
city rule (`funds.management_fee_rate` in params/city/shanghai.toml, 沪民救发〔2025〕1号 四(三));
the work-expense rates are district rules, parameters of the district's policy
(`funds.work_expense_rate.*`, 长民发〔2016〕31号 五.3 for Changning), read from the version in
force on the day. Either way the answer is a `Param` (value, reference, starts) or None.
"""

from __future__ import annotations

from datetime import date

from bangfu.policy.parameters import Param, city_parameter

WORK_EXPENSE_PARAMETER = {
    "donation_directed": "funds.work_expense_rate.directed",
    "donation_undirected": "funds.work_expense_rate.non_directed",
}


def management_fee_rate(day: date) -> Param | None:
    """The rate in force on `day`; None before the first (no fee may be charged then)."""
    return city_parameter("funds.management_fee_rate", day)


def work_expense_rate(district_code: str, fund_kind: str, day: date) -> Param | None:
    """The rate of the district's policy in force on `day` for that kind of donation, or None."""
    from bangfu.policy.selectors import parameter_set, policy_in_force

    policy = policy_in_force(district_code, day)
    if policy is None:
        return None
    return parameter_set(policy).at(day).get(WORK_EXPENSE_PARAMETER[fund_kind])
