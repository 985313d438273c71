"""Project aid 项目帮扶 (SPEC §4, 沪民救发〔2025〕1号 二(二)): one class of people, one plan.

    plan → filing 备案 (district plans, with the foundation) or approval (foundation plans, a second
    officer) → enrolment → batches (prepared, approved by another person, delivered) →
    delivery verification → performance evaluation 绩效评价 → the project audit 项目审计 (四(一))

A fund source earmarked for a project and the aid postings of a project refer to `Project`;
every delivered batch item is an aid record (`aid.AidRecord.project_item`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bangfu.aid.models import AidKind
from bangfu.core.money import MoneyField
from bangfu.orgs.models import OrgKind

# SPEC §4: a project is the foundation's or a district organisation's.
OWNER_KINDS = (OrgKind.FOUNDATION, OrgKind.DISTRICT)


class PlanState(models.TextChoices):
    DRAFT = "draft", "草拟"
    SUBMITTED = "submitted", "待备案"
    RETURNED = "returned", "已退回"
    FILED = "filed", "已备案"
    CLOSED = "closed", "已结项"


# What may still change: a filed plan's budget, target group, aid and performance targets are
# frozen (SPEC §4: 备案后预算和绩效目标不再变更).
EDITABLE_STATES = (PlanState.DRAFT, PlanState.RETURNED)


# The framework of 绩效评价 (SPEC §4) and its default weights, out of 100.
class Dimension(models.TextChoices):
    DECISION = "decision", "决策"
    PROCESS = "process", "过程"
    OUTPUT = "output", "产出"
    BENEFIT = "benefit", "效益"
    SATISFACTION = "satisfaction", "满意度"


DEFAULT_WEIGHTS = {
    Dimension.DECISION: 10,
    Dimension.PROCESS: 10,
    Dimension.OUTPUT: 40,
    Dimension.BENEFIT: 30,
    Dimension.SATISFACTION: 10,
}


def default_weights() -> dict:
    return {str(k): v for k, v in DEFAULT_WEIGHTS.items()}


class Project(models.Model):
    code = models.CharField("项目编号", max_length=64, unique=True)
    title = models.CharField("项目名称", max_length=200)
    owner = models.ForeignKey(
        "orgs.Organisation", verbose_name="项目主体", on_delete=models.PROTECT, related_name="projects",
        limit_choices_to={"kind__in": OWNER_KINDS},
    )  # fmt: skip
    purpose = models.TextField("项目目的", blank=True)
    # The target group: a saved query over the registry (`projects.targets.Target`, its JSON).
    target = models.JSONField("帮扶对象条件", default=dict, blank=True)
    aid_kind = models.CharField("帮扶方式", max_length=10, choices=AidKind.choices, default=AidKind.MONEY)
    # Money per beneficiary; goods' unit value; a service's value (with its hours).
    unit_value = MoneyField("每户标准（元）", default=0)
    item = models.CharField("物品或服务内容", max_length=100, blank=True)
    hours = models.DecimalField("服务时数", max_digits=8, decimal_places=2, null=True, blank=True)
    budget = MoneyField("预算（元）", default=0)
    # The source the plan draws on (专款专用): entitled to the project (funds.entitlement_problem);
    # a foundation plan's is city lottery money (市级福彩金, 二(二) 使用市级福彩金).
    fund_source = models.ForeignKey(
        "funds.FundSource", verbose_name="资金来源", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    period_start = models.DateField("实施期起", null=True, blank=True)
    period_end = models.DateField("实施期止", null=True, blank=True)
    target_households = models.PositiveIntegerField("计划帮扶户数", default=0)
    # The weights of the five dimensions of 绩效评价, out of 100 (DEFAULT_WEIGHTS until edited).
    weights = models.JSONField("绩效评价权重", default=default_weights)
    state = models.CharField("状态", max_length=10, choices=PlanState.choices, default=PlanState.DRAFT)
    # Given at filing (备案号) or, for a foundation plan, at its approval.
    filing_number = models.CharField("备案号", max_length=40, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "帮扶项目"
        verbose_name_plural = "帮扶项目"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["filing_number"], condition=~Q(filing_number=""), name="project_filing_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="project_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def lottery_funded(self) -> bool:
        """彩票公益金资助: shown on the plan's pages and forms when it draws on lottery money."""
        return self.fund_source is not None and self.fund_source.kind == "lottery"


class PlanStep(models.Model):
    """Every step of a plan's filing (submit, accept, return, approve, …), kept: who, when, from,
    to, remarks, and what was sent (the plan as submitted)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("操作", max_length=24)
    from_state = models.CharField("原状态", max_length=10, choices=PlanState.choices)
    to_state = models.CharField("新状态", max_length=10, choices=PlanState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("操作者", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True)
    remarks = models.TextField("意见", blank=True)
    snapshot = models.JSONField("提交内容", default=dict, blank=True)

    class Meta:
        verbose_name = "项目备案记录"
        verbose_name_plural = "项目备案记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.from_state}→{self.to_state}"


class Indicator(models.Model):
    """One performance indicator (绩效指标) of a plan: its dimension, the target set at filing,
    its share of the dimension's weight, and the actual value — computed by the platform where
    it can (`source` names the measure), entered with evidence where it cannot."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="indicators"
    )
    dimension = models.CharField("维度", max_length=12, choices=Dimension.choices)
    name = models.CharField("指标", max_length=100)
    # The measure the platform computes (`projects.evaluation.MEASURES`), empty when entered by hand.
    source = models.CharField("计算方式", max_length=32, blank=True)
    unit = models.CharField("单位", max_length=12, blank=True)
    target = models.DecimalField("目标值", max_digits=14, decimal_places=2)
    # The indicator's weight within its dimension (the dimension's weights are on the plan).
    weight = models.DecimalField("指标权重", max_digits=6, decimal_places=2, default=1)
    actual = models.DecimalField("实际值", max_digits=14, decimal_places=2, null=True, blank=True)
    evidence = models.TextField("佐证说明", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    entered_at = models.DateTimeField("填报时间", null=True, blank=True)

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} {self.name}"


class EnrolmentState(models.TextChoices):
    ENROLLED = "enrolled", "已纳入"
    PAUSED = "paused", "暂停"
    EXITED = "exited", "已退出"
    NOT_ELIGIBLE = "not_eligible", "不符合条件"


class EnrolmentVia(models.TextChoices):
    ONE = "one", "逐户纳入"
    EXCEL = "excel", "名单导入"
    QUERY = "query", "按条件纳入"


class Enrolment(models.Model):
    """One household in one project (SPEC §4: one enrolment per household per project)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="project_enrolments"
    )
    # The member the aid is for (the head when the list names none).
    person = models.ForeignKey(
        "registry.Person", verbose_name="受助成员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    state = models.CharField(
        "状态", max_length=12, choices=EnrolmentState.choices, default=EnrolmentState.ENROLLED
    )
    # Why it was paused, exited or found not eligible (required for exit; shown for not eligible).
    reason = models.CharField("原因", max_length=200, blank=True)
    via = models.CharField("纳入方式", max_length=8, choices=EnrolmentVia.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="纳入人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    enrolled_at = models.DateTimeField("纳入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "项目帮扶对象"
        verbose_name_plural = "项目帮扶对象"
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="one_enrolment_per_household"),
            models.CheckConstraint(
                condition=~Q(state="exited") | ~Q(reason=""), name="enrolment_exit_reason"
            ),
        ]
        indexes = [models.Index(fields=["household"], name="enrolment_household")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.household_id}"


class BatchState(models.TextChoices):
    PREPARED = "prepared", "待审批"
    APPROVED = "approved", "已审批"
    DELIVERED = "delivered", "已发放"
    CANCELLED = "cancelled", "已撤销"


# A batch is open until its delivery is recorded (or it is cancelled).
OPEN_BATCH_STATES = (BatchState.PREPARED, BatchState.APPROVED)


class Batch(models.Model):
    """A batch of a project (发放批次): the enrolled beneficiaries and their amounts or items,
    frozen when prepared; approved by another person than the one who prepared it."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="batches"
    )
    number = models.PositiveIntegerField("批次号")
    # The batch whose undelivered items this one takes up (补发批次).
    follows = models.ForeignKey(
        "self",
        verbose_name="补发自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    state = models.CharField("状态", max_length=10, choices=BatchState.choices, default=BatchState.PREPARED)
    due_date = models.DateField("计划发放日期")
    item_count = models.PositiveIntegerField("户数", default=0)
    total = MoneyField("合计金额（元）", default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField("编制时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发放登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    delivered_on = models.DateField("发放日期", null=True, blank=True)
    ledger_transaction = models.ForeignKey(
        "funds.Transaction", verbose_name="记账凭证", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_batch_number_per_project"),
            # Four eyes (SPEC §4): who prepares a batch does not approve it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                name="batch_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} 第{self.number}批"


class ItemState(models.TextChoices):
    PENDING = "pending", "待发放"
    DELIVERED = "delivered", "已发放"
    UNDELIVERED = "undelivered", "未发放"
    CANCELLED = "cancelled", "已撤销"


class BatchItem(models.Model):
    """One beneficiary of a batch and what they are to receive, frozen at preparation."""

    batch = models.ForeignKey(Batch, verbose_name="批次", on_delete=models.PROTECT, related_name="items")
    # Denormalised from the batch, so the database can say a household is in one open batch of
    # a project at most (SPEC §4).
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name="帮扶对象", on_delete=models.PROTECT, related_name="items"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("帮扶方式", max_length=10, choices=AidKind.choices)
    value = MoneyField("金额或价值（元）")
    hours = models.DecimalField("服务时数", max_digits=8, decimal_places=2, null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=ItemState.choices, default=ItemState.PENDING)
    delivered_on = models.DateField("发放日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    # The item of the follow-up batch that takes this undelivered one up.
    followed_up_by = models.OneToOneField(
        "self",
        verbose_name="补发明细",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follows",
    )

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household"],
                condition=Q(state="pending"),
                name="one_open_item_per_household",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_on__isnull=False), name="item_delivered_dated"
            ),
        ]
        indexes = [models.Index(fields=["household"], name="batch_item_household")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.household_id}"


class Verification(models.Model):
    """A draw of delivered items to confirm by visit or phone (发放核查): a share, a number, or all."""

    class Method(models.TextChoices):
        SHARE = "share", "按比例抽取"
        NUMBER = "number", "按数量抽取"
        ALL = "all", "全部核查"

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="verifications"
    )
    method = models.CharField("抽取方式", max_length=8, choices=Method.choices)
    share = models.DecimalField("抽取比例（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    number = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    # The seed of the draw, kept so the sample can be drawn again and shown to be the same.
    seed = models.CharField("随机种子", max_length=64)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "发放核查"
        verbose_name_plural = "发放核查"
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.pk}"


class CheckResult(models.TextChoices):
    PENDING = "pending", "待核查"
    RECEIVED = "received", "已收到"
    NOT_RECEIVED = "not_received", "未收到"
    PROBLEM = "problem", "收到但有问题"


class CheckChannel(models.TextChoices):
    VISIT = "visit", "上门核查"
    PHONE = "phone", "电话核查"


class Check(models.Model):
    verification = models.ForeignKey(
        Verification, verbose_name="发放核查", on_delete=models.PROTECT, related_name="checks"
    )
    item = models.ForeignKey(
        BatchItem, verbose_name="发放明细", on_delete=models.PROTECT, related_name="checks"
    )
    result = models.CharField(
        "核查结果", max_length=12, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    channel = models.CharField("核查方式", max_length=8, choices=CheckChannel.choices, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = "核查记录"
        verbose_name_plural = "核查记录"
        ordering = ["verification", "id"]
        constraints = [models.UniqueConstraint(fields=["verification", "item"], name="one_check_per_item")]

    def __str__(self) -> str:
        return f"{self.verification_id}:{self.item_id}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优"
    GOOD = "good", "良"
    FAIR = "fair", "中"
    POOR = "poor", "差"


class Evaluation(models.Model):
    """A performance evaluation 绩效评价 of a plan: the score out of 100, its grade, and the
    indicators as they were scored (kept, so the report reads what was decided)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="evaluations"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    grade = models.CharField("等级", max_length=10, choices=Grade.choices)
    details = models.JSONField("评分明细", default=dict)
    conclusion = models.TextField("评价结论", blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "绩效评价"
        verbose_name_plural = "绩效评价"
        ordering = ["project", "-evaluated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.score}"
