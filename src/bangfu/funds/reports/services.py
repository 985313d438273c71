"""Filing and review of the monthly 业务及资金使用报表 (沪民救发〔2025〕1号 四(二)).

The procedure, as a table: who may take each step, from which status, to which status.

    step     from                     to          who (permission at the report's organisation)
    file     (none), returned         submitted   the organisation itself: a street's working-group
                                                  head (funds.report_file_street), district finance
                                                  for the district (funds.report_file_district)
    accept   submitted                accepted    the level above: district finance for a street
                                                  (funds.report_review_street), foundation finance
                                                  for a district (funds.report_review_district)
    return   submitted                returned    the same, with remarks saying what to correct

Filing computes the figures from the ledger and the cases at that moment and keeps them as
the report's snapshot. Every step is audited with the figures or the remarks.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at

from ..models import MonthlyReport
from .monthly import monthly_report_figures
from .snapshot import to_json

S = MonthlyReport.Status

STEPS: dict[str, dict] = {
    "file": {"from": (None, S.RETURNED), "to": S.SUBMITTED, "label": "报送"},
    "accept": {"from": (S.SUBMITTED,), "to": S.ACCEPTED, "label": "审核通过"},
    "return": {"from": (S.SUBMITTED,), "to": S.RETURNED, "label": "退回"},
}
FILE_PERM = {OrgKind.STREET: "funds.report_file_street", OrgKind.DISTRICT: "funds.report_file_district"}
REVIEW_PERM = {OrgKind.STREET: "funds.report_review_street", OrgKind.DISTRICT: "funds.report_review_district"}


def _month_label(year: int, month: int) -> str:
    return f"{year}年{month}月"


def can_file(
    user, org: Organisation, year: int, month: int, *, today: date | None = None
) -> tuple[bool, str]:
    """(allowed, reason): may the user file (or refile) this organisation's report of the month?"""
    perm = FILE_PERM.get(org.kind)
    if perm is None:
        return False, f"“{org.name}”不是区或街镇帮扶组织，不填报业务及资金使用报表。"
    if user is not None and not has_perm_at(user, perm, org):
        return False, f"您不是{org.name}的报表填报人。"
    today = today or timezone.localdate()
    if date(year, month, 1) > today.replace(day=1) or (year, month) == (today.year, today.month):
        return False, f"{_month_label(year, month)}尚未结束，月末之后才能报送当月报表。"
    report = MonthlyReport.objects.filter(org=org, year=year, month=month).first()
    status = report.status if report else None
    if status not in STEPS["file"]["from"]:
        return False, f"{_month_label(year, month)}报表当前为“{report.get_status_display()}”，不能再次报送。"
    return True, ""


def can_review(user, report: MonthlyReport) -> tuple[bool, str]:
    """(allowed, reason): may the user accept or return this report?"""
    perm = REVIEW_PERM.get(report.org.kind)
    if perm is None or (user is not None and not has_perm_at(user, perm, report.org)):
        return False, "审核由上一级办理：街镇报表由区审核，区报表由基金会审核。"
    if report.status != S.SUBMITTED:
        return False, f"报表当前为“{report.get_status_display()}”，只有待审核的报表可以审核。"
    return True, ""


@transaction.atomic
def monthly_report_file(
    *, actor: Actor, org: Organisation, year: int, month: int, note: str = "", today: date | None = None
) -> MonthlyReport:
    """报送 (or 重新报送 after a return): the figures are computed now and kept as the snapshot."""
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Refused("月份不正确。", code="invalid_input")
    if actor.user is None:
        raise Refused("报表须由填报人本人报送。", code="forbidden", status=403)
    note = (note or "").strip()
    if len(note) > 2000:
        raise Refused("填报说明不能超过2000个字。", code="invalid_input")
    # Locks the organisation row: two filings of the same month at once queue here, and the
    # second sees the first's report (and is refused), instead of both computing and writing.
    Organisation.objects.select_for_update().get(pk=org.pk)
    allowed, reason = can_file(actor.user, org, year, month, today=today)
    if not allowed:
        perm = FILE_PERM.get(org.kind)
        forbidden = perm is None or not has_perm_at(actor.user, perm, org)
        if actor.user is not None and forbidden:
            raise Refused(reason, code="forbidden", status=403)
        raise Refused(reason, code="refused")
    figures = to_json(monthly_report_figures(org, year, month))
    now = timezone.now()
    report = MonthlyReport.objects.filter(org=org, year=year, month=month).first()
    before = None
    if report is None:
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    org=org, year=year, month=month, status=S.SUBMITTED, figures=figures, note=note,
                    first_filed_at=now, filed_at=now, filed_by=actor.user,
                )  # fmt: skip
        except IntegrityError:
            raise Refused("该月报表刚由他人报送，请刷新页面。", code="refused") from None
    else:
        before = {"status": report.status, "filings": report.filings, "remarks": report.remarks}
        report.status, report.figures, report.note = S.SUBMITTED, figures, note
        report.filings += 1
        report.filed_at, report.filed_by = now, actor.user
        report.reviewed_at = report.reviewed_by = None
        report.save()
    audit_record(
        actor=actor, action="submit", target=report, org=org, before=before,
        after={"status": report.status, "filings": report.filings, "figures": figures}, note=note,
    )  # fmt: skip
    return report


def _review(actor: Actor, report: MonthlyReport, step: str, remarks: str) -> MonthlyReport:
    # Locks the report: an accept and a return at once cannot both apply.
    report = MonthlyReport.objects.select_for_update().select_related("org").get(pk=report.pk)
    allowed, reason = can_review(actor.user, report)
    if not allowed:
        if report.status == S.SUBMITTED:
            raise Refused(reason, code="forbidden", status=403)
        raise Refused(reason, code="refused")
    before = {"status": report.status}
    report.status = STEPS[step]["to"]
    report.remarks = remarks
    report.reviewed_at, report.reviewed_by = timezone.now(), actor.user
    report.save(update_fields=["status", "remarks", "reviewed_at", "reviewed_by"])
    audit_record(
        actor=actor, action="update" if step == "accept" else "return", target=report, org=report.org,
        before=before, after={"status": report.status, "remarks": remarks}, note=remarks,
    )  # fmt: skip
    return report


@transaction.atomic
def monthly_report_accept(*, actor: Actor, report: MonthlyReport, remarks: str = "") -> MonthlyReport:
    remarks = (remarks or "").strip()
    if len(remarks) > 2000:
        raise Refused("审核意见不能超过2000个字。", code="invalid_input")
    return _review(actor, report, "accept", remarks)


@transaction.atomic
def monthly_report_return(*, actor: Actor, report: MonthlyReport, remarks: str) -> MonthlyReport:
    """退回: the remarks say what to correct; the filer corrects the ledger or the cases and files again."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise Refused("退回报表须填写审核意见，说明需要更正的内容。", code="invalid_input")
    if len(remarks) > 2000:
        raise Refused("审核意见不能超过2000个字。", code="invalid_input")
    return _review(actor, report, "return", remarks)
