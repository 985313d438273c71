"""The filtered audit log as an Excel workbook: the same readable text as the page, one row per
entry, Chinese headers."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .describe import Described

# An export is read by a person, not loaded elsewhere: past this many rows the filter must narrow.
EXPORT_LIMIT = 10_000
HEADERS = ("时间", "操作者", "来源地址", "操作", "对象类型", "对象", "变更内容", "说明")
WIDTHS = (18, 28, 16, 14, 14, 36, 70, 40)


def log_workbook(rows: list[Described], *, title: str, subtitle: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=subtitle)
    for col, (label, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        c = ws.cell(row=4, column=col, value=label)
        c.font, c.fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
        ws.column_dimensions[c.column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, d in enumerate(rows, start=5):
        values = (
            d.at, d.actor, d.entry.ip or "—", d.action, d.object_type, d.object_name,
            "\n".join(c.text for c in d.changes), d.note,
        )  # fmt: skip
        for col, value in enumerate(values, start=1):
            ws.cell(row=i, column=col, value=value).alignment = wrap
    ws.freeze_panes = "A5"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
