"""Which forms of aid each annual cap of `changning-2016` counts (SPEC §4, 长民发〔2016〕31号
三(四)): `annual.max_events.forms` = case, `annual.max_amount.forms` = case, project.

A fresh database has them already: migration 0003 loads the data file, which now holds them,
and this one then finds nothing to add. A database loaded before they existed holds the
version as published then; a published version's values cannot be inserted (migration 0002's
trigger, which the loader works with by writing values before publishing, and which a
published version cannot go back from). This migration is the one deliberate exception: it
adds exactly the two values the file now holds, only where they are missing, lifting the
insert guard for the length of its own database transaction and putting it back before it
ends, and records the addition in the audit log. No value the version had changes, and the
engine's answer for every request it took before is the same (docs/policy.md).
"""

from django.db import migrations

CODE = "changning-2016"
NAMES = ("annual.max_events.forms", "annual.max_amount.forms")

SQLITE_INSERT_GUARD = """CREATE TRIGGER policy_value_published_no_insert BEFORE INSERT ON policy_parametervalue
        WHEN (SELECT status FROM policy_policy WHERE id = NEW.policy_id) = 'published'
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;"""  # as in 0002


def add_cap_forms(apps, schema_editor):
    from bangfu.policy.builtin import snapshot
    from bangfu.policy.parameters import builtin_policy

    Policy = apps.get_model("policy", "Policy")
    ParameterValue = apps.get_model("policy", "ParameterValue")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    policy = Policy.objects.filter(code=CODE).first()
    if policy is None:
        return
    have = set(ParameterValue.objects.filter(policy=policy, name__in=NAMES).values_list("name", flat=True))
    data = builtin_policy(CODE)
    missing = [v for v in data.values if v.name in NAMES and v.name not in have]
    if not missing:
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # ALTER TABLE refuses to run with trigger events pending (the deferred foreign-key
        # checks of rows written before it in this transaction): run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if policy.status == "published":
        if postgres:
            schema_editor.execute(
                "ALTER TABLE policy_parametervalue DISABLE TRIGGER policy_value_published_no_change"
            )
        else:
            schema_editor.execute("DROP TRIGGER policy_value_published_no_insert")
    ParameterValue.objects.bulk_create(
        ParameterValue(
            policy=policy,
            name=v.name,
            start=v.start,
            value=v.text,
            reference=v.reference,
            generally=v.generally,
        )
        for v in missing
    )
    if policy.status == "published":
        if postgres:
            schema_editor.execute(
                "ALTER TABLE policy_parametervalue ENABLE TRIGGER policy_value_published_no_change"
            )
        else:
            schema_editor.execute(SQLITE_INSERT_GUARD)
    AuditEntry.objects.create(
        user=None,
        actor_label="system:migration",
        action="update",
        target_type="policy.policy",
        target_id=str(policy.pk),
        target_repr=f"{CODE}（已发布）",
        org_id=policy.district_id,
        after=snapshot(data),
        note="内置政策版本 changning-2016 补录年度上限计入的帮扶形式（长民发〔2016〕31号 三(四)）："
        + "；".join(f"{v.name} = {v.text}" for v in missing)
        + "。原有取值不变。",
    )


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_load_changning_2016")]
    # Backwards leaves the values: a published version's values are not taken away.
    operations = [migrations.RunPython(add_cap_forms, migrations.RunPython.noop)]
