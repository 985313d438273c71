"""A version's code may be Chinese (长宁-2022): a unicode slug.

Only the field's validation changes, not its column (varchar(64) either way). Said to the state
alone: on SQLite an AlterField rebuilds the table, which would drop the triggers of 0002 that
keep a published version unchanged.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0004_changning_2016_cap_forms"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="policy",
                    name="code",
                    field=models.SlugField(
                        allow_unicode=True,
                        help_text="如 changning-2016 或 长宁-2022",
                        max_length=64,
                        unique=True,
                        verbose_name="版本编号",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
