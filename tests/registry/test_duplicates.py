"""One person, one active household, across the whole city (SPEC §2): duplicates are
refused with a clear message, and two files of one family are merged, never copied."""

from datetime import date
from decimal import Decimal

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.registry import services
from bangfu.registry.models import Household, Person
from tests.registry.conftest import create_post, make_id, member, row_counts


def _register(client, street, members):
    return client.post("/households/new/", create_post(street, members))


def test_second_copy_in_the_same_street_is_refused_naming_the_existing_file(cast, login, org, household_a):
    head = household_a.members.get(relationship="head")
    before = row_counts()
    response = _register(login(cast.intake_a), org("310105001"),
                         [{"name": "张伟", "id_number": head.id_number, "relationship": "head"}])  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert f"已登记在档案 {household_a.file_number} 中" in page
    assert f"/households/{household_a.pk}/" in page  # offered: open the existing file
    # Only the worker's own input is echoed back, never the number on file in a message.
    assert page.count(head.id_number) == 1 and f'value="{head.id_number}"' in page
    assert row_counts() == before


def test_duplicate_in_another_street_names_only_that_street(cast, login, org, household_a):
    spouse = household_a.members.get(relationship="spouse")
    before = row_counts()
    response = _register(login(cast.intake_b), org("310105002"),
                         [{"name": "李芳", "id_number": spouse.id_number, "relationship": "head"}])  # fmt: skip
    page = response.content.decode()
    assert "已登记在华阳路街道的档案中" in page
    assert household_a.file_number not in page and "张伟" not in page
    assert row_counts() == before


def test_duplicate_in_another_district_is_refused_too(cast, login, org, household_a):
    spouse = household_a.members.get(relationship="spouse")
    before = row_counts()
    response = _register(login(cast.intake_hp), org("310101002"),
                         [{"name": "李芳", "id_number": spouse.id_number, "relationship": "head"}])  # fmt: skip
    assert "华阳路街道的档案中" in response.content.decode()
    assert row_counts() == before


def test_service_raises_duplicate_person_carrying_the_existing_record(system, org, household_a):
    spouse = household_a.members.get(relationship="spouse")
    try:
        services.household_create(actor=system, street=org("310105002"), address="x",
                                  members=[{"name": "李芳", "id_number": spouse.id_number, "relationship": "head"}])  # fmt: skip
    except services.DuplicatePerson as exc:
        assert (
            exc.existing == spouse and exc.field == "members.0.id_number" and exc.code == "duplicate_person"
        )
    else:
        raise AssertionError("a second active copy was created")
    assert Person.objects.filter(id_hash=spouse.id_hash).count() == 1


def test_the_same_id_twice_in_one_form_is_refused(cast, login, org):
    number = make_id()
    response = _register(login(cast.intake_a), org("310105001"), [
        {"name": "甲", "id_number": number, "relationship": "head"},
        {"name": "乙", "id_number": number, "relationship": "child"},
    ])  # fmt: skip
    assert "与第1名成员的身份证号码相同" in response.content.decode()
    assert Household.objects.count() == 0


def test_existing_member_can_be_moved_into_a_new_household(cast, login, org, household_a):
    spouse = household_a.members.get(relationship="spouse")
    client = login(cast.intake_a)
    members = [{"name": "李芳", "id_number": spouse.id_number, "relationship": "head"}]
    first = _register(client, org("310105001"), members).content.decode()
    assert "将此人从原档案迁入本户" in first
    post = create_post(org("310105001"), members)
    post["m-0-move_existing"] = "on"
    assert client.post("/households/new/", post).status_code == 302
    spouse.refresh_from_db()
    assert spouse.household != household_a and spouse.relationship == "head" and spouse.active
    assert Person.objects.filter(id_hash=spouse.id_hash).count() == 1
    assert AuditEntry.objects.filter(target_id=str(spouse.pk), note__contains="迁入").exists()


def test_move_is_not_offered_for_a_file_outside_ones_scope(cast, login, org, household_a):
    spouse = household_a.members.get(relationship="spouse")
    post = create_post(
        org("310105002"), [{"name": "李芳", "id_number": spouse.id_number, "relationship": "head"}]
    )
    post["m-0-move_existing"] = "on"  # forged: the form never offered it
    response = login(cast.intake_b).post("/households/new/", post)
    assert response.status_code == 200 and "将此人从原档案迁入本户" not in response.content.decode()
    spouse.refresh_from_db()
    assert spouse.household == household_a


def _family_filed_twice(new_household, system):
    """Husband and wife on one file, the wife and their son on another (she was removed from it
    before the first file was opened)."""
    wife = member("李芳", "spouse")
    keep = new_household("310105001", [member("张伟"), wife])
    son = member("张小明", "head")
    dup = new_household("310105001", [son])
    services.person_add(actor=system, household=dup, id_number=make_id(), name="临时", relationship="other")
    # The wife's old record on the duplicate file, inactive, with her income on it.
    kept_wife = keep.members.get(relationship="spouse")
    services.person_remove(actor=system, person=kept_wife, reason="登记错误")
    old = services.person_add(
        actor=system, household=dup, id_number=wife["id_number"], name="李芳", relationship="parent"
    )
    services.means_add(
        actor=system, person=old, kind="income", amount=Decimal("1800.00"), as_of=date(2025, 1, 1)
    )
    services.category_add(actor=system, household=dup, category="low_income", valid_from=date(2024, 6, 1))
    return keep, dup, kept_wife


def test_merge_folds_the_duplicate_into_the_kept_file_and_loses_nothing(cast, login, new_household, system):
    keep, dup, kept_wife = _family_filed_twice(new_household, system)
    client = login(cast.intake_a)
    preview = client.post(f"/households/{keep.pk}/merge/", {"duplicate": dup.file_number, "preview": "1"})
    page = preview.content.decode()
    assert "合并预览" in page and "同一人，保留一条记录" in page and "张小明" in page
    assert Household.objects.get(pk=dup.pk).status == "active"  # a preview changes nothing

    response = client.post(
        f"/households/{keep.pk}/merge/",
        {"duplicate": dup.file_number, "reason": "同一家庭重复建档", "confirm": "1"},
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.status == "merged" and dup.merged_into == keep
    names = sorted(keep.members.filter(active=True).values_list("name", flat=True))
    assert names == ["临时", "张伟", "张小明", "李芳"]
    # The wife is on file once, active, and kept her income.
    wives = Person.objects.filter(id_hash=kept_wife.id_hash)
    assert wives.filter(active=True).get() == Person.objects.get(pk=kept_wife.pk)
    assert Person.objects.get(pk=kept_wife.pk).means.get().amount == Decimal("1800.00")
    # The son was head of the duplicate; the kept file already has one.
    assert keep.members.get(name="张小明").relationship == "other"
    assert keep.categories.get().category == "low_income"
    merges = AuditEntry.objects.filter(action="merge")
    assert {(e.target_type, e.target_id) for e in merges} >= {
        ("registry.household", str(keep.pk)),
        ("registry.household", str(dup.pk)),
    }
    assert merges.filter(target_id=str(dup.pk)).get().note == "同一家庭重复建档"


def test_merge_needs_a_reason_and_changes_nothing_without_one(cast, login, new_household):
    keep, dup = new_household("310105001"), new_household("310105001")
    before = row_counts()
    response = login(cast.intake_a).post(
        f"/households/{keep.pk}/merge/", {"duplicate": dup.file_number, "reason": "", "confirm": "1"}
    )
    assert "请填写合并原因" in response.content.decode()
    assert row_counts() == before
    assert Household.objects.get(pk=dup.pk).status == "active"


def test_merge_refuses_the_file_itself_and_unknown_numbers(cast, login, household_a):
    client = login(cast.intake_a)
    url = f"/households/{household_a.pk}/merge/"
    assert (
        "不能把档案与其自身合并"
        in client.post(url, {"duplicate": household_a.file_number, "preview": "1"}).content.decode()
    )
    assert (
        "未找到该档案编号"
        in client.post(url, {"duplicate": "310105001-9999999", "preview": "1"}).content.decode()
    )
    assert "请填写重复档案的档案编号" in client.post(url, {"duplicate": ""}).content.decode()


def test_district_approver_merges_files_of_two_of_its_streets(cast, login, new_household):
    keep, dup = new_household("310105001"), new_household("310105002")
    response = login(cast.district_cn).post(
        f"/households/{keep.pk}/merge/",
        {"duplicate": dup.file_number, "reason": "跨街镇重复", "confirm": "1"},
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into == keep
    # Audited under each file's own street, so each street's auditors see it.
    assert (
        AuditEntry.objects.get(
            action="merge", target_id=str(dup.pk), target_type="registry.household"
        ).org.code
        == "310105002"
    )


def test_merged_file_number_still_leads_to_the_kept_file(cast, login, new_household, system):
    keep, dup = new_household("310105001"), new_household("310105001")
    services.households_merge(actor=system, keep=keep, duplicate=dup, reason="重复")
    client = login(cast.intake_a)
    page = client.get("/households/", {"q": dup.file_number}).content.decode()
    assert f"/households/{dup.pk}/" in page and "已合并" in page
    assert f"/households/{keep.pk}/" in client.get(f"/households/{dup.pk}/").content.decode()
    assert f"/households/{dup.pk}/" not in client.get("/households/").content.decode()


def test_a_merged_file_cannot_be_merged_again(system, new_household):
    keep, dup = new_household("310105001"), new_household("310105001")
    services.households_merge(actor=system, keep=keep, duplicate=dup, reason="重复")
    try:
        services.households_merge(actor=system, keep=keep, duplicate=dup, reason="再次")
    except Refused as exc:
        assert exc.code == "not_active"
    else:
        raise AssertionError("merged twice")
