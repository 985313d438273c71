"""The home page per role: what each one sees first."""

from tests.registry.conftest import member


def test_intake_sees_recent_files_of_their_street_and_the_new_file_button(cast, login, new_household):
    mine = new_household("310105001", [member("张伟")])
    other = new_household("310105002", [member("王强")])
    page = login(cast.intake_a).get("/").content.decode()
    assert "新建档案" in page and "最近建档" in page
    assert f"/households/{mine.pk}/" in page and f"/households/{other.pk}/" not in page
    assert mine.members.get().id_number not in page


def test_district_sees_counts_per_street(cast, login, new_household):
    new_household("310105001")
    new_household("310105001")
    page = login(cast.district_cn).get("/").content.decode()
    assert "各街镇在册档案" in page and "华阳路街道" in page and "江苏路街道" in page
    assert "南京东路街道" not in page  # another district
    assert "新建档案" not in page


def test_supervisor_and_city_auditor_see_city_counts_and_the_audit_log(cast, login, new_household):
    new_household("310105001")
    new_household("310101002")
    for user in (cast.supervisor, cast.auditor_city):
        page = login(user).get("/").content.decode()
        assert "（全市）" in page and "在册家庭档案" in page and "审计日志" in page
        assert "新建档案" not in page


def test_system_admin_sees_users_and_the_admin_but_no_households(cast, login, new_household):
    new_household("310105001")
    page = login(cast.sysadmin).get("/").content.decode()
    assert "启用的用户账号" in page and "/admin/" in page
    assert "在册家庭档案" not in page and "家庭档案" not in page
