"""Roles are granted by the security admin, never by oneself (SPEC §1, §10).

Tried from the side of those who must be refused: the system admin giving itself (or
anyone) a role in the Django admin, the security admin granting or withdrawing its own,
an account made two of the three administrators, a superuser, and code going around
the one service. Every grant and withdrawal that does happen is an audit row saying who
granted which role at which organisation to whom.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.orgs.models import RoleAssignment, User
from bangfu.orgs.services import grant_role, withdraw_role

pytestmark = pytest.mark.django_db


def _post(user: User, new=(), withdraw=(), **fields) -> dict:
    """The user's change form as the admin posts it: `new` roles as (role, org pk), and the
    user's current roles, those in `withdraw` ticked for deletion."""
    data = {
        "username": user.username, "full_name": user.full_name, "email": "", "is_active": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
        **fields,
    }  # fmt: skip
    current = list(user.role_assignments.order_by("pk"))
    for i, a in enumerate(current):
        data[f"role_assignments-{i}-id"] = str(a.pk)
        data[f"role_assignments-{i}-user"] = str(user.pk)
        data[f"role_assignments-{i}-role"] = a.role
        data[f"role_assignments-{i}-org"] = str(a.org_id)
        if a in withdraw:
            data[f"role_assignments-{i}-DELETE"] = "on"
    for j, (role, org_pk) in enumerate(new, start=len(current)):
        data[f"role_assignments-{j}-role"] = role
        data[f"role_assignments-{j}-org"] = str(org_pk)
    data["role_assignments-TOTAL_FORMS"] = str(len(current) + len(new))
    data["role_assignments-INITIAL_FORMS"] = str(len(current))
    return data


def _change(client, user, **kw):
    return client.post(f"/admin/orgs/user/{user.pk}/change/", _post(user, **kw))


def _roles(user) -> set[tuple[str, str]]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", "org__code"))


def _grant_rows():
    return AuditEntry.objects.filter(
        action__in=("grant", "withdraw"), actor_label__in=("sysadmin", "secadmin")
    )


# --- the system admin: accounts and configuration, no roles -------------------------


def test_system_admin_cannot_give_itself_the_supervisor_role_in_the_admin(cast, login, org):
    client = login(cast.sysadmin)
    response = _change(client, cast.sysadmin, new=[("supervisor", org("SHMZJ").pk)])
    assert response.status_code in (200, 302)
    assert _roles(cast.sysadmin) == {("sysadmin", "SHMZJ")}
    assert not _grant_rows().exists()
    # …and so still reads no personal data.
    assert client.get("/households/").status_code == 403


def test_system_admin_cannot_give_anyone_a_role_nor_withdraw_one(cast, login, make_user, org):
    newcomer = make_user("newcomer")
    client = login(cast.sysadmin)
    _change(client, newcomer, new=[("intake", org("310105001").pk)])
    assert _roles(newcomer) == set()
    held = cast.intake_a.role_assignments.get()
    _change(client, cast.intake_a, withdraw=[held])
    assert _roles(cast.intake_a) == {("intake", "310105001")}
    assert not _grant_rows().exists()
    page = client.get(f"/admin/orgs/user/{newcomer.pk}/change/").content.decode()
    assert "role_assignments-0-role" not in page  # no field to pick a role with


def test_system_admin_still_manages_the_account(cast, login, make_user):
    newcomer = make_user("newcomer")
    response = _change(login(cast.sysadmin), newcomer, full_name="新同事")
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.full_name == "新同事"


def test_nobody_is_made_superuser_in_the_admin(cast, login, make_user):
    newcomer = make_user("newcomer")
    client = login(cast.sysadmin)
    assert "is_superuser" not in client.get(f"/admin/orgs/user/{newcomer.pk}/change/").content.decode()
    _change(client, newcomer, is_superuser="on")
    _change(client, cast.sysadmin, is_superuser="on")
    assert not User.objects.filter(is_superuser=True).exists()


def test_a_superuser_flag_bypasses_nothing(cast, client, make_user, org):
    boss = User.objects.create_superuser("boss", password="pw-test-12345")
    client.force_login(boss)
    assert client.get("/admin/orgs/user/").status_code == 403
    assert _change(client, boss, new=[("supervisor", org("SHMZJ").pk)]).status_code == 403
    assert client.get("/households/").status_code == 403
    with pytest.raises(Refused, match="只能由安全管理员授予"):
        grant_role(actor=Actor.for_user(boss), user=boss, role="supervisor", org=org("SHMZJ"))
    assert _roles(boss) == set()


def test_system_admin_cannot_grant_through_the_service(cast, org):
    for actor in (
        Actor.for_user(cast.sysadmin),
        Actor(user=None, ip="10.0.0.9"),
        Actor.for_user(cast.intake_a),
    ):
        with pytest.raises(Refused, match="只能由安全管理员授予"):
            grant_role(actor=actor, user=cast.intake_b, role="intake", org=org("310105001"))
    assert _roles(cast.intake_b) == {("intake", "310105002")}


# --- the security admin: grants and withdraws, never its own -------------------------


def test_security_admin_grants_a_role_and_the_audit_row_says_who_what_where_to_whom(
    cast, login, make_user, org
):
    newcomer = make_user("newcomer")
    User.objects.filter(pk=newcomer.pk).update(full_name="新同事")
    newcomer.refresh_from_db()
    response = _change(login(cast.secadmin), newcomer, new=[("intake", org("310105001").pk)])
    assert response.status_code == 302
    assert _roles(newcomer) == {("intake", "310105001")}
    row = AuditEntry.objects.get(action="grant", target_id=str(newcomer.pk))
    assert (row.user, row.actor_label, row.org.code, row.target_type) == (
        cast.secadmin, "secadmin", "310105001", "orgs.user"
    )  # fmt: skip
    assert row.after == {
        "user": "newcomer", "role": "intake", "role_label": "受理员",
        "org": "310105001", "org_name": "华阳路街道",
    }  # fmt: skip
    assert row.note == "secadmin 授予 newcomer（新同事）华阳路街道的“受理员”角色"
    assert row.ip == "127.0.0.1"


def test_security_admin_withdraws_a_role_and_it_is_audited(cast, login):
    held = cast.intake_a.role_assignments.get()
    response = _change(login(cast.secadmin), cast.intake_a, withdraw=[held])
    assert response.status_code == 302
    assert _roles(cast.intake_a) == set()
    row = AuditEntry.objects.get(action="withdraw", target_id=str(cast.intake_a.pk))
    assert row.user == cast.secadmin and row.org.code == "310105001"
    assert row.before["role"] == "intake" and "撤销 intake_a" in row.note
    # The withdrawn worker no longer reaches the street's files.
    assert login(cast.intake_a).get("/households/").status_code == 403


def test_security_admin_cannot_grant_itself_a_role_in_the_admin(cast, login, org):
    client = login(cast.secadmin)
    _change(client, cast.secadmin, new=[("supervisor", org("SHMZJ").pk)])
    _change(client, cast.secadmin, new=[("intake", org("310105001").pk)])
    assert _roles(cast.secadmin) == {("security_admin", "SHMZJ")}
    assert not _grant_rows().exists()
    page = client.get(f"/admin/orgs/user/{cast.secadmin.pk}/change/").content.decode()
    assert "role_assignments-0-DELETE" not in page and "role_assignments-1-role" not in page


def test_security_admin_cannot_withdraw_its_own_role(cast, login):
    own = cast.secadmin.role_assignments.get()
    _change(login(cast.secadmin), cast.secadmin, withdraw=[own])
    assert _roles(cast.secadmin) == {("security_admin", "SHMZJ")}
    with pytest.raises(Refused, match="不能撤销自己的角色"):
        withdraw_role(actor=Actor.for_user(cast.secadmin), assignment=own)


def test_security_admin_cannot_grant_itself_through_the_service(cast, org):
    with pytest.raises(Refused, match="不能授予自己的角色"):
        grant_role(
            actor=Actor.for_user(cast.secadmin), user=cast.secadmin, role="intake", org=org("310105001")
        )
    assert _roles(cast.secadmin) == {("security_admin", "SHMZJ")}


def test_security_admin_changes_roles_only_not_the_account(cast, login):
    client = login(cast.secadmin)
    response = _change(client, cast.intake_a, full_name="改名", is_active="")
    cast.intake_a.refresh_from_db()
    assert response.status_code == 302
    assert cast.intake_a.full_name == "intake_a" and cast.intake_a.is_active
    assert client.get(f"/admin/orgs/user/{cast.intake_a.pk}/password/").status_code == 403
    assert client.get("/admin/orgs/user/add/").status_code == 403
    assert client.get("/admin/orgs/apitoken/").status_code == 403


def test_security_admin_grants_only_within_its_scope(make_user, org):
    district_secadmin = make_user("secadmin_cn", [("security_admin", "310105")], is_staff=True)
    newcomer = make_user("newcomer")
    actor = Actor.for_user(district_secadmin)
    grant_role(actor=actor, user=newcomer, role="intake", org=org("310105002"))
    with pytest.raises(Refused, match="您没有在南京东路街道授予角色的权限"):
        grant_role(actor=actor, user=newcomer, role="intake", org=org("310101002"))
    assert _roles(newcomer) == {("intake", "310105002")}


def test_security_admin_withdraws_only_within_its_scope(cast, login, make_user):
    district_secadmin = make_user("secadmin_cn", [("security_admin", "310105")], is_staff=True)
    held = cast.intake_hp.role_assignments.get()  # 南京东路街道, 黄浦区
    response = _change(login(district_secadmin), cast.intake_hp, withdraw=[held])
    assert response.status_code == 200 and "您没有在南京东路街道撤销角色的权限" in response.content.decode()
    assert _roles(cast.intake_hp) == {("intake", "310101002")}


def test_security_admin_picks_the_organisation_from_the_list(cast, login):
    response = login(cast.secadmin).get(
        "/admin/autocomplete/",
        {"app_label": "orgs", "model_name": "roleassignment", "field_name": "org", "term": "华阳路"},
    )
    assert response.status_code == 200 and "华阳路街道" in str(response.json())


def test_security_admin_sees_no_personal_data(cast, login):
    client = login(cast.secadmin)
    home = client.get("/").content.decode()
    assert "启用的用户账号" in home and "在册家庭档案" not in home
    assert client.get("/households/").status_code == 403
    assert client.get("/cases/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/admin/registry/household/").status_code == 404
    assert client.get("/admin/audit/auditentry/").status_code == 403


# --- the three administrators are different people -----------------------------------


@pytest.mark.parametrize(
    ("holder", "role", "code"),
    [
        ("sysadmin", "security_admin", "SHMZJ"),
        ("sysadmin", "auditor", "SHMZJ"),
        ("auditor_city", "sysadmin", "SHMZJ"),
        ("auditor_cn", "auditor", "SHMZJ"),  # one administrator role, once
        ("intake_a", "auditor", "310105"),  # an administrator does no casework
        ("auditor_cn", "intake", "310105001"),
    ],
)
def test_no_account_holds_two_of_the_three_administrators(cast, login, org, holder, role, code):
    user = getattr(cast, holder)
    before = _roles(user)
    response = _change(login(cast.secadmin), user, new=[(role, org(code).pk)])
    assert response.status_code == 200
    assert "须由专人担任" in response.content.decode()
    assert _roles(user) == before
    with pytest.raises(Refused, match="须由专人担任"):
        grant_role(actor=Actor.system("test"), user=user, role=role, org=org(code))


def test_two_administrator_roles_in_one_form_are_refused(cast, login, make_user, org):
    newcomer = make_user("newcomer")
    new = [("sysadmin", org("SHMZJ").pk), ("security_admin", org("SHMZJ").pk)]
    response = _change(login(cast.secadmin), newcomer, new=new)
    assert response.status_code == 200 and "须由专人担任" in response.content.decode()
    assert _roles(newcomer) == set()


def test_a_role_withdrawn_and_another_granted_in_one_form(cast, login, org):
    held = cast.intake_a.role_assignments.get()
    response = _change(
        login(cast.secadmin), cast.intake_a, withdraw=[held], new=[("auditor", org("310105").pk)]
    )
    assert response.status_code == 302
    assert _roles(cast.intake_a) == {("auditor", "310105")}


def test_the_database_refuses_a_second_administrator_role(cast, org):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orgs_roleassignment (user_id, org_id, role) VALUES (%s, %s, %s)",
            [cast.sysadmin.pk, org("SHMZJ").pk, "auditor"],
        )
    assert _roles(cast.sysadmin) == {("sysadmin", "SHMZJ")}


# --- one way in: the service ----------------------------------------------------------


def test_a_role_is_not_saved_or_deleted_around_the_service(cast, org):
    with pytest.raises(ValueError, match="grant_role"):
        RoleAssignment.objects.create(user=cast.sysadmin, org=org("SHMZJ"), role="supervisor")
    with pytest.raises(ValueError, match="withdraw_role"):
        cast.secadmin.role_assignments.get().delete()
    assert _roles(cast.sysadmin) == {("sysadmin", "SHMZJ")}
    assert _roles(cast.secadmin) == {("security_admin", "SHMZJ")}


def test_an_account_holding_roles_is_not_deleted_by_the_system_admin(cast, login):
    response = login(cast.sysadmin).post(f"/admin/orgs/user/{cast.intake_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=cast.intake_a.pk).exists()


def test_accounts_holding_roles_are_not_deleted_from_the_list_either(cast, login, make_user):
    idle = make_user("idle")
    response = login(cast.sysadmin).post(
        "/admin/orgs/user/",
        {"action": "delete_selected", "_selected_action": [cast.intake_a.pk, idle.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk__in=[cast.intake_a.pk, idle.pk]).count() == 2


@pytest.mark.parametrize("target", ["secadmin", "auditor_city"])
def test_system_admin_cannot_reset_another_administrators_password(cast, login, target):
    """Whoever sets the security admin's password signs in as them and grants roles."""
    victim = getattr(cast, target)
    before = victim.password
    client = login(cast.sysadmin)
    url = f"/admin/orgs/user/{victim.pk}/password/"
    page = client.get(url, follow=True)
    assert "不能重设管理员账号的密码" in page.content.decode()
    client.post(url, {"password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"})
    victim.refresh_from_db()
    assert victim.password == before
    assert not victim.check_password("Brand-new-pass-2026")


def test_system_admin_still_resets_a_staff_password(cast, login):
    client = login(cast.sysadmin)
    url = f"/admin/orgs/user/{cast.intake_a.pk}/password/"
    client.post(url, {"password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"})
    cast.intake_a.refresh_from_db()
    assert cast.intake_a.check_password("Brand-new-pass-2026")


@pytest.mark.parametrize("target", ["secadmin", "auditor_city", "sysadmin"])
def test_no_token_is_issued_to_an_administrator(cast, login, target):
    from bangfu.orgs.models import ApiToken
    from bangfu.orgs.services import api_token_issue

    holder = getattr(cast, target)
    response = login(cast.sysadmin).post(
        "/admin/orgs/apitoken/add/", {"user": holder.pk, "name": "借用", "expires_at": ""}
    )
    assert response.status_code == 200 and "不能为管理员账号签发令牌" in response.content.decode()
    with pytest.raises(Refused, match="不能为管理员账号签发令牌"):
        api_token_issue(actor=Actor.for_user(cast.sysadmin), user=holder, name="借用")
    assert not ApiToken.objects.filter(user=holder).exists()
