"""Fund sources and postings point at the project (projects.Project) or specific-aid plan
(specific.Plan) they are for, instead of a text reference: the columns are added here, the
references carried over in 0005, the text columns dropped in 0006.

Nullable foreign keys are added in place on both backends (ALTER TABLE ADD COLUMN); undoing
this migration rebuilds funds_posting on SQLite, hence `around` (the guards lifted for the
migration and put back at its end, inside its transaction)."""

import django.db.models.deletion
from django.db import migrations, models

from ._guards import around


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0003_reports"),
        ("projects", "0001_initial"),
        ("specific", "0001_initial"),
    ]

    operations = around(
        [
            migrations.AddField(
                model_name="fundsource",
                name="project",
                field=models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="fund_sources",
                    to="projects.project",
                    verbose_name="限用项目",
                ),
            ),
            migrations.AddField(
                model_name="fundsource",
                name="plan",
                field=models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="fund_sources",
                    to="specific.plan",
                    verbose_name="限用特定帮扶计划",
                ),
            ),
            migrations.AddField(
                model_name="posting",
                name="project",
                field=models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="postings",
                    to="projects.project",
                    verbose_name="项目",
                ),
            ),
            migrations.AddField(
                model_name="posting",
                name="plan",
                field=models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="postings",
                    to="specific.plan",
                    verbose_name="特定帮扶计划",
                ),
            ),
        ]
    )
