"""A year of money for the demo (`bangfu demo`): every movement through the real services.

Over the last twelve months: fund sources; an agreement with each demo district (长宁区,
黄浦区), signed; lottery funds each quarter; donations to the foundation; allocations
foundation → district → street; fiscal matching; money raised by a street, passed through to
the foundation and returned; project aid paid by the foundation; cases of the three demo
streets taken through the case procedure and paid, each posted to the ledger; work expenses
within their caps; the foundation's management fee; one reversal. Then the dashboards and
the monthly reports have something real to show.

The case procedure dates what it records by the clock (a payment is paid "today"), so each
case is worked with the clock set to its day (`_clock`): the demo replays the year.

Whatever day it runs on, the year is complete and nothing lies ahead of today: each month's
movements have their usual day of the month (`_Demo.day`), and in the current month what would
come after today happens today, so even on the 1st the month has its cases and its project aid.

Case aid needs a district policy in force on the application date; 长民发〔2016〕31号 ended on
2021-12-31, so where a demo district has none for the demo year, a demo version is drafted by
district finance from the Changning parameters and published by the district approver
(four eyes, through the policy services), titled as a demo so no one takes it for a real one.
Changning also gets a draft for next year that raises the medical rate of "other" households
from 40% to 50%, left unpublished, so that the what-if ("历史个案测算") has a question to answer
over the demo year's cases.

Safe to run again: once the demo sources exist, nothing is written.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.core.money import ZERO, to_fen_down
from bangfu.funds import selectors, services
from bangfu.funds.models import FundKind, FundSource
from bangfu.funds.parameters import management_fee_rate, work_expense_rate
from bangfu.orgs.models import Organisation, User

from .projects import ProjectsDemo

MARKER = "DEMO-FC"  # the first source the demo makes: its presence means the demo ran
DISTRICTS = {"310105": "cn_finance", "310101": "hp_finance"}
STREETS = {  # street code -> (district code, username prefix of the street's demo staff)
    "310105001": ("310105", "cn_hy"),
    "310105002": ("310105", "cn_js"),
    "310101002": ("310101", "hp_njd"),
}
CASES_PER_STREET_MONTH = (2, 1, 2, 1, 2, 2, 1, 2, 1, 2, 2, 1)
PANEL = (
    ("cadre", "街道救助干部 陈志刚"), ("committee_cadre", "居委干部 王秀英"), ("building_head", "楼组长 李建国"),
    ("volunteer", "社区志愿者 张丽华"), ("resident", "居民代表 刘德明"), ("resident", "居民代表 赵美芳"),
    ("volunteer", "社区志愿者 孙海涛"),
)  # fmt: skip


@dataclass
class Summary:
    transactions: int = 0
    cases_paid: int = 0
    aid: Decimal = ZERO
    work_expenses: Decimal = ZERO
    management_fee: Decimal = ZERO
    policies: list[str] = field(default_factory=list)
    draft: str = ""

    def lines(self) -> list[str]:
        out = [
            f"演示资金流水：{self.transactions} 张记账凭证，个案发放 {self.cases_paid} 笔，"
            f"帮扶支出合计 ¥{self.aid:,.2f}，工作经费 ¥{self.work_expenses:,.2f}，管理费 ¥{self.management_fee:,.2f}。"
        ]
        if self.policies:
            out.append(
                "为演示年度发布了演示政策版本："
                + "、".join(self.policies)
                + "（参数取自长民发〔2016〕31号）。"
            )
        if self.draft:
            out.append(
                f"草拟了下一年度的演示政策草案 {self.draft}（其他对象医疗帮扶比例 50%），可在其页面作历史个案测算。"
            )
        return out


def _months(today: date) -> list[date]:
    """The first day of each of the last twelve months, oldest first (this month last)."""
    index = today.year * 12 + today.month - 1
    return [date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(11, -1, -1)]


@contextlib.contextmanager
def _clock(day: date, now: datetime) -> Iterator[None]:
    """The case procedure's clock set to `day` (10:00 Shanghai time), for replaying the year;
    never later than `now`, so that what is done today is not stamped with an hour to come."""
    moment = min(timezone.make_aware(datetime.combine(day, time(10, 0))), now)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class _Demo:
    def __init__(self, today: date, now: datetime):
        self.today, self.now = today, now
        self.months = _months(today)
        self.start = self.months[0]
        self.users = {u.username: u for u in User.objects.filter(username__in=self._usernames())}
        self.org = {o.code: o for o in Organisation.objects.filter(code__in=[*STREETS, *DISTRICTS, "SHBKHZ"])}
        self.summary = Summary()
        self.keys = itertools.count(1)
        self.projects = ProjectsDemo(self)

    def _usernames(self) -> list[str]:
        roles = ("intake", "assessor", "panel", "approver", "cashier")
        return [
            "fd_officer", "fd_reviewer", "fd_finance", "cn_approver", "hp_approver", *DISTRICTS.values(),
            *(f"{prefix}_{r}" for _, prefix in STREETS.values() for r in roles),
        ]  # fmt: skip

    def actor(self, username: str) -> Actor:
        return Actor.for_user(self.users[username], "demo")

    def key(self, what: str) -> str:
        return f"demo:{what}:{next(self.keys)}"

    def day(self, month: date, dom: int) -> date:
        """Day `dom` of the month (the 28th at most), or today if that day is still to come."""
        return min(month.replace(day=min(dom, 28)), self.today)

    # --- the year -------------------------------------------------------------------------------

    def run(self) -> Summary:
        from bangfu.funds.models import Transaction

        before = Transaction.objects.count()
        self.policies()
        self.sources()
        self.agreements()
        with _clock(self.start, self.now):
            self.projects.start(self.start, date(self.today.year, 12, 31))
        for i, month in enumerate(self.months):
            self.month(i, month)
            if i % 3 == 2:
                self.work_expenses(month)
            if i == 4:
                self.raised_funds(month)
        with _clock(self.today, self.now):
            self.projects.finish(self.today)
        self.management_fee()
        self.reversal()
        self.summary.transactions = Transaction.objects.count() - before
        return self.summary

    def policies(self) -> None:
        from bangfu.policy import services as policy_services
        from bangfu.policy.models import Policy
        from bangfu.policy.selectors import policy_in_force

        base = Policy.objects.get(code="changning-2016")
        valid_to = date(self.today.year, 12, 31)
        for code, drafter in DISTRICTS.items():
            if policy_in_force(code, self.start) and policy_in_force(code, self.today):
                continue
            publisher = "cn_approver" if code == "310105" else "hp_approver"
            policy = policy_services.policy_draft_create(
                actor=self.actor(drafter), district=self.org[code], code=f"demo-{code}-{self.start.year}",
                title=f"{self.org[code].name}市民综合帮扶实施意见（演示版本，参数取自长民发〔2016〕31号）",
                document="演示数据：仅供试用系统，不是正式文件。", valid_from=self.start, valid_to=valid_to,
                validity_reference="演示版本", copy_from=base,
            )  # fmt: skip
            policy_services.policy_submit(actor=self.actor(drafter), policy=policy)
            policy_services.policy_publish(actor=self.actor(publisher), policy=policy)
            self.summary.policies.append(policy.code)
        self.next_year_draft(base)

    def next_year_draft(self, base) -> None:
        from bangfu.policy import services as policy_services

        year = self.today.year + 1
        first = date(year, 1, 1)
        actor = self.actor("cn_finance")
        draft = policy_services.policy_draft_create(
            actor=actor, district=self.org["310105"], code=f"demo-310105-{year}",
            title=f"长宁区市民综合帮扶实施意见（{year}年演示草案）", document="演示数据：草案，未发布。",
            valid_from=first, valid_to=date(year + 4, 12, 31), validity_reference="演示草案", copy_from=base,
        )  # fmt: skip
        policy_services.parameter_value_set(
            actor=actor, policy=draft, name="medical.rate.other", start=first, value="0.50",
            reference="演示草案 三(一)3（由 40% 提高到 50%）", generally=False,
        )  # fmt: skip
        self.summary.draft = draft.code

    def sources(self) -> None:
        a = self.actor("fd_finance")
        make = services.fund_source_create
        self.lottery = make(
            actor=a, code=MARKER, name="市级福彩金（演示）", kind=FundKind.LOTTERY, draw_order=30
        )
        self.directed = make(
            actor=a, code="DEMO-DX", name="某银行上海分行定向捐赠（演示）", kind=FundKind.DONATION_DIRECTED,
            donor="某银行上海分行", purpose="大重病医疗帮扶、突发事件帮扶", draw_order=10,
        )  # fmt: skip
        self.undirected = make(
            actor=a, code="DEMO-FDX", name="社会各界非定向捐赠（演示）", kind=FundKind.DONATION_UNDIRECTED,
            donor="社会各界", draw_order=20,
        )  # fmt: skip
        self.fiscal = {
            code: make(
                actor=a,
                code=f"DEMO-CZ-{code}",
                name=f"{self.org[code].name}财政配套（演示）",
                kind=FundKind.FISCAL_MATCHING,
                draw_order=40,
            )
            for code in DISTRICTS
        }

    def agreements(self) -> None:
        officer = self.actor("fd_officer")
        self.agreement = {}
        for code, amount in (("310105", "2400000.00"), ("310101", "1600000.00")):
            agreement = services.agreement_create(
                actor=officer, district=self.org[code], number=f"XY-DEMO-{self.start:%Y%m}-{code}", amount=amount,
                valid_from=self.start, valid_to=date(self.today.year, 12, 31),
                duties="基金会按季度下拨市级福彩金和捐赠资金；区帮扶组织负责项目运作落地、配套资金筹措和资金管理，"
                "专款专用。",
                reporting="区、街镇帮扶组织每月按时填报业务及资金使用报表；每年开展专项检查。",
            )  # fmt: skip
            self.agreement[code] = services.agreement_sign(
                actor=officer, agreement=agreement, signed_on=self.start
            )

    def month(self, i: int, month: date) -> None:
        fin, officer = self.actor("fd_finance"), self.actor("fd_officer")
        foundation = self.org["SHBKHZ"]
        first = self.day(month, 2)
        if i % 3 == 0:  # each quarter: lottery funds in, allocations down
            services.lottery_funds_receive(
                actor=fin, source=self.lottery, amount="1200000.00", day=first, memo=f"{month:%Y年%m月}季度市级福彩金到账",
                idempotency_key=self.key("lottery"),
            )  # fmt: skip
            services.donation_receive(
                actor=fin, org=foundation, source=self.directed, donor="某银行上海分行", amount="150000.00",
                day=first, memo="定向捐赠到账（大重病医疗帮扶）", idempotency_key=self.key("donation"),
            )  # fmt: skip
            services.donation_receive(
                actor=fin, org=foundation, source=self.undirected, donor="社会各界", amount="90000.00", day=first,
                memo="非定向捐赠到账", idempotency_key=self.key("donation"),
            )  # fmt: skip
            for code, (lottery, directed, undirected) in {
                "310105": ("360000.00", "100000.00", "50000.00"),
                "310101": ("220000.00", "50000.00", "25000.00"),
            }.items():
                for source, amount in (
                    (self.lottery, lottery),
                    (self.directed, directed),
                    (self.undirected, undirected),
                ):
                    services.allocation_make(
                        actor=officer, agreement=self.agreement[code], to_org=self.org[code], source=source,
                        amount=amount, day=self.day(month, 5), memo=f"{month:%Y年%m月}季度下拨（{source.name}）",
                        idempotency_key=self.key("allocation"),
                    )  # fmt: skip
            for street, (district, _) in STREETS.items():
                # 长宁区 shares its lottery money between its two demo streets.
                lottery = "75000.00" if district == "310105" else "150000.00"
                for source, amount in (
                    (self.lottery, lottery),
                    (self.directed, "40000.00"),
                    (self.undirected, "20000.00"),
                ):
                    services.allocation_make(
                        actor=self.actor(DISTRICTS[district]), agreement=self.agreement[district],
                        to_org=self.org[street], source=source,
                        amount=amount,
                        day=self.day(month, 8), memo=f"下拨{self.org[street].name}（{source.name}）",
                        idempotency_key=self.key("allocation"),
                    )  # fmt: skip
                services.fiscal_matching_receive(
                    actor=self.actor(DISTRICTS[district]), org=self.org[street], source=self.fiscal[district],
                    amount="30000.00", day=self.day(month, 10), memo="区财政配套资金到账",
                    idempotency_key=self.key("fiscal"),
                )  # fmt: skip
        # The foundation's own project (lottery-funded): its batch of the month (bangfu.demo.projects).
        delivery = self.day(month, 20)
        with _clock(delivery, self.now):
            self.summary.aid += self.projects.month(i, delivery)
        for street in STREETS:
            for n in range(CASES_PER_STREET_MONTH[i]):
                self.case(street, self.day(month, 12 + 7 * n), i, n)

    # --- cases through the procedure -----------------------------------------------------------

    def _households(self, street: str) -> Iterator:
        from bangfu.registry.models import Household

        if not hasattr(self, "_pool"):
            self._pool: dict[str, Iterator] = {}
        if street not in self._pool:
            district = self.org[STREETS[street][0]]
            self._pool[street] = iter(
                list(
                    Household.objects.filter(
                        street=self.org[street], cases__isnull=True, members__relationship="head",
                        members__active=True, members__hukou_district=district, members__resides_in_district=True,
                    ).order_by("pk")[:60]
                )
            )  # fmt: skip
        return self._pool[street]

    def panel(self, street: str) -> list:
        from bangfu.cases import services as case_services
        from bangfu.cases.models import PanelMember

        if not hasattr(self, "_panels"):
            self._panels: dict[str, list] = {}
        if street not in self._panels:
            members = list(PanelMember.objects.filter(street=self.org[street], active=True)[:7])
            approver = self.actor(f"{STREETS[street][1]}_approver")
            for kind, name in PANEL[len(members) :]:
                members.append(
                    case_services.panel_member_add(
                        actor=approver, street=self.org[street], name=name, kind=kind
                    )
                )
            self._panels[street] = members
        return self._panels[street]

    def case(self, street: str, day: date, i: int, n: int) -> None:
        from bangfu.cases import services as case_services

        household = next(self._households(street), None)
        if household is None:
            return
        prefix = STREETS[street][1]
        head = household.members.get(relationship="head", active=True)
        medical = (i + n) % 2 == 0
        with _clock(day, self.now):
            if medical:
                case = case_services.case_create(
                    actor=self.actor(f"{prefix}_intake"), household=household, applicant=head, aid_type="medical",
                    application_date=day, hardship="患重病住院治疗，自负医疗费用负担重。",
                )  # fmt: skip
                self_paid = Decimal(12000 + 3000 * ((i * 3 + n) % 7))
                case_services.invoice_add(
                    actor=self.actor(f"{prefix}_intake"), case=case, number=f"DEMO{case.pk:06d}",
                    hospital="区中心医院", regular_hospital=True, date=day - timedelta(days=20), fee_type="treatment",
                    total=self_paid + 8000, reimbursed=Decimal(8000), self_paid=self_paid,
                )  # fmt: skip
            else:
                case = case_services.case_create(
                    actor=self.actor(f"{prefix}_intake"), household=household, applicant=head, aid_type="emergency",
                    application_date=day, hardship="家中突发火灾，财产损失严重，生活陷入困境。", emergency_event="fire",
                    casualty_or_major_loss=True, requested_amount=Decimal(3000 + 1000 * ((i + n) % 9)),
                )  # fmt: skip
            case_services.case_transition(
                case=case, action="investigate", actor=self.actor(f"{prefix}_assessor"), visited_on=day,
                income="家庭月收入约2500元", income_sources="退休金、临时工收入", daily_life="基本生活需他人照护",
                housing="公房一间", committee_opinion="情况属实，建议帮扶", plan="按政策给予帮扶",
            )  # fmt: skip
            case.refresh_from_db()
            recommended = Decimal((case.proposal or {}).get("recommended_amount") or "0")
            amount = min(recommended, Decimal("20000.00")).quantize(Decimal("1"), rounding=ROUND_DOWN)
            if amount <= 0:
                case_services.case_transition(
                    case=case,
                    action="withdraw",
                    actor=self.actor(f"{prefix}_intake"),
                    comment="演示：不符合条件，撤回。",
                )
                return
            case_services.case_transition(
                case=case, action="review", actor=self.actor(f"{prefix}_panel"), meeting_date=day,
                introduction="救助顾问介绍家庭困难情况。", documents_examined="调查情况表、相关凭证",
                discussion="评议小组一致认为情况属实。", conclusion="aid", amount=amount, minutes="评议会议记录（演示）。",
                attendance=[{"member": m, "opinion": "agree"} for m in self.panel(street)],
            )  # fmt: skip
            case_services.case_transition(case=case, action="approve", actor=self.actor(f"{prefix}_approver"))
            payment = case_services.case_pay(
                case=case,
                actor=self.actor(f"{prefix}_cashier"),
                method="transfer",
                idempotency_key=uuid.uuid4(),
            )  # posted to the ledger with the payment, from the street's money received before it
        self.summary.cases_paid += 1
        self.summary.aid += payment.amount

    # --- raised funds, fees, a correction ------------------------------------------------------

    def raised_funds(self, month: date) -> None:
        """A street's charity day: raised, passed through the district, returned in full."""
        street, finance = self.org["310105001"], self.actor("cn_finance")
        services.donation_receive(
            actor=finance, org=street, source=self.undirected, donor="辖区企业及居民", amount="36000.00",
            day=self.day(month, 15), memo="华阳路街道“蓝天下的至爱”慈善募捐", idempotency_key=self.key("raised"),
        )  # fmt: skip
        passed = services.raised_funds_pass_through(
            actor=finance, org=street, source=self.undirected, amount="36000.00", return_to=street,
            day=self.day(month, 20), memo="筹集资金经区上缴基金会", idempotency_key=self.key("pass"),
        )  # fmt: skip
        services.raised_funds_return(
            actor=self.actor("fd_finance"), pass_through=passed, day=self.day(month, 25)
        )

    def work_expenses(self, month: date) -> None:
        """At the end of a quarter, each street charges work expenses: a share of what the cap
        allows (长民发〔2016〕31号 五.3), as far as the donation money left covers it."""
        day = self.day(month, 28)
        for street, (district, _) in STREETS.items():
            org = self.org[street]
            for source in (self.directed, self.undirected):
                rate = work_expense_rate(district, source.kind, day)
                if rate is None:
                    continue
                used = selectors.donations_used(org_id=org.pk, kind=source.kind, year_of=day)
                spent = selectors.work_expenses(org_id=org.pk, kind=source.kind, year_of=day)
                left = selectors.lowest_balance_from(
                    org_id=org.pk, source_id=source.pk, account="fund", day=day
                )
                amount = min((to_fen_down(used * rate.value) - spent) * Decimal("0.8"), left)
                amount = amount.quantize(Decimal("1"), rounding=ROUND_DOWN)
                if amount >= 100:
                    services.work_expense_record(
                        actor=self.actor(DISTRICTS[district]), org=org, source=source, amount=amount, day=day,
                        memo=f"{org.name}工作经费（{source.get_kind_display()}）", idempotency_key=self.key("work"),
                    )  # fmt: skip
                    self.summary.work_expenses += amount

    def management_fee(self) -> None:
        """The foundation's fee for this year so far: 90% of what the cap allows."""
        rate = management_fee_rate(self.today)
        if rate is None:
            return
        spending = selectors.lottery_aid_spent(year_of=self.today)
        amount = (to_fen_down(spending * rate.value) * Decimal("0.9")).quantize(
            Decimal("1"), rounding=ROUND_DOWN
        )
        if amount >= 100:
            services.management_fee_record(
                actor=self.actor("fd_finance"), source=self.lottery, amount=amount, day=self.today,
                memo=f"{self.today.year}年基金会管理费（据实列支）", idempotency_key=self.key("fee"),
            )  # fmt: skip
            self.summary.management_fee = amount

    def reversal(self) -> None:
        """A fiscal matching entered twice by mistake, and its reversal."""
        finance = self.actor("hp_finance")
        twice = services.fiscal_matching_receive(
            actor=finance, org=self.org["310101002"], source=self.fiscal["310101"], amount="30000.00",
            day=self.day(self.months[7], 9), memo="区财政配套资金到账", idempotency_key=self.key("fiscal"),
        )  # fmt: skip
        services.transaction_reverse(
            actor=finance, txn=twice, day=self.day(self.months[7], 10), reason="重复录入"
        )


def demo_funds(*, today: date | None = None) -> Summary | None:
    """Create the demo's year of flows; None when it exists already."""
    if FundSource.objects.filter(code=MARKER).exists():
        return None
    # One transaction: a run that fails half-way leaves nothing, so the next run starts afresh.
    with transaction.atomic():
        now = timezone.now()
        return _Demo(today or timezone.localdate(now), now).run()
