"""Printable forms as PDF (SPEC §5): 申请表, 调查情况表, 综合帮扶预审表, 评审会议记录, 审批表, 签收单.

Font: the platform's embedded Chinese font (`core/fonts`), so a form prints the same on any
viewer. Laid out like the paper forms: a title, a boxed table of
label/value rows, and signature lines at the foot.
"""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bangfu.core.dates import cn_date
from bangfu.core.fonts import FONT
from bangfu.core.money import format_capitals, format_yuan
from bangfu.registry.selectors import household_category_on

from . import selectors
from .models import Case, Payment

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=15)
NOTE = ParagraphStyle("note", fontName=FONT, fontSize=9, leading=13, textColor=colors.HexColor("#444444"))


def _d(value) -> str:
    return cn_date(value) if value else ""


def _p(text) -> Paragraph:
    safe = (
        str(text if text not in (None, "") else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    return Paragraph(safe.replace("\n", "<br/>"), CELL)


def _table(rows: list[tuple[str, object]]) -> Table:
    t = Table([[_p(k), _p(v)] for k, v in rows], colWidths=[38 * mm, 132 * mm])
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _head(case: Case) -> list[tuple[str, object]]:
    return [
        ("个案编号", case.number),
        ("受理街镇", f"{case.street.parent.name} {case.street.name}"),
        ("档案编号", case.household.file_number),
        ("申请人", case.applicant.name),
        ("身份证号码", case.applicant.id_number_masked),
        ("家庭类别", _category(case)),
        ("居住地址", case.household.address),
        ("帮扶类型", case.get_aid_type_display()),
        ("申请日期", _d(case.application_date)),
    ]


def _category(case: Case) -> str:
    from bangfu.registry.models import Category

    return Category(household_category_on(case.household, case.application_date)).label


def _signatures(*roles: str) -> Table:
    t = Table(
        [[_p(f"{r}（签字）："), _p("日期：")] for r in roles],
        colWidths=[100 * mm, 70 * mm],
        rowHeights=12 * mm,
    )
    return t


def _application(case: Case) -> list:
    rows = [*_head(case), ("困难情况", case.hardship), ("申请金额", format_yuan(case.requested_amount))]
    invoices = list(case.invoices.all())
    if invoices:
        lines = "\n".join(
            f"{cn_date(i.date)} {i.hospital} 第{i.number}号 {i.get_fee_type_display()} 自负{format_yuan(i.self_paid)}"
            for i in invoices
        )
        rows.append(("医疗发票", lines))
    rows.append(("提交材料", "、".join(sorted({d.get_kind_display() for d in case.documents.all()})) or "—"))
    return [_table(rows), Spacer(1, 8 * mm), _signatures("申请人", "受理人")]


def _investigation(case: Case) -> list:
    inv = getattr(case, "investigation", None) if hasattr(case, "investigation") else None
    rows = _head(case)
    if inv is None:
        reason = f"快速帮扶，免上门调查：{case.fast_track_reason}" if case.fast_track else "尚未调查"
        rows.append(("调查情况", reason))
    else:
        rows += [
            ("调查日期", _d(inv.visited_on)),
            ("家庭收入情况", inv.income),
            ("经济来源", inv.income_sources),
            ("日常生活情况", inv.daily_life),
            ("住房情况", inv.housing),
            ("居委会意见", inv.committee_opinion),
            ("帮扶方案建议", inv.plan),
        ]
    return [_table(rows), Spacer(1, 8 * mm), _signatures("调查人", "居委会")]


def _proposal_rows(case: Case) -> list[tuple[str, object]]:
    answer = case.proposal or {}
    if "error" in answer:
        return [("政策测算", answer["error"]["message"])]
    if not answer:
        return [("政策测算", "尚未测算")]
    rows = [
        ("政策依据", answer["policy"]["id"]),
        ("可帮扶上限", format_yuan(_dec(answer["max_amount"]))),
        ("建议金额", format_yuan(_dec(answer["recommended_amount"]))),
        (
            "审批层级",
            {"street": "街镇审批", "district": "区服务社审批"}.get(
                answer.get("approval_level"), "不符合条件"
            ),
        ),
    ]
    rows += [("说明", r["message"]) for r in answer.get("reasons", [])]
    return rows


def _dec(text: str):
    from decimal import Decimal

    return Decimal(text)


def _prereview(case: Case) -> list:
    pre_review = selectors.pre_review_of(case=case)
    if pre_review is not None:
        return _prereview_submitted(case, pre_review)
    rows = [*_head(case), ("困难情况", case.hardship), *_proposal_rows(case)]
    if case.fast_track:
        rows.append(("快速帮扶", case.fast_track_reason))
    rows.append(("提交情况", "尚未向区服务社提交"))
    return [_table(rows), Spacer(1, 8 * mm), _signatures("街镇综合帮扶工作组", "区服务社")]


def _prereview_submitted(case: Case, pre_review) -> list:
    """The form as the street sent it (the snapshot), with the district's remarks."""
    c = pre_review.content
    rows = [
        ("个案编号", c["case_number"]),
        ("受理街镇", f"{case.street.parent.name} {c['street']}"),
        ("档案编号", c["household"]["file_number"]),
        ("申请人", c["applicant"]["name"]),
        ("身份证号码", c["applicant"]["id_number"]),
        ("家庭类别", c["household"]["category"]),
        ("居住地址", c["household"]["address"]),
        ("帮扶类型", c["aid_type"]),
        ("申请日期", cn_date(c["application_date"])),
        ("困难情况", c["hardship"]),
    ]
    inv = c.get("investigation")
    if inv:
        rows += [
            ("调查日期", f"{cn_date(inv['visited_on'])}（{inv['by']}）"),
            ("家庭收入情况", inv["income"]),
            ("经济来源", inv["income_sources"]),
            ("日常生活情况", inv["daily_life"]),
            ("住房情况", inv["housing"]),
            ("居委会意见", inv["committee_opinion"]),
            ("帮扶方案建议", inv["plan"]),
        ]
    elif c.get("fast_track_reason"):
        rows.append(("快速帮扶", f"免上门调查：{c['fast_track_reason']}"))
    proposal = c.get("proposal") or {}
    if "error" in proposal:
        rows.append(("政策测算", proposal["error"]))
    elif proposal:
        rows += [
            ("政策依据", proposal["policy"]),
            ("可帮扶上限", format_yuan(_dec(proposal["max_amount"]))),
            ("建议金额", format_yuan(pre_review.proposed_amount)),
        ]
    rows.append(("提交", f"{pre_review.submitted_by} {_d(pre_review.submitted_at)}"))
    remarks = "\n".join(f"{r.text}（{r.by} {_d(r.at)}）" for r in pre_review.remarks.all())
    rows.append(("区服务社意见", remarks or "—"))
    return [_table(rows), Spacer(1, 8 * mm), _signatures("街镇综合帮扶工作组", "区服务社")]


def _panel(case: Case) -> list:
    review = getattr(case, "panel_review", None) if hasattr(case, "panel_review") else None
    if review is None:
        return [_table([*_head(case), ("评审", "尚未评审")])]
    attendance = "\n".join(
        f"{a.member.name}（{a.member.get_kind_display()}）：{a.get_opinion_display()}"
        for a in review.attendance.select_related("member")
    )
    rows = [
        ("会议日期", _d(review.meeting_date)),
        ("申请人", case.applicant.name),
        ("个案编号", case.number),
        ("出席成员及意见", attendance),
        ("出席人数", f"{review.attendance.count()}人"),
    ]
    if review.fewer_members_reason:
        rows.append(("不足七人的理由", review.fewer_members_reason))
    rows += [
        ("情况介绍", review.introduction),
        ("查看的凭证", review.documents_examined),
        ("讨论情况", review.discussion),
        (
            "评审结论",
            review.get_conclusion_display() + (f" {format_yuan(review.amount)}" if review.amount else ""),
        ),
        ("会议记录", review.minutes),
    ]
    return [_table(rows), Spacer(1, 8 * mm), _signatures("记录人", "评审小组组长")]


def _approval(case: Case) -> list:
    rows = [*_head(case), *_proposal_rows(case), ("核定金额", format_yuan(case.approved_amount))]
    if case.exception_reason:
        rows.append(("突破一般限额理由", case.exception_reason))
    for a in case.approvals.select_related("by"):
        rows.append(
            (
                a.get_tier_display(),
                f"{a.get_decision_display()} {format_yuan(a.amount) if a.amount else ''}\n{a.reason}\n{a.by} {_d(a.at)}",
            )
        )
    return [_table(rows), Spacer(1, 8 * mm), _signatures("街镇综合帮扶工作组负责人", "区服务社")]


def _receipt(case: Case) -> list:
    payment = Payment.objects.filter(case=case).select_related("receipt").first()
    if payment is None:
        raise Http404
    rows = [
        ("个案编号", case.number),
        ("领款人", case.applicant.name),
        ("身份证号码", case.applicant.id_number_masked),
        ("帮扶类型", case.get_aid_type_display()),
        ("发放金额", format_yuan(payment.amount)),
        # 《支付结算办法》: the amount in capitals beside the figures, as on every voucher.
        ("大写金额", format_capitals(payment.amount)),
        ("发放方式", payment.get_method_display()),
        ("发放日期", _d(payment.paid_at)),
        ("发放单位", case.street.name),
    ]
    if payment.receipt_at:
        rows.append(("签收", f"{payment.get_receipt_kind_display()} {_d(payment.receipt_at)}"))
    story = [_table(rows), Spacer(1, 8 * mm)]
    signature = _signature_image(payment)
    if signature is None:
        return [*story, _signatures("领款人", "发放人")]
    # The recipient signed on screen: that signature is the 领款人 line, the cashier signs on paper.
    signed = Table(
        [[_p("领款人（签字）："), signature, _p(f"日期：{_d(payment.receipt_at)}")]],
        colWidths=[32 * mm, 68 * mm, 70 * mm],
    )
    signed.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [*story, signed, _signatures("发放人")]


def _signature_image(payment: Payment) -> Image | None:
    """The signature captured on screen (a PNG, checked by content when it was recorded),
    at 60 mm wide with its own proportions; None for a signed page uploaded instead."""
    if payment.receipt is None or payment.receipt_kind != "signature":
        return None
    with payment.receipt.file.open("rb") as f:
        data = f.read()
    try:  # read here, not while the page is built: an unreadable file leaves the line blank, never a 500
        width, height = ImageReader(BytesIO(data)).getSize()
    except OSError:  # PIL's UnidentifiedImageError is one
        return None
    return Image(BytesIO(data), width=60 * mm, height=60 * mm * height / width)


FORMS = {
    "application": ("市民综合帮扶申请表", _application),
    "investigation": ("市民综合帮扶调查情况表", _investigation),
    "prereview": ("综合帮扶预审表", _prereview),
    "panel": ("综合帮扶评审会议记录", _panel),
    "approval": ("市民综合帮扶审批表", _approval),
    "receipt": ("综合帮扶金签收单", _receipt),
}


def render_form(case: Case, form: str) -> bytes:
    title, build = FORMS[form]
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{title} {case.number}", author="市民综合帮扶信息化平台",
    )  # fmt: skip
    story = [Paragraph(title, TITLE), *build(case)]
    story += [Spacer(1, 6 * mm), Paragraph("本表由市民综合帮扶信息化平台生成。", NOTE)]
    doc.build(story)
    return buffer.getvalue()


@login_required
def case_form_pdf(request, pk: int, form: str):
    if form not in FORMS:
        raise Http404
    case = selectors.case_get(user=request.user, pk=pk)
    response = HttpResponse(render_form(case, form), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{form}-{case.number}.pdf"'
    return response
