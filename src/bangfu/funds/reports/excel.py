"""The reports as Excel workbooks (openpyxl), laid out as a finance officer checks them: the
computed columns are formulas (receipts and payments are sums of their parts, closing =
opening + receipts − payments, totals are SUM), so the sheet re-adds itself; money is
`#,##0.00`, counts `#,##0`. Values are written as Decimal (openpyxl stores them as numbers
without going through float)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .figures import CASE_COLUMNS, FUND_COLUMNS, PROJECT_COLUMNS, PROJECT_MONEY

MONEY = "#,##0.00"
COUNT = "#,##0"
PERCENT = "0.0%"
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="EEEEEE")
_BOLD = Font(bold=True)

# Which fund columns are formulas, over which other columns (by key).
_SUMS = {
    "receipts": ("+", ("external", "transfers_in")),
    "payments": ("+", ("aid_cases", "aid_other", "work_expense", "management_fee", "transfers_out")),
}


def _title(ws, text: str, subtitle: str, width: int) -> int:
    ws.cell(row=1, column=1, value=text).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=subtitle)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    return 4


def _header(ws, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        c = ws.cell(row=row, column=col, value=label)
        c.font, c.fill, c.border = _BOLD, _HEAD, _BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _table_start(ws, row: int, heading: str, lead: list[str], columns) -> tuple[int, dict[str, str]]:
    """A table's heading at `row` and its header below (the `lead` labels, then the columns'):
    the header's row and each column's letter by its key."""
    ws.cell(row=row, column=1, value=heading).font = _BOLD
    row += 1
    _header(ws, row, lead + [label for _, label in columns])
    return row, {key: get_column_letter(len(lead) + i + 1) for i, (key, _) in enumerate(columns)}


def _fund_table(
    ws, row: int, heading: str, first_label: str, rows: list[dict], extra: str | None = None
) -> int:
    """A fund table from `row`; returns the next free row. Columns: label, [extra], the fund columns."""
    lead = [first_label] + ([extra[1]] if extra else [])
    row, col_of = _table_start(ws, row, heading, lead, FUND_COLUMNS)
    offset = len(lead)
    first = row + 1
    for r in rows:
        row += 1
        ws.cell(row=row, column=1, value=r["label"]).border = _BOX
        if extra:
            ws.cell(row=row, column=2, value=r.get(extra[0], "")).border = _BOX
        for i, (key, _) in enumerate(FUND_COLUMNS):
            col = offset + i + 1
            if key in _SUMS:
                value = "=" + "+".join(f"{col_of[k]}{row}" for k in _SUMS[key][1])
            elif key == "closing":
                value = f"={col_of['opening']}{row}+{col_of['receipts']}{row}-{col_of['payments']}{row}"
            else:
                value = r[key]
            c = ws.cell(row=row, column=col, value=value)
            c.number_format, c.border = MONEY, _BOX
    last = row
    row += 1
    ws.cell(row=row, column=1, value="合计").font = _BOLD
    for i in range(len(FUND_COLUMNS)):
        col = offset + i + 1
        letter = get_column_letter(col)
        value = f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0
        c = ws.cell(row=row, column=col, value=value)
        c.number_format, c.font, c.border = MONEY, _BOLD, _BOX
    return row + 2


def _case_table(ws, row: int, heading: str, rows: list[dict], total: dict | None = None) -> int:
    ws.cell(row=row, column=1, value=heading).font = _BOLD
    row += 1
    _header(ws, row, ["项目", *(label for _, label in CASE_COLUMNS)])
    first = row + 1
    for r in rows:
        row += 1
        ws.cell(row=row, column=1, value=r["label"]).border = _BOX
        for col, (key, _) in enumerate(CASE_COLUMNS, start=2):
            c = ws.cell(row=row, column=col, value=r[key])
            c.number_format, c.border = (MONEY if key == "amount" else COUNT), _BOX
    last = row
    row += 1
    ws.cell(row=row, column=1, value="合计").font = _BOLD
    for col, (key, _) in enumerate(CASE_COLUMNS, start=2):
        letter = get_column_letter(col)
        if key == "households" and total is not None:
            # A household can appear under two aid types: the total is the distinct count.
            value = total["households"]
        else:
            value = f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0
        c = ws.cell(row=row, column=col, value=value)
        c.number_format, c.font, c.border = (MONEY if key == "amount" else COUNT), _BOLD, _BOX
    return row + 2


def _widths(ws, first: int, rest: int, count: int) -> None:
    ws.column_dimensions["A"].width = first
    for col in range(2, count + 2):
        ws.column_dimensions[get_column_letter(col)].width = rest


def _status_line(page: dict) -> str:
    report = page.get("report")
    if report is None or not page.get("filed"):
        return "状态：未报送（按当前账面数据生成的草稿）"
    line = f"状态：{report.get_status_display()}；第{report.filings}次报送，报送人 {report.filed_by}"
    if report.remarks:
        line += f"；审核意见：{report.remarks}"
    return line


def _fund_sheets(wb: Workbook, ws, page: dict, title: str, subtitle: str) -> None:
    f = page["figures"]
    ws.title = "资金收支"
    row = _title(ws, title, subtitle, len(FUND_COLUMNS) + 2)
    row = _fund_table(
        ws, row, "一、按资金来源", "资金来源", f["funds"]["by_source"], ("fund_kind", "来源类别")
    )
    _fund_table(ws, row, "二、按单位", "单位", f["funds"]["by_org"])
    _widths(ws, 26, 15, len(FUND_COLUMNS) + 1)
    ws.freeze_panes = "B5"

    cs = wb.create_sheet("个案帮扶")
    c = f["cases"]
    row = _title(cs, title, subtitle, 4)
    t = c["total"]
    cs.cell(row=row, column=1, value="本期受理申请（个案）")
    cs.cell(row=row, column=2, value=t.get("applications", 0)).number_format = COUNT
    row += 2
    row = _case_table(cs, row, "一、按帮扶类型", c["by_aid_type"], t)
    row = _case_table(cs, row, "二、按家庭类别", c["by_category"], t)
    if c["by_street"]:
        row = _case_table(cs, row, "三、按街镇", c["by_street"], t)
    cs.cell(row=row, column=1, value="四、个案帮扶支出按资金来源（账面）").font = _BOLD
    row += 1
    _header(cs, row, ["资金来源", "金额"])
    first = row + 1
    for r in c["by_source"]:
        row += 1
        cs.cell(row=row, column=1, value=r["label"]).border = _BOX
        cell = cs.cell(row=row, column=2, value=r["amount"])
        cell.number_format, cell.border = MONEY, _BOX
    row += 1
    cs.cell(row=row, column=1, value="合计").font = _BOLD
    total = cs.cell(row=row, column=2, value=f"=SUM(B{first}:B{row - 1})" if row - 1 >= first else 0)
    total.number_format, total.font = MONEY, _BOLD
    _widths(cs, 30, 14, 3)


LOTTERY_MARK = "彩票公益金资助"
HOURS = "0.00"


def _project_format(key: str) -> str:
    return MONEY if key in PROJECT_MONEY else HOURS if key == "hours" else COUNT


def _project_table(ws, row: int, heading: str, lead: list[str], rows: list[dict], total: dict) -> int:
    """Project aid by plan or by source from `row` (the lead columns: `lead` labels over each
    row's `lead_values`); 合计 is the sum of the values, the total's households the distinct count
    (a household can be in two plans). Returns the next free row."""
    row, col_of = _table_start(ws, row, heading, lead, PROJECT_COLUMNS)
    offset = len(lead)
    first = row + 1
    for r in rows:
        row += 1
        for col, value in enumerate(r["lead_values"], start=1):
            ws.cell(row=row, column=col, value=value).border = _BOX
        for i, (key, _) in enumerate(PROJECT_COLUMNS):
            if key == "amount":
                value = "=" + "+".join(f"{col_of[k]}{row}" for k in ("money", "goods", "service"))
            else:
                value = r[key]
            c = ws.cell(row=row, column=offset + i + 1, value=value)
            c.number_format, c.border = _project_format(key), _BOX
    last = row
    row += 1
    ws.cell(row=row, column=1, value="合计").font = _BOLD
    for i, (key, _) in enumerate(PROJECT_COLUMNS):
        letter = col_of[key]
        if key == "households":
            value = total["households"]
        else:
            value = f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0
        c = ws.cell(row=row, column=offset + i + 1, value=value)
        c.number_format = _project_format(key)
        c.font, c.border = _BOLD, _BOX
    return row + 2


def _project_sheet(wb: Workbook, page: dict, title: str, subtitle: str) -> None:
    """项目帮扶: the period's project aid to the households of the organisation, by plan and by
    fund source (a filing made before the report had the section has none: no sheet)."""
    p = page["figures"].get("projects")
    if p is None:
        return
    ps = wb.create_sheet("项目帮扶")
    width = 4 + len(PROJECT_COLUMNS)
    row = _title(ps, title, subtitle, width)
    mark = {True: LOTTERY_MARK, False: ""}
    plans = [
        {
            **r,
            "lead_values": [r["key"], r["label"], r.get("owner") or "", mark[bool(r.get("lottery_funded"))]],
        }
        for r in p["by_plan"]
    ]
    lead = ["项目编号", "项目名称", "项目主体", "资金标注"]
    row = _project_table(ps, row, "一、按项目", lead, plans, p["total"])
    sources = [{**r, "lead_values": [r["label"], r.get("fund_kind") or ""]} for r in p["by_source"]]
    row = _project_table(ps, row, "二、按资金来源", ["资金来源", "来源类别"], sources, p["total"])
    note = "按本期发放到本辖区家庭的帮扶记录统计（含基金会市级项目）；实物、服务按其价值计。"
    ps.cell(row=row, column=1, value=note)
    _widths(ps, 14, 14, width)
    ps.column_dimensions["B"].width = 28


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def monthly_workbook(page: dict) -> bytes:
    wb = Workbook()
    subtitle = f"填报单位：{page['org'].name}（{page['org'].code}）  报表期间：{page['year']}年{page['month']}月  {_status_line(page)}"
    _fund_sheets(wb, wb.active, page, page["title"], subtitle)
    _project_sheet(wb, page, page["title"], subtitle)
    return _save(wb)


def annual_workbook(page: dict) -> bytes:
    f = page["figures"]
    wb = Workbook()
    subtitle = f"区帮扶组织：{page['org'].name}（{page['org'].code}）  检查年度：{page['year']}年"
    _fund_sheets(wb, wb.active, page, page["title"], subtitle)

    ms = wb.create_sheet("月度收支")
    row = _title(ms, page["title"], subtitle, 5)
    _header(ms, row, ["月份", "收入", "支出", "其中帮扶支出", "本月净额"])
    first = row + 1
    for m in f["months"]:
        row += 1
        ms.cell(row=row, column=1, value=m["label"])
        for col, key in ((2, "in"), (3, "out"), (4, "aid")):
            ms.cell(row=row, column=col, value=m[key]).number_format = MONEY
        ms.cell(row=row, column=5, value=f"=B{row}-C{row}").number_format = MONEY
    row += 1
    ms.cell(row=row, column=1, value="全年合计").font = _BOLD
    for col in range(2, 6):
        letter = get_column_letter(col)
        ms.cell(row=row, column=col, value=f"=SUM({letter}{first}:{letter}{row - 1})").number_format = MONEY
    _widths(ms, 12, 16, 4)

    ws = wb.create_sheet("限额与协议")
    row = _title(ws, page["title"], subtitle, 8)
    ws.cell(row=row, column=1, value="一、工作经费限额（长民发〔2016〕31号 五.3）").font = _BOLD
    row += 1
    _header(
        ws, row, ["单位", "资金类别", "当年实际使用额", "比例", "限额", "已列支工作经费", "是否符合", "依据"]
    )
    for cap in f["caps"]:
        row += 1
        ws.cell(row=row, column=1, value=cap["label"])
        ws.cell(row=row, column=2, value=cap["fund_kind"])
        ws.cell(row=row, column=3, value=cap["used"]).number_format = MONEY
        rate = cap["rate"]
        if rate.endswith("%"):
            from decimal import Decimal

            ws.cell(row=row, column=4, value=Decimal(rate[:-1]) / 100).number_format = PERCENT
            ws.cell(row=row, column=5, value=f"=ROUNDDOWN(C{row}*D{row},2)").number_format = MONEY
        else:
            ws.cell(row=row, column=4, value=rate)
            ws.cell(row=row, column=5, value=0).number_format = MONEY
        ws.cell(row=row, column=6, value=cap["spent"]).number_format = MONEY
        ws.cell(row=row, column=7, value=f'=IF(F{row}<=E{row},"符合","超限")')
        ws.cell(row=row, column=8, value=cap["reference"])
    row += 2
    ws.cell(row=row, column=1, value="二、协议与下拨").font = _BOLD
    row += 1
    _header(ws, row, ["协议编号", "期限", "状态", "协议金额", "累计下拨（不含已冲销）", "是否符合"])
    for a in f["agreements"]:
        row += 1
        ws.cell(row=row, column=1, value=a["key"])
        ws.cell(row=row, column=2, value=a["label"])
        ws.cell(row=row, column=3, value=a["status"])
        ws.cell(row=row, column=4, value=a["agreement_amount"]).number_format = MONEY
        ws.cell(row=row, column=5, value=a["allocated"]).number_format = MONEY
        ws.cell(row=row, column=6, value="符合" if a["held"] else "不符合")
    row += 2
    ws.cell(row=row, column=1, value="三、筹集资金上缴与返还（长民发〔2016〕31号 五.3）").font = _BOLD
    pt = f["pass_through"]
    for label, key in (("上缴基金会", "sent"), ("已返还街镇", "returned")):
        row += 1
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=3, value=pt[key]).number_format = MONEY
    row += 1
    ws.cell(row=row, column=1, value="尚未返还")
    ws.cell(row=row, column=3, value=f"=C{row - 2}-C{row - 1}").number_format = MONEY
    row += 2
    ws.cell(row=row, column=1, value="四、检查结论").font = _BOLD
    for line in f["findings"]:
        row += 1
        ws.cell(row=row, column=1, value=line)
    _widths(ws, 24, 16, 7)
    return _save(wb)
