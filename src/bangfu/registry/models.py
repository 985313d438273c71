"""Households and people (建档立卡, SPEC §2).

ID numbers and bank accounts are encrypted at rest; `id_hash` is a keyed hash of the
ID number for exact look-up and for the rule that one person (ID number) is in at
most one active household, which the database enforces with a partial unique index.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from bangfu.core.crypto import EncryptedTextField, mask, mask_account
from bangfu.core.money import MoneyField


class Category(models.TextChoices):
    DIBAO = "dibao", "低保家庭"
    LOW_INCOME = "low_income", "低收入困难家庭（低保边缘）"
    RIGID_EXPENSE = "rigid_expense", "刚性支出生活困难家庭"
    OTHER = "other", "其他"


class CategorySource(models.TextChoices):
    MANUAL = "manual", "人工登记"
    MONITORING = "monitoring", "低收入人口动态监测平台"
    POLICY = "policy", "政策认定"


class Relationship(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    MERGED = "merged", "已合并"
    CLOSED = "closed", "已注销"


class Household(models.Model):
    file_number = models.CharField("档案编号", max_length=20, unique=True)
    street = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="所属街镇",
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"kind": "street"},
    )
    committee = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="居（村）委",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "committee"},
    )
    address = models.CharField("居住地址", max_length=200)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField(
        "状态", max_length=8, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE, db_index=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="建档人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "家庭档案"
        verbose_name_plural = "家庭档案"
        indexes = [
            models.Index(fields=["street", "status", "-id"], name="household_street_list"),
            # The list's default order (newest file first, merged files left out): a page of a
            # district's files is read from the index alone, and the city's from its end.
            models.Index(
                fields=["street", "-created_at", "-id"], condition=~Q(status="merged"), name="household_street_created"
            ),
            models.Index(fields=["-created_at", "-id"], condition=~Q(status="merged"), name="household_created"),
        ]

    def __str__(self) -> str:
        return self.file_number


class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number = EncryptedTextField("身份证号码")
    id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    relationship = models.CharField("与户主关系", max_length=12, choices=Relationship.choices)
    hukou_district = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="户籍区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "district"},
    )
    resides_in_district = models.BooleanField("在本区居住", default=True)
    resides_since = models.DateField("居住起始日期", null=True, blank=True)
    non_local_spouse_or_child = models.BooleanField("与本区户籍居民共同生活的外省市配偶或子女", default=False)
    disability = models.BooleanField("残疾", default=False)
    serious_illness = models.BooleanField("大重病", default=False)
    lost_work_capacity = models.BooleanField("完全丧失劳动能力", default=False)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account = EncryptedTextField("银行账号", blank=True)
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            # SPEC §2: the same person is in at most one active household.
            models.UniqueConstraint(
                fields=["id_hash"], condition=Q(active=True), name="one_active_person_per_id"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number)

    @property
    def bank_account_masked(self) -> str:
        return mask_account(self.bank_account)


class MeansKind(models.TextChoices):
    INCOME = "income", "月收入"
    ASSET = "asset", "财产"


class Means(models.Model):
    """Income and assets, each with the date it was established."""

    person = models.ForeignKey(Person, verbose_name="成员", on_delete=models.CASCADE, related_name="means")
    kind = models.CharField("类别", max_length=8, choices=MeansKind.choices)
    description = models.CharField("说明", max_length=100, blank=True)
    amount = MoneyField("金额")
    as_of = models.DateField("核定日期")

    class Meta:
        verbose_name = "收入与财产"
        verbose_name_plural = "收入与财产"
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class HouseholdCategory(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="家庭", on_delete=models.CASCADE, related_name="categories"
    )
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止", null=True, blank=True)
    source = models.CharField(
        "来源", max_length=12, choices=CategorySource.choices, default=CategorySource.MANUAL
    )
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "家庭类别"
        verbose_name_plural = "家庭类别"
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="category_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.get_category_display()

    def current_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class FileNumberCounter(models.Model):
    """The last file number issued per street; taken under a row lock so numbers never repeat."""

    street = models.OneToOneField("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.street_id}:{self.last}"
