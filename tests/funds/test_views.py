"""The balances page: scoped by the user's organisations; nobody outside sees the figures."""

import pytest


@pytest.fixture
def page(funded, login):
    return lambda user, query="": login(user).get(f"/funds/{query}")


def test_foundation_sees_every_organisation(page, cast):
    r = page(cast.foundation_fin)
    assert r.status_code == 200
    text = r.content.decode()
    assert "¥500,000.00" in text and "¥300,000.00" in text and "¥200,000.00" in text


def test_district_sees_itself_and_its_streets_not_the_foundation(page, cast):
    text = page(cast.finance_cn).content.decode()
    assert "¥300,000.00" in text and "¥200,000.00" in text
    assert "¥500,000.00" not in text


def test_street_sees_only_itself(page, cast):
    text = page(cast.cashier_a).content.decode()
    assert "¥200,000.00" in text and "¥300,000.00" not in text


def test_another_district_sees_nothing_of_changning(page, cast):
    r = page(cast.district_hp)
    assert r.status_code == 200 and "¥200,000.00" not in r.content.decode()


def test_roles_without_funds_view_are_refused(page, cast):
    assert page(cast.intake_a).status_code == 403
    assert page(cast.sysadmin).status_code == 403


def test_balances_on_a_past_date_and_a_bad_date(page, cast):
    text = page(cast.cashier_a, "?on=2021-01-14").content.decode()
    assert "¥200,000.00" not in text and "2021年1月14日" in text
    r = page(cast.cashier_a, "?on=2021-13-01")
    assert r.status_code == 200 and "日期格式不正确" in r.content.decode()
