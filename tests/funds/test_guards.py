"""The database itself keeps the ledger: no update, no delete, no unbalanced transaction;
and `bangfu ledger verify` finds what someone with database access did around the guards."""

from contextlib import contextmanager
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from bangfu.funds.models import Posting, Transaction
from bangfu.funds.verify import ledger_problems

from .conftest import D


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused(sql, params=()):
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(sql, params)


def test_orm_cannot_change_or_delete_a_posting(funded):
    posting = Posting.objects.first()
    posting.amount = D("1.00")
    with pytest.raises(DatabaseError), transaction.atomic():
        posting.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).delete()


def test_raw_sql_cannot_change_or_delete_postings_or_transactions(funded):
    p = Posting.objects.first()
    _refused("UPDATE funds_posting SET amount = 1 WHERE id = %s", [p.pk])
    _refused("DELETE FROM funds_posting WHERE id = %s", [p.pk])
    _refused("UPDATE funds_transaction SET memo = 'x' WHERE id = %s", [p.transaction_id])
    _refused("UPDATE funds_transaction SET sealed = %s WHERE id = %s", [False, p.transaction_id])
    _refused("DELETE FROM funds_transaction WHERE id = %s", [p.transaction_id])
    # Nor add a line to a sealed transaction.
    _refused(
        "INSERT INTO funds_posting (transaction_id, date, org_id, fund_source_id, account, amount)"
        " VALUES (%s, %s, %s, %s, 'fund', 5)",
        [p.transaction_id, p.date, p.org_id, p.fund_source_id],
    )
    assert not ledger_problems()


class _Undo(Exception):
    pass


@contextmanager
def rolled_back():
    """Raw writes that leave the ledger broken, undone afterwards. On PostgreSQL they must never
    reach the deferred check (the test case runs it at teardown): rolling the savepoint back
    discards them and their pending trigger events."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def _open_transaction(day=date(2021, 5, 1), sealed=False) -> int:
    txn = Transaction(
        kind="allocation", date=day, memo="篡改", idempotency_key=f"tamper-{day}", actor_label="x"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO funds_transaction (kind, date, memo, idempotency_key, counterparty, sealed, actor_label,"
            " created_at) VALUES (%s, %s, %s, %s, '', %s, %s, %s)",
            [
                txn.kind,
                day,
                txn.memo,
                txn.idempotency_key,
                sealed,
                txn.actor_label,
                "2021-05-01 00:00:00+00:00",
            ],
        )
    return Transaction.objects.get(idempotency_key=txn.idempotency_key).pk


def _insert_posting(txn_id, funded, org_id, amount, day=date(2021, 5, 1)):
    _raw(
        "INSERT INTO funds_posting (transaction_id, date, org_id, fund_source_id, account, amount)"
        " VALUES (%s, %s, %s, %s, 'fund', %s)",
        [txn_id, day, org_id, funded.lottery.pk, amount],
    )


def test_a_transaction_cannot_be_inserted_sealed(funded):
    with pytest.raises(DatabaseError), transaction.atomic():
        _open_transaction(sealed=True)


def test_an_unbalanced_transaction_cannot_be_sealed(funded, org):
    with rolled_back():
        txn_id = _open_transaction()
        _insert_posting(txn_id, funded, org("310105001").pk, "100.00")
        _insert_posting(txn_id, funded, org("310105").pk, "-99.99")
        _refused("UPDATE funds_transaction SET sealed = %s WHERE id = %s", [True, txn_id])


def test_verify_finds_an_unbalanced_transaction_left_open_by_raw_sql(funded, org):
    """SQLite has no deferred check: an open transaction is legal until sealed, so a raw writer
    can leave one. `ledger verify` reports it (on PostgreSQL it could not even commit)."""
    with rolled_back():
        txn_id = _open_transaction()
        _insert_posting(txn_id, funded, org("310105001").pk, "1000.00")
        messages = [str(p) for p in ledger_problems()]
    assert any("未封账" in m for m in messages)
    assert any(f"JZ{txn_id:08d}" in m and "不为零" in m for m in messages)


def _disable_guard():
    """An attacker with database access: switch the guard off (DDL is transactional on both
    backends, so the test's rollback puts it back)."""
    if connection.vendor == "postgresql":
        # Run the deferred checks of the fixture's (balanced) writes now: ALTER TABLE refuses
        # to run with trigger events pending.
        _raw("SET CONSTRAINTS ALL IMMEDIATE")
        _raw("ALTER TABLE funds_posting DISABLE TRIGGER funds_posting_append_only")
    else:
        _raw("DROP TRIGGER funds_posting_no_update")


def test_verify_catches_a_posting_tampered_by_raw_sql(funded, org):
    assert not ledger_problems()
    _disable_guard()
    street_line = Posting.objects.get(org__code="310105001", account="fund")
    _raw("UPDATE funds_posting SET amount = %s WHERE id = %s", ["250000.00", street_line.pk])
    out = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("ledger", "verify", "--grace-minutes", "0", stdout=out)
    assert e.value.returncode == 1
    text = out.getvalue()
    assert f"JZ{street_line.transaction_id:08d}" in text and "¥50,000.00" in text and "不为零" in text
    assert "保护触发器" in text


def test_verify_passes_on_a_clean_ledger(funded):
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "核对通过" in out.getvalue()


def test_verify_refuses_a_negative_grace(funded):
    with pytest.raises(CommandError, match="不能为负数"):
        call_command("ledger", "verify", "--grace-minutes", "-1", stdout=StringIO())


@pytest.mark.postgres
def test_postgres_refuses_to_commit_an_unbalanced_transaction(funded, org):
    """The deferred constraint trigger: checked at COMMIT (here forced with SET CONSTRAINTS,
    since the test itself never commits)."""
    with pytest.raises(DatabaseError, match=r"sum to zero|fewer than two|not sealed"), transaction.atomic():
        txn_id = _open_transaction()
        _insert_posting(txn_id, funded, org("310105001").pk, "1000.00")
        _raw("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
def test_postgres_refuses_truncate(funded):
    _refused("TRUNCATE funds_posting CASCADE")


@pytest.mark.postgres
def test_postgres_refuses_to_commit_an_unsealed_balanced_transaction(funded, org):
    with pytest.raises(DatabaseError, match="not sealed"), transaction.atomic():
        txn_id = _open_transaction()
        _insert_posting(txn_id, funded, org("310105001").pk, "1000.00")
        _insert_posting(txn_id, funded, org("310105").pk, "-1000.00")
        _raw("SET CONSTRAINTS ALL IMMEDIATE")


def test_verify_reports_an_unposted_payment_only_after_the_grace(cast):
    """A record an earlier version left for the background to post, and nothing posted."""
    from .conftest import unposted_case

    record = unposted_case(cast, "100.00")
    assert not [p for p in ledger_problems(grace=timedelta(minutes=15)) if p.check == "payments"]
    late = [p.message for p in ledger_problems(grace=timedelta(0)) if p.check == "payments"]
    assert late == [f"个案发放 {record.event_id}（¥100.00，{record.paid_on}）没有入账。"]
