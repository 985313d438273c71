"""Delivery verification 发放核查 (SPEC §4): a sample — a share, a number, or all — of a plan's
delivered items not yet in a verification, confirmed by visit or phone (received, not received,
received with a problem); the results feed the evaluation (`verified_received`).

The draw is reproducible: the pool is the plan's delivered items not yet drawn, ordered by id,
and the sample is `random.Random(seed).sample(pool, size)`; the seed is kept on the verification
and the pool (as ranges of ids) in the draw's audit entry, so `redraw` shows the same items.
A share is rounded up (10% of 15 items is 2), and a number larger than the pool takes the pool.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.refusal import Refused

from . import selectors
from .models import BatchItem, Check, CheckChannel, CheckResult, ItemState, Project, Verification

DRAW = "project.verification.draw"
RECORD = "project.check.record"
register_actions({DRAW: "抽取发放核查", RECORD: "登记核查结果"})

# Results that need a word on what was wrong.
NOTE_REQUIRED = (CheckResult.NOT_RECEIVED, CheckResult.PROBLEM)


def _authorise(actor: Actor, project: Project) -> None:
    selectors.authorise(actor, "projects.verify", project, f"您无权核查项目 {project.code} 的发放情况。")


def pool_ids(project: Project) -> list[int]:
    """The plan's delivered items not yet in any verification, by id."""
    return list(
        BatchItem.objects.filter(project=project, state=ItemState.DELIVERED)
        .exclude(checks__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
    )


MAX_NUMBER = 10_000_000  # a plan's households at most (filing: target_households)


def sample_size(method: str, pool: int, *, share=None, number=None) -> int:
    if method == Verification.Method.ALL:
        return pool
    if method == Verification.Method.SHARE:
        return min(pool, math.ceil(pool * Decimal(share) / 100))
    return min(pool, int(number))


def sample(pool: Sequence[int], size: int, seed: str) -> list[int]:
    """The drawn ids, in id order: the same pool, size and seed give the same items."""
    return sorted(random.Random(seed).sample(sorted(pool), size))


def _share(value) -> Decimal:
    try:
        share = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise Refused("抽取比例须为0到100之间的数。", code="invalid_input", field="share") from None
    if not Decimal(0) < share <= Decimal(100):
        raise Refused("抽取比例须大于0%且不超过100%。", code="invalid_input", field="share")
    return share


def _number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused("请填写抽取数量。", code="invalid_input", field="number") from None
    if number <= 0:
        raise Refused("抽取数量须大于零。", code="invalid_input", field="number")
    if number > MAX_NUMBER:  # more than any plan delivers, and than its column holds
        raise Refused(f"抽取数量不能超过{MAX_NUMBER}。", code="invalid_input", field="number")
    return number


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in ids:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


@transaction.atomic
def draw(*, actor: Actor, project: Project, method: str, share=None, number=None) -> Verification:
    """Draw a sample of the plan's delivered items not yet verified, and open a check for each."""
    _authorise(actor, project)
    if method not in Verification.Method.values:
        raise Refused("请选择抽取方式。", code="invalid_input", field="method")
    share = _share(share) if method == Verification.Method.SHARE else None
    number = _number(number) if method == Verification.Method.NUMBER else None
    # One draw at a time per plan: the pool is read under the plan's lock.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    pool = pool_ids(project)
    if not pool:
        raise Refused(f"项目 {project.code} 没有尚未核查的已发放明细，无法抽取。", code="nothing_delivered")
    size = sample_size(method, len(pool), share=share, number=number)
    seed = secrets.token_hex(16).upper()  # capitals: a code, as shown to people
    drawn = sample(pool, size, seed)
    verification = Verification.objects.create(
        project=project, method=method, share=share, number=number, seed=seed, drawn_by=actor.user
    )
    Check.objects.bulk_create([Check(verification=verification, item_id=i) for i in drawn])
    audit_record(
        actor=actor, action=DRAW, target=verification, org=project.owner,
        after={
            "project": project.code, "method": method, "share": str(share) if share is not None else None,
            "number": number, "seed": seed, "pool": len(pool), "pool_ranges": _ranges(pool), "drawn": size,
        },
    )  # fmt: skip
    return verification


def drawn_pool(verification: Verification) -> list[int]:
    """The pool the verification was drawn from, as its audit entry keeps it."""
    entry = AuditEntry.objects.filter(
        action=DRAW, target_type=Verification._meta.label_lower, target_id=str(verification.pk)
    ).first()
    if entry is None:
        return []
    return [i for a, b in entry.after["pool_ranges"] for i in range(a, b + 1)]


def redraw(verification: Verification) -> list[int]:
    """The draw again, from its seed and its pool: the ids it drew (to show they are the same)."""
    pool = drawn_pool(verification)
    size = sample_size(verification.method, len(pool), share=verification.share, number=verification.number)
    return sample(pool, size, verification.seed)


@transaction.atomic
def record(*, actor: Actor, check: Check, result: str, channel: str, note: str = "") -> Check:
    """The result of one check, by visit or phone; not received and problem say what."""
    check = Check.objects.select_for_update().select_related("verification__project__owner").get(pk=check.pk)
    project = check.verification.project
    _authorise(actor, project)
    if check.result != CheckResult.PENDING:
        raise Refused("该明细已登记核查结果，不能重复登记。", code="already_checked")
    if result not in CheckResult.values or result == CheckResult.PENDING:
        raise Refused("请选择核查结果。", code="invalid_input", field="result")
    if channel not in CheckChannel.values:
        raise Refused("请选择核查方式（上门或电话）。", code="invalid_input", field="channel")
    note = (note or "").strip()
    if result in NOTE_REQUIRED and not note:
        label = CheckResult(result).label
        raise Refused(f"核查结果为“{label}”时须填写说明。", code="invalid_input", field="note")
    if len(note) > 200:
        raise Refused("说明不能超过200个字。", code="invalid_input", field="note")
    check.result, check.channel, check.note = result, channel, note
    check.checked_by, check.checked_at = actor.user, timezone.now()
    check.save(update_fields=["result", "channel", "note", "checked_by", "checked_at"])
    audit_record(
        actor=actor, action=RECORD, target=check, org=project.owner,
        before={"result": CheckResult.PENDING},
        after={"project": project.code, "item": check.item_id, "result": result, "channel": channel, "note": note},
    )  # fmt: skip
    return check


def received_share(received: int, done: int) -> Decimal | None:
    """Checks received as % of checks done, two places; None when none is done."""
    if not done:
        return None
    return (Decimal(received) * 100 / Decimal(done)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def summary(project: Project) -> dict:
    """The plan's checks by result, the share received among those done, and what is left to draw."""
    counts = {
        row["result"]: row["n"]
        for row in Check.objects.filter(verification__project=project)
        .values("result")
        .annotate(n=Count("id"))
    }
    by_result = {r: counts.get(r, 0) for r in CheckResult.values}
    drawn = sum(by_result.values())
    done = drawn - by_result[CheckResult.PENDING]
    delivered = BatchItem.objects.filter(project=project, state=ItemState.DELIVERED).count()
    return {
        "verifications": Verification.objects.filter(project=project).count(),
        "delivered": delivered,
        "undrawn": BatchItem.objects.filter(
            project=project, state=ItemState.DELIVERED, checks__isnull=True
        ).count(),
        "drawn": drawn,
        "done": done,
        **by_result,
        "received_share": received_share(by_result[CheckResult.RECEIVED], done),
    }
