"""Specific aid 特定帮扶 (SPEC §4, city notice 二(三)): a government department's plan for named
beneficiaries, paid from the department's own fund source.

For now the plan is what the ledger points at: a department's fund source and the aid
postings of a plan refer to this row, so the beneficiaries, commissions, deliveries and
settlement added later extend it by their own migrations and never touch the ledger.
"""

from django.db import models

from bangfu.orgs.models import OrgKind


class Plan(models.Model):
    code = models.CharField("计划编号", max_length=64, unique=True)
    title = models.CharField("计划名称", max_length=200)
    # Empty only on plans carried over from the ledger's former text references (funds
    # migration 0005): those recorded no department, and none could be found from the money
    # received. Every plan registered since names its department (`plan_create`).
    department = models.ForeignKey(
        "orgs.Organisation", verbose_name="职能部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="specific_plans", limit_choices_to={"kind": OrgKind.DEPARTMENT},
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "特定帮扶计划"
        verbose_name_plural = "特定帮扶计划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
