"""Pages of enrolment (SPEC §4): the plan's enrolment list, a household by file number, the Excel
list and its template, the target query (preview, then enrol; in the background when large),
the actions on an enrolment, and the household file's 纳入项目.

A plan's pages are its owner's: `projects.enrol` at the owner to change anything, `projects.view`
there to read the list; otherwise the plan is not found (404). The household file's form is for
whoever reads the household (registry scope) and may enrol it (`enrolment.may_enrol`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.views import refusals_to
from bangfu.orgs.models import Organisation
from bangfu.orgs.scope import has_perm_at
from bangfu.registry.selectors import household_by_file_number, household_get

from .. import enrolment as services
from .. import jobs as project_jobs
from .. import selectors
from ..forms.enrolment import EnrolmentFilterForm, FileNumberForm, HouseholdEnrolForm, ImportForm, ReasonForm
from ..models import Enrolment, Project

SORTS = {
    "file_number": ("household__file_number",),
    "street": ("household__street__code",),
    "state": ("state",),
    "enrolled": ("enrolled_at",),
}

ACTIONS = {
    # action: (label, reason required, reason asked)
    "pause": ("暂停", False, True),
    "resume": ("恢复", False, False),
    "exit": ("退出", True, True),
}


def _plan(request, pk: int, *, manage: bool = False) -> Project:
    """The plan, or 404 for whoever may not read it (with `manage`: not enrol at its owner)."""
    return selectors.plan_visible(request.user, pk, services.ENROL if manage else selectors.READ)


@login_required
def enrolment_list(request, pk: int):
    project = _plan(request, pk)
    rows = Enrolment.objects.filter(project=project).select_related(
        "household__street", "person", "enrolled_by"
    )
    streets = Organisation.objects.filter(
        pk__in=Enrolment.objects.filter(project=project).values("household__street")
    ).order_by("code")
    form = EnrolmentFilterForm(request.GET, streets=streets)
    chosen = form.filters()
    if chosen.get("state"):
        rows = rows.filter(state=chosen["state"])
    if chosen.get("street"):
        rows = rows.filter(household__street=chosen["street"])
    if chosen.get("q"):
        rows = rows.filter(household__file_number__startswith=chosen["q"].strip())
    listing = make_listing(request, rows, sorts=SORTS, default="-enrolled", form=form, per_page=50)
    may_manage = services.may_manage(request.user, project)
    add_form = FileNumberForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if add_form is None:
            raise Http404
        if add_form.is_valid():
            household = household_by_file_number(
                user=request.user, file_number=add_form.cleaned_data["file_number"]
            )
            if household is None:
                add_form.add_error("file_number", "未找到该档案编号的家庭（或不在您的查看范围内）。")
            else:
                with refusals_to(add_form) as tried:
                    services.enrol_one(
                        actor=Actor.from_request(request), project=project, household=household
                    )
                if tried.ok:
                    messages.success(request, f"已将档案 {household.file_number} 纳入本项目。")
                    return redirect("projects:enrolments", pk=project.pk)
    return render(
        request,
        "projects/enrolment/list.html",
        {
            "project": project,
            "listing": listing,
            "page": listing.page,
            "form": form,
            "counts": services.counts_by_state(project),
            "may_manage": may_manage,
            "add_form": add_form,
            "actions": ACTIONS,
        },
    )


@login_required
def enrol_excel(request, pk: int):
    project = _plan(request, pk, manage=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            report = services.import_rows(
                actor=Actor.from_request(request), project=project, file=form.cleaned_data["file"]
            )
        if tried.ok and report.ok:
            messages.success(request, f"名单导入完成：共 {report.rows} 行，纳入 {report.enrolled} 户。")
            return redirect("projects:enrolments", pk=project.pk)
    return render(
        request, "projects/enrolment/excel.html", {"project": project, "form": form, "report": report}
    )


@login_required
def enrol_template(request, pk: int):
    project = _plan(request, pk, manage=True)
    response = HttpResponse(
        services.template_xlsx(project),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E7%BA%B3%E5%85%A5%E5%90%8D%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@login_required
def enrol_query(request, pk: int):
    project = _plan(request, pk, manage=True)
    day = timezone.localdate()
    preview = services.query_preview(project, day)
    result = None
    if request.method == "POST":
        actor = Actor.from_request(request)
        with refusals_to(request) as tried:
            if preview.count > services.BACKGROUND_OVER:
                job = project_jobs.enrol_query_start(actor=actor, project=project, day=day)
            else:
                result = services.enrol_from_query(actor=actor, project=project, day=day)
        if tried.ok and result is None:
            return redirect("jobs:detail", pk=job.pk)
        if tried.ok:
            messages.success(request, f"按条件纳入完成：纳入 {result.enrolled} 户。")
            preview = services.query_preview(project, day)
    return render(
        request,
        "projects/enrolment/query.html",
        {
            "project": project,
            "preview": preview,
            "summary": result,
            "day": day,
            "background": preview.count > services.BACKGROUND_OVER,
            "threshold": services.BACKGROUND_OVER,
        },
    )


@login_required
def enrolment_act(request, id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("project__owner", "household__street", "person"), pk=id
    )
    project = _plan(request, enrolment.project_id, manage=True)
    label, required, asked = ACTIONS[action]
    form = (
        ReasonForm(request.POST if request.method == "POST" else None, required=required) if asked else None
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        actor = Actor.from_request(request)
        target = form if form is not None else request
        with refusals_to(target) as tried:
            if action == "pause":
                services.pause(actor=actor, enrolment=enrolment, reason=form.cleaned_data["reason"])
            elif action == "resume":
                services.resume(actor=actor, enrolment=enrolment)
            else:
                services.exit(actor=actor, enrolment=enrolment, reason=form.cleaned_data["reason"])
        if tried.ok:
            messages.success(request, f"已{label}：档案 {enrolment.household.file_number}。")
            return redirect("projects:enrolments", pk=project.pk)
        if form is None:
            return redirect("projects:enrolments", pk=project.pk)
    return render(
        request,
        "projects/enrolment/act.html",
        {"project": project, "enrolment": enrolment, "form": form, "label": label, "action": action},
    )


@login_required
def enrol_household(request, hid: int):
    household = household_get(user=request.user, pk=hid)
    day = timezone.localdate()
    plans = services.enrollable_plans(request.user, household, day)
    if not plans and not any(
        has_perm_at(request.user, services.ENROL, o)
        for o in (household.street_id, household.street.parent_id)
    ):
        raise Http404
    members = list(household.members.filter(active=True).order_by("id"))
    form = HouseholdEnrolForm(request.POST or None, plans=plans, members=members)
    if request.method == "POST" and form.is_valid():
        project = next(p for p in plans if str(p.pk) == form.cleaned_data["project"])
        person = next((m for m in members if str(m.pk) == form.cleaned_data["person"]), None)
        with refusals_to(form) as tried:
            services.enrol_one(
                actor=Actor.from_request(request), project=project, household=household, person=person
            )
        if tried.ok:
            messages.success(request, f"已将本户纳入项目“{project.title}”。")
            return redirect("registry:detail", pk=household.pk)
    return render(
        request, "projects/enrolment/household.html", {"household": household, "form": form, "plans": plans}
    )
