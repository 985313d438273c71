"""Pages of a plan's batches: the list, a new batch, the batch and its items, its actions
(approve and deliver on a second screen that asks 请确认; follow-up; cancel). Thin: reads through
`selectors` and `batches.batch_visible` (out of scope → 404), writes through its services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.money import ZERO
from bangfu.core.views import refusals_to
from bangfu.funds import selectors as fund_selectors

from .. import batches, selectors
from ..forms import batches as forms
from ..models import Batch, BatchItem, ItemState

ITEM_SORTS = {
    "file_number": ("household__file_number",),
    "value": ("value",),
    "state": ("state",),
}


def _items(batch: Batch):
    return BatchItem.objects.filter(batch=batch).select_related("household", "person")


@login_required
def batch_list(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    rows = (
        Batch.objects.filter(project=project)
        .select_related("prepared_by", "approved_by", "follows")
        .order_by("-number")
    )
    may, reason = batches.may_prepare(request.user, project)
    return render(
        request,
        "projects/batches/list.html",
        {"project": project, "batches": rows, "may_prepare": may, "prepare_reason": reason},
    )


def _made(request, form, make):
    """A new batch (`make(actor=, due_date=)`) from a valid due-date form: its page; else None."""
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            batch = make(actor=Actor.from_request(request), due_date=form.cleaned_data["due_date"])
        if tried.ok:
            kind = "补发批次" if batch.follows_id else "发放批次"
            messages.success(request, f"已编制{kind}{batch}：{batch.item_count} 户，待另一人审批。")
            return redirect("projects:batch", pk=batch.pk)
    return None


@login_required
def batch_new(request, pk: int):
    project = selectors.plan_visible(request.user, pk)
    may, reason = batches.may_prepare(request.user, project)
    if not may:
        messages.error(request, reason)
        return redirect("projects:batches", pk=project.pk)
    form = forms.PrepareForm(request.POST or None)
    made = _made(request, form, lambda **kw: batches.prepare(project=project, **kw))
    if made:
        return made
    return render(
        request,
        "projects/batches/form.html",
        {"project": project, "form": form, "title": "编制发放批次", "submit": "编制批次"},
        status=400 if request.method == "POST" else 200,
    )


def _offers(user, batch: Batch) -> list[dict]:
    return [
        {"action": a, "label": label, "allowed": ok, "reason": reason}
        for a, label, ok, reason in batches.offers(user, batch)
    ]


def _totals(batch: Batch) -> dict:
    """The items by state, and the money of the batch."""
    counts = dict(
        BatchItem.objects.filter(batch=batch)
        .values("state")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {
        "by_state": [(label, counts[s]) for s, label in ItemState.choices if counts.get(s)],
        "money": batches.money_total(batch),
    }


@login_required
def batch_detail(request, pk: int):
    batch = batches.batch_visible(request.user, pk)
    listing = make_listing(request, _items(batch), sorts=ITEM_SORTS, default="file_number", per_page=100)
    return render(
        request,
        "projects/batches/detail.html",
        {
            "batch": batch,
            "project": batch.project,
            "listing": listing,
            "page": listing.page,
            "offers": _offers(request.user, batch),
            "totals": _totals(batch),
            "follow_ups": batch.follow_ups.order_by("number"),
        },
    )


def _offered(request, batch: Batch, action: str) -> dict | None:
    """The offer of `action` to this user, or None (a 404: nothing to show them)."""
    offer = next((o for o in _offers(request.user, batch) if o["action"] == action), None)
    if offer is None:
        if not batches.may_handle(request.user, batch.project):
            raise Http404
        # Not in this state (a form sent twice, the batch moved on meanwhile): the batch as it is.
        messages.error(
            request, f"{batch}当前为“{batch.get_state_display()}”，不能{batches.ACTION_LABELS[action]}。"
        )
        return None
    if not offer["allowed"]:
        messages.error(request, offer["reason"])
        return None
    return offer


@login_required
def batch_act(request, pk: int, action: str):
    batch = batches.batch_visible(request.user, pk)
    if action not in batches.ACTION_LABELS:
        raise Http404
    # A delivery recorded meanwhile answers with the batch as it is (never a second posting).
    offer = _offered(request, batch, action)
    if offer is None:
        return redirect("projects:batch", pk=batch.pk)
    view = {"approve": _approve, "deliver": _deliver, "follow_up": _follow_up, "cancel": _cancel}[action]
    return view(request, batch, offer)


def _page(request, batch, offer, form, status=None, **extra):
    post = request.method == "POST"
    return render(
        request,
        "projects/batches/act.html",
        {"batch": batch, "project": batch.project, "offer": offer, "form": form, **extra},
        status=status or (400 if post and form.errors else 200),
    )


def _fund_figures(batch: Batch, money) -> dict | None:
    """可用余额, 已审批未发放, and what is left once this batch is approved (read without locks:
    the approval reads them again under its lock)."""
    project = batch.project
    if project.fund_source_id is None:
        return None
    held = fund_selectors.balance(org_id=project.owner_id, source_id=project.fund_source_id)
    committed = batches.committed_elsewhere(batch)
    return {"held": held, "committed": committed, "left": held - committed - money}


def _approve(request, batch, offer):
    form = forms.ConfirmForm(request.POST or None)
    money = batches.money_total(batch)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["confirm"]:
        with refusals_to(form) as tried:
            batches.approve(actor=Actor.from_request(request), batch=batch)
        if tried.ok:
            messages.success(request, f"已审批{batch}。")
            return redirect("projects:batch", pk=batch.pk)
    return _page(
        request, batch, offer, form, money=money, fund=_fund_figures(batch, money) if money else None
    )


def _deliver(request, batch, offer):
    pending = list(_items(batch).filter(state=ItemState.PENDING).order_by("household__file_number", "pk"))
    post = request.method == "POST"
    form = forms.DeliverForm(
        request.POST if post else None,
        pending_ids={i.pk for i in pending},
        initial={"day": timezone.localdate()},
    )
    if post and form.is_valid():
        skipped = form.undelivered
        if form.cleaned_data["confirm"]:
            with refusals_to(form) as tried:
                batches.deliver(
                    actor=Actor.from_request(request),
                    batch=batch,
                    day=form.cleaned_data["day"],
                    undelivered=skipped,
                )
            if tried.ok:
                messages.success(request, f"已登记{batch}的发放：{len(pending) - len(skipped)} 户已发放。")
                return redirect("projects:batch", pk=batch.pk)
        else:
            delivered = [i for i in pending if i.pk not in skipped]
            return _page(
                request, batch, offer, form, confirming=True, day=form.cleaned_data["day"],
                skipped=[(i, skipped[i.pk]) for i in pending if i.pk in skipped], delivered_count=len(delivered),
                delivered_money=sum((i.value for i in delivered if i.kind == "money"), ZERO),
            )  # fmt: skip
    ticked = set(form.undelivered) if post else set()
    return _page(
        request, batch, offer, form,
        items=[(i, i.pk in ticked, request.POST.get(f"reason_{i.pk}", "") if post else "") for i in pending],
        missing=getattr(form, "missing", set()),
    )  # fmt: skip


def _follow_up(request, batch, offer):
    form = forms.PrepareForm(request.POST or None)
    made = _made(request, form, lambda **kw: batches.follow_up(batch=batch, **kw))
    return made or _page(request, batch, offer, form)


def _cancel(request, batch, offer):
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            batches.cancel(actor=Actor.from_request(request), batch=batch, reason=form.cleaned_data["reason"])
        if tried.ok:
            messages.success(request, f"已撤销{batch}。")
            return redirect("projects:batch", pk=batch.pk)
    return _page(request, batch, offer, form)
