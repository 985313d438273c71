"""Screening visits and leads now belong to the discovery app (discovery 0001 took over the
tables): they leave the cases app's state only, and a case's source visit points there. The
database is not touched; the foreign key keeps pointing at the same table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_money_append_only"),
        ("discovery", "0001_screening_visits_and_leads_from_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="source_visit",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="discovery.screeningvisit",
                        verbose_name="来源排摸",
                    ),
                ),
                migrations.DeleteModel(name="Lead"),
                migrations.DeleteModel(name="ScreeningVisit"),
            ],
        ),
    ]
