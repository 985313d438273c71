"""The project audit page 项目审计 and its Excel export: `projects.audit` at the plan's owner
(the foundation, the bureau, auditors), else 404."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing

from .. import audit, selectors

ENROLMENT_SORTS = {"id": ("id",), "state": ("state", "id"), "street": ("household__street__code", "id")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def audit_page(request, pk: int):
    project = selectors.plan_visible(request.user, pk, audit.PERM)
    listing = make_listing(
        request, audit.enrolments(project), sorts=ENROLMENT_SORTS, default="id", per_page=50
    )
    return render(
        request, "projects/audit/page.html",
        {"project": project, "listing": listing, "page": listing.page, **audit.page(project)},
    )  # fmt: skip


@login_required
def audit_xlsx(request, pk: int):
    project = selectors.plan_visible(request.user, pk, audit.PERM)
    content = audit.export(actor=Actor.from_request(request), project=project)
    response = HttpResponse(content, content_type=XLSX)
    name = quote(audit.filename(project, timezone.localdate()))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
