"""Amounts and dates on the fund forms, as a finance officer types them: read exactly or refused
in Chinese with nothing written (SPEC §10)."""

from datetime import date

import pytest
import time_machine

from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import FundSource, Posting, Transaction, TransactionKind
from bangfu.funds.selectors import balance

from .conftest import D, as_, key
from .test_screens import post_movement, text

TODAY = "2026-03-15 10:00 +0800"


@pytest.fixture
def donate(sources, cast, login, org):
    """Post the donation form of the foundation's finance officer on 2026-03-15."""
    client = login(cast.foundation_fin)

    def post(amount, day="2026-03-15"):
        with time_machine.travel(TODAY, tick=False):
            return post_movement(
                client, "donation", org=org("SHBKHZ").pk, source=sources.directed.pk, donor="某公司",
                amount=amount, day=day,
            )  # fmt: skip

    return post


def nothing_written():
    return not Transaction.objects.exists() and not Posting.objects.exists()


@pytest.mark.parametrize(
    "amount", ["¥12,345.67", "12,345.67", "12345.67", "￥１２，３４５．６７", " 12345.67 "]
)
def test_a_donation_typed_with_separators_or_a_yuan_sign_is_stored_exactly(donate, sources, org, amount):
    r = donate(amount)
    assert r.status_code == 302
    txn = Transaction.objects.get(kind=TransactionKind.DONATION)
    assert balance(org_id=org("SHBKHZ").pk, source_id=sources.directed.pk) == D("12345.67")
    assert sorted(p.amount for p in txn.postings.all()) == [D("-12345.67"), D("12345.67")]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12,3.4", "千位分隔符位置不对"),
        ("1,23", "千位分隔符位置不对"),
        ("1,,234", "千位分隔符位置不对"),
        ("1e3", "不能用科学计数法"),
        ("1e400", "不能用科学计数法"),
        ("100.001", "金额最多两位小数（到分）"),
        ("NaN", "不能是 NaN 或无穷大"),
        ("Infinity", "不能是 NaN 或无穷大"),
        ("-5", "金额不能为负数"),
        ("0", "金额须大于零"),
        ("", "请填写捐赠金额。"),
        ("abc", "金额格式不正确"),
        ("1000000000000.00", "金额超出可记账的范围"),
    ],
)
def test_a_donation_amount_that_could_be_another_amount_is_refused_and_nothing_written(
    donate, amount, message
):
    r = donate(amount)
    assert r.status_code == 200 and message in text(r)
    # What was typed stays in the field, to be put right.
    assert f'value="{amount}"' in text(r) or not amount
    assert nothing_written()


def test_a_future_dated_donation_is_refused_and_nothing_written(donate):
    r = donate("100.00", day="2026-03-16")
    assert r.status_code == 200 and "到账日期不能晚于今天（2026年3月15日）" in text(r)
    assert nothing_written()
    assert donate("100.00", day="2026-03-15").status_code == 302


def test_the_form_offers_a_text_amount_and_no_day_after_today(sources, cast, login):
    with time_machine.travel(TODAY, tick=False):
        page = text(login(cast.foundation_fin).get("/funds/new/donation/"))
    amount = page[page.index('name="amount"') - 200 : page.index('name="amount"') + 200]
    assert 'type="text"' in amount and 'inputmode="decimal"' in amount and 'type="number"' not in page
    day = page[page.index('name="day"') - 200 : page.index('name="day"') + 200]
    assert 'type="date"' in day and 'max="2026-03-15"' in day


def test_an_agreement_may_end_in_the_future(cast, login, org):
    """An agreement's dates plan: they are not facts."""
    with time_machine.travel(TODAY, tick=False):
        r = login(cast.foundation).post(
            "/funds/agreements/new/",
            {"district": org("310105").pk, "number": "XY-2026-CN", "amount": "800,000.00",
             "valid_from": "2026-04-01", "valid_to": "2027-03-31", "duties": "区帮扶组织负责项目落地。",
             "reporting": "每月填报报表。"},
        )  # fmt: skip
    assert r.status_code == 302, text(r)


@pytest.mark.parametrize(("amount", "message"), [("12,3.4", "千位分隔符位置不对"), (0.1, "不能是浮点数"),
                                                 ("1e3", "科学计数法")])  # fmt: skip
def test_the_services_read_amounts_with_the_same_parser(sources, cast, org, amount, message):
    """Callers other than the forms (the demo, a future import) are refused alike."""
    with pytest.raises(Refused, match=message) as e:
        services.donation_receive(
            actor=as_(cast.foundation_fin), org=org("SHBKHZ"), source=sources.directed, donor="某公司",
            amount=amount, day=date(2026, 3, 1), memo="x", idempotency_key=key(),
        )  # fmt: skip
    assert e.value.code == "invalid_input" and nothing_written()


def test_a_draw_order_with_a_comma_is_refused_not_read_as_another_number(cast, login):
    """The draw order was a number input too: the browser would have sent `1,00` as 100."""
    client = login(cast.foundation)
    page = text(client.get("/funds/sources/new/"))
    assert 'type="number"' not in page and 'inputmode="numeric"' in page
    r = client.post(
        "/funds/sources/new/",
        {
            "code": "FDX-9",
            "name": "非定向捐赠",
            "kind": "donation_undirected",
            "donor": "社会各界",
            "draw_order": "1,00",
        },
    )
    assert r.status_code == 200 and "支用顺序须为整数" in text(r)
    assert not FundSource.objects.filter(code="FDX-9").exists()
