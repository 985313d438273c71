"""Bad input on every form: a clear Chinese message on the field at fault, nothing saved."""

import pytest

from tests.registry.conftest import create_post, make_id, row_counts


def post_and_check(client, url, data, message):
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code == 200, url
    assert message in response.content.decode(), message
    assert row_counts() == before


HEAD = {"name": "甲", "relationship": "head"}


@pytest.mark.parametrize(
    ("household", "members", "message"),
    [
        ({"address": ""}, [HEAD], "请填写居住地址。"),
        ({}, [{**HEAD, "name": ""}], "请填写姓名。"),
        ({}, [{**HEAD, "id_number": "123"}], "身份证号码应为18位。"),
        ({}, [{**HEAD, "relationship": ""}], "请选择与户主关系。"),
        ({}, [{**HEAD, "phone": "电话号码"}], "联系电话只能包含数字"),
        ({}, [{**HEAD, "bank_name": "工行", "bank_account": "62-22"}], "银行账号应为8至30位数字。"),
        ({}, [{**HEAD, "bank_account": "6222020200112233445"}], "请同时填写开户银行"),
        ({}, [{**HEAD, "resides_since": "2025-13-01"}], "请填写有效的日期。"),
        ({"category": "dibao"}, [HEAD], "登记家庭类别时，请填写有效期起。"),
        ({}, [{**HEAD, "relationship": "spouse"}], "每户须有且只有一名户主"),
        ({}, [HEAD, {**HEAD, "name": "乙"}], "每户须有且只有一名户主"),
    ],
)
def test_new_household_form_refuses_bad_input(household, members, message, cast, login, org):
    members = [{"id_number": make_id(), **m} for m in members]
    post_and_check(
        login(cast.intake_a), "/households/new/", create_post(org("310105001"), members, **household), message
    )


def test_new_household_form_with_no_member_rows(cast, login, org):
    post = create_post(org("310105001"), [])
    post_and_check(login(cast.intake_a), "/households/new/", post, "请至少登记一名家庭成员")


def test_household_edit_refuses_an_empty_address(cast, login, household_a):
    post_and_check(
        login(cast.intake_a), f"/households/{household_a.pk}/edit/", {"address": " "}, "请填写居住地址。"
    )


def test_add_member_refuses_a_second_head_and_a_duplicate(cast, login, household_a):
    client = login(cast.intake_a)
    url = f"/households/{household_a.pk}/members/new/"
    post_and_check(
        client, url, {"name": "乙", "id_number": make_id(), "relationship": "head"}, "该户已有户主"
    )
    spouse = household_a.members.get(relationship="spouse")
    post_and_check(
        client, url, {"name": "乙", "id_number": spouse.id_number, "relationship": "child"}, "已登记在档案"
    )


def test_member_edit_refuses_bad_input(cast, login, household_a):
    client = login(cast.intake_a)
    head = household_a.members.get(relationship="head")
    url = f"/households/{household_a.pk}/members/{head.pk}/edit/"
    post_and_check(client, url, {"name": "张伟", "relationship": "head", "id_number": "31010519800101001X"},
                   "校验位不正确")  # fmt: skip
    post_and_check(client, url, {"name": "张伟", "relationship": "spouse"}, "户主不能直接改为其他关系")
    post_and_check(client, url, {"name": "", "relationship": "head"}, "请填写姓名。")


def test_making_another_member_head_demotes_the_previous_head(cast, login, household_a):
    spouse = household_a.members.get(relationship="spouse")
    head = household_a.members.get(relationship="head")
    response = login(cast.intake_a).post(
        f"/households/{household_a.pk}/members/{spouse.pk}/edit/", {"name": "李芳", "relationship": "head"}
    )
    assert response.status_code == 302
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert (spouse.relationship, head.relationship) == ("head", "other")


def test_remove_member_needs_a_reason_and_never_removes_the_head(cast, login, household_a):
    client = login(cast.intake_a)
    spouse = household_a.members.get(relationship="spouse")
    head = household_a.members.get(relationship="head")
    post_and_check(
        client,
        f"/households/{household_a.pk}/members/{spouse.pk}/remove/",
        {"reason": ""},
        "请填写移除原因。",
    )
    post_and_check(
        client, f"/households/{household_a.pk}/members/{head.pk}/remove/", {"reason": "去世"}, "户主不能移除"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "income", "amount": "-5", "as_of": "2025-01-01"}, "金额不能为负数。"),
        ({"kind": "income", "amount": "abc", "as_of": "2025-01-01"}, "金额格式不正确"),
        ({"kind": "income", "amount": "1.234", "as_of": "2025-01-01"}, "金额最多两位小数（到分）。"),
        ({"kind": "income", "amount": "2,65.00", "as_of": "2025-01-01"}, "千位分隔符位置不对"),
        ({"kind": "income", "amount": "100", "as_of": ""}, "请填写核定日期。"),
        ({"kind": "", "amount": "100", "as_of": "2025-01-01"}, "请选择类别。"),
    ],
)
def test_means_form_refuses_bad_input(data, message, cast, login, household_a):
    head = household_a.members.get(relationship="head")
    post_and_check(
        login(cast.intake_a), f"/households/{household_a.pk}/members/{head.pk}/means/new/", data, message
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "", "valid_from": "2025-01-01", "source": "manual"}, "请选择家庭类别。"),
        ({"category": "dibao", "valid_from": "", "source": "manual"}, "请填写有效期起。"),
        ({"category": "dibao", "valid_from": "2025-05-01", "valid_to": "2025-04-01", "source": "manual"},
         "有效期止不能早于有效期起。"),
        ({"category": "low_income", "valid_from": "2023-01-01", "valid_to": "2024-06-30", "source": "manual"},
         "有效期重叠"),
    ],
)  # fmt: skip
def test_category_form_refuses_bad_input(data, message, cast, login, household_a):
    post_and_check(login(cast.intake_a), f"/households/{household_a.pk}/categories/new/", data, message)


def test_category_end_refuses_a_date_before_the_start(cast, login, household_a):
    category = household_a.categories.get()
    url = f"/households/{household_a.pk}/categories/{category.pk}/end/"
    post_and_check(login(cast.intake_a), url, {"valid_to": "2023-12-31"}, "有效期止不能早于有效期起。")
    post_and_check(login(cast.intake_a), url, {"valid_to": "不是日期"}, "请填写有效的日期。")


def test_merge_form_refuses_an_empty_number(cast, login, household_a):
    post_and_check(
        login(cast.intake_a),
        f"/households/{household_a.pk}/merge/",
        {"duplicate": ""},
        "请填写重复档案的档案编号。",
    )
