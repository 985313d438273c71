"""Pages of active discovery: parse input, call one service or selector, render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.cases.selectors import SCREENING_INTERVAL_DAYS
from bangfu.core.listing import make_listing
from bangfu.core.views import refusals_to
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at, require_perm_somewhere, scope_for
from bangfu.registry.selectors import household_get, household_head

from . import filters, forms, selectors, services


@login_required
def discovery(request):
    require_perm_somewhere(request.user, "discovery.visit")
    user = request.user
    streets = scope_for(user, "discovery.visit").filter(
        Organisation.objects.filter(kind=OrgKind.STREET, active=True).order_by("code"), "pk"
    )
    form = filters.DueFilterForm(request.GET, streets=streets)
    due = selectors.households_due_for_visit(user=user, **form.filters())
    listing = make_listing(request, due, sorts=selectors.DUE_SORTS, default="street", form=form)
    for h in listing.page:
        h.head = household_head(h)  # from the prefetched members: no query per row
    return render(
        request,
        "discovery/discovery.html",
        {
            "listing": listing,
            "page": listing.page,
            "form": form,
            "due": listing.page,
            "leads": selectors.leads_open(user=user)[:200],
            "recent": selectors.visits(user=user)[:20],
        },
    )


@login_required
def visit_new(request, household_pk: int):
    require_perm_somewhere(request.user, "discovery.visit")
    household = household_get(user=request.user, pk=household_pk)
    if not has_perm_at(request.user, "discovery.visit", household.street_id):
        raise Http404
    lead = None
    if request.GET.get("lead") or request.POST.get("lead"):
        lead = selectors.lead_get(
            user=request.user, pk=int(request.GET.get("lead") or request.POST.get("lead"))
        )
    members = list(household.members.filter(active=True))
    today = timezone.localdate()
    form = forms.VisitForm(
        request.POST or None,
        members=members,
        initial={"visited_on": today, "next_visit_due": today + timedelta(days=SCREENING_INTERVAL_DAYS)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        applicant = next((p for p in members if p.pk == d["applicant"]), None)
        with refusals_to(form) as tried:
            _, case = services.visit_record(
                actor=Actor.from_request(request), household=household, visited_on=d["visited_on"],
                finding=d["finding"], notes=d["notes"], next_visit_due=d["next_visit_due"],
                open_application=d["open_application"], applicant=applicant, aid_type=d["aid_type"] or "other",
                lead=lead,
            )  # fmt: skip
        if tried.ok:
            messages.success(request, "已记录排摸。")
            if case is not None:
                return redirect("cases:detail", pk=case.pk)
            return redirect("discovery:discovery")
    return render(request, "discovery/visit_new.html", {"form": form, "household": household, "lead": lead})


@login_required
def lead_new(request, household_pk: int):
    """Staff raise a lead from the household file; it joins the street's discovery list."""
    household = household_get(user=request.user, pk=household_pk)
    if not has_perm_at(request.user, "discovery.visit", household.street_id):
        raise Http404
    form = forms.LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            services.lead_raise(
                actor=Actor.from_request(request), household=household, source=d["source"],
                description=d["description"].strip(),
            )  # fmt: skip
        if tried.ok:
            messages.success(request, "已登记线索，已列入本街镇的主动发现待办。")
            return redirect("registry:detail", pk=household.pk)
    return render(request, "discovery/lead_new.html", {"form": form, "household": household})


@login_required
@require_POST
def lead_close(request, pk: int):
    lead = selectors.lead_get(user=request.user, pk=pk)
    with refusals_to(request):
        services.lead_close(
            actor=Actor.from_request(request), lead=lead, resolution=request.POST.get("resolution", "")
        )
    return redirect("discovery:discovery")
