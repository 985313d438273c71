"""The reports as PDF (reportlab), landscape A4 for the wide fund tables. Chinese text in the
platform's embedded font (`core/fonts`), as the case forms."""

from __future__ import annotations

import re
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bangfu.core.dates import cn_date, cn_datetime
from bangfu.core.fonts import FONT
from bangfu.core.money import format_yuan

from .figures import CASE_COLUMNS, FUND_COLUMNS, PROJECT_COLUMNS, PROJECT_MONEY

TITLE = ParagraphStyle("rtitle", fontName=FONT, fontSize=15, leading=20, alignment=1, spaceAfter=3 * mm)
H2 = ParagraphStyle("rh2", fontName=FONT, fontSize=11, leading=15, spaceBefore=3 * mm, spaceAfter=1.5 * mm)
TEXT = ParagraphStyle("rtext", fontName=FONT, fontSize=9, leading=13)
CELL = ParagraphStyle("rcell", fontName=FONT, fontSize=7.5, leading=9.5)
NUM = ParagraphStyle("rnum", parent=CELL, alignment=2)


def _esc(text) -> str:
    return str("" if text is None else text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _money(value) -> str:
    return format_yuan(value).replace("¥", "")


_NUMERIC = re.compile(r"^-?[\d,]+(\.\d+)?$")


def _grid(data: list[list], widths: list[float], bold_last: bool = True) -> Table:
    """A boxed table; figures right-aligned, the header row shaded."""
    cells = [
        [Paragraph(_esc(v), NUM if r and i and _NUMERIC.match(str(v)) else CELL) for i, v in enumerate(row)]
        for r, row in enumerate(data)
    ]
    t = Table(cells, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if bold_last and len(data) > 1:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f6f6")))
    t.setStyle(TableStyle(style))
    return t


def _fund_table(first_label: str, rows: list[dict], total: dict | None) -> Table:
    data = [[first_label, *(label for _, label in FUND_COLUMNS)]]
    data += [[r["label"], *(_money(r[k]) for k, _ in FUND_COLUMNS)] for r in rows]
    if total is not None:
        data.append(["合计", *(_money(total[k]) for k, _ in FUND_COLUMNS)])
    return _grid(data, [45 * mm] + [20 * mm] * len(FUND_COLUMNS), bold_last=total is not None)


def _case_table(first_label: str, rows: list[dict], total: dict) -> Table:
    data = [[first_label, *(label for _, label in CASE_COLUMNS)]]
    data += [[r["label"], str(r["cases"]), str(r["households"]), _money(r["amount"])] for r in rows]
    data.append(["合计", str(total["cases"]), str(total["households"]), _money(total["amount"])])
    return _grid(data, [60 * mm, 25 * mm, 25 * mm, 35 * mm])


def _sum_rows(rows: list[dict]) -> dict:
    from bangfu.core.money import ZERO

    return {k: sum((r[k] for r in rows), ZERO) for k, _ in FUND_COLUMNS}


def _fund_and_cases(f: dict) -> list:
    story = [
        Paragraph("一、资金收支（按资金来源）", H2),
        _fund_table("资金来源", f["funds"]["by_source"], f["funds"]["total"]),
    ]
    story += [
        Paragraph("二、资金收支（按单位）", H2),
        _fund_table("单位", f["funds"]["by_org"], _sum_rows(f["funds"]["by_org"])),
    ]
    c = f["cases"]
    t = c["total"]
    story.append(Paragraph("三、个案帮扶", H2))
    story.append(
        Paragraph(
            f"本期受理申请 {t.get('applications', 0)} 件；发放个案 {t['cases']} 件，涉及 {t['households']} 户，"
            f"金额 {format_yuan(t['amount'])}。",
            TEXT,
        )
    )
    story += [Spacer(1, 2 * mm), _case_table("帮扶类型", c["by_aid_type"], t)]
    story += [Spacer(1, 2 * mm), _case_table("家庭类别", c["by_category"], t)]
    if c["by_street"]:
        story += [Spacer(1, 2 * mm), _case_table("街镇", c["by_street"], t)]
    if c["by_source"]:
        data = [["资金来源", "个案帮扶支出（账面）"]] + [
            [r["label"], _money(r["amount"])] for r in c["by_source"]
        ]
        story += [Spacer(1, 2 * mm), _grid(data, [60 * mm, 40 * mm], bold_last=False)]
    return story


def _project_cells(r: dict) -> list[str]:
    return [_money(r[k]) if k in PROJECT_MONEY else str(r[k]) for k, _ in PROJECT_COLUMNS]


def _projects(heading: str, p: dict | None) -> list:
    """项目帮扶 by plan and by fund source (none in a filing made before the report had it)."""
    if p is None:
        return []
    story = [Paragraph(heading, H2)]
    t = p["total"]
    if not p["by_plan"]:
        return [*story, Paragraph("本期没有项目帮扶发放。", TEXT)]
    story.append(
        Paragraph(
            f"本期项目帮扶发放 {t['items']} 笔，涉及 {t['households']} 户；资金 {format_yuan(t['money'])}，"
            f"实物价值 {format_yuan(t['goods'])}，服务价值 {format_yuan(t['service'])}（{t['hours']} 小时），"
            f"合计 {format_yuan(t['amount'])}。",
            TEXT,
        )
    )
    labels = [label for _, label in PROJECT_COLUMNS]
    numbers = [18 * mm] * len(PROJECT_COLUMNS)
    data = [["项目", "项目主体", *labels]]
    data += [
        [f"{r['key']} {r['label']}" + ("（彩票公益金资助）" if r.get("lottery_funded") else ""), r.get("owner") or "",
         *_project_cells(r)]
        for r in p["by_plan"]
    ]  # fmt: skip
    data.append(["合计", "", *_project_cells(t)])
    story += [Spacer(1, 2 * mm), _grid(data, [70 * mm, 40 * mm, *numbers])]
    data = [["资金来源", *labels]] + [[r["label"], *_project_cells(r)] for r in p["by_source"]]
    data.append(["合计", *_project_cells(t)])
    story += [Spacer(1, 2 * mm), _grid(data, [60 * mm, *numbers])]
    return story


def _build(title: str, story: list) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=12 * mm, title=title, author="市民综合帮扶信息化平台",
    )  # fmt: skip
    doc.build([Paragraph(_esc(title), TITLE), *story, Spacer(1, 4 * mm),
               Paragraph("本报表由市民综合帮扶信息化平台根据记账分录、个案发放记录和项目帮扶记录生成。", TEXT)])  # fmt: skip
    return buffer.getvalue()


def monthly_pdf(page: dict) -> bytes:
    f, report = page["figures"], page.get("report")
    if report is not None and page.get("filed"):
        status = (
            f"状态：{report.get_status_display()}（第{report.filings}次报送，报送人 {report.filed_by}，"
            f"{cn_datetime(report.filed_at)}）"
        )
        if report.remarks:
            status += f"；审核意见：{report.remarks}"
    else:
        status = "状态：未报送（按当前账面数据生成的草稿）"
    head = (
        f"填报单位：{page['org'].name}（{page['org'].code}）　报表期间：{page['year']}年{page['month']}月　"
        f"报送期限：{cn_date(page['due'])}"
    )
    story = [Paragraph(_esc(head), TEXT), Paragraph(_esc(status), TEXT), *_fund_and_cases(f)]
    story += _projects("四、项目帮扶", f.get("projects"))
    story += [
        Spacer(1, 8 * mm),
        Paragraph("填报人（签字）：　　　　　　　　审核人（签字）：　　　　　　　　日期：", TEXT),
    ]
    return _build(page["title"], story)


def annual_pdf(page: dict) -> bytes:
    f = page["figures"]
    story = [
        Paragraph(
            _esc(f"区帮扶组织：{page['org'].name}（{page['org'].code}）　检查年度：{page['year']}年"), TEXT
        )
    ]
    story += _fund_and_cases(f)
    story.append(Paragraph("四、月度收支", H2))
    data = [["月份", "收入", "支出", "其中帮扶支出"]] + [
        [m["label"], _money(m["in"]), _money(m["out"]), _money(m["aid"])] for m in f["months"]
    ]
    story.append(_grid(data, [25 * mm, 40 * mm, 40 * mm, 40 * mm], bold_last=False))
    story.append(Paragraph("五、工作经费限额（长民发〔2016〕31号 五.3）", H2))
    data = [["单位", "资金类别", "实际使用额", "比例", "限额", "已列支", "是否符合"]] + [
        [c["label"], c["fund_kind"], _money(c["used"]), c["rate"], _money(c["cap"]), _money(c["spent"]),
         "符合" if c["held"] else "超限"]
        for c in f["caps"]
    ]  # fmt: skip
    story.append(
        _grid(data, [50 * mm, 25 * mm, 30 * mm, 18 * mm, 30 * mm, 30 * mm, 20 * mm], bold_last=False)
    )
    story.append(Paragraph("六、协议与下拨", H2))
    data = [["协议编号", "期限", "状态", "协议金额", "累计下拨", "是否符合"]] + [
        [a["key"], a["label"], a["status"], _money(a["agreement_amount"]), _money(a["allocated"]),
         "符合" if a["held"] else "不符合"]
        for a in f["agreements"]
    ]  # fmt: skip
    story.append(_grid(data, [35 * mm, 50 * mm, 20 * mm, 30 * mm, 30 * mm, 20 * mm], bold_last=False))
    pt, fl = f["pass_through"], f["filings"]
    story.append(Paragraph("七、筹集资金返还、未入账发放与月报报送", H2))
    story.append(
        Paragraph(
            f"上缴基金会 {format_yuan(pt['sent'])}，已返还街镇 {format_yuan(pt['returned'])}，尚未返还 "
            f"{format_yuan(pt['outstanding'])}。未入账个案发放 {f['unposted']['cases']} 笔，"
            f"{format_yuan(f['unposted']['amount'])}。月度报表应报 {fl['expected']} 份，已报 {fl['filed']} 份，"
            f"审核通过 {fl['accepted']} 份，退回 {fl['returned']} 份，逾期报送 {fl['late']} 份。",
            TEXT,
        )
    )
    story.append(Paragraph("八、检查结论", H2))
    story += [Paragraph(_esc(line), TEXT) for line in f["findings"]]
    story += [
        Spacer(1, 8 * mm),
        Paragraph("检查人（签字）：　　　　　　　　负责人（签字）：　　　　　　　　日期：", TEXT),
    ]
    return _build(page["title"], story)
