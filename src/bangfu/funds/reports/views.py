"""Report pages (SPEC §7): the monthly 业务及资金使用报表 with its filing and review, who has
not filed, and the annual 专项检查. Thin: parse, call one selector or service, render. Scope is
`funds.view` at the report's organisation; outside it the page does not exist (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.views import refusals_to
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import require_perm_somewhere, scope_for

from ..jobs import reports_all_start
from . import excel, filters, monthly, pdf, selectors, services
from .charts import chart_data


def _month(year: int, month: int) -> tuple[int, int]:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    return year, month


@login_required
def report_index(request):
    """The month's filing status of every district and street in scope: who filed, who is late."""
    require_perm_somewhere(request.user, "funds.view")
    districts = scope_for(request.user, "funds.view").filter(
        Organisation.objects.filter(kind=OrgKind.DISTRICT, active=True).order_by("code"), "pk"
    )
    shown = monthly.previous_month()
    data = request.GET.copy()
    data.setdefault("month", f"{shown[0]}-{shown[1]:02d}")  # the field shows the month on screen
    form = filters.FilingFilterForm(data, districts=districts)
    wanted = form.filters()
    error = f"{form.errors['month'][0]}已显示上月。" if "month" in form.errors else ""
    year, month = wanted.get("month") or shown
    rows = selectors.filing_status(user=request.user, year=year, month=month)
    rows = selectors.filing_filter(rows, district=wanted.get("district"))
    counts = selectors.filing_counts(rows)
    listing = make_listing(
        request, selectors.filing_filter(rows, state=wanted.get("state", "")),
        sorts=selectors.FILING_SORTS, default="org", form=form, per_page=50,
    )  # fmt: skip
    return render(
        request,
        "funds/reports/index.html",
        {"listing": listing, "page": listing.page, "form": form, "rows": listing.page, "year": year,
         "month": month, "due": monthly.due_date(year, month), "due_reference": monthly.due_rule(year, month).reference,
         "counts": counts, "districts": [r.org for r in rows if r.org.kind == "district"], "error": error,
         "month_value": f"{year}-{month:02d}"},
    )  # fmt: skip


@login_required
@require_POST
def reports_all(request):
    """Every reached district's monthly or annual report, generated in the background."""
    require_perm_somewhere(request.user, "funds.view")
    report = request.POST.get("report", "")
    try:
        year, month = monthly.parse_month(request.POST.get("month", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("funds:reports")
    with refusals_to(request) as tried:
        job = reports_all_start(actor=Actor.from_request(request), report=report, year=year, month=month)
    if not tried.ok:
        return redirect("funds:reports")
    return redirect("jobs:detail", pk=job.pk)


@login_required
def monthly_report(request, code: str, year: int, month: int):
    year, month = _month(year, month)
    page = selectors.monthly_report_page(user=request.user, code=code, year=year, month=month)
    return render(request, "funds/reports/monthly.html", {**page, "charts": chart_data(page["figures"])})


@login_required
@require_POST
def monthly_report_file(request, code: str, year: int, month: int):
    year, month = _month(year, month)
    org = selectors.report_org_get(user=request.user, code=code)
    with refusals_to(request) as tried:
        services.monthly_report_file(
            actor=Actor.from_request(request),
            org=org,
            year=year,
            month=month,
            note=request.POST.get("note", ""),
        )
    if tried.ok:
        messages.success(request, f"{org.name}{year}年{month}月业务及资金使用报表已报送，等待上级审核。")
    return redirect("funds:report_monthly", code=code, year=year, month=month)


@login_required
@require_POST
def monthly_report_review(request, code: str, year: int, month: int):
    year, month = _month(year, month)
    report = selectors.monthly_report_get(user=request.user, code=code, year=year, month=month)
    decision, remarks = request.POST.get("decision"), request.POST.get("remarks", "")
    actor = Actor.from_request(request)
    with refusals_to(request):
        if decision == "accept":
            services.monthly_report_accept(actor=actor, report=report, remarks=remarks)
            messages.success(request, "报表已审核通过。")
        elif decision == "return":
            services.monthly_report_return(actor=actor, report=report, remarks=remarks)
            messages.success(request, "报表已退回填报单位。")
        else:
            messages.error(request, "请选择“审核通过”或“退回”。")
    return redirect("funds:report_monthly", code=code, year=year, month=month)


def _download(content: bytes, content_type: str, filename: str, inline: bool = False) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def monthly_report_xlsx(request, code: str, year: int, month: int):
    year, month = _month(year, month)
    page = selectors.monthly_report_page(user=request.user, code=code, year=year, month=month, compare=False)
    name = f"{page['org'].name}{year}年{month}月业务及资金使用报表.xlsx"
    return _download(excel.monthly_workbook(page), _XLSX, name)


@login_required
def monthly_report_pdf(request, code: str, year: int, month: int):
    year, month = _month(year, month)
    page = selectors.monthly_report_page(user=request.user, code=code, year=year, month=month, compare=False)
    name = f"{page['org'].name}{year}年{month}月业务及资金使用报表.pdf"
    return _download(pdf.monthly_pdf(page), "application/pdf", name, inline=True)


def _annual(request, code: str, year: int) -> dict:
    if not 2000 <= year <= 2100:
        raise Http404
    return selectors.annual_report_page(user=request.user, code=code, year=year)


@login_required
def annual_report(request, code: str, year: int):
    page = _annual(request, code, year)
    return render(request, "funds/reports/annual.html", {**page, "charts": chart_data(page["figures"])})


@login_required
def annual_report_xlsx(request, code: str, year: int):
    page = _annual(request, code, year)
    return _download(excel.annual_workbook(page), _XLSX, f"{page['org'].name}{year}年度专项检查报告.xlsx")


@login_required
def annual_report_pdf(request, code: str, year: int):
    page = _annual(request, code, year)
    content = pdf.annual_pdf(page)
    return _download(content, "application/pdf", f"{page['org'].name}{year}年度专项检查报告.pdf", inline=True)
