"""`bangfu ledger verify`, check by check: each one catches a tampering done with raw SQL by
someone who first lifted the database's guards (as an attacker with database access, or a bad
import, would), on SQLite and PostgreSQL alike; and the listing is capped with a count.

The guards are lifted inside the test's own database transaction (DDL is transactional on both
backends), so the rollback at the end puts them back."""

from contextlib import contextmanager
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bangfu.funds import selectors, services
from bangfu.funds.models import Account, Allocation, Posting, Transaction
from bangfu.funds.verify import ledger_problems, ledger_verify

from .conftest import DISTRICT, OTHER_STREET, STREET, D, as_, key, paid_case, project, unposted_case

SQLITE_GUARDS = (
    "funds_posting_no_update", "funds_posting_no_delete", "funds_posting_open_transaction",
    "funds_transaction_no_delete", "funds_transaction_insert_open", "funds_transaction_seal_only",
    "funds_transaction_seal_balanced",
    # cases/0002: the case's payments, payment records and transitions
    "cases_transition_no_update", "cases_transition_no_delete", "cases_payment_receipt_once",
    "cases_payment_no_delete", "cases_paymentrecord_posted_once", "cases_paymentrecord_no_delete",
)  # fmt: skip
GUARDED_TABLES = (
    "funds_posting",
    "funds_transaction",
    "cases_payment",
    "cases_paymentrecord",
    "cases_transition",
)


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _lift_guards():
    """Every trigger of migrations funds/0002 and cases/0002 off, as an attacker with access
    to the database would first do."""
    if connection.vendor == "postgresql":
        # ALTER TABLE refuses to run with trigger events pending: run the deferred checks of the
        # fixtures' (balanced) writes now.
        _raw("SET CONSTRAINTS ALL IMMEDIATE")
        for table in GUARDED_TABLES:
            _raw(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    else:
        for name in SQLITE_GUARDS:
            _raw(f"DROP TRIGGER {name}")


@contextmanager
def _zero_amounts_allowed():
    """The check constraint `posting_not_zero` off as well."""
    if connection.vendor == "postgresql":
        _raw("ALTER TABLE funds_posting DROP CONSTRAINT posting_not_zero")
        yield
    else:
        _raw("PRAGMA ignore_check_constraints = 1")  # a connection setting, not transactional
        try:
            yield
        finally:
            _raw("PRAGMA ignore_check_constraints = 0")


def _found(check, **kwargs):
    return [p.message for p in ledger_problems(**kwargs) if p.check == check]


def _sealed_transaction(day, lines, kind="payment", memo="篡改"):
    """A transaction written straight into the tables (guards lifted): sealed, balanced or not
    as the lines say. lines: (org, source, account, amount, case_id)."""
    k = key()
    _raw(
        "INSERT INTO funds_transaction (kind, date, memo, idempotency_key, counterparty, sealed, actor_label,"
        " created_at) VALUES (%s, %s, %s, %s, '', %s, 'raw', %s)",
        [kind, day, memo, k, True, "2021-05-01 00:00:00+00:00"],
    )
    txn_id = Transaction.objects.get(idempotency_key=k).pk
    for org, source, account, amount, case_id in lines:
        _raw(
            "INSERT INTO funds_posting (transaction_id, date, org_id, fund_source_id, account, amount, case_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [txn_id, day, org.pk, source.pk, account, amount, case_id],
        )
    return txn_id


def _jz(pk) -> str:
    return f"JZ{pk:08d}"


# --- clean ledgers ----------------------------------------------------------------------------------


def test_a_sound_ledger_with_every_movement_passes(today, donations_used_2021, cast, org, agreement):
    """A case payment and its reversal, a work expense exactly at its cap, raised money passed
    through and returned in full: nothing to report, exit status 0."""
    street = org(STREET)
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=street, source=donations_used_2021.fiscal, amount="20000.00",
        day=date(2021, 2, 1), memo="街道财政配套", idempotency_key=key(),
    )  # fmt: skip
    record = paid_case(cast, "4000.00")
    services.transaction_reverse(
        actor=as_(cast.finance_cn), txn=Transaction.objects.get(payment_record=record), day=today,
        reason="发放有误",
    )  # fmt: skip
    services.work_expense_record(
        actor=as_(cast.finance_cn), org=street, source=donations_used_2021.directed, amount="4000.00",
        day=date(2021, 12, 1), memo="工作经费", idempotency_key=key(),
    )  # fmt: skip
    services.donation_receive(
        actor=as_(cast.finance_cn), org=street, source=donations_used_2021.undirected, donor="辖区企业",
        amount="3000.00", day=date(2021, 5, 1), memo="街道募集", idempotency_key=key(),
    )  # fmt: skip
    up = services.raised_funds_pass_through(
        actor=as_(cast.finance_cn), org=street, source=donations_used_2021.undirected, amount="3000.00",
        return_to=street, day=date(2021, 5, 5), memo="上缴", idempotency_key=key(),
    )  # fmt: skip
    services.raised_funds_return(actor=as_(cast.foundation_fin), pass_through=up, day=date(2021, 5, 10))
    result = ledger_verify(grace=timedelta(0))
    assert [str(p) for p in result.problems] == [] and result.total == 0
    out = StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "账目核对通过" in out.getvalue()


# --- transactions ---------------------------------------------------------------------------------------


def test_verify_catches_a_transaction_left_with_one_posting(funded):
    _lift_guards()
    p = Posting.objects.filter(org__code=STREET, account="fund").get()
    other = Posting.objects.filter(transaction_id=p.transaction_id).exclude(pk=p.pk).get()
    _raw("DELETE FROM funds_posting WHERE id = %s", [other.pk])
    found = _found("sum")
    assert f"{_jz(p.transaction_id)} 只有 1 条分录（至少两条）。" in found
    assert any(_jz(p.transaction_id) in m and "¥200,000.00，不为零" in m for m in found)


def test_verify_catches_a_transaction_with_no_posting(funded):
    _lift_guards()
    txn = _sealed_transaction(date(2021, 6, 1), [])
    assert _found("sum") == [f"{_jz(txn)} 只有 0 条分录（至少两条）。"]


def test_verify_catches_a_transaction_unsealed_by_raw_sql(funded):
    _lift_guards()
    txn = Transaction.objects.order_by("pk").first()
    _raw("UPDATE funds_transaction SET sealed = %s WHERE id = %s", [False, txn.pk])
    assert _found("sealed") == [f"{_jz(txn.pk)} 未封账：未经数据库平衡检查。"]
    assert _found("sum") == []


def test_verify_catches_postings_moved_to_another_date(funded):
    _lift_guards()
    txn = Transaction.objects.get(postings__org__code=STREET)
    _raw("UPDATE funds_posting SET date = %s WHERE transaction_id = %s", [date(2021, 1, 20), txn.pk])
    assert _found("dates") == [
        f"{_jz(txn.pk)} 有 2 条分录的日期（如 2021-01-20）与凭证日期 2021-01-15 不一致。"
    ]
    assert _found("sum") == [] and _found("negative") == []


def test_verify_catches_postings_set_to_zero(funded):
    _lift_guards()
    txn = Transaction.objects.get(postings__org__code=STREET)
    ids = sorted(Posting.objects.filter(transaction=txn).values_list("pk", flat=True))
    with _zero_amounts_allowed():
        _raw("UPDATE funds_posting SET amount = 0 WHERE transaction_id = %s", [txn.pk])
    # Still zero in the source: only the zero amounts are wrong (and the street's money is gone).
    assert _found("sum") == [f"分录 #{pk}（{_jz(txn.pk)}）金额为零。" for pk in ids]


# --- balances -----------------------------------------------------------------------------------------


def test_verify_catches_a_balance_shown_that_is_not_the_postings(funded, org, monkeypatch):
    """A regression in the selector the pages read (here: it forgets the last posting)."""
    real = selectors.balances

    def wrong(**kwargs):
        return real(postings=Posting.objects.exclude(pk=Posting.objects.order_by("-pk").first().pk))

    monkeypatch.setattr(selectors, "balances", wrong)
    street = org(STREET)
    assert _found("balances") == [
        f"组织 #{street.pk} 资金来源 #{funded.lottery.pk} fund 余额显示 —，分录合计 ¥200,000.00。"
    ]


def test_verify_catches_sub_fen_amounts_written_by_raw_sql(funded, org):
    """SQLite keeps NUMERIC as floating point, so raw SQL can store 0.005; the pages would show
    a rounded sum that is not the sum of the rounded postings. PostgreSQL rounds the value to
    the column's two places on the way in, so there the same write is harmless."""
    _lift_guards()
    street = org(STREET)
    _sealed_transaction(
        date(2021, 6, 1),
        [
            (street, funded.lottery, "fund", "0.005", None),
            (street, funded.lottery, "fund", "0.005", None),
            (street, funded.lottery, "aid", "-0.01", None),
        ],
    )
    found = _found("balances")
    if connection.vendor == "sqlite":
        assert found == [
            f"组织 #{street.pk} 资金来源 #{funded.lottery.pk} fund 余额显示 ¥200,000.01，分录合计 ¥200,000.02。"
        ]
    else:
        assert found == []


# --- never below zero -----------------------------------------------------------------------------------


def test_verify_catches_a_back_dated_spend_even_when_the_balance_recovers(funded, org):
    """Spent on 12 January from money that arrived on the 15th: the balance today is fine, the
    balance on the 12th was not. Two dips of the same account are one finding, at the first."""
    _lift_guards()
    street = org(STREET)
    for day, amount in ((date(2021, 1, 12), "100.00"), (date(2021, 1, 13), "50.00")):
        _sealed_transaction(
            day,
            [
                (street, funded.lottery, "fund", f"-{amount}", None),
                (street, funded.lottery, "aid", amount, None),
            ],
        )
    assert selectors.balance(org_id=street.pk, source_id=funded.lottery.pk) == D("199850.00")
    assert _found("negative") == ["华阳路街道“市级福彩金”专项资金在 2021-01-12 余额为 -¥100.00，低于零。"]
    assert _found("sum") == [] and _found("dates") == []


def test_verify_catches_each_account_below_zero(funded, org):
    _lift_guards()
    district, street = org(DISTRICT), org(STREET)
    _sealed_transaction(
        date(2021, 12, 31),
        [
            (district, funded.lottery, "fund", "-300000.01", None),
            (street, funded.lottery, "fund", "300000.01", None),
        ],
    )
    _sealed_transaction(
        date(2021, 2, 1),
        [(street, funded.fiscal, "raised", "-5.00", None), (street, funded.fiscal, "source", "5.00", None)],
    )
    expected = {
        district.pk: f"{district.name}“市级福彩金”专项资金在 2021-12-31 余额为 -¥0.01，低于零。",
        street.pk: "华阳路街道“长宁区财政配套”筹集待上缴在 2021-02-01 余额为 -¥5.00，低于零。",
    }
    assert _found("negative") == [expected[pk] for pk in sorted(expected)]


# --- payments -------------------------------------------------------------------------------------------


@pytest.fixture
def posted(funded, cast):
    record = paid_case(cast, "4000.00")
    services.payment_post(payment_record=record)
    record.refresh_from_db()
    assert record.posted_at is not None
    return record


def test_verify_catches_a_payment_whose_transaction_was_unlinked(posted):
    _lift_guards()
    txn = Transaction.objects.get(payment_record=posted)
    _raw("UPDATE funds_transaction SET payment_record_id = NULL WHERE id = %s", [txn.pk])
    found = _found("payments")
    assert f"个案发放 {posted.event_id} 标记已入账，但账上没有对应凭证。" in found
    aid = Posting.objects.get(transaction=txn, account=Account.AID)
    assert (
        f"分录 #{aid.pk}（{_jz(txn.pk)}，个案 #{posted.case_id}，¥4,000.00）是个案帮扶支出，但没有对应的个案发放记录。"
        in found
    )
    assert len(found) == 2


def test_verify_catches_a_payment_record_whose_amount_was_changed(posted):
    _lift_guards()
    _raw("UPDATE cases_paymentrecord SET amount = %s WHERE id = %s", ["4100.00", posted.pk])
    txn = Transaction.objects.get(payment_record=posted)
    assert _found("payments") == [
        f"{_jz(txn.pk)} 入账 ¥4,000.00，与个案发放 {posted.event_id} 的 ¥4,100.00 不符。"
    ]


def test_verify_catches_case_aid_moved_to_another_street(posted, org):
    _lift_guards()
    txn = Transaction.objects.get(payment_record=posted)
    _raw(
        "UPDATE funds_posting SET org_id = %s WHERE transaction_id = %s AND account = 'aid'",
        [org(OTHER_STREET).pk, txn.pk],
    )
    assert _found("payments") == [
        f"{_jz(txn.pk)} 的帮扶支出记在发放街镇以外的组织，与个案发放 {posted.event_id} 不符。"
    ]


def test_verify_catches_case_aid_with_no_payment(funded, org, posted):
    """A raw 'payment' naming a case that was paid once already: the second has no record."""
    _lift_guards()
    street = org(STREET)
    txn = _sealed_transaction(
        date(2021, 6, 1),
        [
            (street, funded.lottery, "aid", "900.00", posted.case_id),
            (street, funded.lottery, "fund", "-900.00", posted.case_id),
        ],
    )
    aid = Posting.objects.get(transaction_id=txn, account=Account.AID)
    assert _found("payments") == [
        f"分录 #{aid.pk}（{_jz(txn)}，个案 #{posted.case_id}，¥900.00）是个案帮扶支出，但没有对应的个案发放记录。"
    ]


def test_verify_catches_a_payment_whose_record_was_deleted(sources, cast):
    record = unposted_case(cast, "100.00")  # left unposted by an earlier version: nothing refers to it
    _lift_guards()
    _raw("DELETE FROM cases_paymentrecord WHERE id = %s", [record.pk])
    assert _found("payments", grace=timedelta(0)) == [
        f"发放 #{record.payment_id} 没有待入账记录（交接记录丢失）。"
    ]


@pytest.mark.postgres
def test_verify_catches_a_payment_posted_twice(posted):
    """Only possible once the unique constraint is dropped too (SQLite's is part of the table)."""
    _lift_guards()
    txn = Transaction.objects.get(payment_record=posted)
    (constraint,) = [
        name
        for name, c in connection.introspection.get_constraints(
            connection.cursor(), "funds_transaction"
        ).items()
        if c["unique"] and c["columns"] == ["payment_record_id"]
    ]
    _raw(f'ALTER TABLE funds_transaction DROP CONSTRAINT "{constraint}"')
    second = _sealed_transaction(date(2021, 6, 1), [])
    _raw("UPDATE funds_transaction SET payment_record_id = %s WHERE id = %s", [posted.pk, second])
    assert f"发放记录 #{posted.pk} 入账了 2 次。" in _found("payments")
    assert txn.pk != second


# --- the case's money and its procedure ------------------------------------------------------------------
# Each change below is one an attacker with database access could make: through a path the
# guards allow (the case row itself), or with the guards of cases/0002 lifted first.


def _case_of(record):
    from bangfu.cases.models import Case

    return Case.objects.get(pk=record.case_id)


def test_verify_catches_a_payment_multiplied_by_ten(posted):
    _lift_guards()
    _raw("UPDATE cases_payment SET amount = amount * 10 WHERE id = %s", [posted.payment_id])
    assert _found("payments") == [
        f"发放 #{posted.payment_id}（个案 {_case_of(posted).number}）金额 ¥40,000.00，"
        "与核定金额 ¥4,000.00、入账的帮扶支出 ¥4,000.00不符。"
    ]


def test_verify_catches_a_payment_whose_approved_amount_was_changed(posted):
    """The case row takes UPDATEs (the procedure moves it): an amount approved afterwards."""
    _raw("UPDATE cases_case SET approved_amount = %s WHERE id = %s", ["4400.00", posted.case_id])
    assert _found("payments") == [
        f"发放 #{posted.payment_id}（个案 {_case_of(posted).number}）金额 ¥4,000.00，与核定金额 ¥4,400.00不符。"
    ]


def test_verify_catches_a_paid_case_set_back_to_approved(posted):
    _raw("UPDATE cases_case SET state = 'approved' WHERE id = %s", [posted.case_id])
    number = _case_of(posted).number
    assert _found("procedure") == [
        f"个案 {number} 状态为“待发放”，但最后一条流转记录的去向为“已发放·待回访”。",
        f"发放 #{posted.payment_id} 的个案 {number} 状态为“待发放”，已发放的个案应为“已发放·待回访”或“已结案”。",
    ]


def test_verify_catches_a_case_whose_transitions_were_deleted(posted):
    _lift_guards()
    _raw("DELETE FROM cases_transition WHERE case_id = %s", [posted.case_id])
    number = _case_of(posted).number
    assert _found("procedure") == [
        f"个案 {number} 没有流转记录，状态却为“已发放·待回访”。",
        f"个案 {number} 为“已发放·待回访”，但没有发放流转记录。",
    ]


def test_verify_catches_a_paid_case_whose_pay_transition_was_deleted(posted):
    _lift_guards()
    _raw("DELETE FROM cases_transition WHERE case_id = %s AND action = 'pay'", [posted.case_id])
    number = _case_of(posted).number
    assert _found("procedure") == [
        f"个案 {number} 状态为“已发放·待回访”，但最后一条流转记录的去向为“待发放”。",
        f"个案 {number} 为“已发放·待回访”，但没有发放流转记录。",
    ]


def test_verify_catches_a_case_marked_paid_with_no_payment(cast):
    from tests.cases import factories

    c = factories.approve(factories.case(cast.intake_a), "3000.00")
    _raw("UPDATE cases_case SET state = 'closed' WHERE id = %s", [c.pk])
    assert _found("procedure") == [
        f"个案 {c.number} 状态为“已结案”，但最后一条流转记录的去向为“待发放”。",
        f"个案 {c.number} 为“已结案”，但没有发放流转记录、发放记录。",
    ]


def _household_with_cases(cast, amounts, state="approved"):
    """Cases of one household in 2021, raised to `state` with their amounts by raw SQL
    (around the procedure, which would have refused the ones beyond the caps)."""
    from tests.cases import factories

    h = factories.household()
    cases = [factories.case(cast.intake_a, h) for _ in amounts]
    for c, amount in zip(cases, amounts, strict=True):
        _raw("UPDATE cases_case SET state = %s, approved_amount = %s WHERE id = %s", [state, amount, c.pk])
    return h, cases


def test_verify_catches_a_third_event_of_the_year(cast):
    """长民发〔2016〕31号 三(四): generally at most 2 events a year, from the policy's parameter."""
    h, _ = _household_with_cases(cast, ["1000.00", "1000.00", "1000.00"])
    assert _found("household_caps") == [
        f"家庭 {h.file_number} 2021年已批准或已发放 3 次帮扶，超过每年一般不超过 2 次（长民发〔2016〕31号 三(四)）。"
    ]


def test_verify_accepts_a_third_event_the_district_approved_in_writing(cast):
    from bangfu.cases.models import Approval

    _, cases = _household_with_cases(cast, ["1000.00", "1000.00", "1000.00"])
    _raw("UPDATE cases_case SET exception_reason = '多次住院，确有必要' WHERE id = %s", [cases[2].pk])
    Approval.objects.create(
        case=cases[2], tier="district", decision="approve", amount="1000.00", by=cast.district_cn
    )
    assert _found("household_caps") == []
    # Without the district's approval the reason alone does not count.
    Approval.objects.filter(case=cases[2]).update(tier="street")
    assert len(_found("household_caps")) == 1


def test_verify_catches_a_year_beyond_80000(cast):
    h, cases = _household_with_cases(cast, ["50000.00", "30000.00"], state="paid")
    assert _found("household_caps") == []  # exactly 80,000: within (不超过)
    _raw("UPDATE cases_case SET approved_amount = %s WHERE id = %s", ["30000.01", cases[1].pk])
    assert _found("household_caps") == [
        f"家庭 {h.file_number} 2021年已批准或已发放合计 ¥80,000.01，超过全年累计 ¥80,000.00（长民发〔2016〕31号 三(四)）。"
    ]


def test_verify_reads_the_caps_from_the_policy(cast, make_user, org):
    """The caps are the policy's parameters, not numbers of the check: a 黄浦区 version that
    allows 1 event a year makes a second one there a finding (and the same two in 长宁区 not)."""
    from bangfu.policy import services as policy_services
    from bangfu.policy.models import Policy
    from tests.cases import factories

    drafter = as_(make_user("finance_hp", [("district_finance", "310101")]))
    policy = policy_services.policy_draft_create(
        actor=drafter, district=org("310101"), code="hp-test-2021", title="黄浦区测试版本", document="测试",
        valid_from=date(2021, 1, 1), valid_to=date(2021, 12, 31), validity_reference="测试",
        copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    policy_services.parameter_value_set(
        actor=drafter, policy=policy, name="annual.max_events", start=date(2021, 1, 1), value="1",
        reference="测试版本 三(四)", generally=True,
    )  # fmt: skip
    policy_services.policy_submit(actor=drafter, policy=policy)
    policy_services.policy_publish(actor=as_(cast.district_hp), policy=policy)
    _household_with_cases(cast, ["1000.00", "1000.00"])  # 长宁区: 2 a year
    h = factories.household("310101002")
    for _ in range(2):
        c = factories.case(cast.intake_hp, h)
        _raw("UPDATE cases_case SET state = 'approved', approved_amount = 1000 WHERE id = %s", [c.pk])
    assert _found("household_caps") == [
        f"家庭 {h.file_number} 2021年已批准或已发放 2 次帮扶，超过每年一般不超过 1 次（测试版本 三(四)）。"
    ]


def test_the_cli_reports_the_case_findings(posted):
    _raw("UPDATE cases_case SET state = 'approved' WHERE id = %s", [posted.case_id])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger", "verify", stdout=out)
    assert "[procedure]" in out.getvalue() and _case_of(posted).number in out.getvalue()


# --- caps, agreements, pass-through --------------------------------------------------------------------


def test_verify_catches_a_management_fee_beyond_its_cap(sources, cast, org):
    foundation = org("SHBKHZ")
    services.lottery_funds_receive(
        actor=as_(cast.foundation_fin), source=sources.lottery, amount="2000000.00", day=date(2025, 1, 15),
        memo="福彩金到账", idempotency_key=key(),
    )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.foundation_fin), org=foundation, source=sources.lottery, amount="1000000.00",
        day=date(2025, 6, 1), memo="项目帮扶发放", idempotency_key=key(), project=project("P-FC-2025"),
    )  # fmt: skip
    assert _found("caps") == []
    _lift_guards()
    _sealed_transaction(
        date(2025, 12, 20),
        [
            (foundation, sources.lottery, "management_fee", "25000.01", None),
            (foundation, sources.lottery, "fund", "-25000.01", None),
        ],
        kind="management_fee",
    )
    assert _found("caps") == [
        "2025年管理费 ¥25,000.01 超过福彩金项目支出 ¥1,000,000.00 的 2.5%（¥25,000.00）。"
    ]


def test_verify_catches_work_expenses_beyond_their_cap(donations_used_2021, org):
    street = org(STREET)
    _lift_guards()
    _sealed_transaction(
        date(2021, 12, 1),
        [
            (street, donations_used_2021.undirected, "work_expense", "1000.01", None),
            (street, donations_used_2021.undirected, "fund", "-1000.01", None),
        ],
        kind="work_expense",
    )
    assert _found("caps") == [
        "华阳路街道2021年工作经费（非定向捐赠）¥1,000.01 超过实际使用额 ¥20,000.00 的 5%（¥1,000.00）。"
    ]


def test_verify_catches_an_allocation_outside_its_agreement(funded):
    allocation = Allocation.objects.filter(from_org__code="SHBKHZ").get()
    _raw("UPDATE funds_allocation SET date = %s WHERE id = %s", [date(2022, 1, 10), allocation.pk])
    assert _found("agreements") == [f"下拨 #{allocation.pk} 的日期 2022-01-10 不在协议 XY-2021-CN 期限内。"]


def test_verify_catches_allocations_beyond_the_agreement(funded, agreement):
    _raw("UPDATE funds_agreement SET amount = %s WHERE id = %s", ["499999.99", agreement.pk])
    assert _found("agreements") == ["协议 XY-2021-CN 累计下拨 ¥500,000.00，超过协议金额 ¥499,999.99。"]


def test_a_reversed_allocation_does_not_count_against_the_agreement(funded, agreement, cast, org, sources):
    extra = services.allocation_make(
        actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=sources.lottery,
        amount="100000.00", day=date(2021, 2, 1), memo="二次下拨", idempotency_key=key(),
    )  # fmt: skip
    _raw("UPDATE funds_agreement SET amount = %s WHERE id = %s", ["500000.00", agreement.pk])
    assert _found("agreements") == ["协议 XY-2021-CN 累计下拨 ¥600,000.00，超过协议金额 ¥500,000.00。"]
    services.transaction_reverse(
        actor=as_(cast.foundation), txn=extra.transaction, day=date(2021, 2, 2), reason="多拨"
    )
    assert _found("agreements") == []


def test_verify_catches_a_return_that_is_not_the_full_amount(sources, cast, org):
    street = org(STREET)
    services.donation_receive(
        actor=as_(cast.finance_cn), org=street, source=sources.undirected, donor="辖区企业", amount="30000.00",
        day=date(2021, 3, 1), memo="街道募集", idempotency_key=key(),
    )  # fmt: skip
    up = services.raised_funds_pass_through(
        actor=as_(cast.finance_cn), org=street, source=sources.undirected, amount="30000.00", return_to=street,
        day=date(2021, 3, 5), memo="上缴", idempotency_key=key(),
    )  # fmt: skip
    back = services.raised_funds_return(
        actor=as_(cast.foundation_fin), pass_through=up, day=date(2021, 3, 10)
    )
    assert _found("pass_through") == []
    _lift_guards()
    _raw("UPDATE funds_posting SET amount = amount / 2 WHERE transaction_id = %s", [back.pk])
    assert _found("pass_through") == [
        f"{_jz(back.pk)} 返还 ¥15,000.00，与上缴 {_jz(up.pk)} 的 ¥30,000.00 不符。"
    ]


# --- the listing: capped, with a count ------------------------------------------------------------------


def test_findings_beyond_the_limit_are_counted_not_listed(donations_used_2021):
    _lift_guards()
    ids = list(Transaction.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) >= 5
    _raw("UPDATE funds_transaction SET sealed = %s", [False])
    result = ledger_verify(limit=2)
    assert result.counts["sealed"] == len(ids)
    assert [p.message for p in result.problems if p.check == "sealed"] == [
        f"{_jz(pk)} 未封账：未经数据库平衡检查。" for pk in ids[:2]
    ]
    assert result.unlisted("sealed") == len(ids) - 2
    out = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("ledger", "verify", "--limit", "2", stdout=out)
    assert e.value.returncode == 1
    text = out.getvalue()
    assert (
        f"[sealed] 另有 {len(ids) - 2} 个同类问题未列出（封账共 {len(ids)} 个问题，仅列出前 2 个）。" in text
    )
    assert text.count("未封账：") == 2
    assert f"账目核对发现 {result.total} 个问题：" in text


def test_a_rarer_finding_beyond_the_rows_read_is_still_listed(donations_used_2021):
    """The transaction checks share one query: with every transaction unsealed and only the last
    one misdated, the misdated one lies beyond the rows first read, and is listed all the same."""
    _lift_guards()
    ids = list(Transaction.objects.order_by("pk").values_list("pk", flat=True))
    _raw("UPDATE funds_transaction SET sealed = %s", [False])
    last = Transaction.objects.get(pk=ids[-1])
    _raw("UPDATE funds_posting SET date = %s WHERE transaction_id = %s", [date(2021, 12, 30), last.pk])
    result = ledger_verify(limit=1)
    assert result.counts["sealed"] == len(ids) and result.counts["dates"] == 1
    assert [p.message for p in result.problems if p.check == "dates"] == [
        f"{_jz(last.pk)} 有 2 条分录的日期（如 2021-12-30）与凭证日期 {last.date} 不一致。"
    ]


def test_verify_refuses_a_limit_below_one(funded):
    with pytest.raises(CommandError, match="至少为 1"):
        call_command("ledger", "verify", "--limit", "0", stdout=StringIO())
