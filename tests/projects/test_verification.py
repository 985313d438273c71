"""Delivery verification (SPEC §4): a sample of the delivered items, drawn again from its seed to
the same items; each confirmed by visit or phone; refusals; who may draw and who may read."""

from datetime import date

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.projects import verification
from bangfu.projects.models import BatchItem, Check, ItemState, Verification

from .conftest import DISTRICT, as_, make_plan
from .delivered import Lot, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast, today):
    """长宁区's plan: 15 items delivered in March, 2 not delivered, a batch of 5 not yet delivered."""
    p = make_plan(owner=DISTRICT)
    deliver(
        p,
        [Lot(15, date(2026, 3, 31), date(2026, 3, 30), undelivered=2), Lot(5, date(2026, 7, 31), None)],
        preparer=cast.district_cn, approver=cast.finance_cn,
    )  # fmt: skip
    return p


def delivered_ids(plan):
    return set(BatchItem.objects.filter(project=plan, state=ItemState.DELIVERED).values_list("id", flat=True))


def drawn(v):
    return sorted(v.checks.values_list("item_id", flat=True))


def test_a_share_is_rounded_up_and_redrawn_from_its_seed_to_the_same_items(cast, plan):
    v = verification.draw(actor=as_(cast.district_cn), project=plan, method="share", share="20")
    items = drawn(v)
    assert len(items) == 3  # 20% of 15 delivered items (neither the undelivered nor the pending)
    assert set(items) <= delivered_ids(plan)
    assert len(v.seed) == 32 and v.seed == v.seed.upper()
    assert verification.redraw(v) == items
    # The same pool, size and seed give the same items; another seed (almost surely) others.
    pool = sorted(delivered_ids(plan))
    assert verification.sample(pool, 3, v.seed) == items
    assert any(verification.sample(pool, 3, f"other-{n}") != items for n in range(5))
    entry = AuditEntry.objects.get(action=verification.DRAW, target_id=str(v.pk))
    assert entry.after["seed"] == v.seed and entry.after["pool"] == 15 and entry.after["drawn"] == 3


def test_a_number_draws_that_many_then_the_rest_is_left_then_all(cast, plan):
    first = verification.draw(actor=as_(cast.district_cn), project=plan, method="number", number=4)
    assert len(drawn(first)) == 4
    second = verification.draw(actor=as_(cast.foundation), project=plan, method="number", number=100)
    # Only the 11 not yet drawn, and none twice.
    assert len(drawn(second)) == 11 and not set(drawn(first)) & set(drawn(second))
    assert verification.redraw(first) == drawn(first) and verification.redraw(second) == drawn(second)
    with pytest.raises(Refused, match="没有尚未核查的已发放明细"):
        verification.draw(actor=as_(cast.district_cn), project=plan, method="all")


def test_all_takes_every_delivered_item(cast, plan):
    v = verification.draw(actor=as_(cast.district_cn), project=plan, method="all")
    assert set(drawn(v)) == delivered_ids(plan) and v.checks.filter(result="pending").count() == 15


@pytest.mark.parametrize(
    "method, share, number, message",
    [
        ("share", "0", None, "抽取比例须大于0%且不超过100%"),
        ("share", "100.5", None, "抽取比例须大于0%且不超过100%"),
        ("share", "-5", None, "抽取比例须大于0%且不超过100%"),
        ("number", None, 0, "抽取数量须大于零"),
        ("number", None, -3, "抽取数量须大于零"),
        ("sometimes", None, None, "请选择抽取方式"),
    ],
)
def test_a_bad_share_or_number_is_refused(cast, plan, method, share, number, message):
    with pytest.raises(Refused, match=message):
        verification.draw(
            actor=as_(cast.district_cn), project=plan, method=method, share=share, number=number
        )
    assert not Verification.objects.filter(project=plan).exists()


def test_nothing_delivered_is_refused(cast, today):
    p = make_plan(owner=DISTRICT)
    deliver(p, [Lot(3, date(2026, 7, 31), None)], preparer=cast.district_cn, approver=cast.finance_cn)
    with pytest.raises(Refused, match="没有尚未核查的已发放明细"):
        verification.draw(actor=as_(cast.district_cn), project=p, method="all")


def test_only_the_owner_and_the_foundation_draw(cast, plan):
    for user in (cast.district_hp, cast.finance_cn, cast.auditor_city, cast.supervisor):
        with pytest.raises(Refused) as refused:
            verification.draw(actor=as_(user), project=plan, method="all")
        assert refused.value.status == 403
    assert not Verification.objects.exists()


def test_results_are_recorded_with_a_note_where_something_was_wrong(cast, plan):
    v = verification.draw(actor=as_(cast.district_cn), project=plan, method="number", number=4)
    a, b, c, d = v.checks.order_by("id")
    actor = as_(cast.district_cn)
    with pytest.raises(Refused, match="须填写说明"):
        verification.record(actor=actor, check=b, result="not_received", channel="phone", note=" ")
    with pytest.raises(Refused, match="须填写说明"):
        verification.record(actor=actor, check=c, result="problem", channel="visit")
    with pytest.raises(Refused, match="请选择核查方式"):
        verification.record(actor=actor, check=a, result="received", channel="email")
    with pytest.raises(Refused, match="请选择核查结果"):
        verification.record(actor=actor, check=a, result="pending", channel="visit")
    verification.record(actor=actor, check=a, result="received", channel="visit")
    verification.record(actor=actor, check=b, result="not_received", channel="phone", note="本人称未收到")
    verification.record(actor=actor, check=c, result="problem", channel="visit", note="金额少于通知")
    with pytest.raises(Refused, match="不能重复登记"):
        verification.record(actor=actor, check=a, result="problem", channel="visit", note="改")
    a.refresh_from_db()
    assert a.result == "received" and a.checked_by == cast.district_cn and a.checked_at is not None
    s = verification.summary(plan)
    assert (s["drawn"], s["done"], s["pending"], s["received"], s["not_received"], s["problem"]) == (
        4,
        3,
        1,
        1,
        1,
        1,
    )
    assert str(s["received_share"]) == "33.33" and s["delivered"] == 15 and s["undrawn"] == 11
    assert AuditEntry.objects.filter(action=verification.RECORD).count() == 3
    with pytest.raises(Refused):
        verification.record(actor=as_(cast.district_hp), check=d, result="received", channel="visit")


def test_the_page_draws_and_records_and_is_the_owners(cast, plan, login):
    client = login(cast.district_cn)
    url = reverse("projects:verification", args=[plan.pk])
    assert client.get(url).status_code == 200
    r = client.post(reverse("projects:verification_draw", args=[plan.pk]), {"method": "share", "share": "0"})
    assert r.status_code == 400 and "抽取比例须大于0%且不超过100%" in r.content.decode()
    r = client.post(
        reverse("projects:verification_draw", args=[plan.pk]), {"method": "number", "number": "2"}
    )
    assert r.status_code == 302
    check = Check.objects.filter(verification__project=plan).order_by("id").first()
    page = client.get(url).content.decode()
    assert "登记" in page and check.item.household.file_number in page
    r = client.post(reverse("projects:check", args=[check.pk]), {"result": "problem", "channel": "visit"})
    assert r.status_code == 400 and "须填写说明" in r.content.decode()
    r = client.post(
        reverse("projects:check", args=[check.pk]),
        {"result": "problem", "channel": "visit", "note": "物品破损"},
    )
    assert r.status_code == 302
    check.refresh_from_db()
    assert check.result == "problem" and check.note == "物品破损"
    # 黄浦区 does not see 长宁区's plan; the foundation and the city's auditor read it, without forms.
    hp = login(cast.district_hp)
    assert (
        hp.get(url).status_code == 404
        and hp.get(reverse("projects:check", args=[check.pk])).status_code == 404
    )
    assert (
        hp.post(reverse("projects:verification_draw", args=[plan.pk]), {"method": "all"}).status_code == 404
    )
    auditor = login(cast.auditor_city).get(url)
    assert auditor.status_code == 200 and "抽取核查样本" not in auditor.content.decode()
    assert "物品破损" in auditor.content.decode()
