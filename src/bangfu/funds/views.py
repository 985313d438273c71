"""Fund pages: thin. Reads go through the scoped selectors (out of scope → 404), writes through
one service each (which checks the rules, the permission at the organisation, and audits); a
refusal comes back as the service's Chinese message, with its figures, above the form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangfu.audit.actor import Actor
from bangfu.core.dates import cn_date, month_window
from bangfu.core.listing import make_listing
from bangfu.core.money import ZERO
from bangfu.core.views import refusals_to
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm, has_perm_at, require_perm_somewhere, scope_for

from . import filters, forms, selectors, services
from .models import Account, Agreement, FundKind, FundSource, TransactionKind
from .parameters import management_fee_rate


def _actor(request) -> Actor:
    return Actor.from_request(request)


def _may_manage(user) -> bool:
    return has_perm(user, "funds.manage_foundation") or has_perm(user, "funds.manage_district")


def _require_manager(user) -> None:
    if not _may_manage(user):
        raise PermissionDenied


def _base(request, **extra) -> dict[str, Any]:
    user = request.user
    return {
        "may_manage": _may_manage(user),
        "manages_foundation": has_perm(user, "funds.manage_foundation"),
        "manages_district": has_perm(user, "funds.manage_district"),
        **extra,
    }


# --- balances and dashboard ----------------------------------------------------------------------


@login_required
def balance_list(request):
    """Balances per organisation × fund source on a date, for the organisations in scope."""
    require_perm_somewhere(request.user, "funds.view")
    error = ""
    on = timezone.localdate()
    if request.GET.get("on"):
        try:
            on = date.fromisoformat(request.GET["on"])
        except ValueError:
            error = "日期格式不正确，请按“年-月-日”填写，例如 2025-03-31。已显示今日余额。"
    rows = selectors.balances_visible(user=request.user, on=on)
    return render(
        request, "funds/balance_list.html", _base(request, rows=rows, on=on, error=error, tab="balances")
    )


def _pivot(rows: list[dict], months: list[date]) -> dict:
    """Rows {month, key, label, amount} → Chart.js data: one dataset per key, a value (a string
    made from the Decimal, never a float) per month."""
    index = {m: i for i, m in enumerate(months)}
    series: dict[Any, dict] = {}
    for r in rows:
        s = series.setdefault(r["key"], {"label": r["label"], "values": [ZERO] * len(months)})
        s["values"][index[r["month"]]] += r["amount"]
    return {
        "labels": [f"{m.year}年{m.month}月" for m in months],
        "datasets": [{"label": s["label"], "data": [str(v) for v in s["values"]]} for s in series.values()],
    }


def _totals(rows: list[dict]) -> list[tuple[str, Any]]:
    """Each series' total over the period, largest first (the table under a chart)."""
    totals: dict[str, Any] = {}
    for r in rows:
        totals[r["label"]] = totals.get(r["label"], ZERO) + r["amount"]
    return sorted(totals.items(), key=lambda t: t[1], reverse=True)


BREAKDOWNS = {"district": "按区", "source": "按资金来源", "aid_type": "按帮扶类型"}


@login_required
def dashboard(request):
    """资金看板: aid spending by district, fund source and aid type per month, the money left per
    district, and the period's project aid by plan and fund source. City-wide for the foundation
    and the bureau; a district sees its own."""
    user = request.user
    require_perm_somewhere(user, "funds.view")
    today = timezone.localdate()
    window = month_window(request.GET.get("from"), request.GET.get("to"), today)
    start, last, end, months, errors = window.start, window.last, window.end, window.months, window.errors
    spending = {by: selectors.spending_by_month(user=user, start=start, end=end, by=by) for by in BREAKDOWNS}
    on = min(end, today)
    left_rows = selectors.funds_left_by_district(user=user, on=on)
    districts: dict[int, dict] = {}
    kinds: dict[str, str] = {}
    for r in left_rows:
        d = districts.setdefault(r["district_id"], {"name": r["district"], "by_kind": {}, "total": ZERO})
        d["by_kind"][r["kind"]] = r["amount"]
        d["total"] += r["amount"]
        kinds[r["kind"]] = r["kind_label"]
    district_list = sorted(districts.values(), key=lambda d: d["total"], reverse=True)
    left_chart = {
        "labels": [d["name"] for d in district_list],
        "datasets": [
            {"label": label, "data": [str(d["by_kind"].get(kind, ZERO)) for d in district_list]}
            for kind, label in kinds.items()
        ],
    }
    context = _base(
        request,
        tab="dashboard",
        start=start,
        last=last,
        on=on,
        errors=errors,
        totals=selectors.dashboard_totals(user=user, start=start, end=end),
        projects=selectors.project_aid_of_period(user=user, start=start, end=end),
        breakdowns=[(by, title, _totals(spending[by])) for by, title in BREAKDOWNS.items()],
        left_table=[
            (d["name"], [d["by_kind"].get(k, ZERO) for k in kinds], d["total"]) for d in district_list
        ],
        left_kinds=list(kinds.values()),
        chart_data={**{by: _pivot(rows, months) for by, rows in spending.items()}, "left": left_chart},
        city_wide=scope_for(user, "funds.view").city_wide,
    )
    return render(request, "funds/dashboard.html", context)


# --- fund sources -------------------------------------------------------------------------------


@login_required
def source_list(request):
    require_perm_somewhere(request.user, "funds.view")
    sources = FundSource.objects.select_related("project", "plan").order_by("kind", "draw_order", "code")
    return render(request, "funds/source_list.html", _base(request, sources=sources, tab="sources"))


@login_required
def source_new(request):
    require_perm_somewhere(request.user, "funds.manage_foundation")
    form = forms.FundSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            source = services.fund_source_create(actor=_actor(request), **d)
        if tried.ok:
            messages.success(request, f"已登记资金来源“{source.name}”。")
            return redirect("funds:sources")
    return render(
        request, "funds/form.html",
        _base(request, form=form, title="登记资金来源", submit="登记", tab="sources", back_href=reverse("funds:sources")),
    )  # fmt: skip


# --- agreements ---------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    require_perm_somewhere(request.user, "funds.view")
    agreements = list(selectors.agreements_visible(user=request.user).order_by("-valid_from", "number"))
    for a in agreements:
        a.remaining = a.amount - a.allocated
    return render(
        request, "funds/agreement_list.html", _base(request, agreements=agreements, tab="agreements")
    )


@login_required
def agreement_new(request):
    require_perm_somewhere(request.user, "funds.manage_foundation")
    form = forms.AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            agreement = services.agreement_create(actor=_actor(request), **form.cleaned_data)
        if tried.ok:
            messages.success(request, f"已起草协议 {agreement.number}，签订后方可据此下拨资金。")
            return redirect("funds:agreement", pk=agreement.pk)
    return render(
        request, "funds/form.html",
        _base(request, form=form, title="起草帮扶协议", submit="保存草稿", tab="agreements",
              back_href=reverse("funds:agreements")),
    )  # fmt: skip


def _allocation_targets(user, agreement: Agreement) -> list[Organisation]:
    """Where this user may allocate under the agreement: the district (the foundation's
    managers) and the district's streets (the district's finance)."""
    targets = []
    if has_perm_at(user, "funds.manage_foundation", agreement.foundation_id):
        targets.append(agreement.district)
    if has_perm_at(user, "funds.manage_district", agreement.district_id):
        targets += list(agreement.district.children.filter(kind=OrgKind.STREET).order_by("code"))
    return targets


@login_required
def agreement_detail(request, pk: int):
    require_perm_somewhere(request.user, "funds.view")
    agreement = selectors.agreement_visible(user=request.user, pk=pk)
    allocations = list(selectors.allocations_of(agreement, user=request.user))
    is_foundation_manager = has_perm_at(request.user, "funds.manage_foundation", agreement.foundation_id)
    return render(
        request,
        "funds/agreement_detail.html",
        _base(
            request, tab="agreements", agreement=agreement, allocations=allocations,
            remaining=agreement.amount - agreement.allocated,
            can_sign=is_foundation_manager and agreement.status == Agreement.Status.DRAFT,
            can_terminate=is_foundation_manager and agreement.status == Agreement.Status.SIGNED,
            can_allocate=agreement.status == Agreement.Status.SIGNED
            and bool(_allocation_targets(request.user, agreement)),
            sign_form=forms.SignForm(initial={"signed_on": timezone.localdate()}),
            terminate_form=forms.TerminateForm(),
        ),
    )  # fmt: skip


@login_required
@require_POST
def agreement_sign(request, pk: int):
    agreement = selectors.agreement_visible(user=request.user, pk=pk)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "签订日期：" + "；".join(form.errors["signed_on"]))
        return redirect("funds:agreement", pk=pk)
    with refusals_to(request) as tried:
        services.agreement_sign(
            actor=_actor(request), agreement=agreement, signed_on=form.cleaned_data["signed_on"]
        )
    if tried.ok:
        messages.success(request, f"协议 {agreement.number} 已签订。")
    return redirect("funds:agreement", pk=pk)


@login_required
@require_POST
def agreement_terminate(request, pk: int):
    agreement = selectors.agreement_visible(user=request.user, pk=pk)
    form = forms.TerminateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写终止理由。")
        return redirect("funds:agreement", pk=pk)
    with refusals_to(request) as tried:
        services.agreement_terminate(
            actor=_actor(request), agreement=agreement, reason=form.cleaned_data["reason"]
        )
    if tried.ok:
        messages.success(request, f"协议 {agreement.number} 已终止，此后不能再据此下拨。")
    return redirect("funds:agreement", pk=pk)


@login_required
def allocation_new(request, pk: int):
    require_perm_somewhere(request.user, "funds.view")
    agreement = selectors.agreement_visible(user=request.user, pk=pk)
    targets = _allocation_targets(request.user, agreement)
    if not targets:
        raise PermissionDenied
    form = forms.AllocationForm(request.POST or None, targets=targets, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusals_to(form) as tried:
            allocation = services.allocation_make(
                actor=_actor(request), agreement=agreement, to_org=d["to_org"], source=d["source"],
                amount=d["amount"], day=d["day"], memo=d["memo"], idempotency_key=d["idempotency_key"],
            )  # fmt: skip
        if tried.ok:
            messages.success(request, f"已下拨 {allocation.amount:,.2f} 元至{allocation.to_org.name}。")
            return redirect("funds:agreement", pk=pk)
    return render(
        request, "funds/form.html",
        _base(
            request, form=form, title=f"按协议 {agreement.number} 下拨资金", submit="确认下拨", tab="agreements",
            back_href=reverse("funds:agreement", args=[pk]), facts=[
                ("协议金额", agreement.amount), ("已由基金会下拨", agreement.allocated),
                ("尚可下拨（基金会→区）", agreement.amount - agreement.allocated),
            ],
            note=f"协议期限 {cn_date(agreement.valid_from)}至{cn_date(agreement.valid_to)}；下拨日期须在期限内。",
        ),
    )  # fmt: skip


# --- movements: one form per service ------------------------------------------------------------


def _managed(user, *kinds):
    return selectors.organisations_managed(user=user, kinds=kinds)


@dataclass(frozen=True)
class Movement:
    title: str
    form: type
    submit: str
    # keyword arguments for the form (the organisations the user may choose), or None if not allowed
    options: Any
    call: Any
    note: str = ""


def _d(data: dict, *names) -> dict:
    return {n: data[n] for n in names}


MOVEMENTS: dict[str, Movement] = {
    "lottery": Movement(
        "福彩金到账", forms.LotteryForm, "登记到账",
        lambda user: {} if has_perm(user, "funds.manage_foundation") else None,
        lambda actor, d: services.lottery_funds_receive(
            actor=actor, **_d(d, "source", "amount", "day", "memo", "idempotency_key")
        ),
        "市级福利彩票公益金拨入基金会。",
    ),
    "fiscal_matching": Movement(
        "财政配套资金到账", forms.FiscalMatchingForm, "登记到账",
        lambda user: {"orgs": orgs} if (orgs := _managed(user, OrgKind.DISTRICT, OrgKind.STREET)) else None,
        lambda actor, d: services.fiscal_matching_receive(
            actor=actor, **_d(d, "org", "source", "amount", "day", "memo", "idempotency_key")
        ),
        "区财政预算安排的配套资金（长民发〔2016〕31号 五）。",
    ),
    "donation": Movement(
        "接受捐赠", forms.DonationForm, "登记捐赠",
        lambda user: {"orgs": orgs}
        if (orgs := _managed(user, OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET)) else None,
        lambda actor, d: services.donation_receive(
            actor=actor, **_d(d, "org", "source", "donor", "amount", "day", "memo", "idempotency_key")
        ),
        "基金会接受的捐赠即可使用；区、街镇筹集的捐赠先记入“筹集待上缴”，经区上缴基金会后全额返还街镇"
        "（长民发〔2016〕31号 五.3）。",
    ),
    "pass_through": Movement(
        "筹集资金经区上缴基金会", forms.PassThroughForm, "确认上缴",
        lambda user: {"orgs": orgs, "streets": [o for o in orgs if o.kind == OrgKind.STREET]}
        if (orgs := _managed(user, OrgKind.DISTRICT, OrgKind.STREET)) else None,
        lambda actor, d: services.raised_funds_pass_through(
            actor=actor, **_d(d, "org", "source", "amount", "return_to", "day", "memo", "idempotency_key")
        ),
        "区、街镇筹集的资金通过区转入基金会，由基金会全额返还街镇（长民发〔2016〕31号 五.3）。",
    ),
    "work_expense": Movement(
        "列支工作经费", forms.WorkExpenseForm, "确认列支",
        lambda user: {"orgs": orgs} if (orgs := _managed(user, OrgKind.DISTRICT, OrgKind.STREET)) else None,
        lambda actor, d: services.work_expense_record(
            actor=actor, **_d(d, "org", "source", "amount", "day", "memo", "idempotency_key")
        ),
        "工作经费不超过当年定向捐赠实际使用额的10%、非定向捐赠实际使用额的5%（长民发〔2016〕31号 五.3，"
        "按当日生效的区政策比例）。",
    ),
    "management_fee": Movement(
        "列支管理费", forms.ManagementFeeForm, "确认列支",
        lambda user: {} if has_perm(user, "funds.manage_foundation") else None,
        lambda actor, d: services.management_fee_record(
            actor=actor, **_d(d, "source", "amount", "day", "memo", "idempotency_key")
        ),
        "基金会管理费不超过当年彩票公益金项目支出的2.5%（沪民救发〔2025〕1号 四(三)）。",
    ),
}  # fmt: skip


def _fee_facts(day: date) -> list[tuple[str, Any]]:
    """The figures the management-fee cap is computed from, for the year of `day`."""
    rate = management_fee_rate(day)
    spending = selectors.lottery_aid_spent(year_of=day)
    charged = selectors.management_fees(year_of=day)
    facts: list[tuple[str, Any]] = [
        (f"{day.year}年福彩金项目支出", spending),
        (f"{day.year}年已列支管理费", charged),
    ]
    if rate is not None:
        from bangfu.core.money import to_fen_down

        cap = to_fen_down(spending * rate.value)
        facts += [(f"上限（{rate.percent}，{rate.reference}）", cap), ("尚可列支", max(cap - charged, ZERO))]
    return facts


@login_required
def movement_new(request, kind: str):
    movement = MOVEMENTS.get(kind)
    if movement is None:
        raise Http404
    options = movement.options(request.user)
    if options is None:
        raise PermissionDenied
    form = movement.form(request.POST or None, initial={"day": timezone.localdate()}, **options)
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            txn = movement.call(_actor(request), form.cleaned_data)
        if tried.ok:
            messages.success(request, f"已记账：{movement.title}，凭证 {txn.number}。")
            return redirect("funds:transaction", pk=txn.pk)
    # The figures a cap is computed from, for the year of the date entered (else this year).
    on = form.cleaned_data.get("day") if form.is_bound and hasattr(form, "cleaned_data") else None
    on = on or timezone.localdate()
    facts = _fee_facts(on) if kind == "management_fee" else None
    if kind == "work_expense":
        facts = _work_expense_facts(request.user, on)
    return render(
        request, "funds/form.html",
        _base(request, form=form, title=movement.title, submit=movement.submit, note=movement.note, tab="new",
              facts=facts, facts_table=kind == "work_expense", facts_year=on.year),
    )  # fmt: skip


def _work_expense_facts(user, day: date):
    """For each organisation the user keeps: donations used in the year and expenses charged, by kind."""
    rows = []
    for org in _managed(user, OrgKind.DISTRICT, OrgKind.STREET):
        for kind in (FundKind.DONATION_DIRECTED, FundKind.DONATION_UNDIRECTED):
            used = selectors.donations_used(org_id=org.pk, kind=kind, year_of=day)
            spent = selectors.work_expenses(org_id=org.pk, kind=kind, year_of=day)
            if used or spent:
                rows.append((org.name, FundKind(kind).label, used, spent))
    return rows[:40]


# --- pass-throughs waiting to be returned --------------------------------------------------------


@login_required
def pass_through_list(request):
    require_perm_somewhere(request.user, "funds.view")
    rows = list(selectors.pass_throughs_to_return(user=request.user)[:200])
    return render(
        request, "funds/pass_through_list.html",
        _base(request, rows=rows, tab="pass_through", return_form=forms.ReturnForm(initial={"day": timezone.localdate()})),
    )  # fmt: skip


@login_required
@require_POST
def pass_through_return(request, pk: int):
    require_perm_somewhere(request.user, "funds.manage_foundation")
    txn = selectors.transaction_visible(user=request.user, pk=pk)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "返还日期：" + "；".join(form.errors.get("day", ["请填写。"])))
        return redirect("funds:pass_throughs")
    with refusals_to(request) as tried:
        ret = services.raised_funds_return(
            actor=_actor(request),
            pass_through=txn,
            day=form.cleaned_data["day"],
            memo=form.cleaned_data["memo"],
        )
    if not tried.ok:
        return redirect("funds:pass_throughs")
    messages.success(request, f"已全额返还，凭证 {ret.number}。")
    return redirect("funds:transaction", pk=ret.pk)


# --- the ledger ---------------------------------------------------------------------------------


@login_required
def transaction_list(request):
    """记账凭证: every transaction in scope, or the ledger of one organisation, newest first."""
    user = request.user
    require_perm_somewhere(user, "funds.view")
    form = filters.VoucherFilterForm(request.GET, orgs=selectors.organisations_visible(user=user))
    wanted = form.filters()
    if "org" in form.errors:  # an organisation outside scope: as if it did not exist
        raise Http404
    org = wanted.get("org")
    qs = selectors.ledger_of(user=user, org=org) if org else selectors.transactions_visible(user=user)
    qs = selectors.vouchers_search(qs, **wanted)
    listing = make_listing(request, qs, sorts=selectors.VOUCHER_SORTS, default="-date", form=form, per_page=25)
    postings = selectors.postings_by_transaction([t.pk for t in listing.page], user=user, org=org)
    rows = [(t, postings.get(t.pk, [])) for t in listing.page]
    return render(
        request, "funds/transaction_list.html",
        _base(request, listing=listing, page=listing.page, rows=rows, org=org, form=form, tab="ledger"),
    )  # fmt: skip


@login_required
def transaction_detail(request, pk: int):
    user = request.user
    require_perm_somewhere(user, "funds.view")
    txn = selectors.transaction_visible(user=user, pk=pk)
    postings = selectors.postings_visible(txn, user=user)
    hidden = txn.postings.count() - len(postings)
    can_reverse = (
        _may_manage(user) and txn.kind != TransactionKind.REVERSAL and not hasattr(txn, "reversed_by")
    )
    return render(
        request, "funds/transaction_detail.html",
        _base(
            request, txn=txn, postings=postings, hidden=hidden, can_reverse=can_reverse, tab="ledger",
            reverse_form=forms.ReverseForm(initial={"day": timezone.localdate()}),
            holding=set(Account.values) - {Account.SOURCE},
        ),
    )  # fmt: skip


@login_required
def transaction_reverse(request, pk: int):
    user = request.user
    require_perm_somewhere(user, "funds.view")
    txn = selectors.transaction_visible(user=user, pk=pk)  # out of scope: 404 before anything else
    _require_manager(user)
    form = forms.ReverseForm(request.POST or None, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with refusals_to(form) as tried:
            rev = services.transaction_reverse(
                actor=_actor(request),
                txn=txn,
                day=form.cleaned_data["day"],
                reason=form.cleaned_data["reason"],
            )
        if tried.ok:
            messages.success(request, f"已冲销 {txn.number}，冲销凭证 {rev.number}。")
            return redirect("funds:transaction", pk=rev.pk)
    return render(
        request, "funds/form.html",
        _base(request, form=form, title=f"冲销凭证 {txn.number}", submit="确认冲销", tab="ledger",
              note=f"冲销将生成一张新凭证，把 {txn.number}（{txn.get_kind_display()}，{txn.memo}）的每条分录反向记录；"
                   "原凭证保留不改。", danger=True, back_href=reverse("funds:transaction", args=[pk])),
    )  # fmt: skip
