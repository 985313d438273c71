"""Pages of a plan: the list, drawing up and editing, the plan's page with its filing steps, and
its indicators. Reads through `projects.selectors` (outside scope → 404), writes through one
function of `projects.filing` or `projects.indicators` each; a refusal is shown on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.refusal import Refused
from bangfu.core.views import refusals_to
from bangfu.funds.models import FundKind
from bangfu.orgs.people import user_name
from bangfu.orgs.scope import require_perm_somewhere

from .. import filing, indicators, selectors
from ..forms.plans import IndicatorsForm, PlanFilterForm, PlanForm, RemarksForm
from ..models import Project
from ..targets import Target

PLAN_SORTS = {
    "code": ("code",),
    "title": ("title",),
    "owner": ("owner__code",),
    "budget": ("budget",),
    "state": ("state",),
    "period": ("period_start",),
    "filed": ("filed_at",),
}


def _filtered(qs, filters: dict):
    if q := filters.get("q"):
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(filing_number__icontains=q))
    if state := filters.get("state"):
        qs = qs.filter(state=state)
    if kind := filters.get("owner_kind"):
        qs = qs.filter(owner__kind=kind)
    if lottery := filters.get("lottery"):
        on_lottery = Q(fund_source__kind=FundKind.LOTTERY)
        qs = qs.filter(on_lottery) if lottery == "yes" else qs.exclude(on_lottery)
    return qs


@login_required
def plan_list(request):
    require_perm_somewhere(request.user, "projects.view")
    form = PlanFilterForm(request.GET)
    qs = _filtered(selectors.plans_visible(request.user), form.filters())
    listing = make_listing(request, qs, sorts=PLAN_SORTS, default="-code", form=form, per_page=30)
    return render(
        request,
        "projects/plan_list.html",
        {
            "listing": listing,
            "page": listing.page,
            "form": form,
            "may_create": bool(filing.owners_for(request.user)),
        },
    )


def _sources_for(owners, project=None):
    seen, out = set(), []
    for owner in owners:
        for s in filing.entitled_sources(owner, project):
            if s.pk not in seen:
                seen.add(s.pk)
                out.append(s)
    return out


@login_required
def plan_new(request):
    owners = filing.owners_for(request.user)
    if not owners:
        raise PermissionDenied
    form = PlanForm(request.POST or None, owners=owners, sources=_sources_for(owners))
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            project = filing.plan_create(
                actor=Actor.from_request(request), owner=form.owner_chosen(), **form.plan_fields()
            )
        if tried.ok:
            messages.success(request, f"已新建项目 {project.code}，请完善绩效指标后提交。")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/plan_form.html",
        {"form": form, "title": "新建帮扶项目", "submit": "保存草稿", "project": None},
        status=400 if request.method == "POST" else 200,
    )


def _not_editable(request, project: Project, *, sent_shows_refusal: bool = False):
    """None when the user may change the plan now; else 403 for whoever is not its owner's staff,
    or back to the plan with the reason (a frozen plan)."""
    refusal = filing.edit_refusal(request.user, project)
    if refusal is None:
        return None
    if refusal.code == "not_allowed":
        raise PermissionDenied(refusal.message)
    if sent_shows_refusal and request.method == "POST":
        return None
    messages.error(request, refusal.message)
    return redirect("projects:detail", pk=project.pk)


@login_required
def plan_edit(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    # A change sent all the same is refused on the form (the plan moved on meanwhile).
    if back := _not_editable(request, project, sent_shows_refusal=True):
        return back
    form = PlanForm(
        request.POST or None,
        owner=project.owner,
        sources=filing.entitled_sources(project.owner, project),
        initial=PlanForm.initial_for(project),
    )
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            filing.plan_update(actor=Actor.from_request(request), project=project, **form.plan_fields())
        if tried.ok:
            messages.success(request, "项目已保存。")
            return redirect("projects:detail", pk=project.pk)
        status = tried.refused.status
    return render(
        request,
        "projects/plan_form.html",
        {"form": form, "title": f"修改项目 {project.code}", "submit": "保存", "project": project},
        status=status,
    )


def _plan_context(request, project: Project) -> dict:
    user = request.user
    actions = filing.available_actions(user, project)
    return {
        "project": project,
        "creator": user_name(project.created_by) if project.created_by_id else "",
        "target_lines": Target.from_json(project.target).describe(),
        "history": filing.history(project),
        "actions": actions,
        "blocked": [a for a in actions if not a.allowed],
        "dimensions": indicators.by_dimension(project),
        "may_edit": filing.may_edit(user, project),
        "remarks_form": RemarksForm(auto_id="remarks_%s"),
    }


@login_required
def plan_detail(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    return render(request, "projects/plan_detail.html", _plan_context(request, project))


@login_required
@require_POST
def plan_act(request, pk: int, action: str):
    project = selectors.plan_visible(request.user, pk)
    if action not in filing.ACTIONS:
        raise Http404
    form = RemarksForm(request.POST, auto_id="remarks_%s")
    refused: Refused | None = None
    if form.is_valid():
        try:
            filing.transition(
                actor=Actor.from_request(request), project=project, action=action,
                remarks=form.cleaned_data["remarks"],
            )  # fmt: skip
        except Refused as e:
            refused = e
        else:
            label = filing.step_label(action, project.owner.kind)
            done = f"已办理：{label}。"
            if project.filing_number and action in ("accept", "approve"):
                done += f"备案号 {project.filing_number}。"
            messages.success(request, done)
            return redirect("projects:detail", pk=project.pk)
    else:
        refused = Refused("意见：" + "；".join(form.errors["remarks"]), field="remarks")  # too long, a NUL
    context = _plan_context(request, project)
    form.add_error(None, refused.message)
    context.update(remarks_form=form, refused=refused, refused_action=action)
    return render(request, "projects/plan_detail.html", context, status=refused.status)


@login_required
def plan_indicators(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    if back := _not_editable(request, project):
        return back
    form = IndicatorsForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            indicators.indicators_update(actor=Actor.from_request(request), project=project, **form.values())
        if tried.ok:
            messages.success(request, "绩效指标已保存。")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/plan_indicators.html",
        {"project": project, "form": form},
        status=400 if request.method == "POST" else 200,
    )
