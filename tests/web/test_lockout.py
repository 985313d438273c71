"""Logins tried as an attacker would (SPEC §10): guessing passwords locks the account for a
while whatever the address or browser, the page says in Chinese when to retry, every try
is in the audit log without the password, and a password like the username is refused.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.orgs.models import User
from bangfu.orgs.services import user_create
from tests.conftest import PASSWORD

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 10, 9, 0, tzinfo=SHANGHAI)
WRONG = [f"guess-{n:04d}-x" for n in range(50)]


def _try(client, username, password, url="/login/", **headers):
    return client.post(url, {"username": username, "password": password}, **headers)


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_fifty_wrong_passwords_then_the_right_one_is_refused_until_the_cool_off(cast, clock):
    client = Client()
    for password in WRONG:
        _try(client, "intake_a", password)
        clock.shift(timedelta(seconds=2))
    response = _try(client, "intake_a", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    # Locked at the fifth failure (09:00:08), for 15 minutes.
    assert "该账号已暂时锁定" in page and "请于 2025年3月10日 09:15 之后再试" in page
    assert not _logged_in(client)

    clock.move_to(START + timedelta(minutes=15))
    assert _try(client, "intake_a", PASSWORD).status_code == 429  # 09:15:00, still 8 seconds to go
    clock.move_to(START + timedelta(minutes=15, seconds=9))
    response = _try(client, "intake_a", PASSWORD)
    assert response.status_code == 302 and _logged_in(client)


def test_every_try_is_in_the_audit_log_and_no_password_is(cast, clock):
    client = Client()
    for password in WRONG:
        _try(client, "intake_a", password)
    _try(client, "intake_a", PASSWORD)
    clock.shift(timedelta(minutes=16))
    _try(client, "intake_a", PASSWORD)

    rows = AuditEntry.objects.filter(target_type="orgs.user", target_id=str(cast.intake_a.pk))
    failed = rows.filter(action="login_failed")
    assert failed.count() == 51  # 50 guesses and the right password refused while locked
    assert failed.filter(note__startswith="用户名或密码错误").count() == 5
    assert failed.filter(note="账号锁定期间的登录尝试，已拒绝").count() == 46
    lockout = rows.get(action="lockout")
    assert lockout.note == "连续 5 次密码错误，账号锁定，至 2025年3月10日 09:15 解除"
    assert lockout.ip == "127.0.0.1" and lockout.actor_label == "intake_a"
    login = rows.get(action="login")
    assert login.user == cast.intake_a and login.note == "登录成功"
    everything = " ".join(
        f"{r.note} {r.before} {r.after} {r.target_repr} {r.actor_label}" for r in AuditEntry.objects.all()
    )
    assert PASSWORD not in everything and not any(w in everything for w in WRONG)
    # Nor does the lock's own record of the tries.
    kept = " ".join(f"{a.get_data} {a.post_data}" for a in AccessAttempt.objects.all())
    assert PASSWORD not in kept and not any(w in kept for w in WRONG)


def test_rotating_addresses_and_browsers_does_not_escape_the_lock(cast, clock):
    for n, password in enumerate(WRONG[:10]):
        client = Client(REMOTE_ADDR=f"203.0.113.{n}", HTTP_USER_AGENT=f"bot/{n}")
        _try(client, "intake_a", password)
    fresh = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Firefox")
    response = _try(fresh, "intake_a", PASSWORD)
    assert response.status_code == 429 and "已暂时锁定" in response.content.decode()
    assert not _logged_in(fresh)


def test_the_admin_login_locks_the_same_account(cast, clock):
    client = Client()
    for password in WRONG[:5]:
        _try(client, "sysadmin", password, url="/admin/login/")
    response = _try(client, "sysadmin", PASSWORD, url="/admin/login/")
    assert response.status_code == 429 and "已暂时锁定" in response.content.decode()
    assert _try(Client(), "sysadmin", PASSWORD).status_code == 429


def test_a_lock_is_per_account_not_for_the_whole_office(cast, clock):
    client = Client()
    for password in WRONG[:5]:
        _try(client, "intake_a", password)
    assert _try(Client(), "assessor_a", PASSWORD).status_code == 302


def test_a_few_typos_then_the_right_password_start_the_count_again(cast, clock):
    client = Client()
    for _ in range(2):
        for password in WRONG[:4]:
            assert _try(client, "intake_a", password).status_code == 200
        assert _try(client, "intake_a", PASSWORD).status_code == 302
        client.post("/logout/")


def test_an_unknown_username_is_locked_and_logged_alike(db, clock):
    client = Client()
    first = _try(client, "no_such_user", WRONG[0])
    assert first.status_code == 200 and "用户名或密码不正确" in first.content.decode()
    for password in WRONG[1:6]:
        response = _try(client, "no_such_user", password)
    assert response.status_code == 429 and "已暂时锁定" in response.content.decode()
    rows = AuditEntry.objects.filter(target_type="orgs.user", target_repr="no_such_user")
    assert rows.filter(action="login_failed").count() == 6 and rows.filter(action="lockout").count() == 1


# --- passwords --------------------------------------------------------------------------

USERNAME = "zhangweiming2025"


def test_admin_refuses_a_new_account_whose_password_is_its_username(cast, login):
    response = login(cast.sysadmin).post(
        "/admin/orgs/user/add/",
        {"username": USERNAME, "full_name": "张伟明", "password1": USERNAME, "password2": USERNAME},
    )
    assert response.status_code == 200 and "太相似" in response.content.decode()
    assert not User.objects.filter(username=USERNAME).exists()


def test_admin_refuses_setting_a_password_like_the_username(cast, login, make_user):
    user = make_user(USERNAME)
    response = login(cast.sysadmin).post(
        f"/admin/orgs/user/{user.pk}/password/",
        {"password1": USERNAME.upper(), "password2": USERNAME.upper(), "usable_password": "true"},
    )
    assert response.status_code == 200 and "太相似" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [(USERNAME, "太相似"), ("2025031012", "只包含数字"), ("password123", "太常见"), ("Ab3$x", "太短")],
)
def test_creating_an_account_refuses_weak_passwords(db, password, message):
    with pytest.raises(Refused, match=message):
        user_create(actor=Actor.system("test"), username=USERNAME, password=password)
    assert not User.objects.filter(username=USERNAME).exists()
