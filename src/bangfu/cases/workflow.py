"""The case procedure as a table (SPEC §5; 沪民救发〔2025〕1号 三(二); 长民发〔2016〕31号 四).

    个人申请 → 评估审核 → 民主评议 → 审批 → 资金发放 → 回访反馈

Each `Step` row says from which states an action may be taken, where it leads, which
permission (role, SPEC §1) takes it at the case's street, what it requires, and what it
records. One plain function, `transition`, runs a row: it locks the household and the case,
checks state, permission and requirements, records the step, moves the state, and writes
the transition and the audit entry, all in one transaction. A refusal raises the core
`Refused` with a Chinese message saying why and what to do; its code names the check that
failed (the requirement's name, `not_allowed`, `comment_required`, `no_policy_in_force`).

A row's `requires` are what the case's records must show (investigated, no duplicate invoice,
paperwork complete); its `needs` check the input of the step's form. `available_actions` offers
every action the user's role may take in the case's state, disabled with the reason while a
`requires` fails: the page and `transition` say no with the same words, from the same checks.

Help first, paperwork later (三(二)4): `help_first` approves and lets the cashier pay before
investigation and review; after payment the missing steps are recorded in state `paid`
(rows with `help_first_only`) and the case cannot close before they are all done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from bangfu.aid import selectors as aid_selectors
from bangfu.aid.models import AMOUNT_KINDS, AidForm
from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record, register_actions
from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO, format_yuan
from bangfu.core.refusal import Refused
from bangfu.orgs.scope import has_perm_at
from bangfu.policy.parameters import Param, city_parameter
from bangfu.registry.models import Household
from bangfu.registry.selectors import household_category_on

from . import builders, rules
from .models import (
    AidType,
    Approval,
    Case,
    Decision,
    DocumentKind,
    FollowUp,
    Investigation,
    PanelAttendance,
    PanelConclusion,
    PanelReview,
    Payment,
    Tier,
)
from .models import CaseState as S

# 沪民救发〔2025〕1号 三(二)4: these households may skip the home investigation.
FAST_TRACK_CATEGORIES = ("dibao", "low_income", "rigid_expense")


def follow_up_due(paid_on: date) -> date:
    """回访反馈 is due this many days after the payment: a city rule (`cases.follow_up_days`; the
    documents name the step but no time, its reference says so)."""
    rule = city_parameter("cases.follow_up_days", paid_on)
    if rule is None:
        raise Refused(f"{cn_date(paid_on)}没有生效的回访期限规则，不能安排回访。", code="no_follow_up_rule")
    return paid_on + timedelta(days=rule.value)


# The documents each aid type needs (长民发〔2016〕31号 四(一)); checked before a help-first
# case closes, and listed as missing on the case page.
REQUIRED_DOCUMENTS = {
    AidType.MEDICAL: (DocumentKind.INVOICE, DocumentKind.MEDICAL_HISTORY),
    AidType.INSURANCE_SUPPLEMENT: (DocumentKind.INSURANCE,),
    AidType.EMERGENCY: (DocumentKind.DISASTER_PROOF,),
    AidType.OTHER: (DocumentKind.INCOME_ASSETS,),
}


Check = Callable[[Case, dict], "str | None"]


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the effect decides (the panel's conclusion) or the state stays
    perm: str
    # What the case's records must show before the step can be taken at all: checked to offer
    # the step (disabled, with the reason, when one fails) and again inside the transaction.
    requires: tuple[Check, ...] = ()
    # What the input of the step's form must satisfy (an amount, a reason, the attendance).
    needs: tuple[Check, ...] = ()
    effect: Callable[[Case, Actor, dict], str | None] | None = None
    help_first_only: bool = False  # a missing step recorded after a help-first payment
    assignee_may: bool = False  # the user the follow-up task is assigned to (a volunteer) may take it
    comment_required: bool = False
    extra: dict = field(default_factory=dict)


# --- what steps require ------------------------------------------------------------------


def missing_documents(case: Case) -> list[str]:
    have = set(case.documents.values_list("kind", flat=True))
    return [DocumentKind(k).label for k in REQUIRED_DOCUMENTS[case.aid_type] if k not in have]


def missing_steps(case: Case) -> list[str]:
    """What a help-first case still owes (三(二)4 事后补办手续)."""
    missing = []
    if not case.fast_track and not Investigation.objects.filter(case=case).exists():
        missing.append("调查评估（或快速帮扶免调查）")
    if not PanelReview.objects.filter(case=case).exists():
        missing.append("民主评议")
    if case.aid_type == AidType.MEDICAL and not case.invoices.exists():
        missing.append("医疗发票明细")
    missing += [f"材料：{name}" for name in missing_documents(case)]
    return missing


def duplicate_invoices(case: Case):
    """This case's invoices also claimed in another live case anywhere in the city, not let
    through by the district. The claim is by hospital and invoice number."""
    from .selectors import invoice_duplicates

    return [
        inv for inv in case.invoices.all() if not inv.duplicate_override_reason and invoice_duplicates(inv)
    ]


def _no_duplicate_invoices(case: Case, data: dict) -> str | None:
    dups = duplicate_invoices(case)
    if dups:
        names = "、".join(f"{i.hospital} {i.number}" for i in dups)
        return f"发票 {names} 已在其他个案中申报，须由区服务社核实并书面放行后才能继续。"
    return None


def _investigated(case: Case, data: dict) -> str | None:
    if case.fast_track or Investigation.objects.filter(case=case).exists():
        return None
    return "尚未完成调查评估：须由救助顾问填写调查情况表，或对符合条件的家庭走快速帮扶。"


def _not_investigated(case: Case, data: dict) -> str | None:
    if case.fast_track or Investigation.objects.filter(case=case).exists():
        return "调查评估已完成，不能重复办理。"
    return None


def _not_reviewed(case: Case, data: dict) -> str | None:
    if PanelReview.objects.filter(case=case).exists():
        return "已有评审会议记录，不能重复评议。"
    return None


def _fast_track_category(case: Case, data: dict) -> str | None:
    category = household_category_on(case.household, case.application_date)
    if category not in FAST_TRACK_CATEGORIES:
        return (
            "快速帮扶仅适用于低保家庭、低收入困难家庭和刚性支出生活困难家庭（沪民救发〔2025〕1号 三(二)4）；"
            f"该户在申请日的类别为“{_category_label(category)}”，须上门调查。"
        )
    return None


def _fast_track_reason(case: Case, data: dict) -> str | None:
    if not (data.get("reason") or "").strip():
        return "请填写免于上门调查的理由。"
    return None


def _category_label(code: str) -> str:
    from bangfu.registry.models import Category

    return Category(code).label


def _panel_rules(case: Case, data: dict) -> str | None:
    members = data.get("attendance") or []
    if not members:
        return "请选择出席的评审小组成员并记录每人意见。"
    ids = [m["member"].pk for m in members]
    if len(ids) != len(set(ids)):
        return "同一成员不能重复记录。"
    for m in members:
        if m["member"].street_id != case.street_id or not m["member"].active:
            return f"{m['member'].name}不在本街镇评审小组名册中。"
    minimum = rules.rules_for(case).panel_min_members
    # 长民发〔2016〕31号 四(三): 评审小组一般在七人及以上 — fewer only with a recorded reason.
    if len(ids) < int(minimum.value) and not (data.get("fewer_members_reason") or "").strip():
        return f"出席评审的成员为{len(ids)}人，少于{minimum.value}人（{minimum.reference}），须填写理由。"
    if data.get("conclusion") == PanelConclusion.AID:
        amount = data.get("amount")
        if amount is None or amount <= ZERO:
            return "评审结论为予以帮扶时，须填写评议金额。"
    return None


def _paid_receipt(case: Case, data: dict) -> str | None:
    payment = Payment.objects.filter(case=case).first()
    if payment is None or payment.receipt_at is None:
        return "发放尚无签收记录：请发放员上传签字页或采集屏幕签名后再回访结案。"
    return None


def _paperwork_complete(case: Case, data: dict) -> str | None:
    if not case.help_first:
        return None
    missing = missing_steps(case)
    if missing:
        return f"先帮扶个案须补齐手续后才能结案，尚缺：{'；'.join(missing)}（期限 {cn_date(case.paperwork_due)}）。"
    return None


def _no_receipt_yet(case: Case, data: dict) -> str | None:
    if Payment.objects.filter(case=case, receipt_at__isnull=False).exists():
        return "该笔发放已签收，不能重复登记。"
    return None


# --- caps and limits, under the household lock ------------------------------------------------


def committed_this_year(case: Case, r: rules.CaseRules | None = None) -> tuple[int, Decimal]:
    """Events and money already promised or given to the household in the application's year,
    other than this case, as the policy's caps count them (三(四)): the aid records that stand
    (SPEC §4) of the forms each cap counts, and the cases approved but not yet paid (whose
    record comes with the payment). Read under the household's row lock (see `transition`)."""
    r = r or rules.rules_for(case)
    year = case.application_date.year
    counted = r.max_events_forms | r.max_amount_forms
    given = aid_selectors.aid_in_year(
        case.household_id, year, forms=counted, exclude_case_id=case.pk
    ).standing
    events = sum(1 for a in given if a.form in r.max_events_forms)
    total = sum((a.value for a in given if a.form in r.max_amount_forms and a.kind in AMOUNT_KINDS), ZERO)
    # Case aid without its record yet: approved and not paid, or paid and not yet posted (a
    # payment left to the background sweep); a case whose record exists is counted above.
    from .selectors import promised_case_aid

    promised_n, promised_total = promised_case_aid(
        Q(household_id=case.household_id), year, exclude_case_id=case.pk
    ).get(case.household_id, (0, ZERO))
    if AidForm.CASE in r.max_events_forms:
        events += promised_n
    if AidForm.CASE in r.max_amount_forms:
        total += promised_total
    return events, total


def district_exception() -> Q:
    """Cases the district approved with a written reason to go beyond a 一般 limit
    (长民发〔2016〕31号 三(四)): the events of the year beyond the second need one."""
    district_approval = Approval.objects.filter(
        case=OuterRef("pk"), tier=Tier.DISTRICT, decision=Decision.APPROVE
    )
    return ~Q(exception_reason="") & Exists(district_approval)


def judge_amount(case: Case, amount: Decimal) -> tuple[list[str], list[str]]:
    """(hard refusals, "generally" limits exceeded) for paying `amount` on this case.

    Hard: the policy's maximum where it is not a 一般 limit, the 80,000 annual total
    (三(四) 全年累计帮扶资金不超过8万元), ineligibility. Generally (一般): the 2 events a year
    and the 20,000 of an emergency — allowed only with a written reason and district approval.
    """
    r = rules.rules_for(case)
    hard: list[str] = []
    soft: list[str] = []
    events, total = committed_this_year(case, r)
    if events >= int(r.max_events.value):
        message = f"本户本年已有{events}次帮扶（已批准或已发放），每年一般不超过{r.max_events.value}次（{r.max_events.reference}）"
        (soft if r.max_events.generally else hard).append(message)
    if total + amount > r.max_amount.value:
        left = max(r.max_amount.value - total, ZERO)
        message = (
            f"本户本年已批准或已发放 {format_yuan(total)}，全年累计不超过 {format_yuan(r.max_amount.value)}，"
            f"本次最多 {format_yuan(left)}（{r.max_amount.reference}）"
        )
        (soft if r.max_amount.generally else hard).append(message)
    try:
        answer = rules.propose(case, amount=amount)
    except Refused as e:
        return [*hard, e.message], soft
    for reason in answer["reasons"]:
        code = reason["code"]
        if code in ("annual_count_exceeded", "capped_by_annual_limit", "annual_amount_exhausted"):
            continue  # judged above from the database, approved-but-unpaid cases included
        if code == "requested_above_maximum" or not answer["eligible"]:
            (soft if reason.get("generally") else hard).append(reason["message"])
    return hard, soft


def _amount_of(case: Case, data: dict) -> Decimal | None:
    return data.get("amount") if data.get("amount") is not None else case.approved_amount


def _street_may_approve(case: Case, data: dict) -> str | None:
    amount = _amount_of(case, data)
    if amount is None or amount <= ZERO:
        return "请填写核定金额。"
    r = rules.rules_for(case)
    # 长民发〔2016〕31号 四(三): 2万元及以下（含）由街镇审批，以上报区服务社审批.
    if amount > r.street_limit.value:
        return (
            f"核定金额 {format_yuan(amount)} 超过街镇审批限额 {format_yuan(r.street_limit.value)}"
            f"（{r.street_limit.reference}），须报区服务社审批。"
        )
    hard, soft = judge_amount(case, amount)
    if hard:
        return "；".join(hard) + "。"
    if soft:
        return "；".join(soft) + "。突破“一般”限额须书面说明理由并报区服务社审批。"
    return None


def _district_may_approve(case: Case, data: dict) -> str | None:
    amount = _amount_of(case, data)
    if amount is None or amount <= ZERO:
        return "请填写核定金额。"
    hard, soft = judge_amount(case, amount)
    if hard:
        return "；".join(hard) + "。"
    reason = (data.get("exception_reason") or case.exception_reason or "").strip()
    if soft and not reason:
        return "；".join(soft) + "。突破“一般”限额须填写书面理由。"
    return None


def _refer_reason(case: Case, data: dict) -> str | None:
    amount = _amount_of(case, data)
    if amount is None or amount <= ZERO:
        return "请填写拟核定金额。"
    hard, soft = judge_amount(case, amount)
    if hard:
        return "；".join(hard) + "。"
    r = rules.rules_for(case)
    if amount <= r.street_limit.value and not soft:
        return f"核定金额 {format_yuan(amount)} 在街镇审批限额内，由街镇综合帮扶工作组审批，无须报区。"
    if soft and not (data.get("exception_reason") or "").strip():
        return "；".join(soft) + "。报区审批须书面说明突破“一般”限额的理由。"
    return None


def paperwork_rule(day: date) -> Param | None:
    """How many days after a help-first approval the paperwork is due unless the approver sets
    another date: a city rule (`cases.help_first.paperwork_days`; 三(二)4 fixes no time)."""
    return city_parameter("cases.help_first.paperwork_days", day)


def _paperwork_due(data: dict) -> date | None:
    if data.get("paperwork_due") is not None:
        return data["paperwork_due"]
    today = timezone.localdate()
    rule = paperwork_rule(today)
    return today + timedelta(days=rule.value) if rule else None


def _help_first_allowed(case: Case, data: dict) -> str | None:
    if not (data.get("reason") or "").strip():
        return "请填写先帮扶、后补办的理由（紧急情况说明）。"
    due = _paperwork_due(data)
    if due is None:
        return "今天没有生效的补办期限规则，请填写补办手续的期限。"
    if due < timezone.localdate():
        return "补办期限不能早于今天。"
    amount = data.get("amount")
    if amount is None or amount <= ZERO:
        return "请填写先行发放的金额。"
    r = rules.rules_for(case)
    if amount > r.street_limit.value:
        return f"先帮扶金额不能超过街镇审批限额 {format_yuan(r.street_limit.value)}（{r.street_limit.reference}）。"
    events, total = committed_this_year(case, r)
    if events >= int(r.max_events.value):
        return f"本户本年已有{events}次帮扶，先帮扶不能突破每年{r.max_events.value}次的限制（{r.max_events.reference}）。"
    if total + amount > r.max_amount.value:
        left = max(r.max_amount.value - total, ZERO)
        return f"超过全年累计上限，本户本年最多还可帮扶 {format_yuan(left)}（{r.max_amount.reference}）。"
    return None


def _caps_hold_at_payment(case: Case, data: dict) -> str | None:
    """Re-checked under the household lock at the moment of paying: another case of the
    same household may have been approved or paid since this one was approved."""
    r = rules.rules_for(case)
    events, total = committed_this_year(case, r)
    exception = Case.objects.filter(district_exception(), pk=case.pk).exists()
    if events >= int(r.max_events.value) and not (exception and r.max_events.generally):
        return f"本户本年已有{events}次帮扶，发放将超过每年{r.max_events.value}次的限制（{r.max_events.reference}），不能发放。"
    if total + case.approved_amount > r.max_amount.value:
        return f"发放将使本户全年累计超过 {format_yuan(r.max_amount.value)}（{r.max_amount.reference}），不能发放。"
    return None


# --- what steps record -----------------------------------------------------------------------


def _record_proposal(case: Case) -> None:
    """Ask the engine and keep its answer and trace on the case (SPEC §6)."""
    try:
        answer = rules.propose(case)
    except Refused as e:
        answer = e.as_dict()
    builders.proposal_recorded(case, answer, at=timezone.now())


def _do_investigate(case: Case, actor: Actor, data: dict) -> None:
    builders.investigation_row(
        case,
        by=actor.user,
        **{
            k: data[k]
            for k in (
                "visited_on",
                "income",
                "income_sources",
                "daily_life",
                "housing",
                "committee_opinion",
                "plan",
            )
        },
    ).save()
    _record_proposal(case)


def _do_fast_track(case: Case, actor: Actor, data: dict) -> None:
    case.fast_track = True
    case.fast_track_reason = data["reason"].strip()
    _record_proposal(case)


def _do_review(case: Case, actor: Actor, data: dict) -> str | None:
    review, attendance = builders.panel_review_rows(
        case,
        recorded_by=actor.user,
        meeting_date=data["meeting_date"],
        introduction=data["introduction"],
        documents_examined=data["documents_examined"],
        discussion=data["discussion"],
        conclusion=data["conclusion"],
        amount=data.get("amount"),
        minutes=data["minutes"],
        attendance=data["attendance"],
        fewer_members_reason=data.get("fewer_members_reason") or "",
    )
    review.save()
    PanelAttendance.objects.bulk_create(attendance)
    _record_proposal(case)
    if case.state == S.PAID:
        return None  # help-first: the review is recorded after payment, the state stays
    if data["conclusion"] == PanelConclusion.REJECT:
        return S.REJECTED
    case.approved_amount = data["amount"]
    # 长民发〔2016〕31号 四(三): the street approves up to and including its limit; a larger
    # amount goes to the district, through the street (refer).
    return S.APPROVING_STREET


def _do_street_approve(case: Case, actor: Actor, data: dict) -> None:
    case.approved_amount = _amount_of(case, data)
    builders.approval_row(
        case, tier=Tier.STREET, decision=Decision.APPROVE, amount=case.approved_amount, by=actor.user,
        reason=data.get("comment", ""),
    ).save()  # fmt: skip


def _do_refer(case: Case, actor: Actor, data: dict) -> None:
    case.approved_amount = _amount_of(case, data)
    case.exception_reason = (data.get("exception_reason") or "").strip()
    builders.approval_row(
        case, tier=Tier.STREET, decision=Decision.REFER, amount=case.approved_amount, by=actor.user,
        reason=data.get("comment", "") or case.exception_reason,
    ).save()  # fmt: skip


def _do_district_approve(case: Case, actor: Actor, data: dict) -> None:
    case.approved_amount = _amount_of(case, data)
    if (data.get("exception_reason") or "").strip():
        case.exception_reason = data["exception_reason"].strip()
    builders.approval_row(
        case, tier=Tier.DISTRICT, decision=Decision.APPROVE, amount=case.approved_amount, by=actor.user,
        reason=data.get("comment", "") or case.exception_reason,
    ).save()  # fmt: skip


def _do_reject(case: Case, actor: Actor, data: dict) -> None:
    tier = {S.APPROVING_STREET: Tier.STREET, S.APPROVING_DISTRICT: Tier.DISTRICT}.get(case.state)
    if tier:
        builders.approval_row(
            case, tier=tier, decision=Decision.REJECT, by=actor.user, reason=data["comment"]
        ).save()


def _do_help_first(case: Case, actor: Actor, data: dict) -> None:
    case.help_first = True
    case.help_first_reason = data["reason"].strip()
    case.paperwork_due = _paperwork_due(data)
    case.approved_amount = data["amount"]
    builders.help_first_approval_row(case, by=actor.user).save()
    _record_proposal(case)


def _do_pay(case: Case, actor: Actor, data: dict) -> None:
    """The payment, its ledger posting and its follow-up, in the one database transaction of
    `transition` (SPEC §10): a payment the street's fund cannot cover is refused and leaves
    nothing behind; a payment that stands has its posting."""
    from bangfu.funds.services import payment_post

    today = timezone.localdate()
    payment, record = builders.payment_rows(
        case,
        amount=case.approved_amount,
        method=data["method"],
        idempotency_key=data["idempotency_key"],
        paid_by=actor.user,
        paid_on=today,
        category=household_category_on(case.household, case.application_date),
    )
    payment.save()
    record.save()
    # 专款专用 (沪民救发〔2025〕1号 四(二)): paid from the street's earmarked money for case aid, which
    # must cover it now. The funds app locks the street's fund rows (after the household and
    # case rows held here) and refuses with the figures; raising rolls the payment back.
    try:
        payment_post(payment_record=record, actor=actor)
    except Refused as e:
        raise Refused(f"不能发放：{e.message}请待区、街镇资金到账后再发放。", code=e.code) from None
    # 回访反馈: scheduled at payment, with a due date.
    builders.follow_up_row(case, due=follow_up_due(today)).save()


def _do_receipt(case: Case, actor: Actor, data: dict) -> None:
    payment = Payment.objects.select_for_update().get(case=case)
    builders.receipt_signed(payment, document=data["document"], kind=data["receipt_kind"], at=timezone.now())
    payment.save(update_fields=["receipt", "receipt_kind", "receipt_at"])


def _do_follow_up(case: Case, actor: Actor, data: dict) -> None:
    task = case.follow_ups.filter(done_at__isnull=True).order_by("due_date").first()
    if task is None:
        task = FollowUp(case=case, due_date=timezone.localdate())
    builders.follow_up_done(
        task, by=actor.user, at=timezone.now(), outcome=data["outcome"], feedback=data["feedback"],
        further_needs=data.get("further_needs", ""),
    ).save()  # fmt: skip


# --- the table ---------------------------------------------------------------------------------

BEFORE_PAYMENT = (S.APPLIED, S.REVIEWING, S.APPROVING_STREET, S.APPROVING_DISTRICT, S.APPROVED)

STEPS: tuple[Step, ...] = (
    # 评估审核 (四(二)): the assessor investigates with the committee …
    Step("investigate", "调查评估", (S.APPLIED,), S.REVIEWING, "cases.investigate",
         requires=(_not_investigated,), effect=_do_investigate),
    # … or, for dibao / low-income / rigid-expense households, skips the home visit (三(二)4).
    Step("fast_track", "快速帮扶（免上门调查）", (S.APPLIED,), S.REVIEWING, "cases.investigate",
         requires=(_not_investigated, _fast_track_category), needs=(_fast_track_reason,), effect=_do_fast_track),
    # 民主评议 (四(三)): the panel, generally 7 or more, concludes amount or rejection.
    Step("review", "民主评议", (S.REVIEWING,), None, "cases.review",
         requires=(_investigated, _not_reviewed, _no_duplicate_invoices), needs=(_panel_rules,),
         effect=_do_review),
    # 审批 (四(三)): ≤ street limit by the street; above, the street refers to the district.
    Step("approve", "街镇审批", (S.APPROVING_STREET,), S.APPROVED, "cases.approve_street",
         requires=(_no_duplicate_invoices,), needs=(_street_may_approve,), effect=_do_street_approve),
    Step("refer", "报区服务社审批", (S.APPROVING_STREET,), S.APPROVING_DISTRICT, "cases.approve_street",
         requires=(_no_duplicate_invoices,), needs=(_refer_reason,), effect=_do_refer),
    Step("approve_district", "区服务社审批", (S.APPROVING_DISTRICT,), S.APPROVED, "cases.approve_district",
         requires=(_no_duplicate_invoices,), needs=(_district_may_approve,), effect=_do_district_approve),
    # 先帮扶、事后补办手续 (三(二)4): the street approves an emergency payment at once.
    Step("help_first", "先帮扶、后补办", (S.APPLIED, S.REVIEWING), S.APPROVED, "cases.approve_street",
         requires=(_no_duplicate_invoices,), needs=(_help_first_allowed,), effect=_do_help_first),
    # 签收发放 (四(四)): exactly once; caps re-checked under the household lock; funded, and posted
    # to the ledger with it (`_do_pay`).
    Step("pay", "发放", (S.APPROVED,), S.PAID, "cases.pay",
         requires=(_no_duplicate_invoices, _caps_hold_at_payment), effect=_do_pay),
    Step("receipt", "登记签收", (S.PAID,), None, "cases.pay", requires=(_no_receipt_yet,), effect=_do_receipt),
    # The missing steps of a help-first case, recorded after payment.
    Step("investigate", "补办调查评估", (S.PAID,), None, "cases.investigate",
         requires=(_not_investigated,), effect=_do_investigate, help_first_only=True),
    Step("fast_track", "补办快速帮扶认定", (S.PAID,), None, "cases.investigate",
         requires=(_not_investigated, _fast_track_category), needs=(_fast_track_reason,), effect=_do_fast_track,
         help_first_only=True),
    Step("review", "补办民主评议", (S.PAID,), None, "cases.review",
         requires=(_investigated, _not_reviewed), needs=(_panel_rules,), effect=_do_review, help_first_only=True),
    # 回访反馈: the assessor (or the volunteer it is assigned to) records the visit; closes the case.
    Step("follow_up", "回访反馈", (S.PAID,), S.CLOSED, "cases.follow_up",
         requires=(_paid_receipt, _paperwork_complete), effect=_do_follow_up, assignee_may=True),
    # Rejection and withdrawal at any sensible point before the money leaves.
    Step("reject", "不予帮扶", (S.APPLIED, S.REVIEWING, S.APPROVING_STREET), S.REJECTED,
         "cases.approve_street", effect=_do_reject, comment_required=True),
    Step("reject", "不予帮扶", (S.APPROVING_DISTRICT,), S.REJECTED, "cases.approve_district",
         effect=_do_reject, comment_required=True),
    Step("withdraw", "申请人撤回", BEFORE_PAYMENT, S.WITHDRAWN, "cases.intake", comment_required=True),
)  # fmt: skip

# The main row's label names the action (the help-first rows of the same action come later).
ACTION_LABELS: dict[str, str] = {}
for _s in STEPS:
    ACTION_LABELS.setdefault(_s.action, _s.label)
# The audit log names each step's row (`case.<action>`) by the same label.
register_actions({f"case.{action}": label for action, label in ACTION_LABELS.items()})


# Steps recorded on the case's history that are not rows of the table.
RECORDED_LABELS = {"apply": "受理申请", "pre_review": "提交综合帮扶预审表"}


def history_label(action: str, from_state: str) -> str:
    """A recorded step's name: the row taken from that state ("补办民主评议" after a
    help-first payment), or the intake and the pre-review, which move no state."""
    if action in RECORDED_LABELS:
        return RECORDED_LABELS[action]
    row = next((s for s in STEPS if s.action == action and from_state in s.sources), None)
    return row.label if row else ACTION_LABELS.get(action, action)


def action_label(case: Case, action: str) -> str:
    """The label of the row the action takes on this case now ("补办民主评议" after a
    help-first payment, "民主评议" otherwise)."""
    here = steps_for(case, action)
    return here[0].label if here else ACTION_LABELS[action]


def steps_for(case: Case, action: str) -> list[Step]:
    return [
        s
        for s in STEPS
        if s.action == action and case.state in s.sources and (not s.help_first_only or case.help_first)
    ]


def may_take(user, case: Case, step: Step) -> bool:
    if has_perm_at(user, step.perm, case.street_id):
        return True
    return step.assignee_may and case.follow_ups.filter(assigned_to=user, done_at__isnull=True).exists()


def can_take(user, case: Case, action: str) -> tuple[bool, str]:
    """(allowed, reason) for the action now, by this user: state and role only, not the data."""
    steps = [s for s in STEPS if s.action == action]
    if not steps:
        return False, f"未知操作：{action}"
    here = steps_for(case, action)
    if not here:
        return False, f"个案当前状态为“{case.get_state_display()}”，不能办理“{steps[0].label}”。"
    step = next((s for s in here if may_take(user, case, s)), None)
    if step is None:
        return False, f"您没有在{case.street.name}办理“{here[0].label}”的权限。"
    return True, ""


@dataclass(frozen=True)
class Offer:
    """An action as a page offers it: whether the case's records allow it now and, if not, the
    reason, the very text (and code) `transition` refuses with."""

    action: str
    label: str
    allowed: bool
    reason: str = ""
    code: str = ""

    @property
    def secondary(self) -> bool:
        return self.action in ("reject", "withdraw")


def unmet(case: Case, step: Step) -> tuple[str, str] | None:
    """(reason, code) of the first of the step's `requires` the case does not meet, or None."""
    for check in step.requires:
        problem = check(case, {})
        if problem:
            return problem, check.__name__.lstrip("_")
    return None


def _offer(case: Case, step: Step) -> Offer:
    problem = unmet(case, step)
    if problem is None:
        return Offer(step.action, step.label, True)
    return Offer(step.action, step.label, False, *problem)


def available_actions(user, case: Case) -> list[Offer]:
    """The actions this user may take on the case in its state, each allowed or disabled with
    the reason. One the user's role can never take here is left out: a page shows a disabled
    button only for what this person could do once the records allow it."""
    seen, out = set(), []
    for s in STEPS:
        here = case.state in s.sources and (not s.help_first_only or case.help_first)
        if s.action not in seen and here and may_take(user, case, s):
            seen.add(s.action)
            out.append(_offer(case, s))
    return out


def offer(user, case: Case, action: str) -> Offer:
    """One action as `available_actions` offers it; not allowed, with the reason, when the
    state or the role rules it out."""
    allowed, reason = can_take(user, case, action)
    if not allowed:
        return Offer(action, ACTION_LABELS.get(action, action), False, reason, "not_allowed")
    return _offer(case, next(s for s in steps_for(case, action) if may_take(user, case, s)))


@transaction.atomic
def transition(case: Case, action: str, actor: Actor, **data) -> Case:
    """Run one row of the table on the case; `Refused` when the procedure does not allow it."""
    # Lock order, always household then case: approvals and payments of one household queue
    # here, so two of them can never both see room under the 2-event or 80,000 caps
    # (长民发〔2016〕31号 三(四)), and a double-submitted action sees the state the first left.
    Household.objects.select_for_update().filter(pk=case.household_id).first()
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("street__parent", "household", "applicant")
        .get(pk=case.pk)
    )
    allowed, reason = can_take(actor.user, locked, action)
    if not allowed:
        raise Refused(reason, code="not_allowed")
    step = next(s for s in steps_for(locked, action) if may_take(actor.user, locked, s))
    if problem := unmet(locked, step):
        raise Refused(problem[0], code=problem[1])
    comment = (data.get("comment") or "").strip()
    if step.comment_required and not comment:
        raise Refused(f"“{step.label}”须填写说明。", code="comment_required", field="comment")
    # A requirement says what is missing, its name is the code; with no policy in force on the
    # application date `rules.rules_for` refuses by itself (SPEC §6), never a server error.
    for need in step.needs:
        problem = need(locked, data)
        if problem:
            raise Refused(problem, code=need.__name__.lstrip("_"))
    before = locked.state
    decided = step.effect(locked, actor, data) if step.effect else None
    locked.state = decided or step.target or before
    locked.save()
    builders.transition_row(
        locked, action=action, before=before, after=locked.state, actor=actor, comment=comment
    ).save()
    audit_record(
        actor=actor,
        action=f"case.{action}",
        target=locked,
        before={"state": before},
        after={"state": locked.state, "approved_amount": str(locked.approved_amount or "")},
        note=f"{step.label}{'：' + comment if comment else ''}",
        org=locked.street,
    )
    case.refresh_from_db()
    return locked
