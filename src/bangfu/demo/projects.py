"""Project aid for the demo (`bangfu demo`, SPEC §4): two plans through the whole procedure.

- The foundation's 困难家庭学生助学（演示）, on city lottery money (彩票公益金资助): drawn up by one
  foundation officer and approved by another at the start of the demo year, its households
  enrolled from the target query, and one batch a month — prepared by the officer, approved by
  foundation finance, delivered on the 20th — so every month has its project aid (one household
  each month not reached, taken up by the next month's follow-up batch); a verification of a
  fifth of the delivered items by phone and visit, and a performance evaluation.
- 长宁区's 困难家庭冬令慰问（演示）, goods at their value from the district's fiscal matching money:
  drawn up by the district approver, filed with the foundation (returned once with remarks,
  then accepted), households enrolled from an Excel list and one from the household file, one
  delivered batch and its follow-up batch waiting for approval.

Everything goes through the services, on the day it happens (the clock of `demo.funds`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook

from bangfu.audit.actor import Actor
from bangfu.funds import services as funds
from bangfu.projects import batches, enrolment, evaluation, filing, verification
from bangfu.projects.models import BatchState, CheckResult, Indicator
from bangfu.registry.models import Household

FOUNDATION_PLAN = "XM-ZX-DEMO"
DISTRICT_PLAN = "XM-CN-DEMO"

# The hand-entered indicators' actual values and the evidence they rest on.
ENTERED = {
    "立项依据充分、绩效目标明确": ("95", "项目申报书、立项评审意见（演示）"),
    "组织实施规范": ("90", "项目实施方案、发放台账（演示）"),
    "受助家庭困难缓解率": ("88", "回访问卷 120 份，106 户反映困难有所缓解（演示）"),
    "受助家庭满意度": ("93", "满意度调查问卷汇总（演示）"),
}


class ProjectsDemo:
    """Run by the demo year (`demo.funds._Demo`): `start` in its first month, `month` in each,
    `finish` at its end. `demo` gives the users, organisations, sources, keys and the clock."""

    def __init__(self, demo):
        self.demo = demo
        self.foundation_plan = None
        self.district_plan = None
        self.last: dict = {}

    def actor(self, username: str) -> Actor:
        return self.demo.actor(username)

    # --- the plans ---------------------------------------------------------------------------

    def start(self, day: date, year_end: date) -> None:
        d = self.demo
        self.foundation_plan = filing.plan_create(
            actor=self.actor("fd_officer"), owner=d.org["SHBKHZ"], code=FOUNDATION_PLAN,
            title="困难家庭学生助学（演示）",
            purpose="为低保、低收入困难家庭中的在读子女每月发放助学金，缓解就学期间的生活困难（演示数据）。",
            target={"categories": ["dibao", "low_income"]}, aid_kind="money", unit_value="600.00",
            budget="600000.00", fund_source=d.lottery, period_start=d.start, period_end=year_end,
            target_households=80,
        )  # fmt: skip
        filing.transition(actor=self.actor("fd_officer"), project=self.foundation_plan, action="submit")
        filing.transition(actor=self.actor("fd_reviewer"), project=self.foundation_plan, action="approve")
        district = d.org["310105"]
        funds.fiscal_matching_receive(
            actor=self.actor("cn_finance"), org=district, source=d.fiscal["310105"], amount="120000.00",
            day=day, memo="区财政配套资金到账（冬令慰问项目）", idempotency_key=d.key("fiscal"),
        )  # fmt: skip
        plan = filing.plan_create(
            actor=self.actor("cn_approver"), owner=district, code=DISTRICT_PLAN, title="困难家庭冬令慰问（演示）",
            purpose="冬季为辖区刚性支出困难、低保和低收入家庭送去米、油、棉被等慰问物资（演示数据）。",
            target={"categories": ["dibao", "low_income", "rigid_expense"], "areas": ["310105"]},
            aid_kind="goods", unit_value="500.00", item="冬令慰问物资（米、油、棉被）", budget="60000.00",
            fund_source=d.fiscal["310105"], period_start=d.start, period_end=year_end, target_households=100,
        )  # fmt: skip
        filing.transition(actor=self.actor("cn_approver"), project=plan, action="submit")
        filing.transition(
            actor=self.actor("fd_officer"), project=plan, action="return",
            remarks="请补充实施区域内各街镇的计划户数和物资采购方式后重新报备。",
        )  # fmt: skip
        filing.transition(actor=self.actor("cn_approver"), project=plan, action="submit")
        filing.transition(actor=self.actor("fd_officer"), project=plan, action="accept")
        self.district_plan = plan
        enrolment.enrol_from_query(actor=self.actor("fd_officer"), project=self.foundation_plan, day=day)

    def enrol_district(self) -> None:
        """长宁区's list, as the district would upload it: file numbers of its households."""
        plan = self.district_plan
        households = list(Household.objects.filter(pk__in=plan_candidates(plan)).order_by("file_number")[:40])
        book = Workbook()
        sheet = book.active
        sheet.append(["档案编号", "身份证号码", "受助成员身份证号码"])
        for h in households[1:]:
            sheet.append([h.file_number, "", ""])
        buffer = BytesIO()
        book.save(buffer)
        buffer.seek(0)
        buffer.name = "冬令慰问名单.xlsx"
        enrolment.import_rows(actor=self.actor("cn_approver"), project=plan, file=buffer)
        if households:
            street_intake = {"310105001": "cn_hy_intake", "310105002": "cn_js_intake"}[
                households[0].street.code
            ]
            enrolment.enrol_one(actor=self.actor(street_intake), project=plan, household=households[0])

    # --- each month --------------------------------------------------------------------------

    def month(self, i: int, day: date) -> Decimal:
        """The foundation plan's batch of the month, delivered on `day`; its money."""
        plan = self.foundation_plan
        officer, finance = self.actor("fd_officer"), self.actor("fd_finance")
        batch = batches.prepare(actor=officer, project=plan, due_date=day)
        batches.approve(actor=finance, batch=batch)
        items = list(batch.items.order_by("id").values_list("id", flat=True))
        # One household a month is not reached (not at home on the day), and taken up next month.
        missed = {items[i % len(items)]: "受助家庭外出，未能当面发放"} if len(items) > 1 else {}
        batches.deliver(actor=finance, batch=batch, day=day, undelivered=missed)
        previous = self.last.get("follow_up")
        if previous is not None and previous.state == BatchState.PREPARED:
            batches.approve(actor=finance, batch=previous)
            batches.deliver(actor=finance, batch=previous, day=day)
        self.last["follow_up"] = (
            batches.follow_up(actor=officer, batch=batch, due_date=day) if missed else None
        )
        batch.refresh_from_db()
        return sum((it.value for it in batch.items.filter(state="delivered", kind="money")), Decimal("0.00"))

    # --- at the end --------------------------------------------------------------------------

    def finish(self, day: date) -> None:
        plan = self.district_plan
        self.enrol_district()
        batch = batches.prepare(actor=self.actor("cn_approver"), project=plan, due_date=day)
        batches.approve(actor=self.actor("cn_finance"), batch=batch)
        items = list(batch.items.order_by("id").values_list("id", flat=True))
        batches.deliver(
            actor=self.actor("cn_finance"), batch=batch, day=day,
            undelivered={items[-1]: "家中无人，改日补送"} if len(items) > 1 else None,
        )  # fmt: skip
        if len(items) > 1:
            batches.follow_up(actor=self.actor("cn_approver"), batch=batch, due_date=day)
        self.verify(self.foundation_plan, "fd_officer")
        self.verify(plan, "cn_approver")
        self.evaluate(self.foundation_plan)

    def verify(self, plan, username: str) -> None:
        v = verification.draw(actor=self.actor(username), project=plan, method="share", share="20")
        checks = list(v.checks.order_by("id"))
        for n, check in enumerate(checks):
            if n == len(checks) - 1 and n > 2:
                break  # the last check still to be made
            result, note = CheckResult.RECEIVED, ""
            if n == 1:
                result, note = CheckResult.PROBLEM, "已收到，但发放日期比通知晚了三天"
            verification.record(
                actor=self.actor(username), check=check, result=result,
                channel="phone" if n % 2 else "visit", note=note,
            )  # fmt: skip

    def evaluate(self, plan) -> None:
        officer = self.actor("fd_officer")
        for indicator in Indicator.objects.filter(project=plan, source=""):
            actual, evidence = ENTERED.get(indicator.name, ("90", "演示数据"))
            evaluation.enter_actual(actor=officer, indicator=indicator, actual=actual, evidence=evidence)
        evaluation.evaluate(
            actor=officer, project=plan,
            conclusion="项目按计划实施，资金使用规范；个别批次发放延后，已督促整改（演示数据）。",
        )  # fmt: skip


def plan_candidates(plan) -> list[int]:
    """The households of the plan's target group not yet enrolled in it, today."""
    from django.utils import timezone

    from bangfu.projects.targets import Target

    enrolled = plan.enrolments.values_list("household_id", flat=True)
    return list(
        Target.from_json(plan.target)
        .households(plan.owner, timezone.localdate())
        .exclude(pk__in=enrolled)
        .values_list("pk", flat=True)
    )
