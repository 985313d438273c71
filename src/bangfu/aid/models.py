"""The aid record (SPEC §4): one row per delivery of aid to a household — a case payment, a
project batch item, a specific-aid delivery — and the one answer to "what did this household
receive" (the engine's `prior_aid`, the caps of the case procedure, the household file, the
monthly report).

Append-only: a record is never changed or deleted (the model refuses it, and the database, by
the triggers of migration 0002); a mistake is undone by a reversal record (negative value,
`reverses` set), written with the reversal of its ledger transaction.
"""

from django.db import models
from django.db.models import Q

from bangfu.core.money import MoneyField


class AidForm(models.TextChoices):
    CASE = "case", "个案帮扶"
    PROJECT = "project", "项目帮扶"
    SPECIFIC = "specific", "特定帮扶"


class AidKind(models.TextChoices):
    MONEY = "money", "资金"
    GOODS = "goods", "实物"
    SERVICE = "service", "服务"


# What an annual amount cap counts of a record (长民发〔2016〕31号 三(四) 全年累计帮扶资金; SPEC §4):
# money, and goods at their value. A service's value is recorded and shown, never counted.
AMOUNT_KINDS = (AidKind.MONEY, AidKind.GOODS)


class AppendOnly(Exception):
    """An aid record was asked to change or go: it may only be reversed by a new record."""


class AidRecord(models.Model):
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="aid_records"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="受助成员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    form = models.CharField("帮扶形式", max_length=10, choices=AidForm.choices)
    kind = models.CharField("帮扶方式", max_length=10, choices=AidKind.choices)
    # Money at its amount, goods and services at their value; negative only on a reversal.
    value = MoneyField("价值", allow_negative=True)
    hours = models.DecimalField("服务时数", max_digits=8, decimal_places=2, null=True, blank=True)
    date = models.DateField("帮扶日期")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name="实施单位", on_delete=models.PROTECT, related_name="+"
    )
    # The source that paid; for a case payment drawn on several sources, the first in draw
    # order (the ledger transaction has the split). Empty for goods or services not from a fund.
    fund_source = models.ForeignKey(
        "funds.FundSource", verbose_name="资金来源", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    ledger_transaction = models.ForeignKey(
        "funds.Transaction", verbose_name="记账凭证", null=True, blank=True, on_delete=models.PROTECT,
        related_name="aid_records",
    )  # fmt: skip
    # The row the record comes from: a case payment, a project batch item; specific-aid
    # deliveries add their own.
    case_payment = models.ForeignKey(
        "cases.Payment", verbose_name="个案发放", null=True, blank=True, on_delete=models.PROTECT,
        related_name="aid_records",
    )  # fmt: skip
    project_item = models.ForeignKey(
        "projects.BatchItem", verbose_name="项目发放明细", null=True, blank=True, on_delete=models.PROTECT,
        related_name="aid_records",
    )  # fmt: skip
    reverses = models.OneToOneField(
        "self", verbose_name="冲销的帮扶记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="reversed_by",
    )  # fmt: skip
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮扶记录"
        verbose_name_plural = "帮扶记录"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["household", "date"], name="aid_household_date")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="money") | Q(ledger_transaction__isnull=False), name="aid_money_posted"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, value__gte=0) | Q(reverses__isnull=False, value__lte=0),
                name="aid_negative_only_reversal",
            ),
            models.CheckConstraint(
                # Hours are a service's; a reversal takes them back with the value.
                condition=Q(hours__isnull=True)
                | Q(kind="service", reverses__isnull=True, hours__gte=0)
                | Q(kind="service", reverses__isnull=False, hours__lte=0),
                name="aid_hours_service",
            ),
            models.CheckConstraint(
                condition=~Q(form="case") | Q(case_payment__isnull=False), name="aid_case_has_payment"
            ),
            # A payment is one delivery: one original record (its reversal is the other row).
            models.UniqueConstraint(
                fields=["case_payment"], condition=Q(reverses__isnull=True), name="aid_one_per_case_payment"
            ),
            models.UniqueConstraint(
                fields=["project_item"], condition=Q(reverses__isnull=True), name="aid_one_per_project_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.household_id} {self.date} {self.value}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("帮扶记录不能修改；如有错误，请冲销后重新记录。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("帮扶记录不能删除；如有错误，请冲销后重新记录。")
