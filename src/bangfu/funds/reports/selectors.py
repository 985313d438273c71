"""The reads the report pages make, scoped by `funds.view` (outside it the organisation does
not exist): the month's filing status of every district and street, and the report pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils import timezone

from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import require_perm, scope_for

from ..models import MonthlyReport
from .annual import annual_figures
from .figures import FUND_COLUMNS
from .monthly import due_date, monthly_report_figures
from .services import can_file, can_review
from .snapshot import differences, from_json
from .tables import report_tables

# --- filing status (read) ------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingRow:
    org: Organisation
    report: object | None  # MonthlyReport
    due: date
    overdue: bool

    @property
    def state(self) -> str:
        """not_filed, overdue, or the report's status (reports/filters.FILING_STATES)."""
        if self.report is None:
            return "overdue" if self.overdue else "not_filed"
        return self.report.status

    @property
    def status_label(self) -> str:
        if self.report is None:
            return "逾期未报送" if self.overdue else "未报送"
        return self.report.get_status_display()


def filing_status(*, user, year: int, month: int, today: date | None = None) -> list[FilingRow]:
    """Every district and street the user reaches with `funds.view`, with its report of the
    month (or none) and whether it is overdue: what the foundation reads to chase late filers."""
    today = today or timezone.localdate()
    due = due_date(year, month)
    orgs = scope_for(user, "funds.view").filter(
        Organisation.objects.filter(kind__in=(OrgKind.DISTRICT, OrgKind.STREET), active=True), "pk"
    )
    orgs = list(orgs.select_related("parent").order_by("code"))
    reports = {
        r.org_id: r
        for r in MonthlyReport.objects.filter(org__in=[o.pk for o in orgs], year=year, month=month)
    }
    rows = [FilingRow(o, reports.get(o.pk), due, reports.get(o.pk) is None and today > due) for o in orgs]
    return sorted(rows, key=_district_first)  # districts first, each followed by its streets


def _district_first(row: FilingRow) -> tuple:
    o = row.org
    return (o.code if o.kind == OrgKind.DISTRICT else o.parent.code, o.kind != OrgKind.DISTRICT, o.code)


# The filing list's sortable columns (core.listing), over the rows of `filing_status`.
FILING_SORTS = {
    "org": _district_first,
    "state": lambda r: r.status_label,
    "filed": lambda r: r.report.filed_at if r.report else None,
}


def filing_filter(rows: list[FilingRow], *, district=None, state: str = "") -> list[FilingRow]:
    """The rows of one district (itself and its streets) and in one filing state."""
    if district is not None:
        rows = [r for r in rows if district.pk in (r.org.pk, r.org.parent_id)]
    if state:
        rows = [r for r in rows if r.state == state]
    return rows


def filing_counts(rows: list[FilingRow]) -> dict[str, int]:
    S = MonthlyReport.Status
    status = [r.report.status if r.report else None for r in rows]
    return {
        "expected": len(rows),
        "not_filed": status.count(None),
        "overdue": sum(1 for r in rows if r.overdue),
        "submitted": status.count(S.SUBMITTED),
        "returned": status.count(S.RETURNED),
        "accepted": status.count(S.ACCEPTED),
    }


# --- the pages' selectors (scoped: outside `funds.view` the organisation does not exist) ----------


def report_org_get(*, user, code: str) -> Organisation:
    """The district or street with that code, if the user reaches it with `funds.view`; else 404."""
    org = Organisation.objects.filter(code=code, kind__in=(OrgKind.DISTRICT, OrgKind.STREET)).first()
    if org is None:
        raise Http404
    require_perm(user, "funds.view", org)
    return org


def monthly_report_get(*, user, code: str, year: int, month: int):
    org = report_org_get(user=user, code=code)
    report = MonthlyReport.objects.filter(org=org, year=year, month=month).select_related("org").first()
    if report is None:
        raise Http404
    return report


def monthly_report_page(*, user, code: str, year: int, month: int, compare: bool = True) -> dict:
    """The report as the page shows it: the filed snapshot (unless returned, when the figures to
    be filed again are shown), what the user may do, and for a filed report the figures that
    have changed in the ledger since."""
    org = report_org_get(user=user, code=code)
    report = (
        MonthlyReport.objects.filter(org=org, year=year, month=month)
        .select_related("filed_by", "reviewed_by")
        .first()
    )
    filed = report is not None and report.status != MonthlyReport.Status.RETURNED
    live = None if filed else monthly_report_figures(org, year, month)
    figures = from_json(report.figures) if filed else live
    changes: list[str] = []
    if filed and compare:
        changes = differences(report.figures, monthly_report_figures(org, year, month))
    may_file, file_reason = can_file(user, org, year, month)
    may_review, review_reason = can_review(user, report) if report else (False, "")
    due = due_date(year, month)
    return {
        "org": org, "year": year, "month": month, "report": report, "figures": figures, "filed": filed,
        "changes": changes, "due": due, "overdue": report is None and timezone.localdate() > due,
        "may_file": may_file, "file_reason": file_reason, "may_review": may_review, "review_reason": review_reason,
        "fund_columns": FUND_COLUMNS, "title": f"{org.name}{year}年{month}月业务及资金使用报表",
        "tables": report_tables(figures),
    }  # fmt: skip


def annual_report_page(*, user, code: str, year: int) -> dict:
    org = report_org_get(user=user, code=code)
    if org.kind != OrgKind.DISTRICT:
        raise Http404
    figures = annual_figures(org, year)
    return {
        "org": org, "year": year, "figures": figures, "fund_columns": FUND_COLUMNS,
        "title": f"{org.name}{year}年度市民综合帮扶专项资金专项检查报告", "tables": report_tables(figures),
    }  # fmt: skip
