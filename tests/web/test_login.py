"""Logging in and out, and the home page per role."""

from tests.conftest import PASSWORD


def test_login_page_is_chinese(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_with_bad_password_says_so_in_chinese(client, cast):
    response = client.post("/login/", {"username": "intake_a", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_then_home_then_logout(client, cast):
    response = client.post("/login/", {"username": "intake_a", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "在册家庭档案" in home.content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/households/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_system_admin_home_shows_no_personal_data(login, cast):
    page = login(cast.sysadmin).get("/").content.decode()
    assert "在册家庭档案" not in page
    assert login(cast.sysadmin).get("/households/").status_code == 403


def test_static_assets_are_served_locally(client, db):
    page = client.get("/login/").content.decode()
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
