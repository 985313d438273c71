"""The one place the case procedure's rows are spelled: builders returning unsaved rows, used
by the procedure (`workflow`, `services.case_create`: one step at a time, under their locks
and checks, audited) and by the bulk writer of synthetic cases (`bangfu.demo.cases`, which
batches them with `bulk_create`). They decide fields only: what a step may do is the
procedure's, never theirs.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, ExtractYear, LPad

from .models import (
    AidType,
    Approval,
    Case,
    CaseState,
    Decision,
    Document,
    DocumentKind,
    FollowUp,
    Investigation,
    Invoice,
    PanelAttendance,
    PanelConclusion,
    PanelReview,
    Payment,
    PaymentRecord,
    Tier,
    Transition,
)


def case_number(case: Case) -> str:
    """GA<year of application><pk, 7 digits>: given once the case has its primary key."""
    return f"GA{case.application_date:%Y}{case.pk:07d}"


def case_number_expression() -> Concat:
    """`case_number` in SQL, for numbering many cases in one UPDATE: change both together."""
    return Concat(
        Value("GA"),
        Cast(ExtractYear("application_date"), CharField()),
        LPad(Cast("pk", CharField()), 7, Value("0")),
        output_field=CharField(),
    )


def case_row(
    *, household_id: int, street, applicant, aid_type: str, application_date: date, hardship: str, created_by,
    requested_amount: Decimal | None = None, personal_share: Decimal | None = None, emergency_event: str = "",
    casualty_or_major_loss: bool = False, source_visit=None,
) -> Case:  # fmt: skip
    """受理申请 (长民发〔2016〕31号 四(一)): what each aid type's case records, and nothing another
    type's would (the personal share of a 补缴金 case, the event of an emergency)."""
    return Case(
        household_id=household_id,
        street=street,
        applicant=applicant,
        aid_type=aid_type,
        application_date=application_date,
        hardship=hardship.strip(),
        requested_amount=requested_amount,
        personal_share=personal_share if aid_type == AidType.INSURANCE_SUPPLEMENT else None,
        emergency_event=emergency_event if aid_type == AidType.EMERGENCY else "",
        casualty_or_major_loss=casualty_or_major_loss if aid_type == AidType.EMERGENCY else False,
        source_visit=source_visit,
        created_by=created_by,
    )


def proposal_recorded(case: Case, answer: dict, *, at: datetime) -> Case:
    """The engine's answer (or its error object) kept on the case, with when it was asked (SPEC §6)."""
    case.proposal, case.proposal_at = answer, at
    case.approval_level = (answer or {}).get("approval_level") or ""
    return case


def invoice_key(text: str) -> str:
    """How an invoice's number and hospital are compared: full-width and half-width forms,
    spaces and case do not make a different invoice."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def invoice_row(
    case: Case | None, *, number: str, hospital: str, regular_hospital: bool, date: date, fee_type: str,
    total: Decimal, reimbursed: Decimal, self_paid: Decimal, document=None,
) -> Invoice:  # fmt: skip
    """One invoice line (四(一)), with the keys it is compared by."""
    number, hospital = number.strip(), hospital.strip()
    return Invoice(
        case=case, number=number, hospital=hospital, number_key=invoice_key(number),
        hospital_key=invoice_key(hospital), regular_hospital=regular_hospital, date=date, fee_type=fee_type,
        total=total, reimbursed=reimbursed, self_paid=self_paid, document=document,
    )  # fmt: skip


def transition_row(
    case: Case, *, action: str, before: str, after: str, actor, comment: str = ""
) -> Transition:
    """One recorded step, by `actor` (an `audit.actor.Actor`)."""
    return Transition(
        case=case,
        action=action,
        from_state=before,
        to_state=after,
        user=actor.user,
        actor_label=actor.label or "anonymous",
        comment=comment,
    )


def intake_transition_row(case: Case, *, actor) -> Transition:
    """The first recorded step of every case: 受理申请, in state applied."""
    return transition_row(
        case,
        action="apply",
        before=CaseState.APPLIED,
        after=CaseState.APPLIED,
        actor=actor,
        comment="受理申请",
    )


def investigation_row(
    case: Case, *, by, visited_on: date, income: str, income_sources: str, daily_life: str, housing: str,
    committee_opinion: str, plan: str,
) -> Investigation:  # fmt: skip
    """调查情况表 (长民发〔2016〕31号 四(二))."""
    return Investigation(
        case=case, by=by, visited_on=visited_on, income=income, income_sources=income_sources,
        daily_life=daily_life, housing=housing, committee_opinion=committee_opinion, plan=plan,
    )  # fmt: skip


def panel_review_rows(
    case: Case, *, recorded_by, meeting_date: date, introduction: str, documents_examined: str, discussion: str,
    conclusion: str, amount: Decimal | None, minutes: str, attendance: list[dict], fewer_members_reason: str = "",
) -> tuple[PanelReview, list[PanelAttendance]]:  # fmt: skip
    """评审会议记录 and each member's opinion (四(三)): `attendance` is [{member, opinion, remark?}].
    A rejection concludes no amount."""
    review = PanelReview(
        case=case, recorded_by=recorded_by, meeting_date=meeting_date, introduction=introduction,
        documents_examined=documents_examined, discussion=discussion, conclusion=conclusion,
        amount=amount if conclusion == PanelConclusion.AID else None, minutes=minutes,
        fewer_members_reason=(fewer_members_reason or "").strip(),
    )  # fmt: skip
    rows = [
        PanelAttendance(review=review, member=m["member"], opinion=m["opinion"], remark=m.get("remark", ""))
        for m in attendance
    ]
    return review, rows


def approval_row(
    case: Case, *, tier: str, decision: str, by, amount: Decimal | None = None, reason: str = ""
) -> Approval:
    return Approval(case=case, tier=tier, decision=decision, amount=amount, by=by, reason=reason)


def help_first_approval_row(case: Case, *, by) -> Approval:
    """The street's approval of a help-first payment (三(二)4), for the case's approved amount
    and with its reason (both already on the case)."""
    return approval_row(
        case, tier=Tier.STREET, decision=Decision.APPROVE, by=by, amount=case.approved_amount,
        reason=f"先帮扶、后补办：{case.help_first_reason}",
    )  # fmt: skip


def payment_rows(
    case: Case, *, amount: Decimal, method: str, idempotency_key: uuid.UUID, paid_by, paid_on: date, category: str,
    event_id: uuid.UUID | None = None,
) -> tuple[Payment, PaymentRecord]:  # fmt: skip
    """The payment (四(四)) and its hand-over row to the ledger (`PaymentRecord`, unposted: the
    funds app posts it and marks it, `funds.builders.posted`). `category` is the household's
    on the application date; `event_id` is new unless given (the synthetic cases draw theirs
    from their seed)."""
    payment = Payment(
        case=case, amount=amount, method=method, idempotency_key=idempotency_key, paid_by=paid_by
    )
    record = PaymentRecord(
        event_id=event_id or uuid.uuid4(),
        payment=payment,
        case=case,
        household_id=case.household_id,
        street=case.street,
        amount=payment.amount,
        aid_type=case.aid_type,
        category=str(category),
        paid_on=paid_on,
    )
    return payment, record


def receipt_document_row(
    case: Case, *, name: str, content_type: str, size: int, sha256: str, uploaded_by, file=None
) -> Document:
    """The signed receipt page (签收单) or captured signature, as a document of the case; its file
    is stored by the caller (once, before or after)."""
    document = Document(
        case=case, kind=DocumentKind.RECEIPT, original_name=(name or "signature.png")[:200],
        content_type=content_type, size=size, sha256=sha256, uploaded_by=uploaded_by,
    )  # fmt: skip
    if file is not None:
        document.file = file
    return document


def receipt_signed(payment: Payment, *, document, kind: str, at: datetime) -> Payment:
    """The payment signed for (签收): the receipt page or signature, how, and when."""
    payment.receipt, payment.receipt_kind, payment.receipt_at = document, kind, at
    return payment


def follow_up_row(case: Case, *, due: date) -> FollowUp:
    """回访反馈, scheduled at payment (due `workflow.follow_up_due` of the payment day)."""
    return FollowUp(case=case, due_date=due)


def follow_up_done(
    task: FollowUp, *, by, at: datetime, outcome: str, feedback: str = "", further_needs: str = ""
) -> FollowUp:
    """The visit recorded on its task."""
    task.done_at, task.done_by = at, by
    task.outcome, task.feedback, task.further_needs = outcome, feedback, further_needs
    return task
