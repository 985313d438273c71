"""Writes for organisations, users and tokens."""

import hashlib
import secrets

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record

from .models import ApiToken, Organisation, RoleAssignment, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: Actor, user: User, name: str) -> str:
    """Issue a token and return it; only its hash is stored."""
    token = "bf_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=token_hash(token))
    audit_record(actor=actor, action="create", target=row, after={"user": user.username, "name": name})
    return token


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
