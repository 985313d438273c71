"""Case aid (个案帮扶, SPEC §5): the records.

The procedure itself (states, who may move a case, what each step needs) is the table in
`workflow.py`; these models hold what each step leaves behind. Money is `MoneyField`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from bangfu.core.dates import cn_date
from bangfu.core.money import MoneyField


class CaseState(models.TextChoices):
    APPLIED = "applied", "待调查"
    REVIEWING = "reviewing", "待评议"
    APPROVING_STREET = "approving_street", "待街镇审批"
    APPROVING_DISTRICT = "approving_district", "待区服务社审批"
    APPROVED = "approved", "待发放"
    PAID = "paid", "已发放·待回访"
    CLOSED = "closed", "已结案"
    REJECTED = "rejected", "未予帮扶"
    WITHDRAWN = "withdrawn", "已撤回"


# States in which a case counts against the household's annual caps: the money is
# promised (approved) or gone (paid, closed). 长民发〔2016〕31号 三(四).
COMMITTED_STATES = (CaseState.APPROVED, CaseState.PAID, CaseState.CLOSED)
OPEN_STATES = (
    CaseState.APPLIED,
    CaseState.REVIEWING,
    CaseState.APPROVING_STREET,
    CaseState.APPROVING_DISTRICT,
    CaseState.APPROVED,
    CaseState.PAID,
)


class AidType(models.TextChoices):
    MEDICAL = "medical", "大重病医疗帮扶"
    INSURANCE_SUPPLEMENT = "insurance_supplement", "补缴金帮扶"
    EMERGENCY = "emergency", "突发事件帮扶"
    OTHER = "other", "其他帮扶"


class EmergencyEvent(models.TextChoices):
    FIRE = "fire", "火灾"
    DROWNING = "drowning", "溺水"
    TRAFFIC = "traffic", "车祸"
    OTHER_MAJOR = "other_major", "其他重大事故"


class Case(models.Model):
    number = models.CharField("个案编号", max_length=24, unique=True, null=True, blank=True)
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="cases"
    )
    # The street that handles the case: the one where the application was made (户籍所在街镇,
    # 长民发〔2016〕31号 四(一)). Scoping goes through this field.
    street = models.ForeignKey(
        "orgs.Organisation", verbose_name="受理街镇", on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        "registry.Person", verbose_name="申请人", on_delete=models.PROTECT, related_name="applications"
    )
    aid_type = models.CharField("帮扶类型", max_length=24, choices=AidType.choices)
    state = models.CharField(
        "状态", max_length=20, choices=CaseState.choices, default=CaseState.APPLIED, db_index=True
    )
    application_date = models.DateField("申请日期")
    hardship = models.TextField("困难情况")
    requested_amount = MoneyField("申请金额", null=True, blank=True)
    # 补缴金帮扶 (三(二)): the personal share to be paid in.
    personal_share = MoneyField("个人需补缴金额", null=True, blank=True)
    # 突发事件帮扶 (三(三)).
    emergency_event = models.CharField("突发事件", max_length=12, choices=EmergencyEvent.choices, blank=True)
    casualty_or_major_loss = models.BooleanField("造成人员伤亡或重大财产损失", default=False)

    # Fast track: 沪民救发〔2025〕1号 三(二)4 — no home investigation for these categories.
    fast_track = models.BooleanField("快速帮扶（免上门调查）", default=False)
    fast_track_reason = models.TextField("免调查理由", blank=True)
    # Help first, paperwork later: 沪民救发〔2025〕1号 三(二)4 先帮扶、事后补办手续.
    help_first = models.BooleanField("先帮扶后补办", default=False)
    help_first_reason = models.TextField("先帮扶理由", blank=True)
    paperwork_due = models.DateField("补办期限", null=True, blank=True)

    # The engine's answer (SPEC §6), kept as given, and when it was asked.
    proposal = models.JSONField("政策测算", null=True, blank=True)
    proposal_at = models.DateTimeField("测算时间", null=True, blank=True)
    approval_level = models.CharField("审批层级", max_length=10, blank=True)
    approved_amount = MoneyField("核定金额", null=True, blank=True)
    # A "generally" limit exceeded (三(三), 三(四), 四(三)): written reason, district approval.
    exception_reason = models.TextField("突破一般限额的理由", blank=True)

    source_visit = models.ForeignKey(
        "discovery.ScreeningVisit",
        verbose_name="来源排摸",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("受理时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个案"
        verbose_name_plural = "个案"
        indexes = [
            models.Index(fields=["street", "state", "-id"], name="case_street_queue"),
            models.Index(fields=["household", "application_date"], name="case_household_year"),
            # The case list's default order (newest application first), street by street.
            models.Index(fields=["street", "-application_date", "-id"], name="case_street_applied"),
            # Across streets the same order is `case_applied_newest`, PostgreSQL's only (migration 0006).
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(help_first=False) | Q(paperwork_due__isnull=False),
                name="help_first_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"个案#{self.pk}"


class Transition(models.Model):
    """Every state change (and every recorded step), kept: who, when, from, to, comment."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField("操作", max_length=24)
    from_state = models.CharField("原状态", max_length=20, choices=CaseState.choices)
    to_state = models.CharField("新状态", max_length=20, choices=CaseState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("操作者", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "流转记录"
        verbose_name_plural = "流转记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.from_state}→{self.to_state}"


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "医疗发票"
    MEDICAL_HISTORY = "medical_history", "病史材料"
    DISASTER_PROOF = "disaster_proof", "受灾情况证明"
    INCOME_ASSETS = "income_assets", "家庭收入、财产证明"
    AID_RECEIVED = "aid_received", "社会救助、帮困情况证明"
    INSURANCE = "insurance", "补缴社保金证明"
    RECEIPT = "receipt", "签收单"
    OTHER = "other", "其他材料"


def document_path(instance, filename: str) -> str:
    # Under MEDIA_ROOT/<case id>/, with a random name: the original name is kept in the row,
    # never trusted as a path.
    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[instance.content_type]
    return f"{instance.case_id}/{uuid.uuid4().hex}{ext}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("材料类型", max_length=20, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to=document_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class FeeType(models.TextChoices):
    TREATMENT = "treatment", "治疗费"
    MEDICINE = "medicine", "药费"
    EXAMINATION = "examination", "检查费"
    SURGERY = "surgery", "手术费"
    NURSING = "nursing", "陪护费"
    NUTRITION = "nutrition", "营养费"
    OTHER = "other", "其他费用"


class Invoice(models.Model):
    """One medical invoice, entered line by line (长民发〔2016〕31号 四(一))."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField("发票号码", max_length=40)
    hospital = models.CharField("医院", max_length=100)
    # Normalised copies (no spaces, upper case) for the city-wide duplicate look-up.
    number_key = models.CharField(max_length=40, editable=False)
    hospital_key = models.CharField(max_length=100, editable=False)
    regular_hospital = models.BooleanField("正规医院", default=True)
    date = models.DateField("开票日期")
    fee_type = models.CharField("费用类型", max_length=12, choices=FeeType.choices)
    total = MoneyField("总金额")
    reimbursed = MoneyField("医保及其他报销", default=0)
    self_paid = MoneyField("自负金额")
    document = models.ForeignKey(
        Document, verbose_name="发票扫描件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The same invoice in another case is blocked unless the district lets it through.
    duplicate_override_reason = models.TextField("重复发票放行理由", blank=True)
    duplicate_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="放行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "医疗发票"
        verbose_name_plural = "医疗发票"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["hospital_key", "number_key"], name="invoice_dup_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "hospital_key", "number_key"], name="invoice_once_per_case"
            ),
            models.CheckConstraint(
                condition=Q(self_paid__lte=models.F("total")), name="invoice_self_paid_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} {self.number}"


class Investigation(models.Model):
    """调查情况表 (长民发〔2016〕31号 四(二))."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="investigation")
    visited_on = models.DateField("调查日期")
    income = models.TextField("家庭收入情况")
    income_sources = models.TextField("经济来源")
    daily_life = models.TextField("日常生活情况")
    housing = models.TextField("住房情况")
    committee_opinion = models.TextField("居委会意见", blank=True)
    plan = models.TextField("帮扶方案建议")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="调查人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "调查情况"
        verbose_name_plural = "调查情况"

    def __str__(self) -> str:
        return f"调查 {self.case_id}"


class PanelMemberKind(models.TextChoices):
    CADRE = "cadre", "街镇救助干部"
    COMMITTEE_CADRE = "committee_cadre", "居（村）委干部"
    BUILDING_HEAD = "building_head", "楼组长"
    VOLUNTEER = "volunteer", "社区志愿者"
    RESIDENT = "resident", "居民代表"


class PanelMember(models.Model):
    """The street's roster of review-panel members (沪民救发〔2025〕1号 三(二)3)."""

    street = models.ForeignKey(
        "orgs.Organisation", verbose_name="街镇", on_delete=models.PROTECT, related_name="panel_members"
    )
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("身份", max_length=16, choices=PanelMemberKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", null=True, blank=True, on_delete=models.PROTECT
    )
    active = models.BooleanField("在任", default=True)

    class Meta:
        verbose_name = "评审小组成员"
        verbose_name_plural = "评审小组成员"
        ordering = ["street", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class PanelConclusion(models.TextChoices):
    AID = "aid", "予以帮扶"
    REJECT = "reject", "不予帮扶"


class PanelReview(models.Model):
    """评审会议记录 (长民发〔2016〕31号 四(三))."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="panel_review")
    meeting_date = models.DateField("会议日期")
    introduction = models.TextField("情况介绍")
    documents_examined = models.TextField("查看的凭证")
    discussion = models.TextField("讨论情况")
    conclusion = models.CharField("评审结论", max_length=8, choices=PanelConclusion.choices)
    amount = MoneyField("评议金额", null=True, blank=True)
    minutes = models.TextField("会议记录")
    fewer_members_reason = models.TextField("不足七人的理由", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审会议"
        verbose_name_plural = "评审会议"

    def __str__(self) -> str:
        return f"评审 {self.case_id} {cn_date(self.meeting_date)}"


class Opinion(models.TextChoices):
    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"
    ABSTAIN = "abstain", "弃权"


class PanelAttendance(models.Model):
    review = models.ForeignKey(PanelReview, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(PanelMember, verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField("意见", max_length=8, choices=Opinion.choices)
    remark = models.CharField("意见说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "出席与意见"
        verbose_name_plural = "出席与意见"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="member_once_per_review")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.opinion}"


class Tier(models.TextChoices):
    STREET = "street", "街镇综合帮扶工作组"
    DISTRICT = "district", "区服务社"


class Decision(models.TextChoices):
    APPROVE = "approve", "批准"
    REFER = "refer", "报区服务社审批"
    REJECT = "reject", "不予批准"


class Approval(models.Model):
    """One row per (case, tier), as Hypha does for its approval tiers."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    tier = models.CharField("层级", max_length=10, choices=Tier.choices)
    decision = models.CharField("决定", max_length=8, choices=Decision.choices)
    amount = MoneyField("金额", null=True, blank=True)
    reason = models.TextField("意见", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("审批时间", auto_now_add=True)

    class Meta:
        verbose_name = "审批"
        verbose_name_plural = "审批"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "tier"], name="one_approval_per_tier")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} {self.get_decision_display()}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "银行转账"


class Payment(models.Model):
    """The one payment of a case (长民发〔2016〕31号 四(四)). `case` is unique: a case pays once."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="payment")
    amount = MoneyField("发放金额")
    method = models.CharField("发放方式", max_length=8, choices=PaymentMethod.choices)
    # Issued with the payment form; a retried or double-clicked submission carries the same key.
    idempotency_key = models.UUIDField("幂等键", unique=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发放人", on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField("发放时间", auto_now_add=True)
    receipt = models.ForeignKey(
        Document, verbose_name="签收单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_kind = models.CharField(
        "签收方式", max_length=10, blank=True, choices=[("upload", "上传签字页"), ("signature", "屏幕签名")]
    )
    receipt_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        verbose_name = "发放"
        verbose_name_plural = "发放"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"发放 {self.case_id} {self.amount}"


class PaymentRecord(models.Model):
    """The hand-over to the fund ledger (SPEC §7): an outbox row written in the payment's own
    transaction, so a payment without its record (or the reverse) cannot exist. The funds
    app posts each row to the ledger once, by `event_id`, and sets `posted_at`."""

    event_id = models.UUIDField("事件编号", unique=True, default=uuid.uuid4, editable=False)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="record")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    amount = MoneyField("金额")
    aid_type = models.CharField("帮扶类型", max_length=24, choices=AidType.choices)
    category = models.CharField("家庭类别", max_length=16)
    paid_on = models.DateField("发放日期")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField("入账时间", null=True, blank=True, db_index=True)
    ledger_reference = models.CharField("记账凭证", max_length=64, blank=True)

    class Meta:
        verbose_name = "待入账发放记录"
        verbose_name_plural = "待入账发放记录"

    def __str__(self) -> str:
        return str(self.event_id)


class FollowUp(models.Model):
    """回访 (沪民救发〔2025〕1号 三(二)1): scheduled at payment with a due date."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    due_date = models.DateField("回访期限")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
    )
    done_at = models.DateTimeField("回访时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField("帮扶效果", blank=True)
    feedback = models.TextField("家庭反馈", blank=True)
    further_needs = models.TextField("进一步需求", blank=True)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["done_at", "due_date"], name="followup_open_due")]

    def __str__(self) -> str:
        return f"回访 {self.case_id} {cn_date(self.due_date)}"


class PreReview(models.Model):
    """综合帮扶预审表 (长民发〔2016〕31号 四(二)): after the investigation (or the fast track) the
    street submits the form to the district service society (区服务社).

    `content` is the form as submitted, a snapshot: the district reads what the street sent,
    not what the case says later. The district's remarks are advisory: no state waits for
    them, and the street approves up to its limit without them (四(三))."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="pre_review")
    content = models.JSONField("预审表内容")
    # The engine's recommended amount at submission, as money (also inside `content`).
    proposed_amount = MoneyField("测算建议金额", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "综合帮扶预审表"
        verbose_name_plural = "综合帮扶预审表"
        indexes = [models.Index(fields=["-submitted_at", "-id"], name="prereview_newest")]

    def __str__(self) -> str:
        return f"预审表 {self.case_id}"


class PreReviewRemark(models.Model):
    """A remark of the district service society on a pre-review form (advisory)."""

    pre_review = models.ForeignKey(PreReview, on_delete=models.PROTECT, related_name="remarks")
    text = models.TextField("意见")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="区服务社审批人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "预审意见"
        verbose_name_plural = "预审意见"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"预审意见 {self.pre_review_id}"
