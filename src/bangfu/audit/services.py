"""Writing to the audit log. Every app's services call `audit_record` in the same transaction."""

from __future__ import annotations

from .actor import Actor
from .models import AuditEntry

ACTION_LABELS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "reveal": "查看敏感信息",
    "merge": "合并",
    "publish": "发布",
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "账号锁定",
    "grant": "授予角色",
    "withdraw": "撤销角色",
    "submit": "提交审核",
    "return": "退回",
    "apply": "申请",
    "upload": "上传材料",
    "export": "导出",
    "invoice.add": "录入发票",
    "invoice.remove": "删除发票",
    "invoice.override": "确认重复发票",
    "follow_up.assign": "指派回访",
    "case.pre_review": "提交预审表",
    "case.pre_review_remark": "填写预审意见",
    "discovery.visit": "排摸走访",
    "discovery.lead": "登记线索",
}


# A policy version's parameters by their Chinese names (`medical.rate.dibao` → 低保家庭医疗帮扶比例).
PARAMETER_LABELS: dict[str, str] = {}


def register_actions(labels: dict[str, str]) -> None:
    """An app above the log names its own actions (the case procedure its steps, from its table)."""
    for action, label in labels.items():
        ACTION_LABELS.setdefault(action, label)


def register_parameter_labels(labels: dict[str, str]) -> None:
    """The policy app names its parameters, from its schema, for the log's rows of a version."""
    PARAMETER_LABELS.update(labels)


# The log itself, as the object of its own export (no model row is its target).
EXPORT_TARGET = "audit.export"


def audit_record(
    *,
    actor: Actor,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    org=None,
) -> AuditEntry:
    """Append one row. `before`/`after` must hold no plain sensitive values (mask them first)."""
    return AuditEntry.objects.create(
        user=actor.user,
        actor_label=actor.label or "anonymous",
        ip=actor.ip,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        org=org,
        before=before,
        after=after,
        note=note,
    )


def audit_export_record(*, actor: Actor, filters: dict, rows: int, org=None) -> AuditEntry:
    """The export of the log is itself a row of it: who took which filter's rows away."""
    return AuditEntry.objects.create(
        user=actor.user,
        actor_label=actor.label or "anonymous",
        ip=actor.ip,
        action="export",
        target_type=EXPORT_TARGET,
        target_id="",
        target_repr="审计日志",
        org=org,
        after={"filters": filters, "rows": rows},
    )


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what changed, for compact before/after rows."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
