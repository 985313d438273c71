"""`bangfu demo`: a login for every role, printed, that works; households to look at; safe to rerun."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bangfu.audit.models import AuditEntry
from bangfu.demo.management.commands.demo import DEMO_PASSWORD, DEMO_USERS
from bangfu.orgs.models import Organisation, RoleAssignment, User
from bangfu.orgs.roles import Role
from bangfu.registry.models import Household, Person
from tests.conftest import EDGE_DAYS


@pytest.fixture(autouse=True)
def _on_a_fixed_day(today):
    """The demo's households and year of money are made as of today: the clock is frozen."""


def demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> dict[str, str]:
    """username -> password, read back from the printed table."""
    logins = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) >= 2 and cells[1] == DEMO_PASSWORD:
            logins[cells[0]] = cells[1]
    return logins


def test_every_role_has_a_demo_login(db):
    demo()
    held = set(
        RoleAssignment.objects.filter(user__username__in=[u[0] for u in DEMO_USERS]).values_list(
            "role", flat=True
        )
    )
    assert held == set(Role.values)


def test_street_roles_at_both_changning_streets_and_one_huangpu_street(db):
    demo()
    street_roles = {
        Role.INTAKE,
        Role.ASSESSOR,
        Role.PANEL_MEMBER,
        Role.STREET_APPROVER,
        Role.CASHIER,
        Role.VOLUNTEER,
    }
    for code in ("310105001", "310105002", "310101002"):
        roles = set(RoleAssignment.objects.filter(org__code=code).values_list("role", flat=True))
        assert roles == street_roles, code
    for code in ("310105", "310101"):
        roles = set(RoleAssignment.objects.filter(org__code=code).values_list("role", flat=True))
        assert {Role.DISTRICT_APPROVER, Role.DISTRICT_FINANCE} <= roles


@pytest.mark.parametrize("today", EDGE_DAYS, indirect=True)
def test_printed_logins_work(today, db):
    """Every login works and every home page (this month's tiles and queues) opens, on any day."""
    output = demo()
    logins = printed_logins(output)
    assert set(logins) == {u[0] for u in DEMO_USERS}
    for username, password in logins.items():
        client = Client()
        response = client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200, username


def test_full_chinese_names_and_organisations_are_printed(db):
    output = demo()
    assert "王建华" in output and "华阳路街道" in output and "上海市卫生健康委员会" in output
    assert all(User.objects.get(username=u[0]).full_name == u[1] for u in DEMO_USERS)


def _admin_client(username: str) -> Client:
    client = Client()
    client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert client.get("/admin/").status_code == 200
    return client


def _grant_post(user: User, role: str, org: Organisation) -> dict:
    current = list(user.role_assignments.order_by("pk"))
    data = {
        "username": user.username, "full_name": user.full_name, "email": "", "is_active": "on",
        "is_staff": "on" if user.is_staff else "", "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00",
        "role_assignments-TOTAL_FORMS": str(len(current) + 1),
        "role_assignments-INITIAL_FORMS": str(len(current)),
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
        f"role_assignments-{len(current)}-role": role, f"role_assignments-{len(current)}-org": str(org.pk),
    }  # fmt: skip
    for i, a in enumerate(current):
        data.update({f"role_assignments-{i}-id": str(a.pk), f"role_assignments-{i}-user": str(user.pk)})
        data.update({f"role_assignments-{i}-role": a.role, f"role_assignments-{i}-org": str(a.org_id)})
    return data


def test_demo_administrators_are_staff_never_superusers_and_only_secadmin_grants(db):
    demo()
    assert not User.objects.filter(is_superuser=True).exists()
    sysadmin, secadmin = User.objects.get(username="sysadmin"), User.objects.get(username="secadmin")
    assert sysadmin.is_staff and secadmin.is_staff
    bureau = Organisation.objects.get(code="SHMZJ")
    # The system admin, logged in with the printed password, tries to make itself supervisor.
    client = _admin_client("sysadmin")
    client.post(f"/admin/orgs/user/{sysadmin.pk}/change/", _grant_post(sysadmin, "supervisor", bureau))
    assert set(sysadmin.role_assignments.values_list("role", flat=True)) == {"sysadmin"}
    assert client.get("/households/").status_code == 403
    # The security admin cannot make itself anything either…
    client = _admin_client("secadmin")
    client.post(f"/admin/orgs/user/{secadmin.pk}/change/", _grant_post(secadmin, "supervisor", bureau))
    assert set(secadmin.role_assignments.values_list("role", flat=True)) == {"security_admin"}
    assert client.get("/households/").status_code == 403
    # …but grants a role to another account, and the log says who, what, where and to whom.
    colleague = User.objects.get(username="city_auditor")
    worker = User.objects.get(username="dept_wjw")
    response = client.post(f"/admin/orgs/user/{worker.pk}/change/", _grant_post(worker, "supervisor", bureau))
    assert response.status_code == 302
    assert "supervisor" in set(worker.role_assignments.values_list("role", flat=True))
    row = AuditEntry.objects.get(action="grant", user=secadmin)
    assert row.target_id == str(worker.pk) and row.org == bureau and row.after["role"] == "supervisor"
    # The auditor may not also be the supervisor.
    client.post(f"/admin/orgs/user/{colleague.pk}/change/", _grant_post(colleague, "sysadmin", bureau))
    assert set(colleague.role_assignments.values_list("role", flat=True)) == {"auditor"}


def test_department_sits_under_the_bureau(db):
    demo()
    dept = Organisation.objects.get(code="DEPT-SHWJW")
    assert dept.kind == "department" and dept.parent.code == "SHMZJ" and dept.name == "上海市卫生健康委员会"


def test_a_few_hundred_households_in_the_demo_streets(db):
    demo()
    codes = set(Household.objects.values_list("street__code", flat=True))
    assert codes == {"310105001", "310105002", "310101002"}
    assert Household.objects.count() == 300
    assert 900 < Person.objects.count() < 1100


def test_intake_worker_sees_the_street_households(db):
    demo()
    client = Client()
    client.post("/login/", {"username": "cn_hy_intake", "password": DEMO_PASSWORD})
    page = client.get("/households/").content.decode()
    mine = Household.objects.filter(street__code="310105001").order_by("-pk").first()
    other = Household.objects.filter(street__code="310105002").order_by("-pk").first()
    assert mine.file_number in page and other.file_number not in page


def test_running_it_twice_changes_nothing_and_prints_the_logins_again(db):
    demo()

    def state():
        return (
            User.objects.count(),
            RoleAssignment.objects.count(),
            Organisation.objects.count(),
            Household.objects.count(),
            Person.objects.count(),
            AuditEntry.objects.count(),
            sorted(User.objects.values_list("username", "password")),
        )

    before = state()
    output = demo()
    assert state() == before
    assert set(printed_logins(output)) == {u[0] for u in DEMO_USERS}
    assert "新建 0 个" in output and "未再生成" in output


def test_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        demo()
    assert not User.objects.exists()
