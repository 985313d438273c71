"""Load the default 1+17+X organisation tree from the shipped 2023 division list."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangfu.orgs.network import load_network

    load_network(apps.get_model("orgs", "Organisation"))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
