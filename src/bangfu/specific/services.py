"""Writes of specific aid. For now only registering a plan, so that a department's fund source
can be earmarked for it and its aid paid (SPEC §4); beneficiaries, commissions and settlement
come with their own services (and the department's own rights with them)."""

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.registers import code_and_title, registered_by_foundation

from .models import Plan


@transaction.atomic
def plan_create(*, actor: Actor, code: str, title: str, department: Organisation | None) -> Plan:
    registered_by_foundation(actor, "特定帮扶计划")
    if department is None:
        raise Refused("请选择制定计划的政府职能部门。", code="invalid_input", field="department")
    if department.kind != OrgKind.DEPARTMENT:
        raise Refused(
            f"特定帮扶计划须由政府职能部门制定，“{department.name}”不是政府职能部门。",
            code="invalid_input",
            field="department",
        )
    code, title = code_and_title(code, title, "计划", Plan)
    plan = Plan.objects.create(code=code, title=title, department=department)
    audit_record(
        actor=actor, action="create", target=plan, org=department, after={"code": code, "title": title}
    )
    return plan
