"""The project audit 项目审计 (沪民救发〔2025〕1号 四(一): 基金会负责对项目承接单位开展项目审计;
四(三) 信息公开、绩效管理和监督检查): one page per plan holding its filing history, its enrolments,
its batches (who prepared, approved and delivered them), the ledger postings against the plan,
the delivery verification and the evaluations; and the same as an Excel workbook, one sheet per
section (Chinese headers, dates as dates, money as numbers with two places).

Read by `projects.audit` at the plan's owner (the foundation, the bureau, auditors); a plan
outside that scope is a 404. The export is itself audited (it carries personal data away).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.db.models import Count, Q, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.funds.models import Account, Posting, Transaction

from . import filing, verification
from .models import (
    Batch,
    Check,
    CheckResult,
    Enrolment,
    EnrolmentState,
    Evaluation,
    Grade,
    ItemState,
    PlanState,
    PlanStep,
    Project,
)

PERM = "projects.audit"
EXPORT = "project.audit.export"
register_actions({EXPORT: "导出项目审计"})

MONEY = "#,##0.00"
DAY = "yyyy-mm-dd"
MOMENT = "yyyy-mm-dd hh:mm"


@dataclass
class BatchLine:
    batch: Batch
    delivered: int
    undelivered: int
    delivered_value: Decimal


def steps(project: Project):
    rows = list(PlanStep.objects.filter(project=project).select_related("user").order_by("at", "id"))
    for s in rows:
        s.label = filing.step_label(s.action, project.owner.kind)
    return rows


def enrolment_counts(project: Project) -> list[tuple[str, str, int]]:
    counts = {
        row["state"]: row["n"]
        for row in Enrolment.objects.filter(project=project).values("state").annotate(n=Count("id"))
    }
    return [(s.value, s.label, counts.get(s.value, 0)) for s in EnrolmentState]


def enrolments(project: Project):
    return Enrolment.objects.filter(project=project).select_related(
        "household__street", "person", "enrolled_by"
    )


def batches(project: Project) -> list[BatchLine]:
    rows = (
        Batch.objects.filter(project=project)
        .select_related("prepared_by", "approved_by", "delivered_by", "follows", "ledger_transaction")
        .annotate(
            n_delivered=Count("items", filter=Q(items__state=ItemState.DELIVERED)),
            n_undelivered=Count("items", filter=Q(items__state=ItemState.UNDELIVERED)),
            delivered_value=Sum("items__value", filter=Q(items__state=ItemState.DELIVERED)),
        )
        .order_by("number")
    )
    return [
        BatchLine(batch=b, delivered=b.n_delivered, undelivered=b.n_undelivered,
                  delivered_value=b.delivered_value or Decimal("0.00"))
        for b in rows
    ]  # fmt: skip


def postings(project: Project):
    return (
        Posting.objects.filter(project=project)
        .select_related("transaction", "org", "fund_source")
        .order_by("date", "transaction_id", "id")
    )


def vouchers(project: Project):
    """The ledger transactions that post against the plan, each with its postings for the plan
    summed: a batch posts one line per item, so the page lists vouchers and the workbook lines."""
    return (
        Transaction.objects.filter(postings__project=project)
        .select_related("reversed_by")
        .annotate(
            lines=Count("postings"),
            aid=Sum("postings__amount", filter=Q(postings__account=Account.AID)),
        )
        .order_by("date", "id")
    )


def posting_totals(project: Project) -> list[tuple[str, Decimal]]:
    rows = Posting.objects.filter(project=project).values("account").annotate(total=Sum("amount"))
    labels = dict(Posting._meta.get_field("account").choices)
    return [(labels.get(r["account"], r["account"]), r["total"]) for r in rows.order_by("account")]


def checks(project: Project, *, only_findings: bool = False):
    qs = Check.objects.filter(verification__project=project).select_related(
        "verification", "item__batch", "item__household", "item__person", "checked_by"
    )
    if only_findings:
        qs = qs.filter(result__in=(CheckResult.NOT_RECEIVED, CheckResult.PROBLEM))
    return qs.order_by("verification_id", "id")


def evaluations(project: Project):
    return (
        Evaluation.objects.filter(project=project)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-id")
    )


def page(project: Project) -> dict:
    """What the audit page shows besides the paged enrolment list."""
    return {
        "steps": steps(project),
        "enrolment_counts": enrolment_counts(project),
        "batches": batches(project),
        "vouchers": list(vouchers(project)),
        "posting_totals": posting_totals(project),
        "verification": verification.summary(project),
        "verifications": list(project.verifications.select_related("drawn_by").annotate(n=Count("checks"))),
        "findings": list(checks(project, only_findings=True)),
        "evaluations": list(evaluations(project)),
    }


# --- the workbook ---------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    """A stored moment as Shanghai's wall clock, without a zone (Excel keeps none)."""
    return None if moment is None else timezone.localtime(moment).replace(tzinfo=None)


def _who(user) -> str:
    return str(user) if user is not None else ""


def _sheet(wb: Workbook, title: str, headers: list[str], rows, formats: dict[int, str] | None = None):
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = formats or {}
    for row in rows:
        ws.append(list(row))
        for col, fmt in formats.items():
            ws.cell(row=ws.max_row, column=col).number_format = fmt
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, len(header) * 2 + 4)
    ws.freeze_panes = "A2"
    return ws


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def workbook(project: Project) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    summary = verification.summary(project)
    _sheet(
        wb, "项目概况", ["项目", "内容"],
        [
            ("项目编号", project.code), ("项目名称", project.title), ("项目主体", project.owner.name),
            ("状态", _label(PlanState, project.state)), ("备案号", project.filing_number),
            ("资金来源", project.fund_source.name if project.fund_source else ""),
            ("预算（元）", project.budget), ("实施期起", project.period_start), ("实施期止", project.period_end),
            ("计划帮扶户数", project.target_households),
        ],
    )  # fmt: skip
    for (cell,) in wb["项目概况"].iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = DAY
        elif isinstance(cell.value, (Decimal, float)):
            cell.number_format = MONEY
    _sheet(
        wb, "备案记录", ["时间", "操作", "原状态", "新状态", "操作人", "意见"],
        ((_local(s.at), s.label, _label(PlanState, s.from_state), _label(PlanState, s.to_state),
          _who(s.user) or s.actor_label, s.remarks) for s in steps(project)),
        {1: MOMENT},
    )  # fmt: skip
    _sheet(
        wb, "帮扶对象", ["档案编号", "街镇", "受助成员", "状态", "纳入方式", "原因", "纳入人", "纳入时间"],
        ((e.household.file_number, e.household.street.name, e.person.name if e.person else "",
          e.get_state_display(), e.get_via_display(), e.reason, _who(e.enrolled_by), _local(e.enrolled_at))
         for e in enrolments(project).order_by("id").iterator(chunk_size=2000)),
        {8: MOMENT},
    )  # fmt: skip
    _sheet(
        wb, "发放批次",
        ["批次号", "补发自", "状态", "计划发放日期", "户数", "合计金额（元）", "已发放户数", "已发放金额（元）",
         "未发放户数", "编制人", "编制时间", "审批人", "审批时间", "发放登记人", "发放日期", "记账凭证"],
        ((b.batch.number, b.batch.follows.number if b.batch.follows else None, b.batch.get_state_display(),
          b.batch.due_date, b.batch.item_count, b.batch.total, b.delivered, b.delivered_value, b.undelivered,
          _who(b.batch.prepared_by), _local(b.batch.prepared_at), _who(b.batch.approved_by),
          _local(b.batch.approved_at), _who(b.batch.delivered_by), b.batch.delivered_on,
          b.batch.ledger_transaction.number if b.batch.ledger_transaction else "")
         for b in batches(project)),
        {4: DAY, 6: MONEY, 8: MONEY, 11: MOMENT, 13: MOMENT, 15: DAY},
    )  # fmt: skip
    _sheet(
        wb, "资金分录", ["记账日期", "凭证", "业务类型", "摘要", "组织", "资金来源", "科目", "金额（元）"],
        ((p.date, p.transaction.number, p.transaction.get_kind_display(), p.transaction.memo, p.org.name,
          p.fund_source.name, p.get_account_display(), p.amount) for p in postings(project)),
        {1: DAY, 8: MONEY},
    )  # fmt: skip
    _sheet(
        wb, "发放核查",
        ["核查批次", "抽取方式", "随机种子", "发放批次", "档案编号", "受助成员", "发放金额（元）", "核查结果",
         "核查方式", "说明", "核查人", "核查时间"],
        ((c.verification_id, c.verification.get_method_display(), c.verification.seed, c.item.batch.number,
          c.item.household.file_number, c.item.person.name if c.item.person else "", c.item.value,
          c.get_result_display(), c.get_channel_display() if c.channel else "", c.note, _who(c.checked_by),
          _local(c.checked_at)) for c in checks(project).iterator(chunk_size=2000)),
        {7: MONEY, 12: MOMENT},
    )  # fmt: skip
    ws = wb["发放核查"]
    share = summary["received_share"]
    ws.append([])
    ws.append(["已抽取", summary["drawn"], "已核查", summary["done"], "确认收到", summary["received"],
               "收到比例（%）", share])  # fmt: skip
    rows = []
    for e in evaluations(project):
        for d in (e.details or {}).get("dimensions", []):
            for i in d["indicators"]:
                rows.append(
                    (_local(e.evaluated_at), _who(e.evaluated_by), e.score, Grade(e.grade).label, d["label"],
                     i["name"], i["unit"], Decimal(i["target"]), Decimal(i["actual"]) if i["actual"] else None,
                     Decimal(i["achievement"]), Decimal(i["points"]), e.conclusion)
                )  # fmt: skip
    _sheet(
        wb, "绩效评价",
        ["评价时间", "评价人", "总分", "等级", "维度", "指标", "单位", "目标值", "实际值", "完成率（%）", "得分",
         "评价结论"],
        rows, {1: MOMENT, 3: "0.00", 8: "0.00", 9: "0.00", 10: "0.00", 11: "0.00"},
    )  # fmt: skip
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export(*, actor: Actor, project: Project) -> bytes:
    """The workbook, and a line in the log saying who took it."""
    content = workbook(project)
    audit_record(
        actor=actor, action=EXPORT, target=project, org=project.owner, after={"project": project.code}
    )
    return content


def filename(project: Project, today: date) -> str:
    return f"项目审计-{project.code}-{today:%Y%m%d}.xlsx"
