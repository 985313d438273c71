"""In a real browser: a district's plan of project aid (SPEC §4; 沪民救发〔2025〕1号 二(二)) from
its drawing up to a follow-up batch, each step by its own role through the pages:

    长宁区's district approver draws up a money plan on the district's own money and reports it to
        the foundation (报基金会备案);
    the foundation officer returns it with remarks; the district edits it and sends it again;
        the foundation files it (备案号);
    the district enrols households from an Excel list: a list with one bad row is refused whole,
        naming the row and why; the corrected list enrols every household;
    the district prepares a batch; it may not approve its own batch (the page says why);
    district finance approves it and records its delivery, one item not delivered with its reason;
    the batch shows delivered, the household file shows the delivery under 项目帮扶, and a
        follow-up batch takes up the undelivered item.
"""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook

from bangfu.funds import services as funds
from bangfu.orgs.models import Organisation
from bangfu.projects.models import Batch, Enrolment, Project
from tests.cases import factories
from tests.e2e.test_case_procedure import expect_done, flash, sign_in
from tests.projects.conftest import DISTRICT, OTHER_STREET, STREET, as_, changning_version, key


def excel(*file_numbers: str) -> dict:
    """The enrolment list as the district writes it: the template's header, one household a row."""
    wb = Workbook()
    ws = wb.active
    ws.append(["档案编号", "身份证号码", "受助成员身份证号码"])
    for number in file_numbers:
        ws.append([number, None, None])
    out = BytesIO()
    wb.save(out)
    return {
        "name": "纳入名单.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": out.getvalue(),
    }


def open_plan(page, code: str) -> None:
    """From the navigation's 项目帮扶 to the plan, as its reader would."""
    page.click("nav.sidebar >> text=项目帮扶")
    page.wait_for_url("**/projects/")
    page.click(f"table >> text={code}")
    page.wait_for_selector(f"h1:has-text('{code}')")


def facts(page) -> str:
    return page.locator("dl.facts").first.inner_text()


@pytest.mark.e2e
def test_a_district_plan_from_its_filing_to_a_follow_up_batch(today, browser_page, cast):
    # The day is frozen (`today`, 17 June 2026, for the live server too): the plan's period, the
    # filing number's year, the caps of enrolment and the delivery day read it. 长宁区's rules in
    # force that day (their caps are checked at enrolment), and the district's own money.
    changning_version(cast, code="changning-2022", valid_from=date(2022, 1, 1), valid_to=date(2026, 12, 31))
    district = Organisation.objects.get(code=DISTRICT)
    source = funds.fund_source_create(
        actor=as_(cast.foundation), code="CZ-CN", name="长宁区财政配套", kind="fiscal_matching", draw_order=10
    )
    funds.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=district, source=source, amount="200000.00", day=date(2026, 1, 6),
        memo="区财政配套到账", idempotency_key=key(),
    )  # fmt: skip
    households = [factories.household(STREET, category="dibao") for _ in range(3)]
    elsewhere = factories.household(OTHER_STREET, category="dibao")  # outside the plan's area
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # 1. The district approver draws up the plan and reports it to the foundation.
    sign_in(page, "district_cn")
    page.click("nav.sidebar >> text=项目帮扶")
    page.click("a.btn:has-text('新建项目')")
    page.fill("#id_title", "困难家庭暑期助学补贴")
    page.fill("#id_purpose", "为低保家庭子女提供暑期助学补贴。")
    page.check("input[name=categories][value=dibao]")
    page.select_option("#id_areas", STREET)
    page.select_option("#id_aid_kind", "money")
    page.fill("#id_unit_value", "800.00")
    page.fill("#id_budget", "60000.00")
    page.select_option("#id_fund_source", str(source.pk))
    page.fill("#id_target_households", "50")
    page.fill("#id_period_start", "2026-06-01")
    page.fill("#id_period_end", "2026-12-31")
    page.click("button:has-text('保存草稿')")
    expect_done(page, "已新建项目")
    project = Project.objects.get(title="困难家庭暑期助学补贴")
    assert project.owner == district
    overview = page.locator(".card:has(> h2:text-is('帮扶方式与资金'))").inner_text()
    assert "¥800.00" in overview and "¥60,000.00" in overview and "长宁区财政配套" in overview
    assert "2026年6月1日至2026年12月31日" in overview and "50 户" in overview
    target = page.inner_text("#target")
    assert "低保家庭" in target and "华阳路街道" in target
    assert "草拟" in page.inner_text("h1")
    page.click("#filing button[data-action=submit]")
    expect_done(page, "已办理：报基金会备案。")
    assert "待备案" in page.inner_text("h1")

    # 2. The foundation returns it with remarks.
    sign_in(page, "foundation")
    open_plan(page, project.code)
    assert page.locator("#filing button[data-action=accept]").is_enabled()
    page.fill("#remarks-return", "预算应按计划帮扶户数测算，请修改。")
    page.click("#filing button[data-action=return]")
    expect_done(page, "已办理：退回修改。")
    assert "已退回" in page.inner_text("h1")
    assert "预算应按计划帮扶户数测算，请修改。" in page.inner_text("#filing table")

    # 3. The district edits the budget and sends it again.
    sign_in(page, "district_cn")
    open_plan(page, project.code)
    assert "预算应按计划帮扶户数测算，请修改。" in page.inner_text("#filing table")
    page.click("a.btn:has-text('修改项目')")
    assert page.input_value("#id_budget") == "60000.00"
    page.fill("#id_budget", "40000.00")
    page.click("button[type=submit]:has-text('保存')")
    expect_done(page, "项目已保存。")
    assert "¥40,000.00" in page.locator(".card:has(> h2:text-is('帮扶方式与资金'))").inner_text()
    page.click("#filing button[data-action=submit]")
    expect_done(page, "已办理：报基金会备案。")
    assert "待备案" in page.inner_text("h1")

    # 4. The foundation files it: the filing number is shown.
    sign_in(page, "foundation")
    open_plan(page, project.code)
    page.fill("#remarks-accept", "同意备案。")
    page.click("#filing button[data-action=accept]")
    expect_done(page, "已办理：予以备案。备案号 沪帮备〔2026〕1号。")
    assert "已备案" in page.inner_text("h1")
    assert "备案号\n沪帮备〔2026〕1号" in facts(page)
    history = page.inner_text("#filing table")
    assert "备案号 沪帮备〔2026〕1号" in history and "同意备案。" in history

    # 5. The district enrols from an Excel list: one bad row, and nothing is enrolled …
    sign_in(page, "district_cn")
    open_plan(page, project.code)
    page.click("#enrolments >> text=名单导入")
    numbers = [h.file_number for h in households]
    page.set_input_files("#id_file", excel(numbers[0], elsewhere.file_number, numbers[1], numbers[2]))
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector("#import-errors")
    report = page.inner_text("#import-errors")
    assert "名单共 4 行，其中 1 行有问题，整份名单未导入" in report
    assert f"第 3 行\t档案“{elsewhere.file_number}”属于江苏路街道，不在项目实施区域内。" in report
    assert not Enrolment.objects.filter(project=project).exists()
    # … then the corrected list: every household enrolled.
    page.set_input_files("#id_file", excel(*numbers))
    page.click("button:has-text('上传并导入')")
    expect_done(page, "名单导入完成：共 3 行，纳入 3 户。")
    listed = page.locator("table").last.inner_text()
    assert all(n in listed for n in numbers) and elsewhere.file_number not in listed
    assert listed.count("已纳入") == 3 and listed.count("名单导入") == 3

    # 6. The district prepares a batch, and may not approve it itself.
    open_plan(page, project.code)
    page.click("#batches >> text=编制发放批次")
    page.fill("#id_due_date", "2026-06-30")
    page.click("button:has-text('编制批次')")
    expect_done(page, f"已编制发放批次{project.code} 第1批：3 户，待另一人审批。")
    batch = Batch.objects.get(project=project, number=1)
    batch_url = page.url
    assert "状态\n待审批" in facts(page)
    assert "¥2,400.00" in facts(page) and "2026年6月30日" in facts(page)
    assert "编制人不能审批本批次。" in page.inner_text(".batch-actions")
    assert page.locator(".batch-actions a:has-text('审批')").count() == 0
    page.goto(f"{page.base_url}/projects/batches/{batch.pk}/approve/")  # tried all the same
    page.wait_for_url(batch_url)
    assert "编制人不能审批本批次。" in flash(page)
    batch.refresh_from_db()
    assert batch.approved_by is None

    # 7. District finance approves it, on the second screen with the district's money …
    sign_in(page, "finance_cn")
    open_plan(page, project.code)
    page.click("#batches >> text=第1批")
    page.click(".batch-actions a:has-text('审批')")
    screen = page.inner_text("section.card")
    assert "请确认审批本批次：3 户，合计 ¥2,400.00，计划发放日期 2026年6月30日。" in screen
    assert "¥200,000.00" in screen and "¥197,600.00" in screen
    page.click("button:has-text('确认审批')")
    expect_done(page, f"已审批{project.code} 第1批。")
    assert "状态\n已审批" in facts(page)

    # … and records its delivery: one household not reached, with the reason.
    page.click(".batch-actions a:has-text('登记发放')")
    assert page.input_value("#id_day") == "2026-06-17"
    away = households[2].file_number
    page.check(f"input[aria-label='{away} 未发放']")
    page.fill(f"input[aria-label='{away} 未发放原因']", "户主外出务工，联系不上")
    page.click("button:has-text('下一步：确认')")
    confirm = page.inner_text("section.card")
    assert "发放日期 2026年6月17日，已发放 2 户，资金 ¥1,600.00 将记入长宁区" in confirm
    assert "未发放 1 户" in confirm and "户主外出务工，联系不上" in confirm
    page.click("button:has-text('确认发放')")
    expect_done(page, f"已登记{project.code} 第1批的发放：2 户已发放。")
    shown = facts(page)
    assert "状态\n已发放" in shown and "发放日期\n2026年6月17日" in shown
    assert "已发放 2 户" in shown and "未发放 1 户" in shown
    rows = page.locator("table").last.inner_text()
    assert "户主外出务工，联系不上" in rows and rows.count("2026年6月17日") == 2

    # 8. The household file of a delivered household shows the delivery under 项目帮扶.
    sign_in(page, "district_cn")
    page.goto(batch_url)
    page.click(f"table >> text={numbers[0]}")
    page.wait_for_selector("#projects")
    aid = page.inner_text("#projects")
    assert "项目帮扶" in aid and project.code in aid and "困难家庭暑期助学补贴" in aid
    assert "第1批" in aid and "已发放" in aid and "2026年6月17日" in aid and "¥800.00" in aid

    # 9. A follow-up batch takes up the undelivered item.
    page.goto(batch_url)
    page.click(".batch-actions a:has-text('编制补发批次')")
    page.fill("#id_due_date", "2026-07-10")
    page.click("button[type=submit]:has-text('编制补发批次')")
    expect_done(page, f"已编制补发批次{project.code} 第2批：1 户，待另一人审批。")
    follow = facts(page)
    assert "补发自\n第1批" in follow and "¥800.00" in follow and "2026年7月10日" in follow
    items = page.locator("table").last.inner_text()
    assert away in items and numbers[0] not in items and numbers[1] not in items
    assert errors == []
