"""The audit log is append-only, in the ORM and in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.audit.services import audit_record


@pytest.fixture
def entry(cast):
    return audit_record(actor=Actor.system("test"), action="create", target=cast.intake_a, after={"x": 1})


def test_orm_refuses_update_and_delete(entry):
    entry.note = "changed"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_database_refuses_raw_update_and_delete(entry):
    for sql in (
        "UPDATE audit_auditentry SET note = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_auditor_reads_the_log_and_a_street_worker_cannot(login, cast, entry):
    assert login(cast.auditor_city).get("/audit/").status_code == 200
    assert login(cast.intake_a).get("/audit/").status_code == 403
