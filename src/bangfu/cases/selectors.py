"""Scoped reads of cases and tasks. Every read starts from the user's scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from bangfu.aid.models import AidRecord
from bangfu.core.crypto import lookup_hash, mask_account_grouped
from bangfu.core.money import ZERO, format_yuan
from bangfu.orgs.models import Organisation, OrgKind, RoleAssignment, User
from bangfu.orgs.people import actor_name
from bangfu.orgs.roles import Role
from bangfu.orgs.scope import has_perm, scope_for
from bangfu.registry.models import Household, Person, Relationship
from bangfu.registry.selectors import is_id_number_query

from .models import (
    COMMITTED_STATES,
    Approval,
    Case,
    CaseState,
    Document,
    FollowUp,
    Invoice,
    PanelMember,
    Payment,
    PaymentMethod,
    PreReview,
    PreReviewRemark,
)

# A household is due for a screening visit when it has none yet or its next date has come.
SCREENING_INTERVAL_DAYS = 90


def cases(*, user) -> QuerySet[Case]:
    return scope_for(user, "cases.view").filter(Case.objects.all(), "street")


def case_get(*, user, pk: int) -> Case:
    """One case, or 404 when it does not exist or is outside the user's scope (SPEC §1)."""
    qs = cases(user=user).select_related("street__parent", "household", "applicant", "created_by")
    return get_object_or_404(qs, pk=pk)


def case_for_task(*, user, pk: int) -> Case:
    """A case reached through a follow-up task assigned to the user (a volunteer), or in scope."""
    assigned = Case.objects.filter(follow_ups__assigned_to=user, follow_ups__done_at__isnull=True)
    qs = (cases(user=user) | assigned).distinct().select_related("street__parent", "household", "applicant")
    return get_object_or_404(qs, pk=pk)


def document_get(*, user, case: Case, pk: int) -> Document:
    return get_object_or_404(Document.objects.filter(case=case), pk=pk)


def invoice_duplicates(invoice: Invoice) -> QuerySet[Invoice]:
    """The same invoice (hospital + number) in another live case anywhere in the city.

    Deliberately unscoped: a street must learn that the invoice was claimed elsewhere, even
    where it may not see the other case. Rejected and withdrawn cases paid nothing.
    """
    return (
        Invoice.objects.filter(hospital_key=invoice.hospital_key, number_key=invoice.number_key)
        .exclude(case_id=invoice.case_id)
        .exclude(case__state__in=(CaseState.REJECTED, CaseState.WITHDRAWN))
        .select_related("case__street")
    )


def case_history(*, case: Case) -> list[dict]:
    """The case's recorded steps as its page shows them: when, who (name and role), the step in
    Chinese, and the state it left (a step that records without moving the state says so)."""
    from .workflow import history_label

    rows = []
    for t in case.transitions.select_related("user").prefetch_related("user__role_assignments"):
        rows.append(
            {
                "at": t.at,
                "actor": actor_name(t.user, t.actor_label),
                "label": history_label(t.action, t.from_state),
                "moved": t.from_state != t.to_state,
                "from_state": t.get_from_state_display(),
                "to_state": t.get_to_state_display(),
                "comment": t.comment if t.comment != history_label(t.action, t.from_state) else "",
            }
        )
    return rows


# Who may be sent on a follow-up visit: the street's volunteers and assessors (SPEC §1; an
# assessor may also sit at a committee under the street).
FOLLOW_UP_ROLES = (Role.VOLUNTEER, Role.ASSESSOR)


def follow_up_assignees(*, case: Case) -> QuerySet[User]:
    held = RoleAssignment.objects.filter(
        Q(org_id=case.street_id) | Q(org__parent_id=case.street_id), role__in=FOLLOW_UP_ROLES
    )
    return (
        User.objects.filter(is_active=True, pk__in=held.values("user_id"))
        .prefetch_related("role_assignments")
        .order_by("full_name", "username")
    )


def panel_roster(*, street) -> QuerySet[PanelMember]:
    return PanelMember.objects.filter(street=street, active=True)


def overdue_paperwork(qs: QuerySet[Case], today: date) -> QuerySet[Case]:
    """Help-first cases paid and not yet closed whose deadline has passed (三(二)4)."""
    return qs.filter(help_first=True, state=CaseState.PAID, paperwork_due__lt=today)


def follow_ups_open(*, user) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.filter(done_at__isnull=True, case__state=CaseState.PAID)
    return scope_for(user, "cases.follow_up").filter(qs, "case__street").select_related("case__household")


def tasks_assigned(*, user) -> QuerySet[FollowUp]:
    """A volunteer's tasks: only the follow-ups assigned to them (SPEC §1)."""
    return FollowUp.objects.filter(assigned_to=user, done_at__isnull=True).select_related("case__household")


# A volunteer's task list sorts by its columns (core.listing).
TASK_SORTS = {"due": ("due_date",), "case": ("case__number",)}


def household_cases(*, user, household: Household) -> QuerySet[Case]:
    """For the household file: every case, payment and follow-up of the household."""
    return (
        cases(user=user)
        .filter(household=household)
        .select_related("payment")
        .prefetch_related("follow_ups")
        .order_by("-application_date", "-pk")
    )


# --- work queues (SPEC §5 step owners) ----------------------------------------------------------


def _in(user, perm: str, qs: QuerySet) -> QuerySet:
    return scope_for(user, perm).filter(qs, "street")


def work_queue_tiles(user) -> list[dict]:
    """What waits for the user, per role: label, count, link, and whether it is overdue.

    The home page renders these as tiles; each count is one indexed query.
    """
    today = timezone.localdate()
    base = Case.objects.all()
    url = reverse("cases:list")
    tiles: list[dict] = []

    def add(label: str, perm: str, qs: QuerySet, query: str, overdue: bool = False) -> None:
        if has_perm(user, perm):
            tiles.append(
                {
                    "label": label,
                    "count": _in(user, perm, qs).count(),
                    "url": f"{url}?{query}",
                    "overdue": overdue,
                }
            )

    add("待调查评估", "cases.investigate", base.filter(state=CaseState.APPLIED), "queue=investigate")
    add("待民主评议", "cases.review", base.filter(state=CaseState.REVIEWING), "queue=review")
    add("待街镇审批", "cases.approve_street", base.filter(state=CaseState.APPROVING_STREET), "queue=approve")
    add(
        "待区服务社审批",
        "cases.approve_district",
        base.filter(state=CaseState.APPROVING_DISTRICT),
        "queue=approve_district",
    )
    add("待发放", "cases.pay", base.filter(state=CaseState.APPROVED), "queue=pay")
    add(
        "待登记签收",
        "cases.pay",
        base.filter(state=CaseState.PAID, payment__receipt_at__isnull=True),
        "queue=receipt",
    )
    add("待回访", "cases.follow_up", base.filter(state=CaseState.PAID), "queue=follow_up")
    add(
        "回访逾期",
        "cases.follow_up",
        base.filter(
            state=CaseState.PAID, follow_ups__done_at__isnull=True, follow_ups__due_date__lt=today
        ).distinct(),
        "queue=follow_up_overdue",
        overdue=True,
    )
    add("补办手续逾期", "cases.view", overdue_paperwork(base, today), "queue=paperwork_overdue", overdue=True)
    # 综合帮扶预审表 (长民发〔2016〕31号 四(二)): what the district's streets have sent it, read or not.
    add("预审表", "cases.approve_district", base.filter(pre_review__isnull=False), "queue=pre_review")
    mine = tasks_assigned(user=user)
    if mine.exists():
        tiles.append(
            {
                "label": "分派给我的回访",
                "count": mine.count(),
                "url": reverse("cases:my_tasks"),
                "overdue": False,
            }
        )
    return tiles


QUEUES = {
    "investigate": ("待调查评估", Q(state=CaseState.APPLIED)),
    "review": ("待民主评议", Q(state=CaseState.REVIEWING)),
    "approve": ("待街镇审批", Q(state=CaseState.APPROVING_STREET)),
    "approve_district": ("待区服务社审批", Q(state=CaseState.APPROVING_DISTRICT)),
    "pay": ("待发放", Q(state=CaseState.APPROVED)),
    "receipt": ("待登记签收", Q(state=CaseState.PAID, payment__receipt_at__isnull=True)),
    "follow_up": ("待回访", Q(state=CaseState.PAID)),
    "pre_review": ("综合帮扶预审表", Q(pre_review__isnull=False)),  # ordered by `pre_review_queue`
}


# The case list's sortable columns (core.listing): each backed by the case's own columns or the
# applicant's indexed name; the primary key breaks ties.
CASE_SORTS = {
    "number": ("number",),
    "applicant": ("applicant__name",),
    "aid_type": ("aid_type",),
    "date": ("application_date",),
    "state": ("state",),
    "amount": ("approved_amount",),
    "street": ("street__code",),
}
_CASE_NUMBER = re.compile(r"^GA\d{1,11}$", re.IGNORECASE)


def case_search(
    qs: QuerySet[Case],
    *,
    user,
    q: str = "",
    street=None,
    state: str = "",
    aid_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Case]:
    """Narrow scoped cases by the list's filters.

    `q` is read as an 18-character ID number of anyone on the household's file (through its
    keyed hash, never by decrypting rows; and only at the streets where the user may reveal ID
    numbers, as the registry's search: elsewhere a hit would confirm a guess), a case number
    (GA…, exact or prefix), or else the beginning of the applicant's name.
    """
    q = (q or "").strip()
    if is_id_number_query(q):
        holders = Person.objects.filter(id_hash=lookup_hash(q.upper())).values("household_id")
        qs = scope_for(user, "registry.reveal").filter(qs.filter(household_id__in=holders), "street")
    elif _CASE_NUMBER.match(q):
        q = q.upper()
        qs = qs.filter(number=q) if len(q) == 13 else qs.filter(number__startswith=q)
    elif q:
        qs = qs.filter(applicant__name__startswith=q)
    if street is not None:
        qs = qs.filter(street=street)
    if state:
        qs = qs.filter(state=state)
    if aid_type:
        qs = qs.filter(aid_type=aid_type)
    if date_from:
        qs = qs.filter(application_date__gte=date_from)
    if date_to:
        qs = qs.filter(application_date__lte=date_to)
    return qs


def case_streets(*, user) -> QuerySet:
    """The streets whose cases the user reads, for the list's street filter."""
    streets = Organisation.objects.filter(kind=OrgKind.STREET, active=True).order_by("code")
    return scope_for(user, "cases.view").filter(streets, "pk")


def case_queue(*, user, queue: str = "", state: str = "") -> QuerySet[Case]:
    """The scoped cases of a work queue (or all of them), newest first."""
    today = timezone.localdate()
    qs = cases(user=user).select_related("household", "applicant", "street")
    if queue == "follow_up_overdue":
        # EXISTS rather than a join and DISTINCT: the list sorts by any of its columns.
        late = FollowUp.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_date__lt=today)
        qs = qs.filter(Exists(late), state=CaseState.PAID)
    elif queue == "paperwork_overdue":
        qs = overdue_paperwork(qs, today)
    elif queue == "pre_review":
        return pre_review_queue(qs)
    elif queue in QUEUES:
        qs = qs.filter(QUEUES[queue][1])
    elif state in CaseState.values:
        qs = qs.filter(state=state)
    return qs.order_by("-pk")


# --- the pre-review forms sent to the district (长民发〔2016〕31号 四(二)) ---------------------------


def pre_review_queue(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The cases (already scoped) whose pre-review was submitted, newest submission first,
    with the number of remarks the district has written on each."""
    return (
        qs.filter(pre_review__isnull=False)
        .select_related("pre_review__submitted_by")
        .annotate(pre_review_remarks=Count("pre_review__remarks"))
        .order_by("-pre_review__submitted_at", "-pk")
    )


def pre_review_of(*, case: Case) -> PreReview | None:
    """The case's pre-review with its remarks, for a case already read through the scope."""
    return (
        PreReview.objects.filter(case=case)
        .select_related("submitted_by")
        .prefetch_related(Prefetch("remarks", queryset=PreReviewRemark.objects.select_related("by")))
        .first()
    )


# --- what every step's screen shows of the case it acts on ----------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    head: Person | None
    # (label, date) in the order the procedure reached them.
    dates: list[tuple[str, date]] = field(default_factory=list)
    decision: str = ""  # the latest decision, in words; empty before any
    decided_by: object = None
    decided_at: object = None


def case_summary(*, case: Case) -> CaseSummary:
    """The case as a step's screen restates it: its household (the head by name), the
    amounts, the dates so far and the latest decision (an approval tier's, else the panel's).
    For a case already read through the user's scope."""
    head = case.household.members.filter(relationship=Relationship.HEAD, active=True).first()
    dates = [("申请日期", case.application_date)]
    investigation = getattr(case, "investigation", None) if hasattr(case, "investigation") else None
    if investigation is not None:
        dates.append(("调查日期", investigation.visited_on))
    review = getattr(case, "panel_review", None) if hasattr(case, "panel_review") else None
    if review is not None:
        dates.append(("评议日期", review.meeting_date))
    approval = Approval.objects.filter(case=case).select_related("by").order_by("-at", "-id").first()
    if approval is not None:
        dates.append(("审批日期", timezone.localdate(approval.at)))
    payment = Payment.objects.filter(case=case).first()
    if payment is not None:
        dates.append(("发放日期", timezone.localdate(payment.paid_at)))
    if case.help_first and case.paperwork_due:
        dates.append(("补办期限", case.paperwork_due))
    if approval is not None:
        amount = f" {format_yuan(approval.amount)}" if approval.amount else ""
        return CaseSummary(
            case, head, dates, f"{approval.get_tier_display()}：{approval.get_decision_display()}{amount}",
            approval.by, approval.at,
        )  # fmt: skip
    if review is not None:
        amount = f" {format_yuan(review.amount)}" if review.amount else ""
        return CaseSummary(
            case,
            head,
            dates,
            f"民主评议：{review.get_conclusion_display()}{amount}",
            review.recorded_by,
            review.at,
        )
    return CaseSummary(case, head, dates)


@dataclass(frozen=True)
class PayScreen:
    """What the cashier reads before paying: who, how much, to which account, from which fund."""

    payee: Person
    amount: Decimal
    bank_name: str
    account: str  # masked, never the number itself
    method: str  # the one offered first: transfer when an account is on file
    draws: list[tuple]  # (fund source, amount) in draw order
    shortfall: Decimal

    @property
    def method_label(self) -> str:
        return PaymentMethod(self.method).label


def pay_screen(*, case: Case, day: date) -> PayScreen:
    """The payee is the applicant (领款人 on the 签收单); the account is theirs, on file in the
    registry; the draws are what the ledger's posting would take today (`funds.services`)."""
    from bangfu.funds.services import case_payment_plan

    payee = case.applicant
    amount = case.approved_amount or Decimal("0.00")
    plan = case_payment_plan(org_id=case.street_id, case_id=case.pk, amount=amount, day=day)
    has_account = bool(payee.bank_account)
    return PayScreen(
        payee=payee, amount=amount, bank_name=payee.bank_name if has_account else "",
        account=mask_account_grouped(payee.bank_account), draws=plan.draws, shortfall=plan.shortfall,
        method=PaymentMethod.TRANSFER if has_account else PaymentMethod.CASH,
    )  # fmt: skip


def promised_case_aid(
    households: Q, year: int, *, exclude_case_id: int | None = None
) -> dict[int, tuple[int, Decimal]]:
    """Case aid promised in the application year and without its aid record yet (approved and not
    paid, or paid and not yet posted), by household: (cases, approved amount). Counted toward the
    annual caps beside the aid records (三(四)) by the case procedure and by project aid's
    eligibility; `households` a filter on the case's `household_id`."""
    cases = Case.objects.filter(households, application_date__year=year, state__in=COMMITTED_STATES)
    if exclude_case_id is not None:
        cases = cases.exclude(pk=exclude_case_id)
    rows = (
        cases.filter(~Exists(AidRecord.objects.filter(case_payment__case=OuterRef("pk"))))
        .values("household_id")
        .annotate(n=Count("pk"), total=Coalesce(Sum("approved_amount"), ZERO))
        .order_by()
    )
    return {row["household_id"]: (row["n"], row["total"]) for row in rows}
