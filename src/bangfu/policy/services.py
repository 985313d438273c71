"""Writing policy versions: draft, edit, submit for review, return, publish, discard.

The life of a version, as a table (who may take each step, from which state):

    step       from     to         permission at the district   also
    create     —        draft      policy.draft                 copies the values of a version
    edit       draft    draft      policy.draft                 the editor is recorded
    submit     draft    review     policy.draft                 every required parameter set
    return     review   draft      policy.publish               with a remark
    publish    review   published  policy.publish               four eyes; no overlap
    discard    draft    (deleted)  policy.draft

Four eyes: whoever wrote any part of a version (created it, or changed a value or its
header) may not publish it; a district approver publishes what someone else drafted.
Returning a version is not writing it, so a reviewer who returns a draft may still
publish it once it is resubmitted, unless they edited it in between.

Every step writes one audit entry in the same transaction. Permission checks are small
functions returning (allowed, reason), so a refusal can say why.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_parameter_labels
from bangfu.core.dates import cn_date
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.orgs.scope import has_perm_at

from .builtin import snapshot
from .models import VERSION_CODE, VERSION_CODE_RULE, ParameterValue, Policy
from .parameters import SPEC_BY_NAME, ParameterError, canonical_text, check_values

# The audit log shows a version's changed values by the parameters' Chinese names.
register_parameter_labels({name: spec.label for name, spec in SPEC_BY_NAME.items()})

# --- who may do what ----------------------------------------------------------------------


def can_edit(user, policy: Policy) -> tuple[bool, str]:
    if policy.status != Policy.Status.DRAFT:
        return False, "只有草稿可以修改；已发布的版本不可更改。"
    if not has_perm_at(user, "policy.draft", policy.district_id):
        return False, "您没有在该区起草政策的权限。"
    return True, ""


def can_submit(user, policy: Policy) -> tuple[bool, str]:
    return can_edit(user, policy)


def can_return(user, policy: Policy) -> tuple[bool, str]:
    if policy.status != Policy.Status.REVIEW:
        return False, "只有待审核的版本可以退回。"
    if not has_perm_at(user, "policy.publish", policy.district_id):
        return False, "您没有在该区审核发布政策的权限。"
    return True, ""


def can_publish(user, policy: Policy) -> tuple[bool, str]:
    if policy.status != Policy.Status.REVIEW:
        return False, "只有待审核的版本可以发布。"
    if not has_perm_at(user, "policy.publish", policy.district_id):
        return False, "您没有在该区审核发布政策的权限。"
    if policy.editors.filter(pk=user.pk).exists():
        return False, "您参与了该版本的编写：须由未参与编写的区服务社审批人发布（双人复核）。"
    return True, ""


def _require(check, user, policy: Policy) -> None:
    allowed, reason = check(user, policy)
    if not allowed:
        raise Refused(reason, code="not_allowed")


def _snapshot(policy: Policy) -> dict:
    return snapshot(policy.as_data()) | {"status": policy.status}


def _audit(
    actor: Actor, action: str, policy: Policy, before: dict | None, after: dict | None, note: str = ""
):
    audit_record(
        actor=actor, action=action, target=policy, before=before, after=after, note=note, org=policy.district
    )


def _check_period(valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise Refused("有效期截止日不能早于施行日期。", code="bad_period", field="valid_to")


# --- the steps ----------------------------------------------------------------------------


@transaction.atomic
def policy_draft_create(
    *,
    actor: Actor,
    district: Organisation,
    code: str,
    title: str,
    document: str,
    valid_from: date,
    valid_to: date,
    validity_reference: str,
    copy_from: Policy,
) -> Policy:
    """A new draft version, its parameters copied from `copy_from` as in force at its end.

    Each copied value starts on the new version's first day and keeps its clause; the
    drafter changes what the new document changes.
    """
    user = actor.user
    if district.kind != "district":
        raise Refused("政策版本只能属于区帮扶组织。", code="bad_district", field="district")
    if not has_perm_at(user, "policy.draft", district):
        raise Refused("您没有在该区起草政策的权限。", code="not_allowed", field="district", status=403)
    if not VERSION_CODE.fullmatch(code) or len(code) > 64:
        raise Refused(VERSION_CODE_RULE, code="bad_code", field="code")
    _check_period(valid_from, valid_to)
    if Policy.objects.filter(code=code).exists():
        raise Refused(f"版本编号 {code} 已被使用。", code="code_taken", field="code", status=409)
    policy = Policy.objects.create(
        code=code,
        district=district,
        title=title,
        document=document,
        valid_from=valid_from,
        valid_to=valid_to,
        validity_reference=validity_reference,
        created_by=user,
    )
    source = copy_from.as_data()
    latest: dict[str, object] = {}
    for v in source.values:  # sorted by (name, start): the last one of a name is the latest
        latest[v.name] = v
    ParameterValue.objects.bulk_create(
        ParameterValue(
            policy=policy,
            name=v.name,
            start=valid_from,
            value=v.text,
            reference=v.reference,
            generally=v.generally,
        )
        for v in latest.values()
    )
    policy.editors.add(user)
    _audit(actor, "create", policy, None, _snapshot(policy), note=f"以《{copy_from.title}》为底稿新建草稿。")
    return policy


@transaction.atomic
def policy_update(
    *,
    actor: Actor,
    policy: Policy,
    title: str,
    document: str,
    valid_from: date,
    valid_to: date,
    validity_reference: str,
) -> Policy:
    """Change a draft's header. Values that started on the old first day move with it."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_edit, actor.user, policy)
    _check_period(valid_from, valid_to)
    before = _snapshot(policy)
    if valid_from != policy.valid_from:
        policy.values.filter(start=policy.valid_from).update(start=valid_from)
    policy.title, policy.document, policy.validity_reference = title, document, validity_reference
    policy.valid_from, policy.valid_to = valid_from, valid_to
    policy.save(update_fields=["title", "document", "validity_reference", "valid_from", "valid_to"])
    policy.editors.add(actor.user)
    _audit(actor, "update", policy, before, _snapshot(policy))
    return policy


@transaction.atomic
def parameter_value_set(
    *,
    actor: Actor,
    policy: Policy,
    name: str,
    start: date,
    value: str,
    reference: str,
    generally: bool,
) -> ParameterValue:
    """Set the value of parameter `name` from `start` (a new dated value, or a change to one)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_edit, actor.user, policy)
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        raise Refused(f"未知参数：{name}。", code="unknown_parameter", field="name")
    try:
        text = canonical_text(spec, value)
    except ParameterError as e:
        raise Refused(str(e), code="bad_value", field="value") from None
    if not policy.valid_from <= start <= policy.valid_to:
        raise Refused(
            f"起始日期须在有效期{cn_date(policy.valid_from)}至{cn_date(policy.valid_to)}之内。",
            code="bad_start",
            field="start",
        )
    if not reference.strip():
        raise Refused("每个取值都须注明依据条款。", code="reference_required", field="reference")
    before = _snapshot(policy)
    row, _ = ParameterValue.objects.update_or_create(
        policy=policy,
        name=name,
        start=start,
        defaults={"value": text, "reference": reference.strip(), "generally": generally},
    )
    policy.editors.add(actor.user)
    _audit(actor, "update", policy, before, _snapshot(policy), note=f"参数 {name} 自 {start} 起取值 {text}。")
    return row


@transaction.atomic
def parameter_value_delete(*, actor: Actor, policy: Policy, value: ParameterValue) -> None:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_edit, actor.user, policy)
    if value.policy_id != policy.pk:
        raise Refused("该取值不属于此版本。", code="not_in_version", status=404)
    before = _snapshot(policy)
    value.delete()
    policy.editors.add(actor.user)
    _audit(
        actor,
        "update",
        policy,
        before,
        _snapshot(policy),
        note=f"删除参数 {value.name} 自 {value.start} 起的取值。",
    )


@transaction.atomic
def policy_submit(*, actor: Actor, policy: Policy) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_submit, actor.user, policy)
    problems = check_values(policy.valid_from, policy.valid_to, policy.as_data().values)
    if problems:
        raise Refused("尚不能提交审核：" + "；".join(problems), code="incomplete")
    before = _snapshot(policy)
    policy.status = Policy.Status.REVIEW
    policy.submitted_at, policy.submitted_by = timezone.now(), actor.user
    policy.save(update_fields=["status", "submitted_at", "submitted_by"])
    _audit(actor, "submit", policy, before, _snapshot(policy))
    return policy


@transaction.atomic
def policy_return(*, actor: Actor, policy: Policy, note: str) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_return, actor.user, policy)
    if not note.strip():
        raise Refused("退回时须写明审核意见。", code="note_required", field="note")
    before = _snapshot(policy)
    policy.status = Policy.Status.DRAFT
    policy.review_note = note.strip()
    policy.save(update_fields=["status", "review_note"])
    _audit(actor, "return", policy, before, _snapshot(policy), note=note.strip())
    return policy


@transaction.atomic
def policy_publish(*, actor: Actor, policy: Policy) -> Policy:
    """Publish a reviewed version; refused when it overlaps a published version of its district."""
    # Lock the district row: two publishers of overlapping versions of one district would
    # otherwise both find no overlap and both publish.
    Organisation.objects.select_for_update().get(pk=policy.district_id)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_publish, actor.user, policy)
    problems = check_values(policy.valid_from, policy.valid_to, policy.as_data().values)
    if problems:
        raise Refused("不能发布：" + "；".join(problems), code="incomplete")
    clash = (
        Policy.objects.filter(
            district_id=policy.district_id,
            status=Policy.Status.PUBLISHED,
            valid_from__lte=policy.valid_to,
            valid_to__gte=policy.valid_from,
        )
        .exclude(pk=policy.pk)
        .first()
    )
    if clash is not None:
        raise Refused(
            f"有效期与已发布的版本 {clash.code}（{cn_date(clash.valid_from)}至{cn_date(clash.valid_to)}）重叠："
            "同一区的政策版本不得重叠。请调整施行日期或有效期后再发布。",
            code="period_overlap",
            status=409,
        )
    before = _snapshot(policy)
    policy.status = Policy.Status.PUBLISHED
    policy.published_at, policy.published_by = timezone.now(), actor.user
    policy.save(update_fields=["status", "published_at", "published_by"])
    _audit(actor, "publish", policy, before, _snapshot(policy))
    return policy


@transaction.atomic
def policy_discard(*, actor: Actor, policy: Policy) -> None:
    """Delete a draft that will not be published (published versions are never deleted)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    _require(can_edit, actor.user, policy)
    _audit(actor, "delete", policy, _snapshot(policy), None)
    policy.delete()
