"""Policy pages: the versions, one version's parameters, drafting, review and publishing,
trying a request against the version in force or a draft ("试算"), and the what-if of a
version over a period's real cases ("历史个案测算")."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.cases import trial
from bangfu.core.views import refusals_to
from bangfu.jobs.selectors import jobs_of
from bangfu.orgs.scope import has_perm, has_perm_at, require_perm, require_perm_somewhere

from . import jobs as policy_jobs
from . import selectors, services
from .forms import PolicyCreateForm, PolicyHeaderForm, ReturnForm, ValueForm, WhatIfForm
from .models import ParameterValue, Policy
from .parameters import SPEC_BY_NAME
from .presentation import value_zh
from .trial import InvoiceLineFormSet, TrialForm, try_out
from .trial import version_choices as trial_version_choices


def _policy(request, code: str) -> Policy:
    policy = selectors.policy_visible(user=request.user, code=code)
    if policy is None:
        raise Http404
    return policy


@login_required
def policy_list(request):
    require_perm_somewhere(request.user, "policy.view")
    policies = selectors.policies_visible(user=request.user)
    can_draft = has_perm(request.user, "policy.draft")
    return render(request, "policy/list.html", {"policies": policies, "can_draft": can_draft})


@login_required
def policy_detail(request, code):
    policy = _policy(request, code)
    values = [
        {
            "row": v,
            "label": v.label,
            "shown": value_zh(v.name, v.value) if v.name in SPEC_BY_NAME else v.value,
        }
        for v in policy.values.all()
    ]
    missing = selectors.missing_parameters(policy)
    user = request.user
    return render(
        request,
        "policy/detail.html",
        {
            "policy": policy,
            "values": values,
            "missing": missing,
            "can_edit": services.can_edit(user, policy)[0],
            "can_return": services.can_return(user, policy)[0],
            "publish": services.can_publish(user, policy),
            "editors": policy.editors.all(),
            "return_form": ReturnForm(),
            "can_what_if": has_perm_at(user, "policy.view", policy.district),
        },
    )


@login_required
def what_if(request, code):
    """The version over the district's real cases of a period, against the versions in force.

    District-level reading: `policy.view` at the version's district. The cases are the
    user's own scope of `cases.view` (so the figures never include what they may not see).
    A busy district-year takes a while: the form starts a job (policy/jobs.py) and the job's
    page shows its progress, then the result, kept to be opened again (listed here).
    """
    policy = _policy(request, code)
    require_perm(request.user, "policy.view", policy.district)
    today = timezone.localdate()
    initial = {"start": today - timedelta(days=365), "end": today}  # the last twelve months
    form = WhatIfForm(request.POST or None, initial=initial)
    missing = selectors.missing_parameters(policy)
    if request.method == "POST" and form.is_valid() and not missing:
        with refusals_to(form) as tried:
            job = policy_jobs.what_if_start(
                actor=Actor.from_request(request), policy=policy, **form.cleaned_data
            )
        if tried.ok:
            return redirect("jobs:detail", pk=job.pk)
    earlier = jobs_of(user=request.user, kind=policy_jobs.WHAT_IF, policy=policy.code)[:10]
    return render(
        request,
        "policy/what_if.html",
        {"policy": policy, "form": form, "missing": missing, "earlier": earlier},
    )


@login_required
def policy_create(request):
    require_perm_somewhere(request.user, "policy.draft")
    districts = selectors.districts_where(user=request.user, perm="policy.draft")
    sources = selectors.policies_visible(user=request.user)
    form = PolicyCreateForm(request.POST or None, districts=districts, sources=sources)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            policy = services.policy_draft_create(actor=Actor.from_request(request), **form.cleaned_data)
        if tried.ok:
            messages.success(
                request, f"草稿 {policy.code} 已创建，参数已从 {form.cleaned_data['copy_from'].code} 复制。"
            )
            return redirect("policy:detail", code=policy.code)
    return render(request, "policy/form.html", {"form": form, "heading": "新建政策版本（草稿）"})


@login_required
def policy_edit(request, code):
    policy = _policy(request, code)
    require_perm(request.user, "policy.draft", policy.district)
    initial = {
        f: getattr(policy, f) for f in ("title", "document", "valid_from", "valid_to", "validity_reference")
    }
    form = PolicyHeaderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            services.policy_update(actor=Actor.from_request(request), policy=policy, **form.cleaned_data)
        if tried.ok:
            messages.success(request, "已保存。")
            return redirect("policy:detail", code=policy.code)
    return render(
        request, "policy/form.html", {"form": form, "heading": f"修改：{policy.title}", "policy": policy}
    )


@login_required
def value_edit(request, code, pk=None):
    policy = _policy(request, code)
    require_perm(request.user, "policy.draft", policy.district)
    row = get_object_or_404(ParameterValue, pk=pk, policy=policy) if pk else None
    initial = (
        {
            "name": row.name,
            "start": row.start,
            "value": row.value,
            "reference": row.reference,
            "generally": row.generally,
        }
        if row
        else {"name": request.GET.get("name", ""), "start": policy.valid_from}
    )
    form = ValueForm(request.POST or None, initial=initial, policy=policy)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        with refusals_to(form) as tried:
            if row and (row.name, row.start) != (form.cleaned_data["name"], form.cleaned_data["start"]):
                # Moving a value to another parameter or date replaces it.
                services.parameter_value_delete(actor=actor, policy=policy, value=row)
            services.parameter_value_set(actor=actor, policy=policy, **form.cleaned_data)
        if tried.ok:
            messages.success(request, "参数已保存。")
            return redirect("policy:detail", code=policy.code)
    heading = f"{policy.title}：{'修改' if row else '新增'}参数取值"
    return render(request, "policy/form.html", {"form": form, "heading": heading, "policy": policy})


@login_required
@require_POST
def value_delete(request, code, pk):
    policy = _policy(request, code)
    require_perm(request.user, "policy.draft", policy.district)
    row = get_object_or_404(ParameterValue, pk=pk, policy=policy)
    return _step(request, policy, services.parameter_value_delete, "取值已删除。", value=row)


def _step(request, policy, service, done: str, **kwargs):
    with refusals_to(request) as tried:
        service(actor=Actor.from_request(request), policy=policy, **kwargs)
    if tried.ok:
        messages.success(request, done)
    return redirect("policy:detail", code=policy.code)


@login_required
@require_POST
def policy_submit(request, code):
    policy = _policy(request, code)
    require_perm(request.user, "policy.draft", policy.district)
    return _step(request, policy, services.policy_submit, "已提交审核。")


@login_required
@require_POST
def policy_return(request, code):
    policy = _policy(request, code)
    require_perm(request.user, "policy.publish", policy.district)
    form = ReturnForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _step(request, policy, services.policy_return, "已退回起草人修改。", note=note)


@login_required
@require_POST
def policy_publish(request, code):
    policy = _policy(request, code)
    require_perm(request.user, "policy.publish", policy.district)
    return _step(request, policy, services.policy_publish, "已发布：该版本自此不可更改。")


@login_required
@require_POST
def policy_discard(request, code):
    policy = _policy(request, code)
    require_perm(request.user, "policy.draft", policy.district)
    with refusals_to(request) as tried:
        services.policy_discard(actor=Actor.from_request(request), policy=policy)
    if not tried.ok:
        return redirect("policy:detail", code=policy.code)
    messages.success(request, f"草稿 {code} 已删除。")
    return redirect("policy:list")


@login_required
def evaluate(request):
    """试算: a household on file (searched within the user's scope) or its facts typed in, an
    aid type and its fields, a version and a day; answered by the engine, shown as the case page
    shows it (policy/_trace.html). The form builds the request the API takes (policy/trial.py).
    """
    require_perm_somewhere(request.user, "policy.view")
    user = request.user
    picked_pk = request.POST.get("household") if request.method == "POST" else request.GET.get("household")
    household = trial.trial_household(user=user, pk=picked_pk) if picked_pk else None
    if picked_pk and household is None and request.method == "GET":
        raise Http404  # outside the user's scope, as if it did not exist
    initial = {
        "application_date": timezone.localdate(),
        "version": request.GET.get("policy", ""),
        "source": "file" if household else "hand",
        "household": household.pk if household else None,
    }
    form = TrialForm(
        request.POST or None, initial=initial, districts=selectors.network_districts(),
        versions=trial_version_choices(user=user),
    )  # fmt: skip
    lines = InvoiceLineFormSet(request.POST or None, prefix="invoice")
    answer = facts = None
    if request.method == "POST" and form.is_valid() & lines.is_valid():
        answer, facts = try_out(
            user=user, form=form, lines=lines, household=household, facts_of=trial.household_facts
        )
    q = request.GET.get("q", "").strip()
    found = trial.trial_households(user=user, q=q) if q else []
    return render(
        request,
        "policy/evaluate.html",
        {"form": form, "lines": lines, "answer": answer, "household": household, "facts": facts, "q": q,
         "found": found},
    )  # fmt: skip
