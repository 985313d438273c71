"""The performance evaluation report 项目绩效评价报告 as PDF (SPEC §4), written from the stored
evaluation (what was decided, not what the data say now), in the platform's embedded font
(`core/fonts`) and laid out like the case forms (`cases/pdf.py`): the plan, the score and grade,
the dimensions, every indicator with its target, actual, achievement and points, the conclusion."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bangfu.cases.pdf import CELL, NOTE, TITLE, _p, _table
from bangfu.core.dates import cn_date, cn_datetime
from bangfu.core.fonts import FONT
from bangfu.core.money import format_yuan

from .models import Evaluation, Grade

HEAD = ("GRID", (0, 0), (-1, -1), 0.6, colors.black)


def _grid(rows: list[list], widths: list[float]) -> Table:
    t = Table([[_p(c) for c in row] for row in rows], colWidths=[w * mm for w in widths], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                HEAD,
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _value(text: str | None, unit: str) -> str:
    if text is None:
        return "未填报"
    if unit == "元":
        return format_yuan(Decimal(text))
    return f"{text}{unit}"


def render_evaluation(evaluation: Evaluation) -> bytes:
    project = evaluation.project
    details = evaluation.details or {}
    period = (
        f"{cn_date(project.period_start)} 至 {cn_date(project.period_end)}"
        if project.period_start and project.period_end
        else "—"
    )
    facts = [
        ("项目编号", project.code),
        ("项目名称", project.title),
        ("项目主体", project.owner.name),
        ("备案号", project.filing_number or "—"),
        ("资金来源", project.fund_source.name if project.fund_source else "—"),
        ("预算", format_yuan(project.budget)),
        ("实施期", period),
        ("计划帮扶户数", f"{project.target_households}户"),
        ("评价得分", f"{evaluation.score}分"),
        ("评价等级", Grade(evaluation.grade).label),
        ("评价人", evaluation.evaluated_by.full_name or evaluation.evaluated_by.get_username()),
        ("评价时间", cn_datetime(evaluation.evaluated_at)),
    ]
    story = [Paragraph("项目绩效评价报告", TITLE)]
    if project.lottery_funded:  # 沪民救发〔2025〕1号 四(三): marked on every page of the plan
        story.append(Paragraph("彩票公益金资助", CELL))
    story += [_table(facts), Spacer(1, 6 * mm)]
    dims = details.get("dimensions", [])
    story.append(Paragraph("一、各维度得分", CELL))
    story.append(Spacer(1, 2 * mm))
    rows = [["维度", "权重", "得分"]] + [[d["label"], d["weight"], d["points"]] for d in dims]
    rows.append(["合计", "", str(evaluation.score)])
    story += [_grid(rows, [70, 50, 50]), Spacer(1, 6 * mm)]
    story.append(Paragraph("二、绩效指标", CELL))
    story.append(Spacer(1, 2 * mm))
    rows = [["维度", "指标", "目标值", "实际值", "完成率", "得分"]]
    for d in dims:
        for i in d["indicators"]:
            rows.append(
                [d["label"], i["name"], _value(i["target"], i["unit"]), _value(i["actual"], i["unit"]),
                 f"{i['achievement']}%", i["points"]]
            )  # fmt: skip
    story += [_grid(rows, [18, 52, 30, 30, 20, 20]), Spacer(1, 4 * mm)]
    evidence = [(i["name"], i["evidence"]) for d in dims for i in d["indicators"] if i.get("evidence")]
    if evidence:
        story += [_table([(f"佐证：{name}", text) for name, text in evidence]), Spacer(1, 4 * mm)]
    missing = details.get("missing") or []
    if missing:
        story.append(Paragraph(escape(f"未填报实际值的指标（按零计分）：{'、'.join(missing)}"), NOTE))
        story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("三、评价结论", CELL))
    story.append(Spacer(1, 2 * mm))
    story.append(_table([("评价结论", evaluation.conclusion or "—")]))
    story += [
        Spacer(1, 6 * mm),
        Paragraph("评分方法：指标完成率为实际值与目标值之比（最高100%），按指标权重计入所在维度，"
                  "维度得分之和为总分；优≥90分，良≥80分，中≥60分，不足60分为差。", NOTE),
        Paragraph("本报告由市民综合帮扶信息化平台生成。", NOTE),
    ]  # fmt: skip
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"项目绩效评价报告 {project.code}", author="市民综合帮扶信息化平台",
    )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
