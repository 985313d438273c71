"""Every create, change and removal in the registry is in the audit log: who, when,
what (before/after, sensitive values masked) and from which address."""

from datetime import date

from bangfu.audit.models import AuditEntry
from tests.registry.conftest import create_post, make_id


def entries(target_type: str, pk) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(target_type=target_type, target_id=str(pk)).order_by("pk"))


def test_registering_a_household_writes_one_row_per_record(cast, login, org):
    number = make_id()
    post = create_post(org("310105001"), [{"name": "刘建华", "id_number": number, "relationship": "head"}],
                       category="low_income", category_from="2025-01-01")  # fmt: skip
    login(cast.intake_a).post("/households/new/", post, REMOTE_ADDR="192.168.7.9")
    from bangfu.registry.models import Household

    household = Household.objects.get()
    person = household.members.get()
    (h_row,) = entries("registry.household", household.pk)
    (p_row,) = entries("registry.person", person.pk)
    (c_row,) = entries("registry.householdcategory", household.categories.get().pk)
    for row in (h_row, p_row, c_row):
        assert (row.action, row.user, row.ip, row.org.code) == (
            "create",
            cast.intake_a,
            "192.168.7.9",
            "310105001",
        )
        assert row.before is None
    assert h_row.after["file_number"] == household.file_number
    assert (
        p_row.after["name"] == "刘建华" and p_row.after["id_number"] == f"{number[:6]}********{number[-4:]}"
    )
    assert c_row.after["category"] == "low_income" and c_row.after["valid_from"] == "2025-01-01"


def test_household_change_records_only_what_changed(cast, login, household_a):
    login(cast.intake_a).post(
        f"/households/{household_a.pk}/edit/", {"address": "新地址1号", "phone": "", "note": ""}
    )
    row = entries("registry.household", household_a.pk)[-1]
    assert row.action == "update"
    assert row.before == {"address": "长宁区某路1号"} and row.after == {"address": "新地址1号"}


def test_member_change_records_before_and_after(cast, login, household_a):
    spouse = household_a.members.get(relationship="spouse")
    login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/{spouse.pk}/edit/",
        {"name": "李芳芳", "relationship": "spouse", "disability": "on"},
    )
    row = entries("registry.person", spouse.pk)[-1]
    assert row.action == "update"
    assert row.before["name"] == "李芳" and row.after["name"] == "李芳芳"
    assert row.before["disability"] is False and row.after["disability"] is True


def test_removing_a_member_deactivates_and_logs_the_reason(cast, login, household_a):
    spouse = household_a.members.get(relationship="spouse")
    response = login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/{spouse.pk}/remove/", {"reason": "户口迁出本市"}
    )
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.active is False  # deactivated, never deleted
    row = entries("registry.person", spouse.pk)[-1]
    assert (row.action, row.before, row.after, row.note) == (
        "delete",
        {"active": True},
        {"active": False},
        "户口迁出本市",
    )


def test_category_and_means_are_logged(cast, login, household_a):
    client = login(cast.intake_a)
    head = household_a.members.get(relationship="head")
    client.post(f"/households/{household_a.pk}/members/{head.pk}/means/new/",
                {"kind": "income", "amount": "2650.00", "as_of": "2025-03-01", "description": "退休金"})  # fmt: skip
    category = household_a.categories.get()
    client.post(f"/households/{household_a.pk}/categories/{category.pk}/end/", {"valid_to": "2025-06-30"})
    means = head.means.get()
    (m_row,) = entries("registry.means", means.pk)
    assert m_row.after == {"person": head.pk, "kind": "income", "description": "退休金", "amount": "2650.00",
                           "as_of": "2025-03-01"}  # fmt: skip
    c_row = entries("registry.householdcategory", category.pk)[-1]
    assert (c_row.action, c_row.before, c_row.after) == (
        "update",
        {"valid_to": None},
        {"valid_to": "2025-06-30"},
    )


def test_new_category_ends_the_open_one_and_both_are_logged(cast, login, household_a):
    old = household_a.categories.get()
    login(cast.intake_a).post(f"/households/{household_a.pk}/categories/new/",
                              {"category": "low_income", "valid_from": "2025-07-01", "source": "monitoring"})  # fmt: skip
    old.refresh_from_db()
    assert old.valid_to == date(2025, 6, 30)
    assert entries("registry.householdcategory", old.pk)[-1].note == "新类别生效，原类别终止"
    from bangfu.registry.selectors import household_category_on

    assert household_category_on(household_a, date(2025, 6, 30)) == "dibao"
    assert household_category_on(household_a, date(2025, 7, 1)) == "low_income"
    assert household_category_on(household_a, date(2023, 1, 1)) == "other"


def test_file_page_shows_the_history(cast, login, household_a):
    spouse = household_a.members.get(relationship="spouse")
    client = login(cast.intake_a)
    client.post(f"/households/{household_a.pk}/members/{spouse.pk}/remove/", {"reason": "户口迁出本市"})
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "历史记录" in page and "户口迁出本市" in page and "新建 · 档案" in page


def test_auditor_finds_registry_rows_in_the_audit_log(cast, login, household_a):
    page = login(cast.auditor_cn).get("/audit/", {"type": "registry.household"}).content.decode()
    assert household_a.file_number in page
    assert "310105001" in login(cast.auditor_city).get("/audit/").content.decode()
