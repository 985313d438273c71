"""Project aid 项目帮扶 (SPEC §4, city notice 二(二)): one class of people, one plan.

For now the project is what the ledger points at: a fund source earmarked for a project and
the aid postings of a project refer to this row, so the filing, enrolment, batches and
evaluation added later extend it by their own migrations and never touch the ledger.
"""

from django.db import models

from bangfu.orgs.models import OrgKind

# SPEC §4: a project is the foundation's or a district organisation's.
OWNER_KINDS = (OrgKind.FOUNDATION, OrgKind.DISTRICT)


class Project(models.Model):
    code = models.CharField("项目编号", max_length=64, unique=True)
    title = models.CharField("项目名称", max_length=200)
    owner = models.ForeignKey(
        "orgs.Organisation", verbose_name="项目主体", on_delete=models.PROTECT, related_name="projects",
        limit_choices_to={"kind__in": OWNER_KINDS},
    )  # fmt: skip
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮扶项目"
        verbose_name_plural = "帮扶项目"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
