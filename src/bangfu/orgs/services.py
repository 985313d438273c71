"""Writes for organisations, users and tokens."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record

from .models import ApiToken, Organisation, RoleAssignment, User, token_expiry


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: Actor, user: User, name: str, expires_at: datetime | None = None) -> str:
    """Issue a token and return it; only its hash is stored. It expires at `expires_at`
    (default: a year from now)."""
    expires_at = expires_at or token_expiry()
    if expires_at <= timezone.now():
        raise ValueError("令牌的有效期须晚于现在。")
    token = "bf_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=token_hash(token), expires_at=expires_at)
    audit_record(
        actor=actor,
        action="create",
        target=row,
        after={"user": user.username, "name": name, "expires_at": expires_at.isoformat()},
    )
    return token


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
    """Create a user holding `roles`, a list of (role, organisation code)."""
    user = User.objects.create_user(username=username, password=password, full_name=full_name)
    for role, code in roles:
        assignment = RoleAssignment(user=user, org=Organisation.objects.get(code=code), role=role)
        assignment.full_clean()
        assignment.save()
    audit_record(
        actor=actor, action="create", target=user, after={"username": username, "roles": list(roles)}
    )
    return user
