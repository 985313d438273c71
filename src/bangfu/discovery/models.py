"""Active discovery (主动发现, SPEC §3): screening visits and the leads they follow up.

The tables were created by the cases app and kept, with their rows, when discovery became an
app of its own (migrations 0001 and 0002 here, cases 0003).
"""

from django.conf import settings
from django.db import models

from bangfu.core.dates import cn_date


class Finding(models.TextChoices):
    NONE = "none", "无异常"
    SUDDEN_ILLNESS = "sudden_illness", "突发疾病"
    ACCIDENT = "accident", "意外事故"
    JOB_LOSS = "job_loss", "失业"
    HOUSING = "housing", "住房困难"
    OTHER = "other", "其他困难"


class ScreeningVisit(models.Model):
    """定期排摸 (沪民救发〔2025〕1号 三(二)2)."""

    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="screening_visits"
    )
    street = models.ForeignKey(
        "orgs.Organisation", verbose_name="街镇", on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("排摸日期")
    finding = models.CharField("发现情况", max_length=16, choices=Finding.choices)
    notes = models.TextField("情况记录", blank=True)
    next_visit_due = models.DateField("下次排摸日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="排摸人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "排摸记录"
        verbose_name_plural = "排摸记录"
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_latest")]

    def __str__(self) -> str:
        return f"排摸 {self.household_id} {cn_date(self.visited_on)}"


class LeadSource(models.TextChoices):
    NEW_DIBAO = "new_dibao", "新纳入低保"
    SERIOUS_ILLNESS = "serious_illness", "新发大重病"
    LARGE_MEDICAL_EXPENSE = "large_medical", "大额医疗支出"
    REFERRAL = "referral", "居委会/志愿者转介"


class Lead(models.Model):
    """A signal for the street to follow (SPEC §3)."""

    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="leads"
    )
    street = models.ForeignKey(
        "orgs.Organisation", verbose_name="街镇", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("线索来源", max_length=16, choices=LeadSource.choices)
    description = models.TextField("线索内容")
    raised_at = models.DateTimeField("发现时间", auto_now_add=True)
    closed_at = models.DateTimeField("处理时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField("处理结果", blank=True)
    visit = models.ForeignKey(
        ScreeningVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="leads_followed"
    )

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"线索 {self.household_id} {self.get_source_display()}"
