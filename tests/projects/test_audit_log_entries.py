"""Project aid in the audit log (through HTTP, as an auditor reads it): every step of a plan, its
enrolment, batches and verification in Chinese words — no stored code, key or ISO date."""

import re
from datetime import date

from django.urls import reverse

from bangfu.projects import batches, enrolment, filing, verification
from tests.cases import factories
from tests.conftest import CAST

from .conftest import DISTRICT, STREET, as_

# A stored key or code is lower case (the logins of the test users are too, and are left out).
LATIN = re.compile(r"\b[a-z][a-z_]{2,}\b")


def test_an_auditor_reads_project_aid_in_chinese(today, cast, login, changning_in_force, district_money, org):
    plan = filing.plan_create(
        actor=as_(cast.district_cn), owner=org(DISTRICT), title="困难老人助餐", target={"categories": ["dibao"], "areas": [STREET], "age_min": 40},
        aid_kind="money", unit_value="300.00", budget="30000.00", fund_source=district_money,
        period_start=date(2026, 6, 1), period_end=date(2026, 12, 31), target_households=10,
    )  # fmt: skip
    filing.transition(actor=as_(cast.district_cn), project=plan, action="submit")
    filing.transition(actor=as_(cast.foundation), project=plan, action="accept")
    for _ in range(3):
        factories.household(STREET, category="dibao")
    enrolment.enrol_from_query(actor=as_(cast.district_cn), project=plan, day=today)
    batch = batches.prepare(actor=as_(cast.district_cn), project=plan, due_date=today)
    batches.approve(actor=as_(cast.finance_cn), batch=batch)
    first = batch.items.order_by("id").first()
    batches.deliver(actor=as_(cast.finance_cn), batch=batch, day=today, undelivered={first.pk: "联系不上"})
    verification.draw(actor=as_(cast.district_cn), project=plan, method="all")

    client = login(cast.auditor_cn)
    pages = [client.get(reverse("audit:list"), {"page": n}) for n in (1, 2)]
    text = " ".join(
        re.sub(r"<[^>]+>", " ", p.content.decode().split("<main", 1)[-1].split(">", 1)[-1])
        for p in pages
        if p.status_code == 200
    )
    for words in (
        "家庭类别：低保家庭",
        "年龄：40周岁及以上",
        "纳入户数",
        "已发放户数",
        "未发放户数",
        "可抽取条数",
        "抽取条数",
    ):
        assert words in text, words
    # (changning-2016: the built-in policy version's code, which the log names as a code.)
    raw = set(LATIN.findall(text)) - set(CAST) - {"changning"}
    assert not raw, raw
