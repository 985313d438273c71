"""Configuration through the Django admin: the system admin manages organisations, users
and tokens, and sees no personal data; the security admin gives the roles (tests/orgs/
test_roles.py tries every way around that); the audit log there is read-only."""

import re

import pytest

from bangfu.audit.models import AuditEntry
from bangfu.orgs.models import ApiToken, Organisation, RoleAssignment, User
from bangfu.orgs.services import token_hash


def test_system_admin_searches_and_filters_organisations(cast, login):
    client = login(cast.sysadmin)
    page = client.get("/admin/orgs/organisation/", {"q": "华阳路"}).content.decode()
    assert "310105001" in page
    page = client.get("/admin/orgs/organisation/", {"kind__exact": "district"}).content.decode()
    assert "长宁区" in page and "华阳路街道" not in page


def test_organisation_under_the_wrong_kind_of_parent_is_refused(cast, login, org):
    response = login(cast.sysadmin).post(
        "/admin/orgs/organisation/add/",
        {"code": "310105999", "name": "新街道", "kind": "street", "parent": org("SHMZJ").pk, "active": "on"},
    )
    assert response.status_code == 200
    assert "不能设在该上级之下" in response.content.decode()
    assert not Organisation.objects.filter(code="310105999").exists()


def test_organisation_edit_is_audited(cast, login, org):
    street = org("310105001")
    response = login(cast.sysadmin).post(
        f"/admin/orgs/organisation/{street.pk}/change/",
        {
            "code": street.code,
            "name": "华阳路街道（改）",
            "kind": "street",
            "parent": street.parent_id,
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        target_type="orgs.organisation", target_id=str(street.pk), action="update"
    ).exists()


def _user_post(user: User, roles: list[tuple[str, int]]) -> dict:
    data = {
        "username": user.username, "full_name": "新名", "email": "", "is_active": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
        "role_assignments-TOTAL_FORMS": str(len(roles)), "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, (role, org_pk) in enumerate(roles):
        data[f"role_assignments-{i}-role"] = role
        data[f"role_assignments-{i}-org"] = str(org_pk)
    return data


def test_role_at_the_wrong_kind_of_organisation_is_refused(cast, login, make_user, org):
    user = make_user("newcomer")
    response = login(cast.secadmin).post(
        f"/admin/orgs/user/{user.pk}/change/", _user_post(user, [("intake", org("310105").pk)])
    )
    assert response.status_code == 200
    assert "不能在区帮扶组织任职" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_role_is_given_through_the_user_page(cast, login, make_user, org):
    user = make_user("newcomer")
    response = login(cast.secadmin).post(
        f"/admin/orgs/user/{user.pk}/change/", _user_post(user, [("intake", org("310105001").pk)])
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(user=user).org.code == "310105001"


def test_api_token_is_shown_once_and_only_its_hash_is_kept(cast, login):
    client = login(cast.sysadmin)
    response = client.post(
        "/admin/orgs/apitoken/add/", {"user": cast.foundation.pk, "name": "基金会系统"}, follow=True
    )
    page = response.content.decode()
    token = re.search(r"新令牌：(bf_[\w-]+)", page).group(1)
    row = ApiToken.objects.get()
    assert row.token_hash == token_hash(token) and token not in row.token_hash
    assert token not in client.get(f"/admin/orgs/apitoken/{row.pk}/change/").content.decode()
    assert client.get("/api/v1/health", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_registry_models_are_not_in_the_admin(cast, login):
    client = login(cast.sysadmin)
    assert client.get("/admin/registry/household/").status_code == 404
    assert client.get("/admin/registry/person/").status_code == 404
    assert "家庭档案" not in client.get("/admin/").content.decode()


def test_system_admin_does_not_read_the_audit_log_in_the_admin(cast, login):
    assert login(cast.sysadmin).get("/admin/audit/auditentry/").status_code == 403


@pytest.fixture
def staff_auditor(make_user):
    return make_user("auditor_staff", [("auditor", "SHMZJ")], is_staff=True)


def test_audit_entries_are_read_only_in_the_admin(login, staff_auditor, cast):
    entry = AuditEntry.objects.create(
        actor_label="x", action="create", target_type="orgs.user", target_id="1"
    )
    client = login(staff_auditor)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_no_administrator_reads_a_password_hash(cast, login):
    """The user page says whether a password is set; neither admin sees its algorithm, salt or hash."""
    target = cast.intake_a
    for admin_user in (cast.sysadmin, cast.secadmin):
        page = login(admin_user).get(f"/admin/orgs/user/{target.pk}/change/").content.decode()
        assert target.password.split("$")[-1] not in page, admin_user.username
        assert target.password.split("$")[0] not in page, admin_user.username
    assert "已设置密码" in login(cast.sysadmin).get(f"/admin/orgs/user/{target.pk}/change/").content.decode()
