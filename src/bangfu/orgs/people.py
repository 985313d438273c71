"""How a person (or the system) who did something is named on a page: by name and role,
never by login."""

from __future__ import annotations

from bangfu.audit.describe import SYSTEM_ACTORS


def user_name(user) -> str:
    """张敏（救助顾问/评估员）: the name, and the roles held, each once. Read the user with
    `prefetch_related("role_assignments")` when naming many."""
    roles = []
    for a in user.role_assignments.all():
        label = a.get_role_display()
        if label not in roles:
            roles.append(label)
    name = user.full_name or user.username
    return f"{name}（{'、'.join(roles)}）" if roles else name


def actor_name(user, label: str = "") -> str:
    """Who a recorded step names: the user if there was one, else the system as the audit log
    names it (系统（发放后自动记账） for `system:funds.payment_post`)."""
    if user is not None:
        return user_name(user)
    return SYSTEM_ACTORS.get(label.removeprefix("system:"), "系统（后台任务）")
