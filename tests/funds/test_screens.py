"""The fund screens: every movement through its form, as the people who do it; refusals shown
with their figures; someone outside the organisation gets a 404; nothing answers 500."""

import re
from datetime import date
from decimal import Decimal

import pytest

from bangfu.funds import services
from bangfu.funds.models import (
    Account,
    Agreement,
    Allocation,
    FundSource,
    Posting,
    Transaction,
    TransactionKind,
)
from bangfu.funds.selectors import balance

from .conftest import DISTRICT, OTHER_STREET, STREET, D, as_, key, project


def text(response) -> str:
    return response.content.decode()


def form_key(client, url: str) -> str:
    """The idempotency key the form page issued (a hidden field)."""
    page = text(client.get(url))
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def post_movement(client, kind: str, **data):
    url = f"/funds/new/{kind}/"
    data.setdefault("idempotency_key", form_key(client, url))
    data.setdefault("memo", "测试摘要")
    return client.post(url, data)


# --- fund sources ------------------------------------------------------------------------------


def test_foundation_registers_a_directed_donation_source(cast, login):
    client = login(cast.foundation)
    r = client.post(
        "/funds/sources/new/",
        {"code": "DX-9", "name": "某银行定向捐赠", "kind": "donation_directed", "donor": "某银行",
         "purpose": "大重病医疗帮扶", "draw_order": "30"},
    )  # fmt: skip
    assert r.status_code == 302
    source = FundSource.objects.get(code="DX-9")
    assert source.donor == "某银行" and source.purpose == "大重病医疗帮扶" and source.for_cases
    assert "某银行定向捐赠" in text(client.get("/funds/sources/"))


def test_a_directed_donation_source_needs_its_purpose(cast, login):
    r = login(cast.foundation).post(
        "/funds/sources/new/",
        {"code": "DX-9", "name": "x", "kind": "donation_directed", "donor": "某银行", "draw_order": "30"},
    )
    assert r.status_code == 200 and "请填写捐赠用途" in text(r)
    assert not FundSource.objects.filter(code="DX-9").exists()


def test_district_finance_may_not_register_sources(cast, login):
    assert login(cast.finance_cn).get("/funds/sources/new/").status_code == 403


# --- agreements --------------------------------------------------------------------------------


def agreement_data(**extra):
    data = {
        "district": "", "number": "XY-2026-CN", "amount": "800000.00", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", "duties": "区帮扶组织负责项目落地和配套资金筹措。", "reporting": "每月填报报表。",
    }  # fmt: skip
    data.update(extra)
    return data


def test_foundation_drafts_signs_allocates_and_terminates_an_agreement(sources, cast, login, org):
    services.lottery_funds_receive(
        actor=as_(cast.foundation_fin), source=sources.lottery, amount="1000000.00", day=date(2026, 1, 5),
        memo="福彩金到账", idempotency_key=key(),
    )  # fmt: skip
    client = login(cast.foundation)
    r = client.post("/funds/agreements/new/", agreement_data(district=org(DISTRICT).pk))
    agreement = Agreement.objects.get(number="XY-2026-CN")
    assert r.status_code == 302 and r["Location"] == f"/funds/agreements/{agreement.pk}/"
    page = text(client.get(r["Location"]))
    assert "草拟" in page and "签订协议" in page and "区帮扶组织负责项目落地" in page

    r = client.post(f"/funds/agreements/{agreement.pk}/sign/", {"signed_on": "2026-01-06"})
    agreement.refresh_from_db()
    assert agreement.status == "signed" and agreement.signed_on == date(2026, 1, 6)

    url = f"/funds/agreements/{agreement.pk}/allocate/"
    r = client.post(
        url,
        {"to_org": org(DISTRICT).pk, "source": sources.lottery.pk, "amount": "300000.00", "day": "2026-01-10",
         "memo": "一季度下拨", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    assert r.status_code == 302
    assert balance(org_id=org(DISTRICT).pk, source_id=sources.lottery.pk) == D("300000.00")
    listing = text(client.get("/funds/agreements/"))
    assert "¥800,000.00" in listing and "¥300,000.00" in listing and "¥500,000.00" in listing

    client.post(f"/funds/agreements/{agreement.pk}/terminate/", {"reason": "区组织调整"})
    agreement.refresh_from_db()
    assert agreement.status == "terminated"
    r = client.post(
        url,
        {"to_org": org(DISTRICT).pk, "source": sources.lottery.pk, "amount": "1.00", "day": "2026-02-10",
         "memo": "x", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    assert r.status_code == 200 and "已终止" in text(r) and "不能据此下拨资金" in text(r)


def test_agreement_form_errors_are_chinese_and_keep_the_input(cast, login, org):
    r = login(cast.foundation).post(
        "/funds/agreements/new/",
        agreement_data(district=org(DISTRICT).pk, amount="12.345", valid_to="2025-12-31"),
    )
    page = text(r)
    assert r.status_code == 200
    assert "金额最多两位小数" in page and "终止日期不能早于起始日期" in page
    assert "XY-2026-CN" in page
    assert not Agreement.objects.exists()


def test_agreement_with_a_street_is_refused(cast, login, org):
    r = login(cast.foundation).post("/funds/agreements/new/", agreement_data(district=org(STREET).pk))
    assert r.status_code == 200 and "协议只能与区帮扶组织签订" in text(r)
    assert not Agreement.objects.exists()


def test_allocation_beyond_the_agreement_shows_the_figures(funded, cast, login, agreement, org):
    client = login(cast.foundation)
    url = f"/funds/agreements/{agreement.pk}/allocate/"
    page = text(client.get(url))
    assert "¥600,000.00" in page and "¥100,000.00" in page  # amount, and what is left of it
    r = client.post(
        url,
        {"to_org": org(DISTRICT).pk, "source": funded.lottery.pk, "amount": "100000.01", "day": "2021-06-01",
         "memo": "追加", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    page = text(r)
    assert r.status_code == 200
    assert "本次下拨 ¥100,000.01 后累计将达 ¥600,000.01，超过协议 XY-2021-CN 的金额 ¥600,000.00" in page
    assert Allocation.objects.count() == 2


def test_allocation_outside_the_agreement_period_is_refused(funded, cast, login, agreement, org):
    client = login(cast.foundation)
    url = f"/funds/agreements/{agreement.pk}/allocate/"
    r = client.post(
        url,
        {"to_org": org(DISTRICT).pk, "source": funded.lottery.pk, "amount": "10.00", "day": "2022-01-05",
         "memo": "x", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    assert "不在协议 XY-2021-CN 的期限" in text(r)


def test_district_finance_allocates_to_its_street_only(funded, cast, login, agreement, org):
    client = login(cast.finance_cn)
    url = f"/funds/agreements/{agreement.pk}/allocate/"
    page = text(client.get(url))
    targets = re.search(r'<select name="to_org".*?</select>', page, re.S).group(0)
    assert "华阳路街道" in targets and "江苏路街道" in targets and "长宁区" not in targets
    r = client.post(
        url,
        {"to_org": org(OTHER_STREET).pk, "source": funded.lottery.pk, "amount": "50000.00", "day": "2021-02-01",
         "memo": "下拨江苏路街道", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    assert r.status_code == 302
    assert balance(org_id=org(OTHER_STREET).pk, source_id=funded.lottery.pk) == D("50000.00")
    # Beyond what the district holds: refused with the figures.
    r = client.post(
        url,
        {"to_org": org(OTHER_STREET).pk, "source": funded.lottery.pk, "amount": "250000.01", "day": "2021-02-02",
         "memo": "x", "idempotency_key": form_key(client, url)},
    )  # fmt: skip
    assert "可用余额为 ¥250,000.00，不足支出 ¥250,000.01" in text(r)


def test_a_double_submitted_allocation_is_recorded_once(funded, cast, login, agreement, org):
    client = login(cast.finance_cn)
    url = f"/funds/agreements/{agreement.pk}/allocate/"
    data = {"to_org": org(OTHER_STREET).pk, "source": funded.lottery.pk, "amount": "1000.00",
            "day": "2021-02-01", "memo": "x", "idempotency_key": form_key(client, url)}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Allocation.objects.filter(to_org=org(OTHER_STREET)).count() == 1


def test_agreement_of_another_district_is_404(funded, cast, login, agreement):
    assert login(cast.district_hp).get(f"/funds/agreements/{agreement.pk}/").status_code == 404
    assert login(cast.district_hp).get(f"/funds/agreements/{agreement.pk}/allocate/").status_code == 404
    assert login(cast.district_hp).post(f"/funds/agreements/{agreement.pk}/sign/", {}).status_code == 404


def test_district_finance_cannot_sign_or_terminate(funded, cast, login, agreement):
    client = login(cast.finance_cn)
    assert "终止协议" not in text(client.get(f"/funds/agreements/{agreement.pk}/"))
    client.post(f"/funds/agreements/{agreement.pk}/terminate/", {"reason": "x"})
    agreement.refresh_from_db()
    assert agreement.status == "signed"
    assert "无权" in " ".join(
        str(m) for m in client.get(f"/funds/agreements/{agreement.pk}/").context["messages"]
    )


# --- money coming in ---------------------------------------------------------------------------


def test_foundation_records_lottery_funds(sources, cast, login, org):
    client = login(cast.foundation_fin)
    r = post_movement(client, "lottery", source=sources.lottery.pk, amount="2,000,000.00", day="2026-01-05")
    txn = Transaction.objects.get(kind=TransactionKind.LOTTERY_RECEIPT)
    assert r.status_code == 302 and r["Location"] == f"/funds/transactions/{txn.pk}/"
    assert balance(org_id=org("SHBKHZ").pk, source_id=sources.lottery.pk) == D("2000000.00")
    page = text(client.get(r["Location"]))
    assert "福彩金到账" in page and "¥2,000,000.00" in page and "-¥2,000,000.00" in page


def test_a_float_like_amount_with_three_decimals_is_refused(sources, cast, login):
    r = post_movement(
        login(cast.foundation_fin), "lottery", source=sources.lottery.pk, amount="0.001", day="2026-01-05"
    )
    assert r.status_code == 200 and "金额" in text(r)
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("abc", "金额格式不正确"), ("-5", "金额不能为负数"), ("0", "金额须大于零"), ("1e400", "不能用科学计数法"),
     ("NaN", "不能是 NaN 或无穷大"), ("12,3.4", "千位分隔符位置不对")],
)  # fmt: skip
def test_bad_amounts_get_a_chinese_error_never_a_500(sources, cast, login, amount, message):
    r = post_movement(
        login(cast.foundation_fin), "lottery", source=sources.lottery.pk, amount=amount, day="2026-01-05"
    )
    assert r.status_code == 200 and message in text(r)
    assert not Transaction.objects.exists()


def test_bad_date_gets_a_chinese_error(sources, cast, login):
    r = post_movement(
        login(cast.foundation_fin), "lottery", source=sources.lottery.pk, amount="1.00", day="2026-02-30"
    )
    assert r.status_code == 200 and "请填写有效的日期。" in text(r)


def test_district_records_fiscal_matching_for_its_street(sources, cast, login, org):
    r = post_movement(
        login(cast.finance_cn), "fiscal_matching", org=org(STREET).pk, source=sources.fiscal.pk, amount="80000.00",
        day="2026-02-01",
    )  # fmt: skip
    assert r.status_code == 302
    assert balance(org_id=org(STREET).pk, source_id=sources.fiscal.pk) == D("80000.00")


def test_fiscal_matching_for_another_district_street_is_refused(sources, cast, login, org):
    r = post_movement(
        login(cast.finance_cn), "fiscal_matching", org=org("310101002").pk, source=sources.fiscal.pk,
        amount="1.00", day="2026-02-01",
    )  # fmt: skip
    assert r.status_code == 200 and "请选择您有权办理的组织" in text(r)
    assert not Posting.objects.exists()


def test_fiscal_matching_refuses_a_lottery_source(sources, cast, login, org):
    r = post_movement(
        login(cast.finance_cn), "fiscal_matching", org=org(STREET).pk, source=sources.lottery.pk,
        amount="1.00", day="2026-02-01",
    )  # fmt: skip
    assert r.status_code == 200 and "请选择一项可用的资金来源" in text(r)


def test_foundation_staff_cannot_open_fiscal_matching_and_readers_cannot_open_any_form(cast, login):
    assert login(cast.foundation).get("/funds/new/fiscal_matching/").status_code == 403
    for user in (cast.supervisor, cast.auditor_city, cast.cashier_a):
        assert login(user).get("/funds/new/donation/").status_code == 403
        assert login(user).get("/funds/new/management_fee/").status_code == 403
    assert login(cast.foundation).get("/funds/new/nonsense/").status_code == 404


def test_donation_at_the_foundation_is_spendable_at_once(sources, cast, login, org):
    r = post_movement(
        login(cast.foundation_fin), "donation", org=org("SHBKHZ").pk, source=sources.directed.pk, donor="某公司",
        amount="100000.00", day="2026-03-01",
    )  # fmt: skip
    assert r.status_code == 302
    assert balance(org_id=org("SHBKHZ").pk, source_id=sources.directed.pk) == D("100000.00")
    assert Transaction.objects.get().counterparty == "某公司"


def test_street_donation_is_raised_then_passed_through_and_returned(sources, cast, login, org):
    district = login(cast.finance_cn)
    post_movement(
        district, "donation", org=org(STREET).pk, source=sources.undirected.pk, donor="辖区企业",
        amount="30000.00", day="2026-03-01",
    )  # fmt: skip
    street, src = org(STREET), sources.undirected.pk
    assert balance(org_id=street.pk, source_id=src, account=Account.RAISED) == D("30000.00")
    assert balance(org_id=street.pk, source_id=src, account=Account.FUND) == 0

    # More than was raised: refused with the figures.
    r = post_movement(
        district,
        "pass_through",
        org=street.pk,
        source=src,
        amount="30000.01",
        return_to=street.pk,
        day="2026-03-05",
    )
    assert "筹集待上缴在2026年3月5日及以后的可用余额为 ¥30,000.00，不足支出 ¥30,000.01" in text(r)
    r = post_movement(
        district,
        "pass_through",
        org=street.pk,
        source=src,
        amount="30000.00",
        return_to=street.pk,
        day="2026-03-05",
    )
    assert r.status_code == 302
    assert balance(org_id=org("SHBKHZ").pk, source_id=src, account=Account.PASS_THROUGH) == D("30000.00")

    foundation = login(cast.foundation_fin)
    page = text(foundation.get("/funds/pass-throughs/"))
    passed = Transaction.objects.get(kind=TransactionKind.PASS_THROUGH)
    assert passed.number in page and "¥30,000.00" in page
    r = foundation.post(f"/funds/pass-throughs/{passed.pk}/return/", {"day": "2026-03-10", "memo": ""})
    assert r.status_code == 302
    assert balance(org_id=street.pk, source_id=src, account=Account.FUND) == D("30000.00")
    assert balance(org_id=org("SHBKHZ").pk, source_id=src, account=Account.PASS_THROUGH) == 0
    assert passed.number not in text(foundation.get("/funds/pass-throughs/"))
    # Only once.
    foundation.post(f"/funds/pass-throughs/{passed.pk}/return/", {"day": "2026-03-11"})
    assert Transaction.objects.filter(kind=TransactionKind.PASS_THROUGH_RETURN).count() == 1


def test_district_finance_cannot_return_and_other_district_cannot_see_the_pass_through(
    sources, cast, login, org
):
    services.donation_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.undirected, donor="x", amount="10.00",
        day=date(2026, 3, 1), memo="x", idempotency_key=key(),
    )  # fmt: skip
    passed = services.raised_funds_pass_through(
        actor=as_(cast.finance_cn), org=org(STREET), source=sources.undirected, amount="10.00",
        return_to=org(STREET), day=date(2026, 3, 2), memo="x", idempotency_key=key(),
    )  # fmt: skip
    assert (
        login(cast.finance_cn)
        .post(f"/funds/pass-throughs/{passed.pk}/return/", {"day": "2026-03-03"})
        .status_code
        == 403
    )
    assert passed.number not in text(login(cast.district_hp).get("/funds/pass-throughs/"))


# --- money going out: caps ---------------------------------------------------------------------


def test_work_expense_cap_refusal_shows_the_figures(donations_used_2021, cast, login, org):
    # 华阳路街道 used 40,000 of directed donations in 2021 (长民发〔2016〕31号 in force).
    street, sources = org(STREET), donations_used_2021
    client = login(cast.finance_cn)
    r = post_movement(
        client, "work_expense", org=street.pk, source=sources.directed.pk, amount="4000.01", day="2021-12-01"
    )
    assert r.status_code == 200
    assert "2021年捐赠资金使用与工作经费" in text(r)  # the figures the cap comes from, beside the form
    assert (
        "华阳路街道2021年工作经费（定向捐赠）将达 ¥4,000.01，超过当年定向捐赠资金实际使用额 ¥40,000.00 的 10%（¥4,000.00）"
        in text(r)
    )
    r = post_movement(
        client, "work_expense", org=street.pk, source=sources.directed.pk, amount="4000.00", day="2021-12-01"
    )
    assert r.status_code == 302
    assert Posting.objects.filter(account=Account.WORK_EXPENSE).count() == 1


def test_work_expense_without_a_policy_in_force_says_so(funded, cast, login, org):
    r = post_movement(
        login(cast.finance_cn), "work_expense", org=org(STREET).pk, source=funded.directed.pk, amount="1.00",
        day="2023-03-01",
    )  # fmt: skip
    assert r.status_code == 200 and "没有生效的帮扶政策规定工作经费比例" in text(r)


def test_management_fee_cap_refusal_shows_the_figures(sources, cast, login, org):
    fin = as_(cast.foundation_fin)
    services.lottery_funds_receive(
        actor=fin,
        source=sources.lottery,
        amount="2000000.00",
        day=date(2025, 1, 15),
        memo="x",
        idempotency_key=key(),
    )
    services.aid_pay(
        actor=fin, org=org("SHBKHZ"), source=sources.lottery, amount="1000000.00", day=date(2025, 6, 1),
        memo="项目帮扶发放", idempotency_key=key(), project=project("P-FC-2025"),
    )  # fmt: skip
    client = login(cast.foundation_fin)
    r = post_movement(
        client, "management_fee", source=sources.lottery.pk, amount="25000.01", day="2025-12-20"
    )
    assert r.status_code == 200
    assert "管理费将达 ¥25,000.01，超过2025年福彩金项目支出 ¥1,000,000.00 的 2.5%（¥25,000.00）" in text(r)
    # The refusal and the figures name the clause of the rate in force on the day.
    assert "（¥25,000.00）（沪民救发〔2025〕1号 四(三)（财综〔2021〕18号））" in text(r)
    assert "上限（2.5%，沪民救发〔2025〕1号 四(三)（财综〔2021〕18号））" in text(r)
    r = post_movement(
        client, "management_fee", source=sources.lottery.pk, amount="25000.00", day="2025-12-20"
    )
    assert r.status_code == 302
    assert Posting.objects.get(account=Account.MANAGEMENT_FEE).amount == D("25000.00")


# --- the ledger and reversals ------------------------------------------------------------------


def test_ledger_of_an_organisation_lists_its_postings_paged(funded, cast, login, org):
    for n in range(30):
        services.fiscal_matching_receive(
            actor=as_(cast.finance_cn), org=org(STREET), source=funded.fiscal, amount=f"{n + 1}.00",
            day=date(2021, 2, 1), memo=f"配套{n + 1}", idempotency_key=key(),
        )  # fmt: skip
    client = login(cast.finance_cn)
    first = text(client.get(f"/funds/transactions/?org={org(STREET).pk}"))
    assert "华阳路街道 明细账" in first and "配套30" in first and "下一页" in first
    second = text(client.get(f"/funds/transactions/?org={org(STREET).pk}&page=2"))
    assert "配套1<" in second or '配套1"' in second or "下拨华阳路街道" in second
    assert "配套30" not in second


def test_ledger_of_an_organisation_out_of_scope_is_404(funded, cast, login, org):
    assert login(cast.finance_cn).get(f"/funds/transactions/?org={org('SHBKHZ').pk}").status_code == 404
    assert login(cast.cashier_a).get(f"/funds/transactions/?org={org(OTHER_STREET).pk}").status_code == 404
    assert login(cast.cashier_a).get("/funds/transactions/?org=abc").status_code == 404


def test_transaction_out_of_scope_is_404_and_foreign_postings_stay_hidden(funded, cast, login, org):
    district_allocation = Allocation.objects.get(to_org__code=DISTRICT).transaction
    street_allocation = Allocation.objects.get(to_org__code=STREET).transaction
    assert login(cast.district_hp).get(f"/funds/transactions/{street_allocation.pk}/").status_code == 404
    assert login(cast.cashier_a).get(f"/funds/transactions/{district_allocation.pk}/").status_code == 404
    page = text(login(cast.cashier_a).get(f"/funds/transactions/{street_allocation.pk}/"))
    assert "华阳路街道" in page and "另有 1 条分录属于您职责范围以外的组织" in page
    assert (
        login(cast.district_hp).get(f"/funds/transactions/{street_allocation.pk}/reverse/").status_code == 404
    )


def test_reversal_through_the_form_needs_a_reason(funded, cast, login, org):
    txn = Allocation.objects.get(to_org__code=STREET).transaction
    client = login(cast.finance_cn)
    url = f"/funds/transactions/{txn.pk}/reverse/"
    r = client.post(url, {"day": "2021-02-01", "reason": ""})
    assert r.status_code == 200 and "请填写冲销理由。" in text(r)
    r = client.post(url, {"day": "2021-01-01", "reason": "下拨有误"})
    assert "冲销日期不能早于原凭证日期（2021年1月15日）" in text(r)
    r = client.post(url, {"day": "2021-02-01", "reason": "下拨有误"})
    rev = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert r.status_code == 302 and r["Location"] == f"/funds/transactions/{rev.pk}/"
    assert rev.reverses == txn and "下拨有误" in rev.memo
    assert balance(org_id=org(STREET).pk, source_id=funded.lottery.pk) == 0
    page = text(client.get(f"/funds/transactions/{txn.pk}/"))
    assert "已被冲销" in page and rev.number in page and "冲销…" not in page


def test_reversal_of_money_already_spent_shows_the_figures(funded, cast, login, org):
    services.aid_pay(
        actor=as_(cast.finance_cn), org=org(STREET), source=funded.lottery, amount="150000.00",
        day=date(2021, 3, 1), memo="项目发放", idempotency_key=key(), project=project("P-1"),
    )  # fmt: skip
    txn = Allocation.objects.get(to_org__code=STREET).transaction
    r = login(cast.finance_cn).post(
        f"/funds/transactions/{txn.pk}/reverse/", {"day": "2021-04-01", "reason": "x"}
    )
    assert r.status_code == 200 and "可用余额为 ¥50,000.00，不足支出 ¥200,000.00" in text(r)


def test_readers_cannot_reverse(funded, cast, login):
    txn = Allocation.objects.get(to_org__code=STREET).transaction
    for user in (cast.supervisor, cast.auditor_cn, cast.cashier_a):
        r = login(user).post(f"/funds/transactions/{txn.pk}/reverse/", {"day": "2021-02-01", "reason": "x"})
        assert r.status_code == 403
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_transaction_list_filters_by_kind(funded, cast, login):
    page = text(login(cast.foundation).get("/funds/transactions/?kind=lottery_receipt"))
    assert "2021年福彩金到账" in page and "一季度下拨" not in page


def test_pages_answer_for_every_funds_reader(funded, cast, login, agreement):
    for user in (cast.foundation, cast.foundation_fin, cast.supervisor, cast.auditor_city, cast.finance_cn,
                 cast.cashier_a, cast.approver_a):  # fmt: skip
        client = login(user)
        for url in ("/funds/", "/funds/dashboard/", "/funds/transactions/", "/funds/agreements/",
                    "/funds/sources/", "/funds/pass-throughs/"):  # fmt: skip
            assert client.get(url).status_code == 200, (user.username, url)
    for user in (cast.intake_a, cast.sysadmin, cast.volunteer_a):
        assert login(user).get("/funds/transactions/").status_code == 403


def test_money_stays_decimal(funded):
    assert isinstance(Posting.objects.first().amount, Decimal)
