"""The tables taken over from cases get discovery's own names (cases_screeningvisit →
discovery_screeningvisit, cases_lead → discovery_lead): a rename, the rows stay, and the
foreign keys that point at them (a case's source visit, a lead's visit) follow the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_discovery_models_moved_out"),
        ("discovery", "0001_screening_visits_and_leads_from_cases"),
    ]

    operations = [
        migrations.AlterModelTable(name="screeningvisit", table=None),
        migrations.AlterModelTable(name="lead", table=None),
    ]
