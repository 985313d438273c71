"""Batches of project aid (发放批次, SPEC §4): prepared by one person, approved by another,
delivered.

    prepare   the plan's enrolled households not in an open batch, re-checked, frozen as items
              (the plan's kind, its unit value, its hours); numbered per plan
    approve   four eyes (never the preparer); refused when the plan's fund at its owner, less
              what other approved batches on that fund still have to pay, does not cover it
    deliver   every item delivered on the day but those named undelivered (with a reason); the
              money items posted as ONE ledger transaction at the owner; an aid record per
              delivered item (money, goods at their value, a service with its hours)
    follow_up the undelivered items of a delivered batch in a new batch (补发批次)
    cancel    a batch not yet delivered, with a reason

A household is never in two open batches of a plan: the plan's row lock queues preparations,
the code leaves out or refuses a household already in one, and the database's partial unique
index on pending items (`one_open_item_per_household`) holds the line in the end.

Rows in bulk (`bulk_create`, one UPDATE per state): a batch of 10,000 items is prepared and
delivered in a bounded number of queries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from bangfu.aid.builders import project_items_delivered
from bangfu.aid.models import AidKind
from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.bulk import insert_from, one_of
from bangfu.core.dates import cn_date
from bangfu.core.money import MAX_WHOLE_DIGITS, ZERO, format_yuan
from bangfu.core.refusal import Refused
from bangfu.funds import builders as fund_builders
from bangfu.funds import selectors as fund_selectors
from bangfu.funds import services as funds
from bangfu.registry.models import Person, Relationship

from . import selectors
from .models import (
    OPEN_BATCH_STATES,
    Batch,
    BatchItem,
    BatchState,
    Enrolment,
    EnrolmentState,
    ItemState,
    PlanState,
    Project,
)

PERM = "projects.batch"
REASON_MAX = 200

ACTION_LABELS = {
    "approve": "审批",
    "deliver": "登记发放",
    "follow_up": "编制补发批次",
    "cancel": "撤销批次",
}


# --- reads ---------------------------------------------------------------------------------------


def batch_visible(user, pk: int) -> Batch:
    """One batch, read as its plan is (`selectors.may`); Http404 outside scope."""
    batch = (
        Batch.objects.select_related("project", "project__owner", "project__fund_source")
        .filter(pk=pk)
        .first()
    )
    if batch is None or not selectors.may(user, selectors.READ, batch.project):
        raise Http404
    return batch


def may_handle(user, project: Project) -> bool:
    """Whether the user handles the plan's batches: `projects.batch` held at its owner itself. The
    money is the owner's (专款专用): the foundation reads a district's batches, the district pays them."""
    return selectors.may(user, PERM, project, own_staff=True)


def money_total(batch: Batch) -> Decimal:
    """What the batch pays in money (its goods and services are not paid from the fund)."""
    return _money_of(BatchItem.objects.filter(batch=batch).exclude(state=ItemState.CANCELLED))


def _money_of(items: QuerySet) -> Decimal:
    return items.filter(kind=AidKind.MONEY).aggregate(t=Sum("value"))["t"] or ZERO


def committed_elsewhere(batch: Batch) -> Decimal:
    """已审批未发放: the money of the other approved, not yet delivered batches of any plan that
    draws on the same source at the same owner."""
    project = batch.project
    return _money_of(
        BatchItem.objects.filter(
            batch__state=BatchState.APPROVED,
            batch__project__owner_id=project.owner_id,
            batch__project__fund_source_id=project.fund_source_id,
            state=ItemState.PENDING,
        ).exclude(batch_id=batch.pk)
    )


# --- what a page offers --------------------------------------------------------------------------


def may_prepare(user, project: Project) -> tuple[bool, str]:
    if not may_handle(user, project):
        return False, f"您没有在{project.owner.name}编制发放批次的权限。"
    if project.state != PlanState.FILED:
        return False, f"项目当前为“{project.get_state_display()}”，备案（批准）后方可编制发放批次。"
    return True, ""


def offers(user, batch: Batch) -> list[tuple[str, str, bool, str]]:
    """(action, label, allowed, reason) of the actions on the batch in its state, for a user who
    may handle batches at the plan's owner (others are offered nothing)."""
    if not may_handle(user, batch.project):
        return []
    out = []
    if batch.state == BatchState.PREPARED:
        if batch.prepared_by_id == user.pk:
            out.append(("approve", ACTION_LABELS["approve"], False, "编制人不能审批本批次。"))
        else:
            out.append(("approve", ACTION_LABELS["approve"], True, ""))
    if batch.state == BatchState.APPROVED:
        out.append(("deliver", ACTION_LABELS["deliver"], True, ""))
    undelivered = BatchItem.objects.filter(batch=batch, state=ItemState.UNDELIVERED)
    if batch.state == BatchState.DELIVERED and undelivered.exists():
        left = _follow_up_candidates(batch).exists()
        reason = "" if left else "本批次的未发放明细均已编入补发批次。"
        out.append(("follow_up", ACTION_LABELS["follow_up"], left, reason))
    if batch.state in OPEN_BATCH_STATES:
        out.append(("cancel", ACTION_LABELS["cancel"], True, ""))
    return out


# --- guards --------------------------------------------------------------------------------------


def _authorise(actor: Actor, project: Project) -> None:
    selectors.authorise(actor, PERM, project, f"您没有在{project.owner.name}办理发放批次的权限。", own_staff=True)


def _by_a_person(actor: Actor) -> None:
    if actor.user is None:
        raise Refused("发放批次须由工作人员编制（编制人与审批人须为两个人）。", code="forbidden", status=403)


def _day(value, label: str) -> date:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise Refused(f"请填写{label}（年-月-日）。", code="invalid_input", field="due_date")
    return value


def _reason(value: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Refused(f"请填写{label}。", code="invalid_input", field="reason")
    if len(text) > REASON_MAX:
        raise Refused(f"{label}不能超过{REASON_MAX}个字。", code="invalid_input", field="reason")
    return text


def _locked_plan(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("owner", "fund_source")
        .get(pk=project.pk)
    )


def _locked_batch(batch: Batch) -> Batch:
    return (
        Batch.objects.select_for_update(of=("self",))
        .select_related("project", "project__owner", "project__fund_source")
        .get(pk=batch.pk)
    )


def _wrong_state(batch: Batch, what: str) -> Refused:
    return Refused(
        f"{batch}当前为“{batch.get_state_display()}”，不能{what}。", code="wrong_status", status=409
    )


def _open_clash_message(project: Project, household_ids) -> str | None:
    """The refusal when any of these households is already in an open batch of the plan."""
    clash = (
        BatchItem.objects.filter(
            project=project, state=ItemState.PENDING, household_id__in=list(household_ids)
        )
        .select_related("batch", "household")
        .order_by("household__file_number")
    )
    first = clash.first()
    if first is None:
        return None
    n = clash.count()
    more = f"等 {n} 户" if n > 1 else ""
    return (
        f"家庭 {first.household.file_number}{more}已在本项目第{first.batch.number}批"
        f"（{first.batch.get_state_display()}）中：一户不能同时列入本项目两个未发放的批次。"
    )


# --- prepare -------------------------------------------------------------------------------------


def _recheck(project: Project, enrolments: list[tuple[int, int]], day: date) -> tuple[list[int], int]:
    """The enrolments, as (enrolment, household) pairs, still eligible (eligibility checked again,
    SPEC §4); those found not eligible become `not_eligible` with the first problem as the
    reason. (the enrolments kept, the number found not eligible)"""
    from .eligibility import bulk_problems

    if not enrolments:
        return [], 0
    problems = bulk_problems(project, [hid for _, hid in enrolments], day, enrolling=False)
    now = timezone.now()
    refused = [
        Enrolment(
            pk=pk,
            state=EnrolmentState.NOT_ELIGIBLE,
            reason=problems[hid][0].message[:REASON_MAX],
            updated_at=now,
        )
        for pk, hid in enrolments
        if hid in problems
    ]
    if refused:
        Enrolment.objects.bulk_update(refused, ["state", "reason", "updated_at"], batch_size=2000)
    return [pk for pk, hid in enrolments if hid not in problems], len(refused)


def _new_batch(*, actor: Actor, project: Project, due_date: date, follows: Batch | None) -> Batch:
    number = (Batch.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
    return Batch.objects.create(
        project=project, number=number, follows=follows, due_date=due_date, prepared_by=actor.user
    )


BATCH_TOTAL_LIMIT = Decimal(10) ** MAX_WHOLE_DIGITS


def _fill(batch: Batch, write: Callable[[], None], household_ids: list[int]) -> None:
    """Write the batch's items (`write`), then its count and total as the database has them."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        # A household put in another open batch meanwhile (the partial unique index says so).
        raise Refused(
            _open_clash_message(batch.project, household_ids)
            or "有家庭已在本项目另一个未发放的批次中，请刷新后重试。",
            code="already_in_open_batch",
        ) from None
    written = BatchItem.objects.filter(batch=batch).aggregate(n=Count("pk"), total=Sum("value"))
    if (written["total"] or ZERO) >= BATCH_TOTAL_LIMIT:  # what the batch's total column holds
        raise Refused(
            f"本批次 {written['n']} 户合计 {format_yuan(written['total'])}，超出一个批次可记录的金额上限"
            f"（须小于 {format_yuan(BATCH_TOTAL_LIMIT)}），请核对项目的每户标准。",
            code="too_large",
        )
    batch.item_count = written["n"]
    batch.total = written["total"] or ZERO
    batch.save(update_fields=["item_count", "total"])


def _audit_prepared(actor: Actor, batch: Batch, left_out: dict) -> None:
    audit_record(
        actor=actor, action="create", target=batch, org=batch.project.owner,
        after={
            "project": batch.project.code, "number": batch.number, "due_date": batch.due_date.isoformat(),
            "items": batch.item_count, "total": str(batch.total),
            "follows": batch.follows.number if batch.follows else None, **left_out,
        },
    )  # fmt: skip


def _refusal_after_commit(fn):
    """Run `fn` in its own transaction; a refusal it returns (rather than raises) is raised once
    that transaction is done, so what it found on the way stays written (the enrolments the
    re-check found not eligible stay marked, even when nothing is left for a batch)."""

    @functools.wraps(fn)
    def run(**kwargs):
        with transaction.atomic():
            result = fn(**kwargs)
        if isinstance(result, Refused):
            raise result
        return result

    return run


@_refusal_after_commit
def prepare(*, actor: Actor, project: Project, due_date: date, follows: Batch | None = None) -> Batch:
    """A new batch of the plan: its enrolled households not in an open batch, re-checked, frozen
    as items. With `follows`, the follow-up batch of that delivered batch (`follow_up`)."""
    if follows is not None:
        return follow_up(actor=actor, batch=follows, due_date=due_date)
    project = _locked_plan(project)  # one preparation of a plan at a time
    _authorise(actor, project)
    _by_a_person(actor)
    if project.state != PlanState.FILED:
        raise Refused(
            f"项目当前为“{project.get_state_display()}”，备案（批准）后方可编制发放批次。",
            code="wrong_status",
        )
    due_date = _day(due_date, "计划发放日期")
    if project.aid_kind == AidKind.MONEY and project.fund_source_id is None:
        raise Refused("项目未指定资金来源，不能编制资金发放批次。", code="no_fund_source")
    in_open = BatchItem.objects.filter(project=project, state=ItemState.PENDING).values("household_id")
    enrolments = list(
        Enrolment.objects.filter(project=project, state=EnrolmentState.ENROLLED)
        .exclude(household_id__in=in_open)
        .order_by("pk")
        .values_list("pk", "household_id")
    )
    # Checked on the batch's day: its aid counts in the year it is due (docs/projects.md 年度上限).
    kept, refused = _recheck(project, enrolments, due_date)
    if not kept:
        more = f"（{refused} 户经复核不符合条件，已标记）" if refused else ""
        return Refused(
            f"没有可列入批次的帮扶对象：本项目已纳入的家庭都已在未发放的批次中，或已暂停、退出{more}。",
            code="nothing_to_prepare",
        )
    batch = _new_batch(actor=actor, project=project, due_date=due_date, follows=None)
    # The items are the kept enrolments frozen, written by the database from their rows
    # (`insert_from`: no model instance, parameter or returned id per item); an enrolment naming
    # no member is for the household's head.
    head = Person.objects.filter(
        household=OuterRef("household_id"), relationship=Relationship.HEAD, active=True
    )
    columns = {
        "batch": batch.pk, "project": project.pk, "enrolment": F("pk"), "household": F("household_id"),
        "person": Coalesce(F("person_id"), Subquery(head.order_by("pk").values("pk")[:1])),
        "kind": project.aid_kind, "value": project.unit_value,
        "hours": project.hours if project.aid_kind == AidKind.SERVICE else None,
        "state": ItemState.PENDING, "note": "",
    }  # fmt: skip

    rows = Enrolment.objects.filter(one_of("pk", kept)).order_by("pk")
    keep = set(kept)
    _fill(batch, lambda: insert_from(BatchItem, rows, columns), [hid for pk, hid in enrolments if pk in keep])
    _audit_prepared(actor, batch, {"not_eligible": refused})
    return batch


# What an item keeps from its enrolment as it was frozen: a follow-up item is the same again.
FROZEN = ("enrolment_id", "household_id", "person_id", "kind", "value", "hours")


def _follow_up_candidates(batch: Batch) -> QuerySet[BatchItem]:
    return BatchItem.objects.filter(batch=batch, state=ItemState.UNDELIVERED, followed_up_by__isnull=True)


@_refusal_after_commit
def follow_up(*, actor: Actor, batch: Batch, due_date: date) -> Batch:
    """补发批次: the undelivered items of a delivered batch, not yet followed up, in a new batch
    (`follows`); each at the value it was frozen at; re-checked (paused and exited households
    are left out, those found not eligible marked so)."""
    project = _locked_plan(batch.project)
    batch = _locked_batch(batch)
    _authorise(actor, project)
    _by_a_person(actor)
    if batch.state != BatchState.DELIVERED:
        raise _wrong_state(batch, "编制补发批次（只有已发放批次的未发放明细可以补发）")
    due_date = _day(due_date, "计划发放日期")
    old = list(_follow_up_candidates(batch).select_related("enrolment").order_by("pk"))
    if not old:
        raise Refused(f"{batch}没有待补发的未发放明细。", code="nothing_to_prepare")
    clash = _open_clash_message(project, {i.household_id for i in old})
    if clash:
        raise Refused(clash, code="already_in_open_batch")
    enrolled = [(i.enrolment_id, i.household_id) for i in old if i.enrolment.state == EnrolmentState.ENROLLED]
    kept, refused = _recheck(project, enrolled, due_date)
    keep = set(kept)
    old = [i for i in old if i.enrolment_id in keep]
    if not old:
        return Refused(
            f"{batch}的未发放明细都不能补发：相关家庭已暂停、退出或经复核不符合条件。",
            code="nothing_to_prepare",
        )
    new = _new_batch(actor=actor, project=project, due_date=due_date, follows=batch)
    items = [BatchItem(batch=new, project=project, **{f: getattr(i, f) for f in FROZEN}) for i in old]
    # Built in Python, not `insert_from`: each old item is linked to its new one by the new id,
    # which `bulk_create` reads back (and a follow-up is the few undelivered items of one batch).
    _fill(new, lambda: BatchItem.objects.bulk_create(items, batch_size=2000), [i.household_id for i in old])
    for was, now in zip(old, items, strict=True):
        was.followed_up_by = now
    BatchItem.objects.bulk_update(old, ["followed_up_by"], batch_size=2000)
    _audit_prepared(actor, new, {"not_eligible": refused})
    return new


# --- the annual caps again ----------------------------------------------------------------------


def _over_caps(batch: Batch, day: date, *, skipped: set[int] = frozenset()) -> None:
    """Refuse when a household's pending item in the batch would take it over an annual cap on
    `day` (三(四)): aid given or promised since the batch was prepared (a case paid, another plan's
    batch) counts. At delivery such an item is to be named undelivered, with its reason."""
    from .eligibility import CAP_CODES, bulk_problems

    items = BatchItem.objects.filter(batch=batch, state=ItemState.PENDING).exclude(pk__in=list(skipped))
    ids = list(items.values_list("household_id", flat=True))
    if not ids:
        return
    found = bulk_problems(batch.project, ids, day, enrolling=False, exclude_batch=batch.pk)
    over = {hid: p for hid, ps in found.items() for p in ps if p.code in CAP_CODES}
    if not over:
        return
    over_items = items.filter(household_id__in=list(over)).select_related("household")
    rows = list(over_items.order_by("household__file_number"))
    first = rows[0]
    more = f"等 {len(rows)} 户" if len(rows) > 1 else ""
    raise Refused(
        f"家庭 {first.household.file_number}{more}超过年度帮扶上限（{cn_date(day)}）："
        f"{over[first.household_id].message}。请将其登记为未发放（注明原因）或撤销本批次。",
        code="over_annual_cap",
    )


# --- approve -------------------------------------------------------------------------------------


@transaction.atomic
def approve(*, actor: Actor, batch: Batch) -> Batch:
    """Four eyes (never the one who prepared it); refused when the plan's fund at its owner, less
    the money of the other approved batches not yet delivered on that fund, does not cover the
    batch's money. The (owner, source) row is locked: two approvals at once queue, and the second
    counts the first."""
    batch = _locked_batch(batch)
    project = batch.project
    _authorise(actor, project)
    if batch.state != BatchState.PREPARED:
        raise _wrong_state(batch, "审批")
    if actor.user is not None and actor.user.pk == batch.prepared_by_id:
        raise Refused("编制人不能审批本批次（审批须由另一人办理）。", code="four_eyes", status=403)
    _over_caps(batch, batch.due_date)
    money = money_total(batch)
    if money > 0:
        source = project.fund_source
        if source is None:
            raise Refused("项目未指定资金来源，不能审批资金发放批次。", code="no_fund_source")
        problem = funds.entitlement_problem(source, project=project)
        if problem:
            raise Refused(problem, code="not_entitled")
        funds.fund_lock(org=project.owner, source=source)
        held = fund_selectors.balance(org_id=project.owner_id, source_id=source.pk)
        committed = committed_elsewhere(batch)
        if held - committed < money:
            raise Refused(
                f"{project.owner.name}“{source.name}”资金不足，不能审批：可用余额 {format_yuan(held)}，"
                f"已审批未发放 {format_yuan(committed)}，本批次金额 {format_yuan(money)}，"
                f"尚缺 {format_yuan(money - (held - committed))}。",
                code="insufficient_funds",
            )
    batch.state = BatchState.APPROVED
    batch.approved_by = actor.user
    batch.approved_at = timezone.now()
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(
        actor=actor, action="update", target=batch, org=project.owner,
        before={"state": BatchState.PREPARED}, after={"state": BatchState.APPROVED, "money": str(money)},
    )  # fmt: skip
    return batch


# --- deliver -------------------------------------------------------------------------------------


def _undelivered(batch: Batch, undelivered: dict | None) -> dict[int, str]:
    out: dict[int, str] = {}
    for raw, reason in (undelivered or {}).items():
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise Refused(f"未知的发放明细：{raw}。", code="invalid_input") from None
        out[pk] = _reason(reason, "未发放原因")
    if out:
        known = set(
            BatchItem.objects.filter(batch=batch, pk__in=list(out), state=ItemState.PENDING).values_list(
                "pk", flat=True
            )
        )
        stray = sorted(set(out) - known)
        if stray:
            raise Refused(f"明细 {stray[0]} 不在{batch}的待发放明细中。", code="invalid_input")
    return out


@transaction.atomic
def deliver(*, actor: Actor, batch: Batch, day: date, undelivered: dict[int, str] | None = None) -> Batch:
    """Record the delivery of an approved batch on `day`: every item delivered but those in
    `undelivered` (item id → reason); the money items posted as ONE ledger transaction at the
    plan's owner (帮扶支出 per item, 专项资金 the total, the plan's source, keyed by the batch);
    an aid record per delivered item. The batch row is locked: a delivery recorded twice at
    once is written once (the second finds it delivered and returns it)."""
    batch = _locked_batch(batch)
    project = batch.project
    _authorise(actor, project)
    if batch.state == BatchState.DELIVERED:
        return batch
    if batch.state != BatchState.APPROVED:
        raise _wrong_state(batch, "登记发放（须先审批）")
    if not isinstance(day, date) or hasattr(day, "hour"):
        raise Refused("请填写发放日期（年-月-日）。", code="invalid_input", field="day")
    if day > timezone.localdate():
        raise Refused(f"发放日期 {cn_date(day)} 不能晚于今天。", code="invalid_input", field="day")
    skipped = _undelivered(batch, undelivered)
    _over_caps(batch, day, skipped=set(skipped))
    pending = BatchItem.objects.filter(batch=batch, state=ItemState.PENDING)
    if skipped:
        rows = list(pending.filter(pk__in=list(skipped)).only("pk"))
        for row in rows:
            row.state, row.note = ItemState.UNDELIVERED, skipped[row.pk]
        BatchItem.objects.bulk_update(rows, ["state", "note"], batch_size=2000)
    # The money of each delivered money item, in the items' order: a posting each.
    delivering = pending.exclude(pk__in=list(skipped))
    money = list(delivering.filter(kind=AidKind.MONEY).order_by("pk").values_list("value", flat=True))
    delivered = delivering.update(state=ItemState.DELIVERED, delivered_on=day)
    txn = None
    if money:
        txn, _ = funds.project_batch_pay(
            actor=actor, org=project.owner, source=project.fund_source, project=project, amounts=money, day=day,
            memo=f"项目 {project.code} {project.title} 第{batch.number}批帮扶金发放",
            idempotency_key=fund_builders.project_batch_key(batch),
        )  # fmt: skip
    # The batch was approved, so the items delivered now are all it has delivered.
    project_items_delivered(
        BatchItem.objects.filter(batch=batch, state=ItemState.DELIVERED),
        transaction_id=txn.pk if txn else None,
        fund_source_id=project.fund_source_id,
    )
    batch.state = BatchState.DELIVERED
    batch.delivered_by = actor.user
    batch.delivered_on = day
    batch.ledger_transaction = txn
    batch.save(update_fields=["state", "delivered_by", "delivered_on", "ledger_transaction"])
    audit_record(
        actor=actor, action="update", target=batch, org=project.owner,
        before={"state": BatchState.APPROVED},
        after={
            "state": BatchState.DELIVERED, "delivered_on": day.isoformat(), "delivered": delivered,
            "undelivered": len(skipped), "money": str(sum(money, ZERO)),
            "transaction": txn.number if txn else "",
        },
    )  # fmt: skip
    return batch


# --- cancel --------------------------------------------------------------------------------------


@transaction.atomic
def cancel(*, actor: Actor, batch: Batch, reason: str) -> Batch:
    """A batch not yet delivered is cancelled with a reason; its items with it (their households
    may be put in another batch)."""
    batch = _locked_batch(batch)
    _authorise(actor, batch.project)
    if batch.state not in OPEN_BATCH_STATES:
        raise _wrong_state(batch, "撤销")
    reason = _reason(reason, "撤销原因")
    before = batch.state
    # A cancelled follow-up batch gives its items back: the undelivered items it took up may be
    # followed up again.
    BatchItem.objects.filter(followed_up_by__batch=batch).update(followed_up_by=None)
    BatchItem.objects.filter(batch=batch, state=ItemState.PENDING).update(
        state=ItemState.CANCELLED, note=reason
    )
    batch.state = BatchState.CANCELLED
    batch.save(update_fields=["state"])
    audit_record(
        actor=actor, action="update", target=batch, org=batch.project.owner,
        before={"state": before}, after={"state": BatchState.CANCELLED}, note=reason,
    )  # fmt: skip
    return batch
