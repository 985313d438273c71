"""Logins in the audit log (SPEC §10): every login, failed login and lockout, who and from where.

The lock itself is django-axes' (settings: five failures of one username lock it for
AXES_COOLOFF_TIME). Axes' own login-failure handler runs before these receivers (it is
installed before bangfu's apps), so a failed login's row can say whether the account
was locked. No row ever holds the password: Django hands the receivers credentials with
the password already blanked, and only the username is kept.
"""

from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Max
from django.dispatch import receiver

from bangfu.audit.actor import Actor, client_ip
from bangfu.audit.models import AuditEntry
from bangfu.audit.services import audit_record
from bangfu.core.dates import cn_datetime

from .models import User


def locked_until(username: str) -> datetime | None:
    """When the lock on `username` lifts: the cool-off counted from the failure that set it."""
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    return last + get_cool_off() if last else None


def retry_at_text(until: datetime) -> str:
    """2025年1月10日 14:35"""
    return cn_datetime(until)


def _record(request, username: str, action: str, note: str) -> None:
    username = (username or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    actor = Actor(user=None, ip=client_ip(request) if request else None, label=username or "anonymous")
    if user is not None:
        audit_record(actor=actor, action=action, target=user, note=note)
        return
    # No such account: the row still says which name was tried, from where.
    AuditEntry.objects.create(
        actor_label=actor.label, ip=actor.ip, action=action, target_type=User._meta.label_lower,
        target_id="", target_repr=username, note=note,
    )  # fmt: skip


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    ip = client_ip(request) if request else None
    actor = Actor(user=user, ip=ip, label=user.get_username())
    audit_record(actor=actor, action="login", target=user, note="登录成功")


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username") or ""
    failures = getattr(request, "axes_failures_since_start", None)
    if getattr(request, "axes_locked_out", False) and failures is None:
        note = "账号锁定期间的登录尝试，已拒绝"
    elif failures:
        minutes = int(get_cool_off().total_seconds() // 60)
        note = (
            f"用户名或密码错误（{minutes} 分钟内第 {failures} 次，满 {settings.AXES_FAILURE_LIMIT} 次锁定）"
        )
    else:
        note = "用户名或密码错误"
    _record(request, username, "login_failed", note)


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address=None, **kwargs) -> None:
    # Axes also signals each refused try while the lock holds; only the failure that sets
    # the lock carries a count (the refused tries have their own login_failed rows).
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    until = locked_until(username)
    retry = f"，至 {retry_at_text(until)} 解除" if until else ""
    _record(request, username, "lockout", f"连续 {settings.AXES_FAILURE_LIMIT} 次密码错误，账号锁定{retry}")
