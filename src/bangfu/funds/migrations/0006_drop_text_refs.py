"""The text references are gone (carried over in 0005); a source is earmarked for a project or a
plan, never both.

Dropping a plain column is done in place on both backends, but adding the check constraint
rebuilds funds_fundsource on SQLite, and undoing this migration rebuilds funds_posting there,
hence `around` (the guards lifted for the migration and put back at its end, inside its
transaction)."""

from django.db import migrations, models

from ._guards import around


class Migration(migrations.Migration):
    dependencies = [("funds", "0005_carry_refs_over")]

    operations = around(
        [
            migrations.RemoveField(model_name="fundsource", name="project_ref"),
            migrations.RemoveField(model_name="fundsource", name="plan_ref"),
            migrations.RemoveField(model_name="posting", name="project_ref"),
            migrations.RemoveField(model_name="posting", name="plan_ref"),
            migrations.AddConstraint(
                model_name="fundsource",
                constraint=models.CheckConstraint(
                    condition=models.Q(("project__isnull", True), ("plan__isnull", True), _connector="OR"),
                    name="fund_source_one_earmark",
                ),
            ),
        ]
    )
