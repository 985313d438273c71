"""A district's policy versions and their dated parameter values (SPEC §6).

A version belongs to a district and has a validity period; its parameters hold values keyed
by the date they start, each with the clause it comes from. Published versions never change:
the services refuse it and database triggers (migration 0002) refuse it for anyone going
around them. Versions of one district never overlap (checked when publishing).
"""

import re

from django.conf import settings
from django.db import models

from .parameters import DatedValue, PolicyData, parameter_label

# A version's code: letters (Chinese too), digits, `-` and `_`, as a unicode slug; it names the
# version in its address (/policy/长宁-2022/), so no space and no slash.
VERSION_CODE = re.compile(r"[-\w]+")
VERSION_CODE_RULE = "版本编号只能由汉字、字母、数字、连字符（-）和下划线组成，不能有空格、斜杠或其他符号。"


class Policy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REVIEW = "review", "待审核"
        PUBLISHED = "published", "已发布"

    code = models.SlugField(
        "版本编号", max_length=64, unique=True, allow_unicode=True, help_text="如 changning-2016 或 长宁-2022"
    )
    district = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="区",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "district"},
        related_name="policies",
    )
    title = models.CharField("标题", max_length=200)
    document = models.CharField("文号", max_length=100, help_text="如 长民发〔2016〕31号")
    valid_from = models.DateField("施行日期")
    valid_to = models.DateField("有效期至")
    validity_reference = models.CharField("有效期依据", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    builtin = models.BooleanField("内置", default=False, editable=False)
    review_note = models.TextField("审核意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone who wrote any part of this version: none of them may publish it (four eyes).
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="编写人", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "政策版本"
        verbose_name_plural = "政策版本"
        ordering = ["district__code", "-valid_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="policy_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    def delete(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED:
            raise ValueError("已发布的政策版本不能删除：旧版本须保留，供按其决定的个案查阅。")
        return super().delete(*args, **kwargs)

    @property
    def published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def as_data(self) -> PolicyData:
        """The plain-data form the engine reads (values must be prefetched or are queried here)."""
        return PolicyData(
            code=self.code,
            district=self.district.code,
            title=self.title,
            document=self.document,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            validity_reference=self.validity_reference,
            values=tuple(
                DatedValue(v.name, v.start, v.value, v.reference, v.generally)
                for v in sorted(self.values.all(), key=lambda v: (v.name, v.start))
            ),
        )


class ParameterValue(models.Model):
    """One value of one parameter, from `start` until the next value of the same parameter."""

    policy = models.ForeignKey(
        Policy, verbose_name="政策版本", on_delete=models.CASCADE, related_name="values"
    )
    name = models.CharField("参数", max_length=64)
    start = models.DateField("起始日期")
    value = models.CharField("取值", max_length=500, help_text="金额如 20000.00；比例如 0.60；代码用逗号分隔")
    reference = models.CharField("依据条款", max_length=200, help_text="如 长民发〔2016〕31号 三(一)1")
    generally = models.BooleanField(
        "“一般”限额", default=False, help_text="文件写“一般”：可书面说明理由并经区审批后突破"
    )

    class Meta:
        verbose_name = "参数取值"
        verbose_name_plural = "参数取值"
        ordering = ["name", "start"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name", "start"], name="policy_value_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.name} 自 {self.start}：{self.value}"

    @property
    def label(self) -> str:
        return parameter_label(self.name)
