"""Writes of active discovery (SPEC §3; 沪民救发〔2025〕1号 三(二)2): keyword-only, typed, one
transaction each, audited. A finding that opens an application goes through the case procedure's
own `case_create`, so the case starts exactly as one taken in at the counter does."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.cases.models import AidType, Case
from bangfu.cases.services import case_create
from bangfu.core.dates import future_fact
from bangfu.core.refusal import Refused
from bangfu.orgs.scope import has_perm_at
from bangfu.registry.models import Household, Person

from .models import Finding, Lead, ScreeningVisit


def _require_visit(actor: Actor, household: Household) -> None:
    if not has_perm_at(actor.user, "discovery.visit", household.street_id):
        raise Refused("您没有办理此项的权限。", code="forbidden", status=403)


@transaction.atomic
def visit_record(
    *,
    actor: Actor,
    household: Household,
    visited_on: date,
    finding: str,
    notes: str,
    next_visit_due: date,
    open_application: bool = False,
    applicant: Person | None = None,
    aid_type: str = AidType.OTHER,
    lead: Lead | None = None,
) -> tuple[ScreeningVisit, Case | None]:
    """定期排摸: record the finding; a finding may open an application on the household's behalf."""
    _require_visit(actor, household)
    if finding not in Finding.values:
        raise Refused("请选择发现情况。", code="invalid_input", field="finding")
    if message := future_fact(visited_on, "排摸日期"):
        raise Refused(message, code="invalid_input", field="visited_on")
    if next_visit_due <= visited_on:
        raise Refused("下次排摸日期须晚于本次排摸日期。", code="invalid_input", field="next_visit_due")
    visit = ScreeningVisit.objects.create(
        household=household, street=household.street, visited_on=visited_on, finding=finding,
        notes=notes.strip(), next_visit_due=next_visit_due, by=actor.user,
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="discovery.visit",
        target=household,
        after={"finding": finding},
        org=household.street,
    )
    if lead is not None:
        lead_close(actor=actor, lead=lead, resolution=f"已排摸：{Finding(finding).label}", visit=visit)
    case = None
    if open_application:
        if finding == Finding.NONE:
            raise Refused(
                "排摸未发现困难情况，不能启动帮扶申请。", code="invalid_input", field="open_application"
            )
        if applicant is None:
            raise Refused("请选择申请人。", code="invalid_input", field="applicant")
        case = case_create(
            actor=actor, household=household, applicant=applicant, aid_type=aid_type, application_date=visited_on,
            hardship=f"排摸发现：{Finding(finding).label}。{notes.strip()}", source_visit=visit,
        )  # fmt: skip
    return visit, case


@transaction.atomic
def lead_raise(*, actor: Actor, household: Household, source: str, description: str) -> Lead:
    """A signal from the monitoring platform or a referral becomes a lead for the street."""
    if actor.user is not None:
        _require_visit(actor, household)
    lead = Lead.objects.create(
        household=household, street=household.street, source=source, description=description
    )
    audit_record(
        actor=actor, action="discovery.lead", target=household, after={"source": source}, org=household.street
    )
    return lead


@transaction.atomic
def lead_close(*, actor: Actor, lead: Lead, resolution: str, visit: ScreeningVisit | None = None) -> Lead:
    _require_visit(actor, lead.household)
    if lead.closed_at is not None:
        raise Refused("该线索已处理。", code="lead_closed")
    if not resolution.strip():
        raise Refused("请填写处理结果。", code="invalid_input", field="resolution")
    lead.closed_at = timezone.now()
    lead.closed_by = actor.user
    lead.resolution = resolution.strip()
    lead.visit = visit
    lead.save()
    return lead
