"""Who does something, and from where: passed to every service that writes."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: from the proxy's header when one is configured, else the socket's."""
    header = settings.BANGFU_CLIENT_IP_HEADER
    ip = None
    if header:
        # Only the proxy sets this header; take the address it saw (the first hop).
        ip = (request.META.get(header) or "").split(",")[0].strip() or None
    return ip or request.META.get("REMOTE_ADDR")


@dataclass(frozen=True)
class Actor:
    user: object | None
    ip: str | None = None
    label: str = ""

    @classmethod
    def from_request(cls, request) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip=client_ip(request), label=user.get_username() if user else "")

    @classmethod
    def system(cls, label: str) -> Actor:
        """A command or migration acting on its own (no person behind it)."""
        return cls(user=None, ip=None, label=f"system:{label}")

    @classmethod
    def for_user(cls, user, label: str = "cli") -> Actor:
        return cls(user=user, ip=None, label=f"{user.get_username()}@{label}")


# What a system actor did, as people read it: `Actor.system(label)` records "system:<label>".
SYSTEM_ACTORS = {
    "funds.payment_post": "资金入账",
    "funds.sweep_pending_payments": "补记待入账的发放",
    "demo": "演示数据",
    "synth": "基准测试数据",
}


def system_actor_name(label: str) -> str | None:
    """系统（资金入账） for "system:funds.payment_post"; None when the label is not a system's."""
    if not label.startswith("system:"):
        return None
    what = SYSTEM_ACTORS.get(label.removeprefix("system:"))
    return f"系统（{what}）" if what else "系统"
