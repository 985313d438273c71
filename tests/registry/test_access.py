"""Every role's access to the registry pages, read against SPEC §1.

The household is in 华阳路街道 (长宁区). Pages about one record answer 404 to those
who may not reach it (its existence must not leak); pages not about one record (the
list, the new-household form, the audit log) answer 403.
"""

import pytest

# role -> (list, file, create, edit, reveal, merge, audit)
MATRIX = {
    "intake_a": (200, 200, 200, 200, 200, 200, 403),
    "assessor_a": (200, 200, 200, 200, 200, 404, 403),
    "panel_a": (200, 200, 403, 404, 404, 404, 403),
    "approver_a": (200, 200, 403, 404, 200, 200, 403),
    "cashier_a": (200, 200, 403, 404, 200, 404, 403),
    "volunteer_a": (403, 404, 403, 404, 404, 404, 403),
    "intake_b": (200, 404, 200, 404, 404, 404, 403),
    "district_cn": (200, 200, 403, 404, 200, 200, 403),
    "finance_cn": (200, 200, 403, 404, 404, 404, 403),
    "auditor_cn": (200, 200, 403, 404, 200, 404, 200),
    "intake_hp": (200, 404, 200, 404, 404, 404, 403),
    "district_hp": (200, 404, 403, 404, 404, 404, 403),
    "foundation": (200, 200, 403, 404, 404, 404, 403),
    "foundation_fin": (200, 200, 403, 404, 404, 404, 403),
    "supervisor": (200, 200, 403, 404, 200, 404, 200),
    "auditor_city": (200, 200, 403, 404, 200, 404, 200),
    "sysadmin": (403, 404, 403, 404, 404, 404, 403),
}


@pytest.mark.parametrize("username", MATRIX)
def test_each_role_reaches_exactly_what_spec_gives_it(username, cast, login, household_a):
    client = login(getattr(cast, username))
    person = household_a.members.get(relationship="head")
    pk = household_a.pk
    got = (
        client.get("/households/").status_code,
        client.get(f"/households/{pk}/").status_code,
        client.get("/households/new/").status_code,
        client.get(f"/households/{pk}/edit/").status_code,
        client.post(f"/households/{pk}/members/{person.pk}/reveal/id_number/").status_code,
        client.get(f"/households/{pk}/merge/").status_code,
        client.get("/audit/").status_code,
    )
    assert got == MATRIX[username]


@pytest.mark.parametrize("username", ["supervisor", "auditor_city", "auditor_cn"])
def test_read_only_roles_see_no_edit_buttons(username, cast, login, household_a):
    page = login(getattr(cast, username)).get(f"/households/{household_a.pk}/").content.decode()
    assert "张伟" in page
    for label in ("编辑家庭信息", "添加成员", "登记类别", "合并重复档案", "移除"):
        assert label not in page


@pytest.mark.parametrize(
    "username", ["supervisor", "auditor_city", "auditor_cn", "district_cn", "foundation"]
)
def test_read_only_roles_cannot_write_by_posting(username, cast, login, household_a):
    from tests.registry.conftest import row_counts

    client = login(getattr(cast, username))
    pk = household_a.pk
    person = household_a.members.get(relationship="spouse")
    before = row_counts()
    posts = [
        (f"/households/{pk}/edit/", {"address": "改过的地址"}),
        (f"/households/{pk}/members/new/", {"name": "新人", "id_number": "x", "relationship": "child"}),
        (f"/households/{pk}/members/{person.pk}/edit/", {"name": "改名", "relationship": "spouse"}),
        (f"/households/{pk}/members/{person.pk}/remove/", {"reason": "迁出"}),
        (
            f"/households/{pk}/members/{person.pk}/means/new/",
            {"kind": "income", "amount": "1", "as_of": "2025-01-01"},
        ),
        (
            f"/households/{pk}/categories/new/",
            {"category": "dibao", "valid_from": "2025-01-01", "source": "manual"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert client.post("/households/new/", {}).status_code == 403
    household_a.refresh_from_db()
    assert household_a.address != "改过的地址"
    assert row_counts() == before


def test_anonymous_is_sent_to_login_from_every_registry_page(client, household_a):
    for url in ("/households/", f"/households/{household_a.pk}/", "/households/new/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
