"""Writes for organisations, users, roles and tokens.

Roles are granted and withdrawn here and nowhere else (SPEC §1, §10): by a security
admin whose scope reaches the organisation, never to or from themselves; the three
administrators' roles are held by different people, each holding nothing else. A
command acting on its own (the demo, a set-up script) is the only other granter, and
every grant and withdrawal is an audit row: who, which role, at which organisation, to whom.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.refusal import Refused

from .models import ApiToken, Organisation, RoleAssignment, User, token_expiry
from .roles import ADMINISTRATOR_ROLES, Role
from .scope import has_perm_at


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: Actor, user: User, name: str, expires_at: datetime | None = None) -> str:
    """Issue a token and return it; only its hash is stored. It expires at `expires_at`
    (default: a year from now)."""
    expires_at = expires_at or token_expiry()
    if held := administrator_role(user):
        raise Refused(
            f"不能为管理员账号签发令牌：{user}担任“{held}”，只能本人登录使用。",
            code="administrator_token",
            field="user",
        )
    if expires_at <= timezone.now():
        raise Refused("令牌的有效期须晚于现在。", code="expiry_past", field="expires_at")
    token = "bf_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=token_hash(token), expires_at=expires_at)
    audit_record(
        actor=actor,
        action="create",
        target=row,
        after={"user": user.username, "name": name, "expires_at": expires_at.isoformat()},
    )
    return token


def administrator_role(user: User) -> str:
    """The label of the administrator role `user` holds (system, security or audit admin), or ""."""
    held = user.role_assignments.filter(role__in=ADMINISTRATOR_ROLES).values_list("role", flat=True).first()
    return Role(held).label if held else ""


def password_set_check(*, actor: Actor, user: User) -> None:
    """The system admin resets staff passwords, but never another administrator's: whoever set
    the security admin's password could sign in as them and grant roles, or read the audit log
    as the auditor, and the three administrators are to be different people."""
    if actor.user is not None and actor.user.pk != user.pk and (held := administrator_role(user)):
        raise Refused(
            f"不能重设管理员账号的密码：{user}担任“{held}”，须由本人修改。",
            code="administrator_password",
            status=403,
        )


def _is_system(actor: Actor) -> bool:
    return actor.user is None and actor.label.startswith("system:")


def _refuse_granter(actor: Actor, user: User, org: Organisation, verb: str) -> None:
    """Who may grant or withdraw: a security admin reaching `org`, never for themselves."""
    if _is_system(actor):
        return
    if actor.user is None or not has_perm_at(actor.user, "roles.grant", org):
        raise Refused(
            f"您没有在{org.name}{verb}角色的权限：角色只能由安全管理员{verb}。",
            code="not_allowed",
            status=403,
        )
    if actor.user.pk == user.pk:
        raise Refused(f"不能{verb}自己的角色：请由另一位安全管理员办理。", code="own_role", status=403)


def grant_check(*, actor: Actor, user: User, role: str, org: Organisation, held: Iterable[str] | None = None):
    """Refuse (in Chinese) unless `actor` may give `user` `role` at `org`.

    `held` is the roles the user will hold beside it (the admin passes what remains after
    the withdrawals of the same form); by default, what the user holds now.
    """
    _refuse_granter(actor, user, org, "授予")
    try:
        RoleAssignment(user=user, org=org, role=role).clean()  # the model's own rule: role by kind of org
    except ValidationError as e:
        raise Refused(e.messages[0], code="role_not_here", field="role") from None
    if held is None:
        if RoleAssignment.objects.filter(user=user, org=org, role=role).exists():
            raise Refused(
                f"{user}已在{org.name}担任“{Role(role).label}”。", code="role_held", field="role", status=409
            )
        held = user.role_assignments.values_list("role", flat=True)
    held = set(held)
    clash = held & ADMINISTRATOR_ROLES if role not in ADMINISTRATOR_ROLES else held
    if clash:
        other = Role(sorted(clash)[0]).label
        raise Refused(
            f"系统管理员、安全管理员和审计员须由专人担任：{user}已担任“{other}”，"
            f"不能再担任“{Role(role).label}”。",
            code="administrators_apart",
            field="role",
        )


def withdraw_check(*, actor: Actor, assignment: RoleAssignment) -> None:
    """Refuse (in Chinese) unless `actor` may withdraw `assignment`."""
    _refuse_granter(actor, assignment.user, assignment.org, "撤销")


def _role_row(assignment: RoleAssignment) -> dict:
    return {
        "user": assignment.user.username,
        "role": assignment.role,
        "role_label": Role(assignment.role).label,
        "org": assignment.org.code,
        "org_name": assignment.org.name,
    }


@transaction.atomic
def grant_role(*, actor: Actor, user: User, role: str, org: Organisation) -> RoleAssignment:
    """Give `user` the role at `org`; the audit row names the granter, the role, the organisation and the grantee."""
    # Lock the grantee: two grants racing for one account cannot both pass the checks.
    user = User.objects.select_for_update().get(pk=user.pk)
    grant_check(actor=actor, user=user, role=role, org=org)
    assignment = RoleAssignment(user=user, org=org, role=role)
    assignment.save(granted=True)
    row = _role_row(assignment)
    audit_record(
        actor=actor,
        action="grant",
        target=user,
        org=org,
        after=row,
        note=f"{actor.label or '匿名'} 授予 {user.username}（{user}）{org.name}的“{row['role_label']}”角色",
    )
    return assignment


@transaction.atomic
def withdraw_role(*, actor: Actor, assignment: RoleAssignment) -> None:
    """Take the role back; the audit row says who withdrew which role at which organisation from whom."""
    assignment = (
        RoleAssignment.objects.select_related("user", "org").select_for_update().get(pk=assignment.pk)
    )
    withdraw_check(actor=actor, assignment=assignment)
    row = _role_row(assignment)
    assignment.delete(withdrawn=True)
    audit_record(
        actor=actor,
        action="withdraw",
        target=assignment.user,
        org=assignment.org,
        before=row,
        note=(
            f"{actor.label or '匿名'} 撤销 {assignment.user.username}（{assignment.user}）"
            f"{assignment.org.name}的“{row['role_label']}”角色"
        ),
    )


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> bool:
    """Revoke a token for good; False when it already was."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked=False).update(revoked=True)
    if updated:
        token.revoked = True
        audit_record(actor=actor, action="update", target=token, after={"revoked": True}, note="吊销令牌")
    return bool(updated)


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str, full_name: str = "", roles: list[tuple[str, str]] = ()
) -> User:
    """Create a user holding `roles`, a list of (role, organisation code), granted by `actor`.

    The password must pass the password rules (not like the username, not common, long enough).
    """
    with translation.override(settings.LANGUAGE_CODE):  # the rules' messages in Chinese, from the CLI too
        try:
            validate_password(password, User(username=username, full_name=full_name))
        except ValidationError as e:
            raise Refused("".join(e.messages), code="weak_password", field="password") from None
    user = User.objects.create_user(username=username, password=password, full_name=full_name)
    audit_record(actor=actor, action="create", target=user, after={"username": username})
    for role, code in roles:
        grant_role(actor=actor, user=user, role=role, org=Organisation.objects.get(code=code))
    return user
