"""The fund ledger (SPEC §7): fund sources, agreements, allocations, transactions, postings.

Double entry: every movement is one `Transaction` whose `Posting`s sum to zero within each
fund source (money never changes source: 专款专用, 沪民救发〔2025〕1号 四(二)). Postings are
never updated or deleted: the database refuses it (migration 0002); a mistake is reversed by
a new transaction. Balances are derived from the postings, never stored.

Sign convention: a positive amount is a debit (money held, or money spent), a negative one a
credit (money that came from outside, or left an account). The accounts:

    fund            专项资金: spendable money of an organisation in one source (never < 0)
    raised          筹集待上缴: money a district or street raised, held until passed through
                    the district to the foundation (长民发〔2016〕31号 五.3) (never < 0)
    pass_through    代收待返还: at the foundation, raised money owed back in full to a street (never < 0)
    source          资金来源: the other side of money entering the programme from outside
    aid             帮扶支出: payments to households (case, project or plan)
    work_expense    工作经费
    management_fee  管理费 (the foundation's, 沪民救发〔2025〕1号 四(三))
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bangfu.core.money import MoneyField


class FundKind(models.TextChoices):
    LOTTERY = "lottery", "市级福彩金"
    FISCAL_MATCHING = "fiscal_matching", "财政配套资金"
    DONATION_DIRECTED = "donation_directed", "定向捐赠"
    DONATION_UNDIRECTED = "donation_undirected", "非定向捐赠"
    ENTERPRISE = "enterprise", "企事业项目资助"
    DEPARTMENT = "department", "职能部门特定帮扶经费"


DONATION_KINDS = (FundKind.DONATION_DIRECTED, FundKind.DONATION_UNDIRECTED)


class FundSource(models.Model):
    """One earmarked pot of money. What it may pay for is part of it (专款专用)."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("来源类别", max_length=20, choices=FundKind.choices)
    donor = models.CharField("捐赠方/出资方", max_length=100, blank=True)
    purpose = models.TextField("用途说明", blank=True)
    # Earmarks. A source with a project (or plan) pays that project (plan) only; never both.
    for_cases = models.BooleanField("可用于个案帮扶", default=True)
    project = models.ForeignKey(
        "projects.Project", verbose_name="限用项目", null=True, blank=True, on_delete=models.PROTECT,
        related_name="fund_sources",
    )  # fmt: skip
    plan = models.ForeignKey(
        "specific.Plan", verbose_name="限用特定帮扶计划", null=True, blank=True, on_delete=models.PROTECT,
        related_name="fund_sources",
    )  # fmt: skip
    # Order in which a case payment draws on the street's sources (lower first).
    draw_order = models.PositiveSmallIntegerField("支用顺序", default=100)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "资金来源"
        verbose_name_plural = "资金来源"
        ordering = ["draw_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=True) | Q(plan__isnull=True), name="fund_source_one_earmark"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Account(models.TextChoices):
    FUND = "fund", "专项资金"
    RAISED = "raised", "筹集待上缴"
    PASS_THROUGH = "pass_through", "代收待返还"
    SOURCE = "source", "资金来源"
    AID = "aid", "帮扶支出"
    WORK_EXPENSE = "work_expense", "工作经费"
    MANAGEMENT_FEE = "management_fee", "管理费"


# Accounts that hold money: their balance may never go below zero.
HOLDING_ACCOUNTS = (Account.FUND, Account.RAISED, Account.PASS_THROUGH)


class FundAccount(models.Model):
    """The lock row of one (organisation, fund source). It stores no balance (balances are
    derived); services lock it with select_for_update before checking a balance, so two
    concurrent withdrawals from the same pot cannot both see the money that only one may take."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    fund_source = models.ForeignKey(FundSource, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "资金账户"
        verbose_name_plural = "资金账户"
        constraints = [
            models.UniqueConstraint(fields=["org", "fund_source"], name="one_account_per_org_source")
        ]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.fund_source_id}"


class Agreement(models.Model):
    """协议 between the foundation and a district organisation (SPEC §7)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草拟"
        SIGNED = "signed", "已签订"
        TERMINATED = "terminated", "已终止"

    number = models.CharField("协议编号", max_length=40, unique=True)
    foundation = models.ForeignKey(
        "orgs.Organisation", verbose_name="基金会", on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "orgs.Organisation", verbose_name="区帮扶组织", on_delete=models.PROTECT, related_name="agreements"
    )
    amount = MoneyField("协议金额")
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("终止日期")
    duties = models.TextField("双方职责")
    reporting = models.TextField("报告义务")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "帮扶协议"
        verbose_name_plural = "帮扶协议"
        ordering = ["-valid_from", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="agreement_period"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="agreement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"协议 {self.number}"


class TransactionKind(models.TextChoices):
    LOTTERY_RECEIPT = "lottery_receipt", "福彩金到账"
    FISCAL_MATCHING = "fiscal_matching", "财政配套到账"
    DONATION = "donation", "接受捐赠"
    ENTERPRISE_FUNDING = "enterprise_funding", "企事业项目资助到账"
    DEPARTMENT_FUNDING = "department_funding", "职能部门经费到账"
    ALLOCATION = "allocation", "资金下拨"
    PASS_THROUGH = "pass_through", "筹集资金上缴基金会"
    PASS_THROUGH_RETURN = "pass_through_return", "筹集资金全额返还街镇"
    PAYMENT = "payment", "帮扶金发放"
    WORK_EXPENSE = "work_expense", "工作经费列支"
    MANAGEMENT_FEE = "management_fee", "管理费列支"
    REVERSAL = "reversal", "冲销"


class Transaction(models.Model):
    """One movement. Inserted unsealed, its postings inserted, then sealed in the same database
    transaction: sealing is the only change the database lets through (migration 0002)."""

    kind = models.CharField("业务类型", max_length=24, choices=TransactionKind.choices, db_index=True)
    date = models.DateField("记账日期", db_index=True)
    memo = models.TextField("摘要")
    # A retried or double-submitted movement carries the same key and is written once.
    idempotency_key = models.CharField("幂等键", max_length=100, unique=True)
    reverses = models.OneToOneField(
        "self", verbose_name="冲销的凭证", null=True, blank=True, on_delete=models.PROTECT,
        related_name="reversed_by",
    )  # fmt: skip
    agreement = models.ForeignKey(
        Agreement, verbose_name="协议", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The case procedure's hand-over row (cases.PaymentRecord): unique, so a payment posts once.
    payment_record = models.OneToOneField(
        "cases.PaymentRecord", verbose_name="发放记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="ledger_transaction",
    )  # fmt: skip
    # Raised funds: the street the money goes back to (on the pass-through), and on the return
    # the pass-through it returns (unique: returned once, in full).
    return_to = models.ForeignKey(
        "orgs.Organisation", verbose_name="返还街镇", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    returns = models.OneToOneField(
        "self", verbose_name="返还的上缴凭证", null=True, blank=True, on_delete=models.PROTECT,
        related_name="returned_by",
    )  # fmt: skip
    counterparty = models.CharField("对方单位", max_length=100, blank=True)
    sealed = models.BooleanField("已封账", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记账人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    actor_label = models.CharField("操作者", max_length=150)
    created_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        verbose_name = "记账凭证"
        verbose_name_plural = "记账凭证"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"JZ{self.pk:08d}" if self.pk else "JZ（未保存）"


class Posting(models.Model):
    """One line of a transaction. Never updated, never deleted."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    # The transaction's date, copied so balances by date read one indexed table.
    date = models.DateField("记账日期")
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    fund_source = models.ForeignKey(
        FundSource, verbose_name="资金来源", on_delete=models.PROTECT, related_name="postings"
    )
    account = models.CharField("科目", max_length=16, choices=Account.choices)
    amount = MoneyField("金额", allow_negative=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name="个案", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The project or specific-aid plan an aid posting pays (SPEC §4). Their apps grow by their
    # own migrations: the posting only points at the row, so the ledger never needs rewriting.
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT,
        related_name="postings",
    )  # fmt: skip
    plan = models.ForeignKey(
        "specific.Plan", verbose_name="特定帮扶计划", null=True, blank=True, on_delete=models.PROTECT,
        related_name="postings",
    )  # fmt: skip

    class Meta:
        verbose_name = "分录"
        verbose_name_plural = "分录"
        ordering = ["transaction_id", "id"]
        indexes = [models.Index(fields=["org", "fund_source", "account", "date"], name="posting_balance")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.account} {self.amount}"


class Allocation(models.Model):
    """资金下拨 foundation → district → street under a signed agreement."""

    agreement = models.ForeignKey(
        Agreement, verbose_name="协议", on_delete=models.PROTECT, related_name="allocations"
    )
    from_org = models.ForeignKey(
        "orgs.Organisation", verbose_name="拨出单位", on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "orgs.Organisation", verbose_name="拨入单位", on_delete=models.PROTECT, related_name="+"
    )
    fund_source = models.ForeignKey(
        FundSource, verbose_name="资金来源", on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField("金额")
    date = models.DateField("下拨日期")
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="allocation")

    class Meta:
        verbose_name = "资金下拨"
        verbose_name_plural = "资金下拨"
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")]

    def __str__(self) -> str:
        return f"下拨 {self.from_org_id}→{self.to_org_id} {self.amount}"


class MonthlyReport(models.Model):
    """业务及资金使用报表 of one district or street for one month, as filed (沪民救发〔2025〕1号 四(二)
    区、街镇帮扶组织每月按时填报): the figures computed from the ledger and the cases at filing time
    (`figures`, a snapshot), reviewed by the level above (street → district, district → foundation).
    A returned report is filed again on the same row; every filing and review is in the audit log
    with its figures, and `ledger verify` recomputes accepted reports against their snapshot."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已报送·待审核"
        ACCEPTED = "accepted", "审核通过"
        RETURNED = "returned", "已退回"

    org = models.ForeignKey(
        "orgs.Organisation", verbose_name="填报单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    figures = models.JSONField("报表数据（报送时快照）")
    filings = models.PositiveSmallIntegerField("报送次数", default=1)
    note = models.TextField("填报说明", blank=True)
    first_filed_at = models.DateTimeField("首次报送时间")
    filed_at = models.DateTimeField("报送时间")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    remarks = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "业务及资金使用报表"
        verbose_name_plural = "业务及资金使用报表"
        ordering = ["-year", "-month", "org__code"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "month"], name="one_report_per_org_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="report_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}年{self.month}月业务及资金使用报表"

    @property
    def due(self):
        from .reports.monthly import due_date

        return due_date(self.year, self.month)

    @property
    def filed_late(self) -> bool:
        from django.utils import timezone

        return timezone.localtime(self.first_filed_at).date() > self.due
