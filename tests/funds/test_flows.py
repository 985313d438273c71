"""Every money flow of SPEC §7, through the services, checked on the derived balances."""

from datetime import date

import pytest

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Account, Allocation, Posting, Transaction
from bangfu.funds.selectors import balance

from .conftest import DISTRICT, OTHER_STREET, STREET, D, as_, key, plan, project


def fund(org, source, account=Account.FUND, on=None):
    return balance(org_id=org.pk, source_id=source.pk, account=account, on=on)


def test_allocation_flows_down_under_the_agreement(funded, org):
    lottery = funded.lottery
    assert fund(org("SHBKHZ"), lottery) == D("500000.00")
    assert fund(org(DISTRICT), lottery) == D("300000.00")
    assert fund(org(STREET), lottery) == D("200000.00")
    # Derived by date: before the street's allocation it had nothing.
    assert fund(org(STREET), lottery, on=date(2021, 1, 14)) == D("0.00")
    assert Allocation.objects.count() == 2
    for txn in Transaction.objects.all():
        assert sum(p.amount for p in txn.postings.all()) == 0 and txn.sealed


def test_every_movement_is_audited(funded):
    assert (
        AuditEntry.objects.filter(target_type="funds.transaction").count() == Transaction.objects.count() == 3
    )


def test_allocation_beyond_the_agreement_is_refused_with_figures(funded, cast, org, agreement):
    with pytest.raises(Refused) as e:
        services.allocation_make(
            actor=as_(cast.foundation), agreement=agreement, to_org=org(DISTRICT), source=funded.lottery,
            amount="100000.01", day=date(2021, 6, 1), memo="超额", idempotency_key=key(),
        )  # fmt: skip
    assert "¥600,000.01" in e.value.message and "¥600,000.00" in e.value.message


@pytest.mark.parametrize(
    ("to", "day", "words"),
    [
        ("310101002", date(2021, 6, 1), "只能下拨给"),  # a street of 黄浦区
        (DISTRICT, date(2022, 1, 1), "不在协议"),
    ],
)
def test_allocation_outside_the_agreement_is_refused(funded, cast, org, agreement, to, day, words):
    with pytest.raises(Refused, match=words):
        services.allocation_make(
            actor=as_(cast.foundation), agreement=agreement, to_org=org(to), source=funded.lottery,
            amount="1.00", day=day, memo="x", idempotency_key=key(),
        )  # fmt: skip


def test_unsigned_agreement_allows_no_allocation(sources, cast, org):
    draft = services.agreement_create(
        actor=as_(cast.foundation), district=org(DISTRICT), number="XY-DRAFT", amount="1000.00",
        valid_from=date(2021, 1, 1), valid_to=date(2021, 12, 31), duties="职责", reporting="月报",
    )  # fmt: skip
    with pytest.raises(Refused, match="草拟"):
        services.allocation_make(
            actor=as_(cast.foundation), agreement=draft, to_org=org(DISTRICT), source=sources.lottery,
            amount="1.00", day=date(2021, 3, 1), memo="x", idempotency_key=key(),
        )  # fmt: skip


def test_district_cannot_allocate_more_than_it_holds(funded, cast, org, agreement):
    with pytest.raises(Refused) as e:
        services.allocation_make(
            actor=as_(cast.finance_cn), agreement=agreement, to_org=org(OTHER_STREET), source=funded.lottery,
            amount="300000.01", day=date(2021, 2, 1), memo="x", idempotency_key=key(),
        )  # fmt: skip
    assert "¥300,000.00" in e.value.message and "¥300,000.01" in e.value.message
    assert fund(org(OTHER_STREET), funded.lottery) == 0


def test_a_retried_allocation_is_written_once(funded, cast, org, agreement):
    k = key()
    kwargs = {
        "actor": as_(cast.finance_cn), "agreement": agreement, "to_org": org(OTHER_STREET), "source": funded.lottery,
        "amount": "1000.00", "day": date(2021, 2, 1), "memo": "x", "idempotency_key": k,
    }  # fmt: skip
    first = services.allocation_make(**kwargs)
    assert services.allocation_make(**kwargs) == first
    assert fund(org(OTHER_STREET), funded.lottery) == D("1000.00")


def test_fiscal_matching_arrives_at_the_district(sources, cast, org):
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(DISTRICT), source=sources.fiscal, amount="80000.00",
        day=date(2021, 2, 1), memo="区财政配套", idempotency_key=key(),
    )  # fmt: skip
    assert fund(org(DISTRICT), sources.fiscal) == D("80000.00")
    assert fund(org(DISTRICT), sources.fiscal, Account.SOURCE) == D("-80000.00")


def test_a_receipt_of_the_wrong_kind_is_refused(sources, cast, org):
    with pytest.raises(Refused, match="市级福彩金"):
        services.fiscal_matching_receive(
            actor=as_(cast.finance_cn), org=org(DISTRICT), source=sources.lottery, amount="1.00",
            day=date(2021, 2, 1), memo="x", idempotency_key=key(),
        )  # fmt: skip


def test_donation_at_the_foundation_is_spendable(sources, cast, org):
    txn = services.donation_receive(
        actor=as_(cast.foundation_fin), org=org("SHBKHZ"), source=sources.directed, donor="某公司",
        amount="50000.00", day=date(2021, 3, 1), memo="定向捐赠：大重病医疗", idempotency_key=key(),
    )  # fmt: skip
    assert txn.counterparty == "某公司"
    assert fund(org("SHBKHZ"), sources.directed) == D("50000.00")


def test_raised_funds_go_through_the_district_and_back_in_full(sources, cast, org):
    street, district, foundation = org(STREET), org(DISTRICT), org("SHBKHZ")
    services.donation_receive(
        actor=as_(cast.finance_cn), org=street, source=sources.undirected, donor="辖区企业", amount="30000.00",
        day=date(2021, 3, 1), memo="街道募集", idempotency_key=key(),
    )  # fmt: skip
    # Raised money is held, not spendable, until it has passed through the foundation.
    assert fund(street, sources.undirected) == 0
    assert fund(street, sources.undirected, Account.RAISED) == D("30000.00")
    up = services.raised_funds_pass_through(
        actor=as_(cast.finance_cn), org=street, source=sources.undirected, amount="30000.00", return_to=street,
        day=date(2021, 3, 5), memo="通过区转入基金会", idempotency_key=key(),
    )  # fmt: skip
    assert {p.org.code for p in up.postings.all()} == {STREET, DISTRICT, "SHBKHZ"}
    assert fund(foundation, sources.undirected, Account.PASS_THROUGH) == D("30000.00")
    assert fund(district, sources.undirected, Account.PASS_THROUGH) == 0
    back = services.raised_funds_return(
        actor=as_(cast.foundation_fin), pass_through=up, day=date(2021, 3, 10)
    )
    assert fund(street, sources.undirected) == D("30000.00")
    assert fund(foundation, sources.undirected, Account.PASS_THROUGH) == 0
    # Returned once: asking again gives the same return.
    assert (
        services.raised_funds_return(actor=as_(cast.foundation_fin), pass_through=up, day=date(2021, 3, 11))
        == back
    )


def test_street_raised_money_returns_to_that_street_only(sources, cast, org):
    services.donation_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.undirected, donor="辖区企业",
        amount="100.00", day=date(2021, 3, 1), memo="募集", idempotency_key=key(),
    )  # fmt: skip
    with pytest.raises(Refused, match="全额返还该街镇"):
        services.raised_funds_pass_through(
            actor=as_(cast.finance_cn), org=org(STREET), source=sources.undirected, amount="100.00",
            return_to=org(OTHER_STREET), day=date(2021, 3, 5), memo="x", idempotency_key=key(),
        )  # fmt: skip


def test_project_and_plan_money_pays_only_its_own(sources, cast, org):
    street = org(STREET)
    services.enterprise_funding_receive(
        actor=as_(cast.finance_cn), org=street, source=sources.enterprise, funder="某集团", amount="5000.00",
        day=date(2025, 3, 1), memo="助学项目资助", idempotency_key=key(),
    )  # fmt: skip
    services.department_funds_receive(
        actor=as_(cast.finance_cn), org=street, source=sources.department, department=_department(org), amount="3000.00", day=date(2025, 3, 1), memo="特定帮扶经费",
        idempotency_key=key(),
    )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.finance_cn), org=street, source=sources.enterprise, amount="1000.00", day=date(2025, 3, 2),
        memo="助学金发放", idempotency_key=key(), project=project("P-2025-01"),
    )  # fmt: skip
    services.aid_pay(
        actor=as_(cast.finance_cn), org=street, source=sources.department, amount="500.00", day=date(2025, 3, 2),
        memo="特定帮扶发放", idempotency_key=key(), plan=plan("PLAN-7"),
    )  # fmt: skip
    assert Posting.objects.filter(account=Account.AID, project__code="P-2025-01").get().amount == D("1000.00")
    for source, refs, words in [
        (sources.enterprise, {"project": project("P-OTHER")}, "不能用于项目"),
        (sources.department, {"project": project("P-2025-01")}, "不能用于项目"),
        (sources.enterprise, {"plan": plan("PLAN-7")}, "不能用于特定帮扶计划"),
        (sources.department, {}, "须注明"),
    ]:
        with pytest.raises(Refused, match=words):
            services.aid_pay(
                actor=as_(cast.finance_cn), org=street, source=source, amount="1.00", day=date(2025, 3, 3),
                memo="x", idempotency_key=key(), **refs,
            )  # fmt: skip


def _department(org):
    from bangfu.orgs.models import Organisation

    return Organisation.objects.create(code="D-TEST", name="某委", kind="department", parent=org("SHMZJ"))


def test_no_fund_goes_below_zero_even_backdated(funded, cast, org):
    street = org(STREET)
    # 200,000 arrived on 15 January: a payment dated the 14th would have spent money not yet there.
    with pytest.raises(Refused, match=r"¥0\.00"):
        services.aid_pay(
            actor=as_(cast.finance_cn), org=street, source=funded.lottery, amount="1.00", day=date(2021, 1, 14),
            memo="x", idempotency_key=key(), project=project("P-1"),
        )  # fmt: skip
    with pytest.raises(Refused, match=r"¥200,000\.00"):
        services.aid_pay(
            actor=as_(cast.finance_cn), org=street, source=funded.lottery, amount="200000.01",
            day=date(2021, 2, 1), memo="x", idempotency_key=key(), project=project("P-1"),
        )  # fmt: skip
    assert not Posting.objects.filter(account=Account.AID).exists()


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.001", "abc", 1.5, "NaN", "1e20"])
def test_bad_amounts_are_refused_in_chinese_and_nothing_is_saved(sources, cast, org, amount):
    before = Transaction.objects.count()
    with pytest.raises(Refused) as e:
        services.fiscal_matching_receive(
            actor=as_(cast.finance_cn), org=org(DISTRICT), source=sources.fiscal, amount=amount,
            day=date(2021, 2, 1), memo="x", idempotency_key=key(),
        )  # fmt: skip
    assert e.value.code == "invalid_input" and "金额" in e.value.message
    assert Transaction.objects.count() == before


def test_someone_without_the_permission_moves_no_money(sources, cast, org):
    # A street cashier, a district approver of 长宁 and the district of 黄浦 all may not.
    for user, where in [(cast.cashier_a, STREET), (cast.district_cn, DISTRICT), (cast.district_hp, DISTRICT)]:
        with pytest.raises(Refused) as e:
            services.fiscal_matching_receive(
                actor=as_(user), org=org(where), source=sources.fiscal, amount="1.00", day=date(2021, 2, 1),
                memo="x", idempotency_key=key(),
            )  # fmt: skip
        assert e.value.code == "forbidden"
    with pytest.raises(Refused):
        services.fund_source_create(actor=as_(cast.finance_cn), code="X", name="X", kind="lottery")
