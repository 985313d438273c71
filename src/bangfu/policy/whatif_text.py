"""The what-if as plain text for the terminal: aligned columns, Chinese labels, yuan amounts.

Column widths count a Chinese character as two cells (Unicode East Asian Width), so the
tables line up in a terminal.
"""

from __future__ import annotations

import unicodedata

from bangfu.core.dates import cn_date
from bangfu.core.money import format_change, format_difference, format_yuan

from .whatif import Row, WhatIf

HEADERS = ("", "件数", "实际发放", "现行政策测算", "草案测算", "差额", "变化")
SKIPPED_SHOWN = 20


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, left: bool) -> str:
    space = " " * (width - _cells(text))
    return text + space if left else space + text


def _line(r: Row) -> tuple[str, ...]:
    return (
        r.label,
        f"{r.cases:,}",
        format_yuan(r.paid),
        format_yuan(r.in_force),
        format_yuan(r.draft),
        format_difference(r.difference),
        format_change(r.change),
    )


def _table(title: str, rows: list[Row], total: Row) -> list[str]:
    lines = [_line(r) for r in rows] + [_line(total)]
    table = [HEADERS, *lines]
    widths = [max(_cells(row[i]) for row in table) for i in range(len(HEADERS))]
    out = [title]
    for i, row in enumerate(table):
        if i == len(table) - 1:
            out.append("  ".join("-" * w for w in widths))
        out.append("  ".join(_pad(cell, widths[j], j == 0) for j, cell in enumerate(row)).rstrip())
    return [*out, ""]


def render_text(result: WhatIf) -> str:
    r = result
    versions = "、".join(r.in_force_versions) or "无"
    out = [
        f"政策测算（what-if）：草案 {r.draft_code}，{r.district.name}（{r.district.code}），"
        f"申请日期 {cn_date(r.start)}至{cn_date(r.end)}",
        f"比较对象：申请日当时生效的已发布政策（{versions}）；共测算 {r.cases:,} 件个案（已撤回的不计）。",
        "",
    ]
    if r.cases:
        out += _table("按街镇", r.by_street, r.total)
        out += _table("按家庭类别", r.by_category, r.total)
        out += _table("按帮扶类型", r.by_aid_type, r.total)
        t = r.total
        out.append(
            f"符合条件：现行 {t.eligible_in_force:,} 件，草案 {t.eligible_draft:,} 件"
            f"（新增 {r.newly_eligible:,} 件，不再符合 {r.no_longer_eligible:,} 件）；"
            f"须报区审批：现行 {t.district_level_in_force:,} 件，草案 {t.district_level_draft:,} 件。"
        )
    else:
        out.append("该时期内没有可测算的个案。")
    if r.skipped:
        out.append(f"无法测算 {len(r.skipped):,} 项（未计入以上金额）：")
        scenario = {"in_force": "现行政策", "draft": "草案"}
        for s in r.skipped[:SKIPPED_SHOWN]:
            out.append(f"  {s.number}（{scenario[s.scenario]}）：{s.message}")
        if len(r.skipped) > SKIPPED_SHOWN:
            out.append(f"  …… 另有 {len(r.skipped) - SKIPPED_SHOWN:,} 项，用 --json 查看全部。")
    return "\n".join(out) + "\n"
