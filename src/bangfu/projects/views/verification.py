"""Delivery verification pages: the plan's draws and checks, the draw form, one check's result.
Read by `projects.view` at the plan's owner (else 404); the writes are `verification`'s."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.views import refusals_to

from .. import selectors, verification
from ..forms.verification import CheckFilterForm, CheckForm, DrawForm
from ..models import Check, CheckResult, Project


def _checks(project: Project):
    return Check.objects.filter(verification__project=project).select_related(
        "verification", "item__batch", "item__household", "item__person", "checked_by"
    )


VERIFY = "projects.verify"
CHECK_SORTS = {"id": ("id",), "batch": ("item__batch__number", "id"), "result": ("result", "id")}


def _page(request, project: Project, *, draw_form=None, status=200):
    filters = CheckFilterForm(request.GET)
    rows = _checks(project)
    if result := filters.filters().get("result"):
        rows = rows.filter(result=result)
    may_verify = selectors.may(request.user, VERIFY, project)
    listing = make_listing(request, rows, sorts=CHECK_SORTS, default="id", form=filters, per_page=50)
    return render(
        request, "projects/verification/page.html",
        {
            "project": project, "summary": verification.summary(project),
            "verifications": project.verifications.select_related("drawn_by").order_by("id"),
            "listing": listing, "page": listing.page, "may_verify": may_verify,
            "draw_form": draw_form or DrawForm(initial={"method": "share", "share": "10"}),
            "check_form": CheckForm(), "pending": CheckResult.PENDING,
        },
        status=status,
    )  # fmt: skip


@login_required
def verification_page(request, pk: int):
    return _page(request, selectors.plan_visible(request.user, pk))


@login_required
@require_POST
def verification_draw(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    form = DrawForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            drawn = verification.draw(
                actor=Actor.from_request(request), project=project, method=d["method"], share=d["share"],
                number=d["number"],
            )  # fmt: skip
        if tried.ok:
            messages.success(request, f"已抽取 {drawn.checks.count()} 条发放明细待核查。")
            return redirect("projects:verification", pk=pk)
    return _page(request, project, draw_form=form, status=400)


def _check_for(user, check_id: int) -> Check:
    check = get_object_or_404(
        Check.objects.select_related("verification__project__owner", "item__batch", "item__household",
                                     "item__person", "checked_by"),
        pk=check_id,
    )  # fmt: skip
    if not selectors.may(user, selectors.READ, check.verification.project):
        raise Http404
    return check


@login_required
def check_page(request, check_id: int):
    """One check: the item drawn, and its result (GET), or the result recorded (POST)."""
    check = _check_for(request.user, check_id)
    project = check.verification.project
    form = CheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            verification.record(
                actor=Actor.from_request(request), check=check, result=d["result"], channel=d["channel"],
                note=d["note"],
            )  # fmt: skip
        if tried.ok:
            messages.success(request, f"已登记核查结果（{check.item.household.file_number}）。")
            return redirect("projects:verification", pk=project.pk)
    return render(
        request, "projects/verification/check.html",
        {"project": project, "check": check, "form": form, "pending": CheckResult.PENDING,
         "may_verify": selectors.may(request.user, VERIFY, project)},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip
