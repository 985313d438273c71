"""Pages of the case procedure: parse input, call one service or selector, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.listing import make_listing
from bangfu.core.refusal import Refused
from bangfu.core.views import refusals_to
from bangfu.orgs.scope import has_perm_at, require_perm_somewhere
from bangfu.registry.selectors import household_get

from . import filters, forms, pdf, selectors, services, workflow
from .models import CaseState, FollowUp, Invoice, Payment, PaymentMethod


def _case_context(request, case) -> dict:
    user = request.user
    today = timezone.localdate()
    payment = Payment.objects.filter(case=case).select_related("receipt").first()
    invoices = list(case.invoices.all())
    dup = {inv.pk: list(selectors.invoice_duplicates(inv)) for inv in invoices}
    actions = workflow.available_actions(user, case)
    return {
        "case": case,
        "actions": [a for a in actions if a.action != "receipt"],
        "blocked": [a for a in actions if not a.allowed and a.action != "receipt"],
        "transitions": selectors.case_history(case=case),
        "invoices": invoices,
        "duplicates": dup,
        "documents": case.documents.all(),
        "investigation": getattr(case, "investigation", None) if hasattr(case, "investigation") else None,
        "review": getattr(case, "panel_review", None) if hasattr(case, "panel_review") else None,
        "approvals": case.approvals.select_related("by"),
        "payment": payment,
        "follow_ups": case.follow_ups.select_related("assigned_to", "done_by"),
        "missing": workflow.missing_steps(case) if case.help_first else [],
        "paperwork_overdue": case.help_first and case.state == CaseState.PAID and case.paperwork_due < today,
        "may_intake": has_perm_at(user, "cases.intake", case.street_id)
        and case.state in services.INVOICE_STATES,
        "may_add_invoice": services.invoice_may_add(user, case),
        "may_propose": services.case_may_propose(user, case),
        "may_upload": (
            has_perm_at(user, "cases.intake", case.street_id)
            or has_perm_at(user, "cases.investigate", case.street_id)
        )
        and services._document_states_ok(case),
        "may_override": has_perm_at(user, "cases.approve_district", case.street_id),
        # The receipt is its own form on the payment card: offered while no receipt is recorded
        # (once it is, the card shows the receipt instead).
        "may_receipt": payment is not None
        and payment.receipt_id is None
        and any(a.action == "receipt" and a.allowed for a in actions),
        "may_assign": has_perm_at(user, "cases.follow_up", case.street_id),
        "assign_form": forms.FollowUpAssignForm(
            auto_id="assign_%s", assignees=selectors.follow_up_assignees(case=case)
        ),
        # Three forms on one page: their own id prefixes, so no two inputs share an id.
        "invoice_form": forms.InvoiceForm(auto_id="invoice_%s"),
        "document_form": forms.DocumentForm(auto_id="document_%s"),
        "receipt_form": forms.ReceiptForm(auto_id="receipt_%s"),
        "today": today,
        "pdf_forms": [(key, title) for key, (title, _) in pdf.FORMS.items() if key != "receipt" or payment],
        **_pre_review_context(user, case),
    }


@login_required
def case_list(request):
    require_perm_somewhere(request.user, "cases.view")
    queue = request.GET.get("queue", "")
    form = filters.CaseFilterForm(request.GET, streets=selectors.case_streets(user=request.user))
    qs = selectors.case_search(
        selectors.case_queue(user=request.user, queue=queue), user=request.user, **form.filters()
    )
    # A queue with an order of its own (the pre-reviews, newest submission first) keeps it
    # until a column is chosen.
    listing = make_listing(
        request, qs, sorts=selectors.CASE_SORTS, default="-date", form=form, per_page=50,
        presorted=queue == "pre_review",
    )  # fmt: skip
    title = selectors.QUEUES.get(queue, ("个案帮扶",))[0]
    if queue == "follow_up_overdue":
        title = "回访逾期"
    elif queue == "paperwork_overdue":
        title = "补办手续逾期"
    return render(
        request,
        "cases/case_list.html",
        {"listing": listing, "page": listing.page, "form": form, "title": title, "queue": queue},
    )


@login_required
def case_new(request, household_pk: int):
    require_perm_somewhere(request.user, "cases.intake")
    household = household_get(user=request.user, pk=household_pk)
    if not has_perm_at(request.user, "cases.intake", household.street_id):
        raise Http404
    allowed, reason = services.case_may_open(household)
    if not allowed:
        messages.error(request, reason)
        return redirect("registry:detail", pk=household.pk)
    members = list(household.members.filter(active=True))
    form = forms.CaseCreateForm(
        request.POST or None, members=members, initial={"application_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            case = services.case_create(
                actor=Actor.from_request(request),
                household=household,
                applicant=next(p for p in members if p.pk == d["applicant"]),
                aid_type=d["aid_type"],
                application_date=d["application_date"],
                hardship=d["hardship"],
                requested_amount=d["requested_amount"],
                personal_share=d["personal_share"],
                emergency_event=d["emergency_event"],
                casualty_or_major_loss=d["casualty_or_major_loss"],
            )
        if tried.ok:
            messages.success(request, f"已受理申请，个案编号 {case.number}。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_new.html", {"form": form, "household": household})


@login_required
def case_detail(request, pk: int):
    case = selectors.case_for_task(user=request.user, pk=pk)
    return _case_page(request, case)


def _case_page(request, case, *, refused: Refused | None = None, **bound):
    """The case page; after a form on it was refused, with that form bound (what was typed,
    and the refusal on it) in place of the empty one, shown even where the page would not
    offer it now: never a redirect that loses the input. Answered with the refusal's status
    (403 for a step the user may not take), 400 for input the form itself rejects."""
    status = (refused.status if refused else 400) if bound else 200
    context = {**_case_context(request, case), **bound, "refused_form": next(iter(bound.values()), None)}
    return render(request, "cases/case_detail.html", context, status=status)


def _action_form(action: str, case, data=None, initial=None):
    cls = forms.ACTION_FORMS[action]
    if cls is forms.ReviewForm:
        return cls(data, roster=selectors.panel_roster(street=case.street))
    initial = dict(initial or {})
    if action in ("approve", "refer", "approve_district") and case.approved_amount is not None:
        initial["amount"] = case.approved_amount
    if action == "pay":
        initial["idempotency_key"] = uuid.uuid4()
    return cls(data, initial=initial)


@login_required
def case_action(request, pk: int, action: str):
    case = selectors.case_for_task(user=request.user, pk=pk)
    if action not in forms.ACTION_FORMS:
        raise Http404
    # The page and the procedure say no with the same words (`workflow.offer`, `transition`):
    # the form is not opened for what the case does not allow; a form sent all the same (the
    # records changed meanwhile) is refused by the service, and keeps what was typed.
    offer = workflow.offer(request.user, case, action)
    if not offer.allowed and (request.method != "POST" or offer.code == "not_allowed"):
        messages.error(request, offer.reason)
        return redirect("cases:detail", pk=case.pk)
    if action == "pay":
        return _pay(request, case)
    label = workflow.action_label(case, action)
    form = _action_form(action, case, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if isinstance(form, forms.ReviewForm):
            data["attendance"] = form.attendance()
        with refusals_to(form) as tried:
            services.case_transition(case=case, action=action, actor=Actor.from_request(request), **data)
        if tried.ok:
            messages.success(request, f"已办理：{label}。")
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/case_action.html",
        {"case": case, "form": form, "action": action, "label": label},
        status=400 if request.method == "POST" else 200,
    )


def _pay(request, case):
    """签收发放 in two screens: the cashier chooses the method; the next screen restates
    payee, amount, account and fund and asks 请确认; only its confirmed submission pays,
    with the key the first screen issued (so a double click still pays once)."""
    label = workflow.action_label(case, "pay")
    screen = selectors.pay_screen(case=case, day=timezone.localdate())
    post = request.method == "POST"
    form = _action_form("pay", case, request.POST if post else None, initial={"method": screen.method})
    context = {"case": case, "form": form, "action": "pay", "label": label, "screen": screen}
    if post and form.is_valid():
        method, key, token = (form.cleaned_data[k] for k in ("method", "idempotency_key", "confirm"))
        terms = {"case": case, "screen": screen, "method": method, "key": key}
        if not forms.pay_confirmed(token, **terms):
            if token:  # confirmed other terms than these, or too long ago: shown again, not paid
                form.add_error(None, "发放信息已变化或确认已超时，请核对后重新确认。")
            return render(
                request, "cases/case_action.html",
                {**context, "confirming": True, "method": method, "method_label": PaymentMethod(method).label,
                 "key": key, "confirm": forms.pay_confirmation(**terms)},
            )  # fmt: skip
        with refusals_to(form) as tried:
            services.case_pay(case=case, actor=Actor.from_request(request), method=method, idempotency_key=key)
        if tried.ok:
            messages.success(request, f"已办理：{label}。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_action.html", context, status=400 if post else 200)


@login_required
@require_POST
def invoice_add(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.InvoiceForm(request.POST, request.FILES, auto_id="invoice_%s")
    tried = refusals_to(form)
    if form.is_valid():
        d = form.cleaned_data
        with tried:
            invoice, dups = services.invoice_add(
                actor=Actor.from_request(request), case=case, number=d["number"], hospital=d["hospital"],
                regular_hospital=d["regular_hospital"], date=d["date"], fee_type=d["fee_type"], total=d["total"],
                reimbursed=d["reimbursed"] or 0, self_paid=d["self_paid"], upload=d["upload"],
            )  # fmt: skip
        if tried.ok:
            if dups:
                streets = "、".join(sorted({x.case.street.name for x in dups}))
                messages.warning(
                    request,
                    f"发票 {invoice.hospital} {invoice.number} 已在其他个案中申报（{streets}），须由区服务社核实放行。",
                )
            else:
                messages.success(request, "已录入发票。")
            return redirect("cases:detail", pk=case.pk)
    return _case_page(request, case, refused=tried.refused, invoice_form=form)


@login_required
@require_POST
def invoice_remove(request, pk: int, invoice_pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    invoice = get_object_or_404(Invoice, case=case, pk=invoice_pk)
    with refusals_to(request):
        services.invoice_remove(actor=Actor.from_request(request), invoice=invoice)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def invoice_override(request, pk: int, invoice_pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    invoice = get_object_or_404(Invoice, case=case, pk=invoice_pk)
    with refusals_to(request) as tried:
        services.invoice_override(
            actor=Actor.from_request(request), invoice=invoice, reason=request.POST.get("reason", "")
        )
    if tried.ok:
        messages.success(request, "已放行该发票。")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def document_upload(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.DocumentForm(request.POST, request.FILES, auto_id="document_%s")
    tried = refusals_to(form)
    if form.is_valid():
        with tried:
            services.document_upload(
                actor=Actor.from_request(request),
                case=case,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["upload"],
            )
        if tried.ok:
            messages.success(request, "已上传材料。")
            return redirect("cases:detail", pk=case.pk)
    return _case_page(request, case, refused=tried.refused, document_form=form)


@login_required
def document_download(request, pk: int, doc_pk: int):
    # Scoped: the case must be in the user's scope; files are never served as static.
    case = selectors.case_get(user=request.user, pk=pk)
    doc = selectors.document_get(user=request.user, case=case, pk=doc_pk)
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def receipt(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.ReceiptForm(request.POST, request.FILES, auto_id="receipt_%s")
    tried = refusals_to(form)
    if form.is_valid():
        with tried:
            services.receipt_record(
                actor=Actor.from_request(request), case=case, upload=form.cleaned_data["upload"],
                signature=form.cleaned_data["signature"],
            )  # fmt: skip
        if tried.ok:
            messages.success(request, "已登记签收。")
            return redirect("cases:detail", pk=case.pk)
    return _case_page(request, case, refused=tried.refused, receipt_form=form)


@login_required
@require_POST
def propose(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    with refusals_to(request):
        services.case_propose(case=case, actor=Actor.from_request(request))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def follow_up_assign(request, pk: int, follow_up_pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    task = get_object_or_404(FollowUp, case=case, pk=follow_up_pk)
    form = forms.FollowUpAssignForm(request.POST, assignees=selectors.follow_up_assignees(case=case))
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("user", [])) or "请选择回访人员。")
        return redirect("cases:detail", pk=case.pk)
    user = form.cleaned_data["user"]
    with refusals_to(request) as tried:
        services.follow_up_assign(actor=Actor.from_request(request), follow_up=task, user=user)
    if tried.ok:
        messages.success(request, f"已分派给 {user}。")
    return redirect("cases:detail", pk=case.pk)


@login_required
def my_tasks(request):
    listing = make_listing(
        request, selectors.tasks_assigned(user=request.user), sorts=selectors.TASK_SORTS, default="due"
    )
    return render(
        request,
        "cases/my_tasks.html",
        {"listing": listing, "page": listing.page, "tasks": listing.page, "today": timezone.localdate()},
    )


@login_required
def panel_roster(request):
    require_perm_somewhere(request.user, "cases.roster")
    streets = [
        a.org
        for a in request.user.role_assignments.select_related("org")
        if a.org.kind == "street" and has_perm_at(request.user, "cases.roster", a.org)
    ]
    streets = list({s.pk: s for s in streets}.values())
    form = forms.PanelMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and streets:
        with refusals_to(request) as tried:
            services.panel_member_add(
                actor=Actor.from_request(request), street=streets[0], **form.cleaned_data
            )
        if tried.ok:
            return redirect("cases:roster")
    members = [m for s in streets for m in selectors.panel_roster(street=s)]
    return render(request, "cases/roster.html", {"members": members, "form": form, "streets": streets})


# --- the pre-review form to the district (长民发〔2016〕31号 四(二)) ----------------------------------


def _pre_review_context(user, case) -> dict:
    pre_review = selectors.pre_review_of(case=case)
    return {
        "pre_review": pre_review,
        "may_submit_pre_review": pre_review is None and services.pre_review_may_submit(user, case)[0],
        "may_remark_pre_review": pre_review is not None and services.pre_review_may_remark(user, pre_review),
        "remark_form": forms.PreReviewRemarkForm(auto_id="remark_%s"),
    }


@login_required
@require_POST
def pre_review_submit(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    with refusals_to(request) as tried:
        services.pre_review_submit(actor=Actor.from_request(request), case=case)
    if tried.ok:
        messages.success(request, "已向区服务社提交综合帮扶预审表。")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def pre_review_remark(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    pre_review = selectors.pre_review_of(case=case)
    if pre_review is None:
        raise Http404
    form = forms.PreReviewRemarkForm(request.POST, auto_id="remark_%s")
    tried = refusals_to(form)
    if form.is_valid():
        with tried:
            services.pre_review_remark(
                actor=Actor.from_request(request), pre_review=pre_review, text=form.cleaned_data["text"]
            )
        if tried.ok:
            messages.success(request, "已填写预审意见。")
            return redirect("cases:detail", pk=case.pk)
    return _case_page(request, case, refused=tried.refused, remark_form=form)
