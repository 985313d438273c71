"""Load the built-in policy 长民发〔2016〕31号 (`changning-2016`) from params/changning-2016.toml."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bangfu.policy.builtin import load_builtin

    load_builtin(
        "changning-2016",
        Organisation=apps.get_model("orgs", "Organisation"),
        Policy=apps.get_model("policy", "Policy"),
        ParameterValue=apps.get_model("policy", "ParameterValue"),
        AuditEntry=apps.get_model("audit", "AuditEntry"),
    )


def backwards(apps, schema_editor):
    # Values first (their version is published, so the cascade would go through the model);
    # the audit entry stays: the log is append-only.
    Policy = apps.get_model("policy", "Policy")
    apps.get_model("policy", "ParameterValue").objects.filter(policy__code="changning-2016").delete()
    Policy.objects.filter(code="changning-2016").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0002_published_immutable"),
        ("orgs", "0002_load_network"),
        ("audit", "0003_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
