"""The audit log as people read it (through HTTP): labels and before → after in Chinese, actors by
name and role, objects by name with a link only within the reader's scope, the filters, the
export (itself a row of the log), and who may read the log at all."""

import re
from datetime import date
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from bangfu.audit.actor import Actor
from bangfu.audit.export import HEADERS
from bangfu.audit.models import AuditEntry
from bangfu.audit.services import audit_record
from bangfu.funds.models import Transaction
from tests.conftest import CAST, shanghai

NAMES = {
    "intake_a": "王晓红",
    "intake_b": "陈建国",
    "auditor_cn": "周敏",
    "auditor_city": "吴立新",
    "foundation": "钱芳",
}


@pytest.fixture
def people(cast):
    """The cast with the full names staff have (the logins are not what the log shows)."""
    for i, (username, user) in enumerate(sorted(vars(cast).items())):
        user.full_name = NAMES.get(username, f"职员{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥'[i]}")
        user.save()
    return cast


def text_of(response) -> str:
    """The page as a reader sees it: the tags taken away, the spaces made single."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows(response) -> int:
    return response.content.decode().count('class="audit-actor"')


def edit_address(client, household, address: str):
    response = client.post(f"/households/{household.pk}/edit/", {"address": address, "phone": "", "note": ""})
    assert response.status_code == 302


def test_an_update_shows_the_field_labels_before_and_after(people, login, household_a):
    edit_address(login(people.intake_a), household_a, "长宁区新华路8号")
    response = login(people.auditor_cn).get("/audit/", {"type": "registry.household", "action": "update"})
    page = text_of(response)
    assert rows(response) == 1
    assert "居住地址： 长宁区某路1号 → 长宁区新华路8号" in page
    assert "王晓红（华阳路街道 受理员）" in page and "intake_a" not in page
    assert f"家庭档案 {household_a.file_number}（户主 张伟）" in page
    assert f'href="/households/{household_a.pk}/"' in response.content.decode()


def test_no_raw_data_model_labels_or_logins_in_the_page(people, login, household_a, funded):
    response = login(people.auditor_city).get("/audit/")
    page = text_of(response)
    for raw in ("{'", "[[", "': ", "funds.transaction", "registry.household", "system:", "None", *CAST):
        assert raw not in page, raw
    # The ledger's postings by organisation, fund source, account and amount in yuan.
    # A voucher's number is its key's (PostgreSQL does not roll its sequences back between tests).
    first = Transaction.objects.order_by("pk").first()
    assert f"记账凭证 {first.number}" in page and "上海市帮困互助基金会 市级福彩金 专项资金 ¥1,000,000.00" in page
    assert (
        "分录： 长宁区 市级福彩金 专项资金 -¥200,000.00 分录： 华阳路街道 市级福彩金 专项资金 ¥200,000.00"
        in page
    )
    # The agreement: its signature as a change of state, the date as people write it.
    assert "状态： 草拟 → 已签订" in page and "签订日期： 2021年1月2日" in page
    assert "期限： 2021年1月1日至2021年12月31日" in page
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page), "an ISO date in the page"
    # Roles granted by the tests' set-up: a sentence, and the system actor in Chinese.
    assert "系统（后台任务）" in page and "授予 王晓红 华阳路街道的“受理员”角色" in page


def test_each_filter_narrows_the_log(today, people, login, org, household_a, agreement):
    writer = login(people.intake_a)  # signing in is a row of its own, today
    with time_machine.travel(shanghai("2026-03-10 09:00"), tick=False):
        edit_address(writer, household_a, "三月的地址")
    with time_machine.travel(shanghai("2026-05-20 15:00"), tick=False):
        edit_address(writer, household_a, "五月的地址")
    client = login(people.auditor_city)
    everything = rows(client.get("/audit/"))

    march = client.get("/audit/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert rows(march) == 1 and "三月的地址" in text_of(march) and "五月的地址" not in text_of(march)
    by_person = client.get("/audit/", {"actor": "王晓红"})
    assert rows(by_person) == 3 < everything  # her login and her two changes
    by_org = client.get("/audit/", {"org": org("310105").pk, "type": "funds.agreement"})
    assert rows(by_org) == 2  # created and signed, for 长宁区
    assert rows(client.get("/audit/", {"org": org("310101").pk, "type": "funds.agreement"})) == 0
    by_type = client.get("/audit/", {"type": "registry.household"})
    assert 0 < rows(by_type) < everything and "协议" not in text_of(by_type).split("变更内容")[-1]
    by_action = client.get("/audit/", {"action": "update", "type": "registry.household"})
    assert rows(by_action) == 2
    # The filters stay in the URL of the next page and the export.
    assert "type=registry.household" in client.get("/audit/", {"type": "registry.household"}).content.decode()


def test_the_object_type_is_chosen_by_its_chinese_name(people, login):
    html = login(people.auditor_city).get("/audit/").content.decode()
    assert '<option value="registry.household">家庭档案</option>' in html
    assert '<option value="funds.transaction">记账凭证</option>' in html
    assert 'type="date"' in html


def test_a_bad_date_range_is_said_in_chinese(people, login):
    response = login(people.auditor_city).get("/audit/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200 and "截止日期不能早于起始日期。" in response.content.decode()


def test_a_link_and_a_name_only_within_the_readers_scope(people, login, org, new_household, household_a):
    # A row of 长宁区 about a file of 黄浦区 (as when a member moved between them): the district's
    # auditor reads the row, not the other district's file.
    other = new_household("310101002", address="黄浦区某路2号")
    audit_record(actor=Actor.for_user(people.intake_a, "test"), action="update", target=other, org=org("310105001"),
                 note="成员迁出")  # fmt: skip
    html = login(people.auditor_cn).get("/audit/", {"type": "registry.household"}).content.decode()
    assert other.file_number in html and f'href="/households/{other.pk}/"' not in html
    assert f"{other.file_number}（户主" not in html
    assert f'href="/households/{household_a.pk}/"' in html  # the district's own file is linked
    city = login(people.auditor_city).get("/audit/", {"type": "registry.household"}).content.decode()
    assert f'href="/households/{other.pk}/"' in city and f"{other.file_number}（户主 户主甲）" in city


def test_the_district_auditor_reads_only_the_districts_rows(people, login, new_household, household_a):
    other = new_household("310101002")
    html = login(people.auditor_cn).get("/audit/").content.decode()
    assert household_a.file_number in html and other.file_number not in html


@pytest.mark.parametrize("username", ["intake_a", "sysadmin", "secadmin", "finance_cn"])
def test_who_may_not_read_the_log(people, login, username):
    client = login(getattr(people, username))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_supervisor_reads_the_log(people, login):
    assert login(people.supervisor).get("/audit/").status_code == 200


def test_the_export_holds_the_readable_rows_and_is_itself_logged(people, login, household_a):
    edit_address(login(people.intake_a), household_a, "长宁区新华路8号")
    client = login(people.auditor_cn)
    response = client.get("/audit/export.xlsx", {"type": "registry.household", "date_from": "2020-01-01"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(response.content)).active
    assert tuple(c.value for c in ws[4]) == HEADERS
    body = [[c.value or "" for c in row] for row in ws.iter_rows(min_row=5)]
    assert len(body) == 2  # created, then the address changed
    assert all(row[4] == "家庭档案" for row in body)
    changed = next(row for row in body if row[3] == "修改")
    assert (
        changed[1] == "王晓红（华阳路街道 受理员）"
        and "居住地址：长宁区某路1号 → 长宁区新华路8号" in changed[6]
    )
    assert "{'" not in repr(body).replace("'{", "") and "registry.household" not in str(body)
    assert "对象类型 家庭档案" in ws["A2"].value and "2020年1月1日" in ws["A2"].value

    logged = AuditEntry.objects.get(action="export")
    assert logged.user == people.auditor_cn and logged.org.code == "310105"
    assert logged.after == {"filters": {"type": "registry.household", "date_from": "2020-01-01"}, "rows": 2}
    page = text_of(client.get("/audit/", {"action": "export"}))
    assert "周敏（长宁区 审计）" in page and "导出" in page
    assert "筛选条件： 起始日期 2020年1月1日，对象类型 家庭档案 导出条数： 2" in page


def test_a_failed_login_names_no_account_as_its_actor(people, client, login):
    client.post("/login/", {"username": "wang", "password": "wrong-password-1"})
    page = text_of(login(people.auditor_city).get("/audit/", {"action": "login_failed"}))
    assert "未登录的访问者" in page and "登录失败" in page


def test_paging_keeps_the_filter(people, login, household_a):
    client = login(people.intake_a)
    for n in range(55):
        edit_address(client, household_a, f"地址{n}")
    response = login(people.auditor_cn).get("/audit/", {"type": "registry.household"})
    assert rows(response) == 50
    html = response.content.decode()
    assert "page=2" in html and "type=registry.household" in html
    second = login(people.auditor_cn).get("/audit/", {"type": "registry.household", "page": 2})
    assert rows(second) == 6  # 55 changes and the creation


def test_dates_in_the_filter_read_back(people, login):
    html = login(people.auditor_city).get("/audit/", {"date_from": "2026-03-01"}).content.decode()
    assert 'value="2026-03-01"' in html
    assert date(2026, 3, 1)  # the value of a type=date input is ISO; the page shows no ISO text


def test_a_policy_value_change_names_the_parameter_in_chinese(people, login):
    from bangfu.orgs.models import Organisation
    from bangfu.policy import services as policy
    from bangfu.policy.models import Policy

    writer = Actor.for_user(people.finance_cn, "test")
    draft = policy.policy_draft_create(
        actor=writer, district=Organisation.objects.get(code="310105"), code="changning-2022",
        title="长宁区综合帮扶实施意见（2022）", document="长民发〔2022〕1号", valid_from=date(2022, 1, 1),
        valid_to=date(2026, 12, 31), validity_reference="长民发〔2022〕1号 末段",
        copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    policy.parameter_value_set(
        actor=writer, policy=draft, name="medical.rate.other", start=date(2022, 1, 1), value="0.45",
        reference="长民发〔2022〕1号 三(一)3", generally=False,
    )  # fmt: skip
    page = text_of(login(people.auditor_cn).get("/audit/", {"type": "policy.policy", "action": "update"}))
    assert "（自2022年1月1日起）： 0.40 → 0.45" in page and "medical.rate.other" not in page.split("说明")[1]
    assert "《长宁区综合帮扶实施意见（2022）》" in page and "2022-01-01" not in page


def test_a_case_step_reads_as_its_step_and_its_states(people, login):
    from tests.cases import factories

    case = factories.case(people.intake_a)
    from bangfu.cases import services as cases

    cases.case_transition(
        case=case,
        action="withdraw",
        actor=Actor.for_user(people.intake_a, "test"),
        comment="申请人已获其他救助",
    )
    response = login(people.auditor_cn).get("/audit/", {"type": "cases.case", "action": "case.withdraw"})
    page = text_of(response)
    assert rows(response) == 1
    assert "申请人撤回" in page and "状态： 待调查 → 已撤回" in page and case.number in page
    assert f'href="/cases/{case.pk}/"' in response.content.decode()
    assert "case.withdraw" not in page
