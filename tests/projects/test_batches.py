"""Batches of project aid (SPEC §4): prepared by one, approved by another, within the plan's fund,
delivered to the ledger and the aid records in one go; the undelivered items followed up; a
household never in two open batches of a plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.aid.models import AidRecord
from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.funds.models import Account, Posting, Transaction
from bangfu.funds.verify import ledger_verify
from bangfu.projects import batches
from bangfu.projects.models import (
    Batch,
    BatchItem,
    BatchState,
    Enrolment,
    EnrolmentState,
    EnrolmentVia,
    ItemState,
)
from tests.cases import factories
from tests.projects.conftest import DISTRICT, OTHER_STREET, STREET, as_, make_plan

pytestmark = pytest.mark.django_db

DUE = date(2026, 6, 30)


def enrol(plan, n: int = 1, *, street: str = STREET, category: str = "dibao", state=EnrolmentState.ENROLLED):
    """`n` households of `street` enrolled in the plan as rows (the enrolment service is apart)."""
    out = []
    for _ in range(n):
        h = factories.household(street, category=category)
        out.append(Enrolment.objects.create(project=plan, household=h, via=EnrolmentVia.ONE, state=state))
    return out


def approved(plan, preparer, approver, due=DUE) -> Batch:
    b = batches.prepare(actor=as_(preparer), project=plan, due_date=due)
    return batches.approve(actor=as_(approver), batch=b)


@pytest.fixture
def plan(today, changning_in_force, lottery):
    """The foundation's money plan on lottery money: 1,000 per household of 长宁区."""
    return make_plan(fund_source=lottery)


@pytest.fixture
def cn_plan(today, changning_in_force, district_money):
    """长宁区's own plan on its fiscal matching money (200,000): 50,000 per household."""
    return make_plan(owner=DISTRICT, fund_source=district_money, unit_value="50000.00", budget="200000.00")


def clean_ledger() -> None:
    problems = ledger_verify().problems
    assert problems == [], [p.message for p in problems]


# --- prepare -------------------------------------------------------------------------------------


def test_prepare_freezes_the_enrolled_households_not_in_an_open_batch(cast, plan):
    enrolled = enrol(plan, 3)
    enrol(plan, 1, state=EnrolmentState.PAUSED)
    exited = enrol(plan, 1)[0]
    Enrolment.objects.filter(pk=exited.pk).update(state=EnrolmentState.EXITED, reason="迁出本市")
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    assert (b.number, b.state, b.item_count, b.total, b.due_date) == (
        1, BatchState.PREPARED, 3, Decimal("3000.00"), DUE,
    )  # fmt: skip
    items = list(b.items.order_by("pk"))
    assert [i.enrolment_id for i in items] == [e.pk for e in enrolled]
    assert {(i.kind, i.value, i.hours, i.state) for i in items} == {
        ("money", Decimal("1000.00"), None, ItemState.PENDING)
    }
    # The member the aid is for: the head when the enrolment names none.
    assert all(i.person_id == i.household.members.get(relationship="head").pk for i in items)
    # Nothing left to put in a batch: all are in the open one.
    with pytest.raises(Refused, match="没有可列入批次的帮扶对象"):
        batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    # A household enrolled since goes into the next batch, numbered on.
    late = enrol(plan, 1)[0]
    second = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    assert second.number == 2 and [i.household_id for i in second.items.all()] == [late.household_id]


def test_prepare_rechecks_eligibility_and_marks_the_ineligible(cast, plan):
    plan.target = {"categories": ["dibao"]}
    plan.save()
    ok = enrol(plan, 2)
    out = enrol(plan, 1, category="low_income")[0]
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    assert sorted(b.items.values_list("household_id", flat=True)) == sorted(e.household_id for e in ok)
    out.refresh_from_db()
    assert out.state == EnrolmentState.NOT_ELIGIBLE
    assert out.reason and "条件" in out.reason


def test_the_recheck_marks_stay_when_nothing_is_left(cast, plan):
    plan.target = {"categories": ["dibao"]}
    plan.save()
    out = enrol(plan, 2, category="low_income")
    with pytest.raises(Refused, match="2 户经复核不符合条件") as e:
        batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    assert e.value.code == "nothing_to_prepare" and not Batch.objects.exists()
    assert set(Enrolment.objects.filter(pk__in=[x.pk for x in out]).values_list("state", flat=True)) == {
        EnrolmentState.NOT_ELIGIBLE
    }


def test_prepare_is_the_owners_and_the_plan_must_be_filed(cast, today, changning_in_force, lottery):
    plan = make_plan(fund_source=lottery)
    enrol(plan, 1)
    with pytest.raises(Refused) as e:
        batches.prepare(actor=as_(cast.district_cn), project=plan, due_date=DUE)
    assert e.value.status == 403
    submitted = make_plan(fund_source=lottery, state="submitted")
    enrol(submitted, 1)
    with pytest.raises(Refused, match="备案"):
        batches.prepare(actor=as_(cast.foundation), project=submitted, due_date=DUE)


# --- approve: four eyes, the fund -----------------------------------------------------------------


def test_four_eyes(cast, plan):
    enrol(plan, 2)
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    with pytest.raises(Refused, match="编制人不能审批本批次") as e:
        batches.approve(actor=as_(cast.foundation), batch=b)
    assert e.value.code == "four_eyes"
    assert Batch.objects.get(pk=b.pk).state == BatchState.PREPARED
    # The database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=b.pk).update(approved_by=cast.foundation)
    b = batches.approve(actor=as_(cast.foundation2), batch=b)
    assert (b.state, b.approved_by) == (BatchState.APPROVED, cast.foundation2)
    logged = AuditEntry.objects.filter(target_type="projects.batch", target_id=str(b.pk)).order_by("pk")
    assert [(e.action, e.user) for e in logged] == [("create", cast.foundation), ("update", cast.foundation2)]
    assert logged.last().after["state"] == BatchState.APPROVED
    with pytest.raises(Refused, match="已审批"):
        batches.approve(actor=as_(cast.foundation_fin), batch=b)


def test_approval_is_refused_when_the_fund_cannot_cover_it_with_the_figures(cast, cn_plan, district_money):
    enrol(cn_plan, 3)
    first = approved(cn_plan, cast.district_cn, cast.finance_cn)  # 150,000 of the 200,000
    other = make_plan(owner=DISTRICT, fund_source=district_money, unit_value="30000.00")
    enrol(other, 2)
    b = batches.prepare(actor=as_(cast.district_cn), project=other, due_date=DUE)  # 60,000
    with pytest.raises(Refused) as e:
        batches.approve(actor=as_(cast.finance_cn), batch=b)
    assert e.value.code == "insufficient_funds"
    assert "可用余额 ¥200,000.00" in e.value.message
    assert "已审批未发放 ¥150,000.00" in e.value.message
    assert "本批次金额 ¥60,000.00" in e.value.message
    assert "尚缺 ¥10,000.00" in e.value.message
    # Once the first is delivered its money is gone from the balance, no longer "approved".
    batches.deliver(actor=as_(cast.finance_cn), batch=first, day=date(2026, 6, 16))
    with pytest.raises(Refused) as e:
        batches.approve(actor=as_(cast.finance_cn), batch=b)
    assert "可用余额 ¥50,000.00" in e.value.message and "已审批未发放 ¥0.00" in e.value.message
    # A cancelled batch commits nothing: one that fits is approved.
    batches.cancel(actor=as_(cast.district_cn), batch=b, reason="标准调整")
    third = make_plan(owner=DISTRICT, fund_source=district_money, unit_value="25000.00")
    enrol(third, 2)
    assert approved(third, cast.district_cn, cast.finance_cn).state == BatchState.APPROVED


def test_goods_need_no_money_to_be_approved(cast, today, changning_in_force):
    goods = make_plan(aid_kind="goods", unit_value="300.00", item="米面油")  # no fund source at all
    enrol(goods, 2)
    assert approved(goods, cast.foundation, cast.foundation2).state == BatchState.APPROVED


# --- deliver -------------------------------------------------------------------------------------


def test_delivery_posts_one_transaction_and_an_aid_record_per_item(cast, plan, lottery):
    enrolled = enrol(plan, 3) + enrol(plan, 1, street=OTHER_STREET)
    b = approved(plan, cast.foundation, cast.foundation2)
    skip = b.items.get(household=enrolled[1].household)
    before = Transaction.objects.count()
    b = batches.deliver(
        actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16), undelivered={skip.pk: "联系不上本人"}
    )
    assert (b.state, b.delivered_on, b.delivered_by) == (
        BatchState.DELIVERED,
        date(2026, 6, 16),
        cast.foundation_fin,
    )
    assert Transaction.objects.count() == before + 1
    txn = b.ledger_transaction
    postings = list(Posting.objects.filter(transaction=txn))
    aid = [p for p in postings if p.account == Account.AID]
    fund = [p for p in postings if p.account == Account.FUND]
    assert len(aid) == 3 and {p.amount for p in aid} == {Decimal("1000.00")}
    assert [p.amount for p in fund] == [Decimal("-3000.00")]
    assert {(p.org.code, p.fund_source_id, p.project_id) for p in postings} == {
        ("SHBKHZ", lottery.pk, plan.pk)
    }
    assert txn.sealed and txn.date == date(2026, 6, 16)
    # Audited as the other movements, the lines summed (a batch may have thousands of items).
    logged = AuditEntry.objects.get(target_type="funds.transaction", target_id=str(txn.pk))
    assert logged.after["postings"] == [
        ["SHBKHZ", lottery.code, "aid", "3000.00", None, plan.code, "", 3],
        ["SHBKHZ", lottery.code, "fund", "-3000.00", None, plan.code, "", 1],
    ]
    skip.refresh_from_db()
    assert (skip.state, skip.note, skip.delivered_on) == (ItemState.UNDELIVERED, "联系不上本人", None)
    assert b.items.filter(state=ItemState.DELIVERED, delivered_on=date(2026, 6, 16)).count() == 3
    records = list(AidRecord.objects.filter(project_item__batch=b).select_related("household"))
    assert len(records) == 3
    assert {(r.form, r.kind, r.value, r.ledger_transaction_id, r.fund_source_id) for r in records} == {
        ("project", "money", Decimal("1000.00"), txn.pk, lottery.pk)
    }
    # Delivered by the household's street, on the day.
    assert all(r.organisation_id == r.household.street_id and r.date == date(2026, 6, 16) for r in records)
    assert {r.household.street.code for r in records} == {STREET, OTHER_STREET}
    clean_ledger()


def test_a_delivery_recorded_twice_is_written_once(cast, plan):
    enrol(plan, 2)
    b = approved(plan, cast.foundation, cast.foundation2)
    first = batches.deliver(actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16))
    again = batches.deliver(
        actor=as_(cast.foundation_fin), batch=Batch.objects.get(pk=b.pk), day=date(2026, 6, 17)
    )
    assert again.ledger_transaction_id == first.ledger_transaction_id and again.delivered_on == date(
        2026, 6, 16
    )
    assert Transaction.objects.filter(idempotency_key=f"project-batch:{b.pk}").count() == 1
    assert AidRecord.objects.filter(project_item__batch=b).count() == 2
    assert Posting.objects.filter(project=plan).count() == 3
    clean_ledger()


def test_goods_and_services_are_recorded_without_postings(cast, today, changning_in_force, lottery):
    goods = make_plan(aid_kind="goods", unit_value="300.00", item="米面油", fund_source=lottery)
    service = make_plan(aid_kind="service", unit_value="800.00", hours="12", item="居家照护")
    enrol(goods, 2)
    enrol(service, 3)
    before = Transaction.objects.count()
    g = batches.deliver(
        actor=as_(cast.foundation2), batch=approved(goods, cast.foundation, cast.foundation_fin), day=today
    )
    s = batches.deliver(
        actor=as_(cast.foundation2), batch=approved(service, cast.foundation, cast.foundation_fin), day=today
    )
    assert (
        Transaction.objects.count() == before
        and g.ledger_transaction is None
        and s.ledger_transaction is None
    )
    assert s.total == Decimal("2400.00") and s.item_count == 3
    g_records = AidRecord.objects.filter(project_item__batch=g)
    s_records = AidRecord.objects.filter(project_item__batch=s)
    assert {(r.kind, r.value, r.hours, r.ledger_transaction_id) for r in g_records} == {
        ("goods", Decimal("300.00"), None, None)
    }
    assert g_records.count() == 2 and s_records.count() == 3
    assert {(r.kind, r.value, r.hours) for r in s_records} == {
        ("service", Decimal("800.00"), Decimal("12.00"))
    }
    clean_ledger()


def test_undelivered_items_need_a_reason_and_must_be_the_batches(cast, plan):
    enrol(plan, 2)
    b = approved(plan, cast.foundation, cast.foundation2)
    item = b.items.first()
    with pytest.raises(Refused, match="未发放原因"):
        batches.deliver(
            actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16), undelivered={item.pk: " "}
        )
    with pytest.raises(Refused, match="不在"):
        batches.deliver(
            actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16), undelivered={item.pk + 999: "无"}
        )
    with pytest.raises(Refused, match="晚于今天"):
        batches.deliver(actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 18))
    assert Batch.objects.get(pk=b.pk).state == BatchState.APPROVED
    assert not AidRecord.objects.exists()


def test_a_prepared_batch_is_not_delivered(cast, plan):
    enrol(plan, 1)
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    with pytest.raises(Refused, match="须先审批"):
        batches.deliver(actor=as_(cast.foundation2), batch=b, day=date(2026, 6, 16))


def test_delivery_takes_a_bounded_number_of_queries(cast, plan):
    """No query per item: a batch of 4 and one of 40 take the same number."""
    counts = []
    for n in (4, 40):
        p = make_plan(fund_source=plan.fund_source)
        enrol(p, n)
        b = approved(p, cast.foundation, cast.foundation2)
        with CaptureQueriesContext(connection) as q:
            batches.deliver(actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16))
        counts.append(len(q))
    assert counts[0] == counts[1]
    assert AidRecord.objects.count() == 44
    clean_ledger()


def test_ledger_verify_command_is_clean_after_delivery(cast, plan, capsys):
    enrol(plan, 3)
    batches.deliver(
        actor=as_(cast.foundation_fin),
        batch=approved(plan, cast.foundation, cast.foundation2),
        day=date(2026, 6, 16),
    )
    call_command("ledger", "verify")  # a finding raises CommandError
    assert "账目核对通过" in capsys.readouterr().out


# --- follow-up, cancel, one open batch ------------------------------------------------------------


def test_follow_up_batch_takes_up_the_undelivered_items(cast, plan, today):
    enrolled = enrol(plan, 3)
    b = approved(plan, cast.foundation, cast.foundation2)
    missed = list(b.items.filter(household__in=[enrolled[0].household, enrolled[2].household]))
    batches.deliver(
        actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16),
        undelivered={i.pk: "本人住院，未能领取" for i in missed},
    )  # fmt: skip
    # One of the two exited meanwhile: left out of the follow-up.
    Enrolment.objects.filter(pk=enrolled[2].pk).update(state=EnrolmentState.EXITED, reason="迁出本市")
    f = batches.follow_up(actor=as_(cast.foundation), batch=b, due_date=date(2026, 7, 15))
    assert (f.follows_id, f.number, f.item_count, f.total) == (b.pk, 2, 1, Decimal("1000.00"))
    new = f.items.get()
    assert new.household_id == enrolled[0].household_id and new.value == Decimal("1000.00")
    old = BatchItem.objects.get(batch=b, household_id=new.household_id)
    assert old.followed_up_by_id == new.pk
    assert BatchItem.objects.get(batch=b, household=enrolled[2].household).followed_up_by_id is None
    # The exited household's item is all that is left, and it cannot be followed up.
    with pytest.raises(Refused, match="都不能补发"):
        batches.follow_up(actor=as_(cast.foundation), batch=b, due_date=date(2026, 7, 15))
    # Delivered, it is one more aid record of the household.
    batches.deliver(
        actor=as_(cast.foundation_fin), batch=batches.approve(actor=as_(cast.foundation2), batch=f), day=today
    )
    assert AidRecord.objects.filter(household_id=new.household_id).count() == 1
    clean_ledger()


def test_a_cancelled_follow_up_gives_the_items_back(cast, plan):
    enrol(plan, 1)
    b = approved(plan, cast.foundation, cast.foundation2)
    item = b.items.get()
    batches.deliver(
        actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16), undelivered={item.pk: "外出"}
    )
    f = batches.follow_up(actor=as_(cast.foundation), batch=b, due_date=date(2026, 7, 1))
    batches.cancel(actor=as_(cast.foundation), batch=f, reason="补发时间调整")
    assert BatchItem.objects.get(pk=item.pk).followed_up_by_id is None
    assert set(f.items.values_list("state", flat=True)) == {ItemState.CANCELLED}
    assert batches.follow_up(actor=as_(cast.foundation), batch=b, due_date=date(2026, 7, 8)).item_count == 1


def test_a_household_is_never_in_two_open_batches(cast, plan):
    e = enrol(plan, 1)[0]
    b = approved(plan, cast.foundation, cast.foundation2)
    item = b.items.get()
    batches.deliver(
        actor=as_(cast.foundation_fin), batch=b, day=date(2026, 6, 16), undelivered={item.pk: "外出"}
    )
    # The household was put in a new batch meanwhile (its undelivered item is not open): the
    # follow-up is refused with a clear message.
    Enrolment.objects.filter(pk=e.pk).update(state=EnrolmentState.ENROLLED)
    regular = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    assert regular.item_count == 1
    with pytest.raises(Refused, match="一户不能同时列入本项目两个未发放的批次") as r:
        batches.follow_up(actor=as_(cast.foundation), batch=b, due_date=DUE)
    assert e.household.file_number in r.value.message and "第2批" in r.value.message
    # And the database, whatever the code: a second pending item of the household is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(
            batch=regular, project=plan, enrolment=e, household=e.household, kind="money", value=Decimal("1")
        )


def test_cancel_frees_the_households(cast, plan):
    enrol(plan, 2)
    b = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    with pytest.raises(Refused, match="撤销原因"):
        batches.cancel(actor=as_(cast.foundation), batch=b, reason="")
    b = batches.cancel(actor=as_(cast.foundation2), batch=b, reason="发放标准有误")
    assert b.state == BatchState.CANCELLED
    assert set(b.items.values_list("state", "note")) == {(ItemState.CANCELLED, "发放标准有误")}
    again = batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE + timedelta(days=7))
    assert again.item_count == 2 and again.number == 2
    delivered = batches.deliver(
        actor=as_(cast.foundation_fin), batch=batches.approve(actor=as_(cast.foundation2), batch=again),
        day=date(2026, 6, 16),
    )  # fmt: skip
    with pytest.raises(Refused, match="不能撤销"):
        batches.cancel(actor=as_(cast.foundation), batch=delivered, reason="误操作")


# --- pages ---------------------------------------------------------------------------------------


def test_the_pages_prepare_approve_and_deliver(cast, plan, login, today):
    enrolled = enrol(plan, 3)
    c = login(cast.foundation)
    r = c.get(reverse("projects:batches", args=[plan.pk]))
    assert r.status_code == 200 and "编制发放批次" in r.content.decode()
    assert c.post(reverse("projects:batch_new", args=[plan.pk]), {"due_date": ""}).status_code == 400
    r = c.post(reverse("projects:batch_new", args=[plan.pk]), {"due_date": "2026-06-30"})
    b = Batch.objects.get(project=plan)
    assert r.status_code == 302 and r["Location"] == reverse("projects:batch", args=[b.pk])
    page = c.get(reverse("projects:batch", args=[b.pk])).content.decode()
    h = enrolled[0].household
    assert reverse("registry:detail", args=[h.pk]) in page and h.file_number in page
    assert h.members.get().name in page and "彩票公益金资助" in page
    assert "编制人不能审批本批次" in page and "¥3,000.00" in page
    # The preparer is refused by the page too.
    r = c.post(reverse("projects:batch_act", args=[b.pk, "approve"]), {"confirm": "on"})
    assert r.status_code == 302 and Batch.objects.get(pk=b.pk).state == BatchState.PREPARED
    # Another officer: a confirmation first (the figures), then the approval.
    c = login(cast.foundation2)
    r = c.get(reverse("projects:batch_act", args=[b.pk, "approve"]))
    text = r.content.decode()
    assert (
        r.status_code == 200
        and "确认审批" in text
        and "可用余额" in text
        and "¥1,000,000.00" in text
        and "¥997,000.00" in text
    )
    assert c.post(reverse("projects:batch_act", args=[b.pk, "approve"])).status_code == 200  # not confirmed
    assert Batch.objects.get(pk=b.pk).state == BatchState.PREPARED
    r = c.post(reverse("projects:batch_act", args=[b.pk, "approve"]), {"confirm": "on"})
    assert r.status_code == 302 and Batch.objects.get(pk=b.pk).state == BatchState.APPROVED
    # Delivery: the form, a reason missing, the confirmation, then the delivery.
    c = login(cast.foundation_fin)
    url = reverse("projects:batch_act", args=[b.pk, "deliver"])
    skip = b.items.get(household=enrolled[1].household)
    assert "未发放原因" in c.get(url).content.decode()
    r = c.post(url, {"day": "2026-06-16", "undelivered": [skip.pk]})
    assert r.status_code == 400 and "请填写每一项未发放明细的原因" in r.content.decode()
    r = c.post(url, {"day": "2026-06-16", "undelivered": [skip.pk], f"reason_{skip.pk}": "本人外出"})
    text = r.content.decode()
    assert r.status_code == 200 and "确认发放" in text and "已发放 2 户" in text and "本人外出" in text
    assert Batch.objects.get(pk=b.pk).state == BatchState.APPROVED
    r = c.post(
        url, {"day": "2026-06-16", "undelivered": [skip.pk], f"reason_{skip.pk}": "本人外出", "confirm": "on"}
    )
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == BatchState.DELIVERED and AidRecord.objects.filter(project_item__batch=b).count() == 2
    assert BatchItem.objects.get(pk=skip.pk).note == "本人外出"
    # The same delivery sent again is not offered, and writes nothing.
    assert c.post(url, {"day": "2026-06-16", "confirm": "on"}).status_code == 302
    assert AidRecord.objects.count() == 2
    # The follow-up button, then the follow-up batch.
    page = c.get(reverse("projects:batch", args=[b.pk])).content.decode()
    assert "编制补发批次" in page and b.ledger_transaction.number in page
    r = c.post(reverse("projects:batch_act", args=[b.pk, "follow_up"]), {"due_date": "2026-07-01"})
    f = Batch.objects.get(follows=b)
    assert r.status_code == 302 and f.item_count == 1
    assert (
        "本批次的未发放明细均已编入补发批次" in c.get(reverse("projects:batch", args=[b.pk])).content.decode()
    )
    r = c.post(reverse("projects:batch_act", args=[f.pk, "cancel"]), {"reason": "改期"})
    assert r.status_code == 302 and Batch.objects.get(pk=f.pk).state == BatchState.CANCELLED


def test_a_delivery_form_with_hundreds_of_items_not_delivered(cast, plan, login, today):
    """Two fields an item ticked (the item and its reason): 600 of them pass the request's limits."""
    enrol(plan, 601)
    b = approved(plan, cast.foundation, cast.foundation2)
    skipped = list(b.items.order_by("pk").values_list("pk", flat=True)[:600])
    data = {"day": "2026-06-16", "undelivered": skipped, "confirm": "on"}
    data.update({f"reason_{pk}": "联系不上" for pk in skipped})
    r = login(cast.foundation_fin).post(reverse("projects:batch_act", args=[b.pk, "deliver"]), data)
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.state == BatchState.DELIVERED
    assert b.items.filter(state=ItemState.UNDELIVERED).count() == 600
    assert AidRecord.objects.filter(project_item__batch=b).count() == 1


def test_scope_of_the_pages(cast, cn_plan, login):
    enrol(cn_plan, 1)
    b = batches.prepare(actor=as_(cast.district_cn), project=cn_plan, due_date=DUE)
    for url in (
        reverse("projects:batches", args=[cn_plan.pk]),
        reverse("projects:batch_new", args=[cn_plan.pk]),
        reverse("projects:batch", args=[b.pk]),
        reverse("projects:batch_act", args=[b.pk, "approve"]),
    ):
        assert login(cast.district_hp).get(url).status_code == 404, url
    # The foundation reads every plan's batches; the district its own, and approves them.
    assert login(cast.foundation).get(reverse("projects:batch", args=[b.pk])).status_code == 200
    assert login(cast.supervisor).get(reverse("projects:batches", args=[cn_plan.pk])).status_code == 200
    page = login(cast.finance_cn).get(reverse("projects:batch", args=[b.pk])).content.decode()
    assert reverse("projects:batch_act", args=[b.pk, "approve"]) in page
    # Reading is not handling: the bureau's supervisor is offered nothing, and refused.
    page = login(cast.supervisor).get(reverse("projects:batch", args=[b.pk])).content.decode()
    assert reverse("projects:batch_act", args=[b.pk, "approve"]) not in page
    assert (
        login(cast.supervisor).get(reverse("projects:batch_act", args=[b.pk, "approve"])).status_code == 404
    )
    # The foundation reads the district's batches but does not handle the district's money.
    page = login(cast.foundation).get(reverse("projects:batch", args=[b.pk])).content.decode()
    assert reverse("projects:batch_act", args=[b.pk, "approve"]) not in page
    for user in (cast.supervisor, cast.district_hp, cast.foundation, cast.foundation_fin):
        with pytest.raises(Refused) as e:
            batches.approve(actor=as_(user), batch=b)
        assert e.value.status == 403
    with pytest.raises(Refused):
        batches.prepare(actor=as_(cast.foundation), project=cn_plan, due_date=DUE)


def test_the_plan_section_lists_the_batches(cast, plan, rf):
    from django.template.loader import render_to_string

    enrol(plan, 2)
    batches.prepare(actor=as_(cast.foundation), project=plan, due_date=DUE)
    request = rf.get("/")
    request.user = cast.foundation
    html = render_to_string(
        "projects/sections/batches.html", {"project": plan, "request": request}, request=request
    )
    assert "第1批" in html and "待审批" in html and reverse("projects:batches", args=[plan.pk]) in html
