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
