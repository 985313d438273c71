"""Migration policy/0004: a database loaded before the cap forms existed gets the two values
of changning-2016 added to its published version, once, with the insert guard back after it."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, transaction

from bangfu.audit.models import AuditEntry
from bangfu.policy.models import ParameterValue, Policy

pytestmark = pytest.mark.django_db

migration = importlib.import_module("bangfu.policy.migrations.0004_changning_2016_cap_forms")


class _Editor:
    """What the migration uses of a schema editor: the connection and `execute`."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_cap_forms_are_added_to_the_published_version_that_lacks_them():
    policy = Policy.objects.get(code="changning-2016")
    assert policy.status == Policy.Status.PUBLISHED
    # The version as a database loaded before them holds it (DELETE is not guarded by the trigger).
    ParameterValue.objects.filter(policy=policy, name__in=migration.NAMES).delete()

    migration.add_cap_forms(apps, _Editor())

    values = dict(
        ParameterValue.objects.filter(policy=policy, name__in=migration.NAMES).values_list("name", "value")
    )
    assert values == {"annual.max_events.forms": "case", "annual.max_amount.forms": "case,project"}
    entry = AuditEntry.objects.filter(
        target_type="policy.policy", target_id=str(policy.pk), action="update"
    ).get()
    assert "annual.max_events.forms = case" in entry.note
    migration.add_cap_forms(apps, _Editor())  # nothing missing: nothing added, nothing logged
    assert ParameterValue.objects.filter(policy=policy, name__in=migration.NAMES).count() == 2
    assert AuditEntry.objects.filter(target_type="policy.policy", action="update").count() == 1
    # The guard is back: the published version takes no other value.
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        ParameterValue.objects.create(
            policy=policy, name="panel.min_members", start=date(2018, 1, 1), value="5", reference="x"
        )
