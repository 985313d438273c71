"""The funds' long work in the background (bangfu.jobs): every district's report at once.

Per district the reports are the monthly 业务及资金使用报表 and the annual 专项检查 (reports/), each
as Excel and PDF; the foundation reads all seventeen each month. Generating them one after the
other takes longer than a request should, so the reports page starts a job that writes each
district's two files, in the owner's scope of `funds.view`, into one zip kept with the job.
"""

from __future__ import annotations

import io
import zipfile

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused
from bangfu.jobs.kinds import JobKind, Outcome, register
from bangfu.jobs.models import Job
from bangfu.jobs.services import job_start
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import scope_for

from .reports import excel, pdf, selectors

ALL_DISTRICTS = "funds.reports_all"
REPORTS = {"monthly": "业务及资金使用报表", "annual": "专项检查报告"}


def districts_reached(user):
    """The districts the user reads the reports of (`funds.view`), by code."""
    qs = Organisation.objects.filter(kind=OrgKind.DISTRICT, active=True)
    return scope_for(user, "funds.view").filter(qs, "pk").order_by("code")


def _period(report: str, year: int, month: int | None) -> str:
    return f"{year}年{month}月" if report == "monthly" else f"{year}年度"


def reports_all_start(*, actor: Actor, report: str, year: int, month: int | None = None) -> Job:
    """Queue every reached district's report of the period, as Excel and PDF in one zip."""
    if report not in REPORTS or (report == "monthly" and not month):
        raise Refused("请选择要生成的报表和月份。", code="invalid_input")
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise Refused("报表期间不正确。", code="invalid_input")
    if not districts_reached(actor.user).exists():
        raise Refused("您所辖范围内没有区一级单位的报表。", code="forbidden", status=403)
    params = {"report": report, "year": year, "month": month if report == "monthly" else None}
    title = f"全部区{_period(report, year, month)}{REPORTS[report]}（Excel 和 PDF）"
    return job_start(actor=actor, kind=ALL_DISTRICTS, title=title, params=params)


def _run(job: Job, progress) -> Outcome:
    report, year, month = job.params["report"], job.params["year"], job.params["month"]
    districts = list(districts_reached(job.owner))  # the owner's scope now, not when queued
    if not districts:
        raise Refused("您已无权查看任何区的报表。", code="forbidden")
    progress(0, len(districts))
    buffer = io.BytesIO()
    done = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for i, district in enumerate(districts, start=1):
            if report == "monthly":
                page = selectors.monthly_report_page(
                    user=job.owner, code=district.code, year=year, month=month, compare=False
                )
                files = (excel.monthly_workbook(page), pdf.monthly_pdf(page))
            else:
                page = selectors.annual_report_page(user=job.owner, code=district.code, year=year)
                files = (excel.annual_workbook(page), pdf.annual_pdf(page))
            name = f"{district.code}{district.name}{_period(report, year, month)}{REPORTS[report]}"
            bundle.writestr(f"{name}.xlsx", files[0])
            bundle.writestr(f"{name}.pdf", files[1])
            done.append({"code": district.code, "name": district.name})
            progress(i, len(districts))
    file_name = f"全部区{_period(report, year, month)}{REPORTS[report]}.zip"
    result = {"report": report, "year": year, "month": month, "districts": done}
    return Outcome(result, file_name=file_name, file_content=buffer.getvalue())


register(
    JobKind(
        name=ALL_DISTRICTS,
        label="全部区报表",
        run=_run,
        result_template="funds/reports/_all_result.html",
    )
)
