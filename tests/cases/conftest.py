import re

import pytest
from django.urls import reverse

from . import factories


@pytest.fixture
def roster(db):
    return factories.panel()


@pytest.fixture
def street_funds(db):
    """Case money at 华阳路街道 and 江苏路街道: a payment needs money behind it (SPEC §10)."""
    for code in ("310105001", "310105002"):
        factories.fund_street(code)


@pytest.fixture
def act(client):
    """act(user, case, action, **data) -> response of the POST, as that user. A payment is
    confirmed as the cashier does (`post_confirmed`) unless the data carries its own `confirm`."""

    def do(user, case, action, **data):
        client.force_login(user)
        if action == "pay" and "confirm" not in data:
            return post_confirmed(client, case, data)
        return client.post(reverse("cases:action", args=[case.pk, action]), data)

    return do


CONFIRM = re.compile(r'name="confirm" value="([^"]+)"')


def post_confirmed(client, case, data: dict):
    """The pay form sent, then its 请确认 screen's form sent back as it came: the response of
    the second POST, or of the first when it did not ask for confirmation (bad input)."""
    url = reverse("cases:action", args=[case.pk, "pay"])
    first = client.post(url, data)
    token = CONFIRM.search(first.content.decode()) if first.status_code == 200 else None
    if token is None:
        return first
    return client.post(url, {**data, "confirm": token.group(1)})


def review_data(roster, **extra):
    data = {
        "meeting_date": "2021-03-20", "introduction": "申请人患重病。", "documents_examined": "医疗发票、病史",
        "discussion": "一致认为情况属实。", "conclusion": "aid", "amount": "4000.00", "minutes": "会议记录全文。",
    }  # fmt: skip
    data.update({f"member_{m.pk}": "agree" for m in roster})
    data.update(extra)
    return data


INVESTIGATION = {
    "visited_on": "2021-03-16", "income": "月收入2000元", "income_sources": "退休金", "daily_life": "需照护",
    "housing": "公房一间", "committee_opinion": "情况属实", "plan": "医疗帮扶",
}  # fmt: skip
