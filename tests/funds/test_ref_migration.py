"""Migrations funds/0004–0006: the former text references on fund sources and postings become
the projects and plans they named, and the ledger's guards survive the change (SQLite rebuilds
tables for some schema changes, and a rebuilt table has lost its triggers)."""

from datetime import date

from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from bangfu.funds.models import FundSource, Posting
from bangfu.funds.verify import GUARD_TRIGGERS
from bangfu.projects.models import Project
from bangfu.specific.models import Plan

from .conftest import STREET, D

BEFORE = [("funds", "0004_project_plan_references")]  # the references still text


def _guards_missing() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return set(GUARD_TRIGGERS[connection.vendor]) - present


def _update_refused(posting_id: int) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE funds_posting SET amount = 1 WHERE id = %s", [posting_id])
    except DatabaseError:
        return True
    return False


def _old_movement(apps, *, kind, source, lines, counterparty="", key):
    """A sealed transaction as the ledger wrote it before 0005: postings carry text references."""
    Transaction = apps.get_model("funds", "Transaction")
    Posting = apps.get_model("funds", "Posting")
    day = date(2025, 3, 1)
    with transaction.atomic():
        txn = Transaction.objects.create(
            kind=kind,
            date=day,
            memo="迁移前",
            idempotency_key=key,
            actor_label="tests",
            counterparty=counterparty,
        )
        for org, account, amount, refs in lines:
            Posting.objects.create(
                transaction=txn,
                date=day,
                org=org,
                fund_source=source,
                account=account,
                amount=D(amount),
                **refs,
            )
        Transaction.objects.filter(pk=txn.pk).update(sealed=True)
    return txn


def test_the_migration_carries_the_text_references_over_and_keeps_the_guards(flushable_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # Undoing 0006 rebuilt funds_posting on SQLite: the ledger's guards are back all the same.
    # (The aid records come after 0006 and were undone with it: their guards return below.)
    assert not {name for name in _guards_missing() if not name.startswith("aid_")}
    old = executor.loader.project_state(BEFORE).apps
    Organisation = old.get_model("orgs", "Organisation")
    OldSource = old.get_model("funds", "FundSource")
    street = Organisation.objects.get(code=STREET)
    Organisation.objects.create(
        code="D-MIG", name="某委", kind="department", parent=Organisation.objects.get(code="SHMZJ")
    )
    enterprise = OldSource.objects.create(
        code="QY-OLD", name="旧企业资助", kind="enterprise", for_cases=False, project_ref="P-OLD"
    )
    department = OldSource.objects.create(
        code="BM-OLD", name="旧部门经费", kind="department", for_cases=False, plan_ref="PLAN-OLD"
    )
    OldSource.objects.create(
        code="BM-NONE", name="未到账经费", kind="department", for_cases=False, plan_ref="PLAN-NONE"
    )
    _old_movement(
        old, kind="department_funding", source=department, counterparty="某委", key="mig-1",
        lines=[(street, "fund", "300.00", {}), (street, "source", "-300.00", {})],
    )  # fmt: skip
    paid = _old_movement(
        old, kind="payment", source=department, key="mig-2",
        lines=[(street, "aid", "100.00", {"plan_ref": "PLAN-OLD"}), (street, "fund", "-100.00", {"plan_ref": "PLAN-OLD"})],
    )  # fmt: skip
    project_paid = _old_movement(
        old, kind="payment", source=enterprise, key="mig-3",
        lines=[(street, "aid", "50.00", {"project_ref": "P-OLD"}), (street, "source", "-50.00", {"project_ref": "P-OLD"})],
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    p = Project.objects.get(code="P-OLD")
    assert (p.title, p.owner.code) == ("P-OLD", "SHBKHZ")
    assert FundSource.objects.get(code="QY-OLD").project == p
    assert {x.project for x in Posting.objects.filter(transaction_id=project_paid.pk)} == {p}
    # The department is the one whose money the plan received; unknown where none was received.
    plan = Plan.objects.get(code="PLAN-OLD")
    assert (plan.title, plan.department.code) == ("PLAN-OLD", "D-MIG")
    assert FundSource.objects.get(code="BM-OLD").plan == plan
    assert {(x.plan, x.project) for x in Posting.objects.filter(transaction_id=paid.pk)} == {(plan, None)}
    assert Plan.objects.get(code="PLAN-NONE").department is None
    assert FundSource.objects.get(code="BM-NONE").plan.code == "PLAN-NONE"
    # Amounts untouched; the receipt had no reference and has none.
    assert sorted(Posting.objects.filter(transaction_id=paid.pk).values_list("amount", flat=True)) == [
        D("-100.00"),
        D("100.00"),
    ]
    assert (
        not Posting.objects.filter(account="source", fund_source__code="BM-OLD").exclude(plan=None).exists()
    )

    # The guards are all in place after the migration: a posting still cannot be changed.
    assert not _guards_missing()
    assert _update_refused(Posting.objects.filter(transaction_id=paid.pk).first().pk)
