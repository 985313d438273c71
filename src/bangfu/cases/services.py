"""Writes of the case procedure: keyword-only, typed, one transaction each, audited.

State changes go through `workflow.transition`; what is not a state change (invoices,
documents, the receipt file) is here too, with the same rules.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Model

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.dates import future_fact
from bangfu.core.money import ZERO
from bangfu.core.refusal import Refused
from bangfu.orgs.scope import has_perm_at
from bangfu.registry.models import Household, HouseholdStatus, Person

from . import builders, workflow
from .models import (
    AidType,
    Case,
    CaseState,
    Document,
    DocumentKind,
    EmergencyEvent,
    FollowUp,
    Investigation,
    Invoice,
    PanelMember,
    Payment,
    PreReview,
    PreReviewRemark,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Checked by content, never by the name or the browser's claim.
MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
INVOICE_STATES = (CaseState.APPLIED, CaseState.REVIEWING)


def _require(actor: Actor, perm: str, case_or_street) -> None:
    street_id = getattr(case_or_street, "street_id", None) or case_or_street.pk
    if not has_perm_at(actor.user, perm, street_id):
        raise Refused("您没有办理此项的权限。", code="forbidden", status=403)


def case_may_open(household: Household) -> tuple[bool, str]:
    """(allowed, reason) for taking in an application from the household, as its file offers
    受理申请 and as `case_create` refuses: a merged or closed file takes none, nor one with no
    member on the register to apply."""
    if household.status != HouseholdStatus.ACTIVE:
        where = "，请到合并后的档案受理" if household.status == HouseholdStatus.MERGED else ""
        return False, f"该档案{household.get_status_display()}，不能受理新的申请{where}。"
    if not household.members.filter(active=True).exists():
        return False, "该户没有在册成员，请先登记成员后再受理申请。"
    return True, ""


@transaction.atomic
def case_create(
    *,
    actor: Actor,
    household: Household,
    applicant: Person,
    aid_type: str,
    application_date: date,
    hardship: str,
    requested_amount: Decimal | None = None,
    personal_share: Decimal | None = None,
    emergency_event: str = "",
    casualty_or_major_loss: bool = False,
    source_visit: Model | None = None,
) -> Case:
    """受理申请 (长民发〔2016〕31号 四(一)) at the household's street; `source_visit` is the
    discovery.ScreeningVisit whose finding opened it (SPEC §3), taken in by the assessor."""
    _require(actor, "cases.intake" if source_visit is None else "discovery.visit", household)
    allowed, reason = case_may_open(household)
    if not allowed:
        raise Refused(reason, code="household_not_open")
    if applicant.household_id != household.pk or not applicant.active:
        raise Refused("申请人须为该户在册成员。", code="invalid_input", field="applicant")
    if aid_type not in AidType.values:
        raise Refused("请选择帮扶类型。", code="invalid_input", field="aid_type")
    if message := future_fact(application_date, "申请日期"):
        raise Refused(message, code="invalid_input", field="application_date")
    if not hardship.strip():
        raise Refused("请填写困难情况。", code="invalid_input", field="hardship")
    if aid_type == AidType.INSURANCE_SUPPLEMENT and (personal_share is None or personal_share <= ZERO):
        raise Refused("补缴金帮扶须填写个人需补缴金额。", code="invalid_input", field="personal_share")
    if aid_type == AidType.EMERGENCY and emergency_event not in EmergencyEvent.values:
        raise Refused(
            "突发事件帮扶须选择事件类型（火灾、溺水、车祸或其他重大事故）。",
            code="invalid_input",
            field="emergency_event",
        )
    case = builders.case_row(
        household_id=household.pk,
        street=household.street,
        applicant=applicant,
        aid_type=aid_type,
        application_date=application_date,
        hardship=hardship,
        requested_amount=requested_amount,
        personal_share=personal_share,
        emergency_event=emergency_event,
        casualty_or_major_loss=casualty_or_major_loss,
        source_visit=source_visit,
        created_by=actor.user,
    )
    case.household = household
    case.save()
    case.number = builders.case_number(case)
    case.save(update_fields=["number"])
    workflow._record_proposal(case)
    case.save(update_fields=["proposal", "proposal_at", "approval_level"])
    builders.intake_transition_row(case, actor=actor).save()
    audit_record(
        actor=actor, action="create", target=case, after={"aid_type": aid_type, "state": case.state},
        note="受理个案帮扶申请", org=case.street,
    )  # fmt: skip
    return case


def case_transition(*, case: Case, action: str, actor: Actor, **data) -> Case:
    return workflow.transition(case, action, actor, **data)


def case_may_propose(user, case: Case) -> bool:
    """Who may ask the engine again: the street's intake and assessors (the button and the service)."""
    return has_perm_at(user, "cases.intake", case.street_id) or has_perm_at(
        user, "cases.investigate", case.street_id
    )


@transaction.atomic
def case_propose(*, case: Case, actor: Actor) -> Case:
    """Ask the engine again (after invoices or documents changed)."""
    if not case_may_propose(actor.user, case):
        raise Refused("您没有办理此项的权限。", code="forbidden", status=403)
    workflow._record_proposal(case)
    case.save(update_fields=["proposal", "proposal_at", "approval_level"])
    return case


@transaction.atomic
def case_pay(*, case: Case, actor: Actor, method: str, idempotency_key: uuid.UUID) -> Payment:
    """签收发放, exactly once. The same key again (a double click, a retried request) returns
    the payment already made; any other attempt on a paid case is refused. The case row lock
    in `transition` queues concurrent cashiers; the unique `Payment.case` and
    `idempotency_key` are the database's last word."""
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.case_id != case.pk:
            raise Refused("该发放单号已用于其他个案，请刷新页面后重新发放。", code="idempotency_conflict")
        return existing
    if method not in ("cash", "transfer"):
        raise Refused("请选择发放方式（现金或银行转账）。", code="invalid_input", field="method")
    try:
        with transaction.atomic():
            workflow.transition(case, "pay", actor, method=method, idempotency_key=idempotency_key)
    except IntegrityError:
        # Lost a race the locks could not see (e.g. SQLite without row locks): the other
        # request paid. Same key: that is our payment; otherwise refuse.
        existing = Payment.objects.filter(case=case).first()
        if existing is not None and existing.idempotency_key == idempotency_key:
            return existing
        raise Refused("该个案已发放，不能重复发放。", code="already_paid") from None
    except Refused:
        # A concurrent request with the same key got there first while we waited on the lock.
        existing = Payment.objects.filter(idempotency_key=idempotency_key, case=case).first()
        if existing is not None:
            return existing
        raise
    return Payment.objects.get(case=case)


def sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _checked_upload(upload) -> tuple[str, str]:
    if upload.size > MAX_UPLOAD_BYTES:
        raise Refused(
            f"文件“{upload.name}”超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请压缩或分页后上传。",
            code="file_too_large",
            field="upload",
        )
    if upload.size == 0:
        raise Refused(f"文件“{upload.name}”为空。", code="file_empty", field="upload")
    upload.seek(0)
    content_type = sniff(upload.read(8))
    upload.seek(0)
    if content_type is None:
        raise Refused(
            f"文件“{upload.name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断），请重新扫描后上传。",
            code="file_type",
            field="upload",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _document_states_ok(case: Case) -> bool:
    return case.state in workflow.BEFORE_PAYMENT or (case.state == CaseState.PAID)


@transaction.atomic
def document_upload(*, actor: Actor, case: Case, kind: str, upload) -> Document:
    if not (
        has_perm_at(actor.user, "cases.intake", case.street_id)
        or has_perm_at(actor.user, "cases.investigate", case.street_id)
    ):
        raise Refused("您没有办理此项的权限。", code="forbidden", status=403)
    if kind not in DocumentKind.values or kind == DocumentKind.RECEIPT:
        raise Refused("请选择材料类型。", code="invalid_input", field="kind")
    if not _document_states_ok(case):
        raise Refused(f"个案当前状态为“{case.get_state_display()}”，不能再补充材料。", code="wrong_state")
    content_type, sha = _checked_upload(upload)
    doc = Document(
        case=case, kind=kind, original_name=upload.name[:200], content_type=content_type, size=upload.size,
        sha256=sha, uploaded_by=actor.user,
    )  # fmt: skip
    doc.file.save(upload.name, upload, save=False)
    doc.save()
    audit_record(
        actor=actor, action="upload", target=case, after={"document": doc.pk, "kind": kind}, org=case.street
    )
    return doc


def _invoice_state_problem(case: Case) -> tuple[str, str] | None:
    if not (case.state in INVOICE_STATES or (case.state == CaseState.PAID and case.help_first)):
        return f"个案当前状态为“{case.get_state_display()}”，不能再录入发票。", "wrong_state"
    if case.aid_type != AidType.MEDICAL:
        return "只有大重病医疗帮扶需要录入医疗发票。", "not_medical"
    return None


def invoice_may_add(user, case: Case) -> bool:
    """The invoice form is offered where `invoice_add` takes a line: by the street's intake, while
    the case is before review or a help-first case owes its invoices."""
    return has_perm_at(user, "cases.intake", case.street_id) and _invoice_state_problem(case) is None


@transaction.atomic
def invoice_add(
    *,
    actor: Actor,
    case: Case,
    number: str,
    hospital: str,
    regular_hospital: bool,
    date: date,
    fee_type: str,
    total: Decimal,
    reimbursed: Decimal,
    self_paid: Decimal,
    upload=None,
) -> tuple[Invoice, list[Invoice]]:
    """One invoice line (四(一)); returns it and the other cases' claims of the same invoice."""
    from .selectors import invoice_duplicates

    _require(actor, "cases.intake", case)
    if problem := _invoice_state_problem(case):
        raise Refused(problem[0], code=problem[1])
    if not number.strip() or not hospital.strip():
        raise Refused("请填写发票号码和医院。", code="invalid_input", field="number")
    if date > case.application_date:
        raise Refused("发票日期不能晚于申请日期。", code="invalid_input", field="date")
    if reimbursed + self_paid > total:
        raise Refused("报销金额与自负金额之和不能超过发票总金额。", code="invalid_input", field="total")
    if self_paid <= ZERO:
        raise Refused("自负金额须大于0。", code="invalid_input", field="self_paid")
    number_key, hospital_key = builders.invoice_key(number), builders.invoice_key(hospital)
    if case.invoices.filter(number_key=number_key, hospital_key=hospital_key).exists():
        raise Refused(
            f"发票 {hospital} {number} 已在本个案中录入。", code="duplicate_invoice", field="number"
        )
    document = (
        document_upload(actor=actor, case=case, kind=DocumentKind.INVOICE, upload=upload) if upload else None
    )
    invoice = builders.invoice_row(
        case,
        number=number,
        hospital=hospital,
        regular_hospital=regular_hospital,
        date=date,
        fee_type=fee_type,
        total=total,
        reimbursed=reimbursed,
        self_paid=self_paid,
        document=document,
    )
    invoice.save()
    _repropose(case)
    audit_record(
        actor=actor, action="invoice.add", target=case,
        after={"invoice": f"{invoice.hospital} {invoice.number}", "self_paid": str(self_paid)}, org=case.street,
    )  # fmt: skip
    return invoice, list(invoice_duplicates(invoice))


@transaction.atomic
def invoice_remove(*, actor: Actor, invoice: Invoice) -> None:
    case = invoice.case
    _require(actor, "cases.intake", case)
    if case.state not in INVOICE_STATES:
        raise Refused(f"个案当前状态为“{case.get_state_display()}”，不能删除发票。", code="wrong_state")
    audit_record(
        actor=actor, action="invoice.remove", target=case,
        before={"invoice": f"{invoice.hospital} {invoice.number}"}, org=case.street,
    )  # fmt: skip
    invoice.delete()
    _repropose(case)


def _repropose(case: Case) -> None:
    # The maximum depends on the invoices: the proposal beside the amount follows them.
    workflow._record_proposal(case)
    case.save(update_fields=["proposal", "proposal_at", "approval_level"])


@transaction.atomic
def invoice_override(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """The district lets a duplicate invoice through, with a written reason."""
    if not has_perm_at(actor.user, "cases.approve_district", invoice.case.street_id):
        raise Refused("重复发票只能由区服务社核实放行。", code="forbidden", status=403)
    if not reason.strip():
        raise Refused("请填写放行理由。", code="invalid_input", field="reason")
    invoice.duplicate_override_reason = reason.strip()
    invoice.duplicate_override_by = actor.user
    invoice.save(update_fields=["duplicate_override_reason", "duplicate_override_by"])
    audit_record(
        actor=actor, action="invoice.override", target=invoice.case,
        after={"invoice": f"{invoice.hospital} {invoice.number}"}, note=reason.strip(), org=invoice.case.street,
    )  # fmt: skip
    return invoice


BAD_SIGNATURE = "屏幕签名无效，请重新签名。"


def _signature_file(data_url: str) -> ContentFile:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise Refused(BAD_SIGNATURE, code="invalid_input", field="signature")
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise Refused(BAD_SIGNATURE, code="invalid_input", field="signature") from None
    if sniff(raw[:8]) != "image/png":
        raise Refused(BAD_SIGNATURE, code="invalid_input", field="signature")
    return ContentFile(raw, name="signature.png")


@transaction.atomic
def receipt_record(*, actor: Actor, case: Case, upload=None, signature: str = "") -> Payment:
    """签收单: the signed page uploaded, or a signature captured on screen."""
    _require(actor, "cases.pay", case)
    if upload is None and not signature:
        raise Refused("请上传签字的签收单，或请领款人在屏幕上签名。", code="invalid_input", field="upload")
    file = upload if upload is not None else _signature_file(signature)
    content_type, sha = _checked_upload(file)
    doc = builders.receipt_document_row(
        case, name=file.name, content_type=content_type, size=file.size, sha256=sha, uploaded_by=actor.user
    )
    # The transition checks state and permission first; the file is written only then.
    with transaction.atomic():
        offer = workflow.offer(actor.user, case, "receipt")
        if not offer.allowed:
            raise Refused(offer.reason, code=offer.code)
        doc.file.save(file.name or "signature.png", file, save=False)
        doc.save()
        workflow.transition(
            case, "receipt", actor, document=doc, receipt_kind="upload" if upload is not None else "signature"
        )
    return Payment.objects.get(case=case)


NOT_AN_ASSIGNEE = "只能分派给本街镇的志愿者或救助顾问。"


@transaction.atomic
def follow_up_assign(*, actor: Actor, follow_up: FollowUp, user) -> FollowUp:
    """Hand a follow-up visit to a volunteer or another assessor of the street."""
    case = follow_up.case
    _require(actor, "cases.follow_up", case)
    if follow_up.done_at is not None:
        raise Refused("该回访已完成。", code="done")
    from .selectors import follow_up_assignees

    if not follow_up_assignees(case=case).filter(pk=user.pk).exists():
        raise Refused(NOT_AN_ASSIGNEE, code="invalid_input", field="user")
    follow_up.assigned_to = user
    follow_up.save(update_fields=["assigned_to"])
    audit_record(
        actor=actor,
        action="follow_up.assign",
        target=case,
        after={"assigned_to": user.username},
        org=case.street,
    )
    return follow_up


@transaction.atomic
def panel_member_add(*, actor: Actor, street, name: str, kind: str, user=None) -> PanelMember:
    if not has_perm_at(actor.user, "cases.roster", street):
        raise Refused("您没有维护评审小组名册的权限。", code="forbidden", status=403)
    if not name.strip():
        raise Refused("请填写姓名。", code="invalid_input", field="name")
    member = PanelMember.objects.create(street=street, name=name.strip(), kind=kind, user=user)
    audit_record(actor=actor, action="create", target=member, note="评审小组名册", org=street)
    return member


# --- the pre-review form to the district (长民发〔2016〕31号 四(二)) ----------------------------------

PRE_REVIEW_CLOSED_STATES = (CaseState.REJECTED, CaseState.WITHDRAWN)
PRE_REVIEW_REMARK_MAX = 2000


def pre_review_may_submit(user, case: Case) -> tuple[bool, str]:
    """(allowed, reason). The street's working group sends the form once the investigation
    (or the fast track) has studied the plan (四(二) 调查核实，研究帮扶方案，向区服务社提交): the
    assessor who investigated, or the group's head (approve_street), may submit it."""
    if not (
        has_perm_at(user, "cases.investigate", case.street_id)
        or has_perm_at(user, "cases.approve_street", case.street_id)
    ):
        return False, "只有本街镇的救助顾问或综合帮扶工作组负责人可以提交预审表。"
    if PreReview.objects.filter(case=case).exists():
        return False, "该个案的综合帮扶预审表已提交，不能重复提交。"
    if case.state in PRE_REVIEW_CLOSED_STATES:
        return False, f"个案当前状态为“{case.get_state_display()}”，不再提交预审表。"
    if problem := workflow._investigated(case, {}):
        return False, f"{problem}完成后再提交预审表。"
    return True, ""


def _pre_review_content(case: Case) -> dict:
    """The form as the district receives it (masked ID number, as on every printed form)."""
    from bangfu.registry.models import Category
    from bangfu.registry.selectors import household_category_on

    investigation = Investigation.objects.filter(case=case).first()
    answer = case.proposal or {}
    content = {
        "case_number": case.number,
        "street": case.street.name,
        "household": {
            "file_number": case.household.file_number,
            "address": case.household.address,
            "category": Category(household_category_on(case.household, case.application_date)).label,
        },
        "applicant": {"name": case.applicant.name, "id_number": case.applicant.id_number_masked},
        "aid_type": case.get_aid_type_display(),
        "application_date": case.application_date.isoformat(),
        "hardship": case.hardship,
        "requested_amount": str(case.requested_amount) if case.requested_amount is not None else "",
        "fast_track_reason": case.fast_track_reason if case.fast_track else "",
        "investigation": None,
        "proposal": None,
    }
    if investigation is not None:
        content["investigation"] = {
            "visited_on": investigation.visited_on.isoformat(),
            "by": str(investigation.by),
            **{
                k: getattr(investigation, k)
                for k in ("income", "income_sources", "daily_life", "housing", "committee_opinion", "plan")
            },
        }
    if "error" in answer:
        content["proposal"] = {"error": answer["error"].get("message", "")}
    elif answer:
        content["proposal"] = {
            "policy": (answer.get("policy") or {}).get("id", ""),
            "eligible": answer.get("eligible"),
            "max_amount": answer.get("max_amount"),
            "recommended_amount": answer.get("recommended_amount"),
            "approval_level": answer.get("approval_level") or "",
            "reasons": [r.get("message", "") for r in answer.get("reasons", [])],
        }
    return content


@transaction.atomic
def pre_review_submit(*, actor: Actor, case: Case) -> PreReview:
    """综合帮扶预审表 to the district (长民发〔2016〕31号 四(二)), once per case. Changes no state:
    the procedure goes on to the panel and the street's approval without waiting."""
    # The case row lock queues a double click; the one-to-one is the database's last word.
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("street", "household", "applicant")
        .get(pk=case.pk)
    )
    allowed, reason = pre_review_may_submit(actor.user, locked)
    if not allowed:
        raise Refused(reason, code="not_allowed")
    content = _pre_review_content(locked)
    recommended = (content["proposal"] or {}).get("recommended_amount")
    try:
        with transaction.atomic():
            pre_review = PreReview.objects.create(
                case=locked,
                content=content,
                proposed_amount=Decimal(recommended) if recommended else None,
                submitted_by=actor.user,
            )
    except IntegrityError:
        raise Refused("该个案的综合帮扶预审表已提交，不能重复提交。", code="already_submitted") from None
    from .models import Transition

    # A recorded step without a state change, like the application itself: the timeline shows it.
    Transition.objects.create(
        case=locked, action="pre_review", from_state=locked.state, to_state=locked.state,
        user=actor.user, actor_label=actor.label or "anonymous", comment="提交综合帮扶预审表至区服务社",
    )  # fmt: skip
    audit_record(
        actor=actor, action="case.pre_review", target=locked,
        after={"pre_review": pre_review.pk, "proposed_amount": str(pre_review.proposed_amount or "")},
        note="提交综合帮扶预审表", org=locked.street,
    )  # fmt: skip
    return pre_review


def pre_review_may_remark(user, pre_review: PreReview) -> bool:
    return has_perm_at(user, "cases.approve_district", pre_review.case.street_id)


@transaction.atomic
def pre_review_remark(*, actor: Actor, pre_review: PreReview, text: str) -> PreReviewRemark:
    """The district service society's remark on a pre-review: advisory, no state changes."""
    if not pre_review_may_remark(actor.user, pre_review):
        raise Refused("只有该街镇所属区的区服务社可以填写预审意见。", code="forbidden", status=403)
    text = (text or "").strip()
    if not text:
        raise Refused("请填写预审意见。", code="invalid_input", field="text")
    if len(text) > PRE_REVIEW_REMARK_MAX:
        raise Refused(f"预审意见不能超过{PRE_REVIEW_REMARK_MAX}字。", code="invalid_input", field="text")
    remark = PreReviewRemark.objects.create(pre_review=pre_review, text=text, by=actor.user)
    case = pre_review.case
    audit_record(
        actor=actor, action="case.pre_review_remark", target=case,
        after={"pre_review": pre_review.pk, "remark": remark.pk}, note=text[:200], org=case.street,
    )  # fmt: skip
    return remark
