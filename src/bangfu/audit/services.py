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
    "upload": "上传",
}


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


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what changed, for compact before/after rows."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
