"""个案看板 through HTTP on frozen days: the figures of a small known set of cases, each reader's
scope, and overdue counted from the day after the deadline."""

import uuid
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.db.models import F
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.cases import builders, services
from bangfu.cases.dashboard import percentile
from bangfu.cases.models import Case, CaseState
from tests.conftest import shanghai

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]

URL = "/cases/dashboard/?from=2021-03&to=2021-04"


def _paid(intake, cashier, street_code, paid_on, amount, aid_type="medical"):
    """A case applied on 15 March 2021, paid on `paid_on` (10:00 in Shanghai)."""
    c = factories.approve(factories.case(intake, factories.household(street_code), aid_type=aid_type), amount)
    with time_machine.travel(timezone.make_aware(datetime.combine(paid_on, time(10, 0))), tick=False):
        services.case_pay(case=c, actor=Actor.for_user(cashier), method="cash", idempotency_key=uuid.uuid4())
    return c


@pytest.fixture
def known(cast, make_user):
    """长宁区: A paid after 5 days and B after 30 (its follow-up due 30 days after each), C still
    waiting, E paid help-first with its paperwork due on 30 April; 黄浦区: D paid after 10 days."""
    cashier_b = make_user("cashier_b", [("cashier", "310105002")])
    a = _paid(cast.intake_a, cast.cashier_a, "310105001", date(2021, 3, 20), "4000.00")
    _paid(cast.intake_b, cashier_b, "310105002", date(2021, 4, 14), "2000.00", aid_type="other")
    factories.case(cast.intake_a)
    e = factories.case(cast.intake_b, factories.household("310105002"), aid_type="other", invoices=())
    Case.objects.filter(pk=e.pk).update(
        state=CaseState.PAID, help_first=True, paperwork_due=date(2021, 4, 30)
    )
    # No district policy of 黄浦区 is in force in 2021: D's rows as the bulk synthetic cases build them.
    h = factories.household("310101002")
    d = Case.objects.create(
        household=h, street=h.street, applicant=h.members.first(), aid_type="medical", state=CaseState.PAID,
        application_date=factories.APPLIED_ON, hardship="重病", approved_amount=Decimal("1000.00"),
        created_by=cast.intake_hp,
    )  # fmt: skip
    payment, record = builders.payment_rows(
        d, amount=Decimal("1000.00"), method="cash", idempotency_key=uuid.uuid4(), paid_by=cast.cashier_a,
        paid_on=date(2021, 3, 25), category="other",
    )  # fmt: skip
    payment.save()
    record.save()
    builders.follow_up_row(d, due=date(2021, 4, 24)).save()
    return a


def _get(client, moment: str):
    with time_machine.travel(shanghai(moment), tick=False):
        r = client.get(URL)
    assert r.status_code == 200
    return r.context


def _row(rows, label):
    (row,) = [r for r in rows if r["label"] == label]
    return row


def test_the_district_sees_its_streets_figures(known, cast, login):
    page = _get(login(cast.district_cn), "2021-05-01 10:00")
    assert page["area_label"] == "街镇" and not page["city_wide"]
    assert [r["label"] for r in page["by_area"]][:2] == ["华阳路街道", "江苏路街道"]
    assert "南京东路街道" not in {r["label"] for r in page["by_area"]}
    huayang, jiangsu = _row(page["by_area"], "华阳路街道"), _row(page["by_area"], "江苏路街道")
    assert (huayang["applied"], huayang["open"], huayang["paid"], str(huayang["amount"])) == (
        2,
        2,
        1,
        "4000.00",
    )
    assert (jiangsu["applied"], jiangsu["paid"], str(jiangsu["amount"])) == (2, 1, "2000.00")
    # A's follow-up was due on 19 April; E's paperwork on 30 April.
    assert (huayang["follow_ups"], huayang["paperwork"]) == (1, 0)
    assert (jiangsu["follow_ups"], jiangsu["paperwork"]) == (0, 1)
    states = {s["key"]: s["cases"] for s in page["states"]}
    assert states == {**dict.fromkeys(CaseState.values, 0), "paid": 3, "applied": 1}
    total = page["type_total"]
    assert (total["applied"], total["paid"], str(total["amount"]), total["median"], total["p90"]) == (
        4, 2, "6000.00", 5, 30,
    )  # fmt: skip
    medical = _row(page["by_aid_type"], "大重病医疗帮扶")
    assert (medical["applied"], medical["paid"], medical["median"], medical["p90"]) == (2, 1, 5, 5)
    assert _row(page["by_aid_type"], "补缴金帮扶")["median"] is None
    assert [b["cases"] for b in page["days"]] == [1, 0, 1, 0, 0, 0]
    html = login(cast.district_cn).get(URL).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in html and 'id="chart-data"' in html


def test_overdue_is_counted_from_the_day_after_the_deadline(known, cast, login):
    client = login(cast.district_cn)
    assert (_get(client, "2021-04-19 23:59")["follow_ups_overdue"], _get(client, "2021-04-20 00:00")["follow_ups_overdue"]) == (0, 1)  # fmt: skip
    assert (_get(client, "2021-04-30 23:59")["paperwork_overdue"], _get(client, "2021-05-01 00:00")["paperwork_overdue"]) == (0, 1)  # fmt: skip
    # Done is not overdue.
    known.follow_ups.update(done_at=F("due_date"))
    assert _get(client, "2021-05-01 10:00")["follow_ups_overdue"] == 0


def test_the_foundation_and_the_bureau_see_the_city_by_district(known, cast, login):
    for user in (cast.foundation, cast.supervisor):
        page = _get(login(user), "2021-05-01 10:00")
        assert page["area_label"] == "区" and page["city_wide"] and len(page["by_area"]) == 17
        assert (_row(page["by_area"], "长宁区")["applied"], _row(page["by_area"], "黄浦区")["paid"]) == (4, 1)
        total = page["type_total"]
        assert (total["applied"], total["paid"], total["median"], total["p90"]) == (5, 3, 10, 30)


def test_a_street_sees_only_its_own_and_another_district_none_of_ours(known, cast, login):
    page = _get(login(cast.intake_a), "2021-05-01 10:00")
    assert [r["label"] for r in page["by_area"]] == ["华阳路街道"]
    assert (page["area_total"]["applied"], page["area_total"]["paid"], page["paperwork_overdue"]) == (2, 1, 0)
    page = _get(login(cast.district_hp), "2021-05-01 10:00")
    assert "华阳路街道" not in {r["label"] for r in page["by_area"]}
    assert (page["area_total"]["applied"], page["area_total"]["paid"], page["follow_ups_overdue"]) == (
        1,
        1,
        1,
    )


def test_who_reads_no_case_is_refused_and_the_page_is_in_the_navigation(cast, login):
    assert login(cast.sysadmin).get(URL).status_code == 403
    assert 'href="/cases/dashboard/"' in login(cast.district_cn).get("/").content.decode()


def test_a_bad_month_is_said_in_chinese(cast, login):
    with time_machine.travel(shanghai("2021-05-01 10:00"), tick=False):
        r = login(cast.district_cn).get("/cases/dashboard/?from=2021/3")
    assert r.status_code == 200 and "格式不正确" in r.content.decode()


def test_percentiles_are_nearest_rank():
    assert percentile({}, 0.5) is None
    assert percentile({5: 1, 30: 1}, 0.5) == 5 and percentile({5: 1, 30: 1}, 0.9) == 30
    assert percentile({1: 9, 100: 1}, 0.9) == 1 and percentile({1: 8, 100: 2}, 0.9) == 100
