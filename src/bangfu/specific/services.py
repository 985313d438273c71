"""Writes of specific aid. For now only registering a plan, so that a department's fund source
can be earmarked for it and its aid paid (SPEC §4); beneficiaries, commissions and settlement
come with their own services."""

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at

from .models import Plan


class PlanRefused(Exception):
    def __init__(self, message: str, code: str = "invalid_input"):
        super().__init__(message)
        self.message = message
        self.code = code


@transaction.atomic
def plan_create(*, actor: Actor, code: str, title: str, department: Organisation) -> Plan:
    # The foundation registers the plans it earmarks a department's money for, as it registers
    # the fund sources; the department's own rights come with the plan's procedure.
    foundation = Organisation.objects.get(kind=OrgKind.FOUNDATION)
    if actor.user is not None and not has_perm_at(actor.user, "funds.manage_foundation", foundation):
        raise PlanRefused("您无权登记特定帮扶计划。", "forbidden")
    code, title = (code or "").strip(), (title or "").strip()
    if not code or len(code) > 64:
        raise PlanRefused("请填写计划编号（不超过64个字符）。")
    if not title or len(title) > 200:
        raise PlanRefused("请填写计划名称（不超过200个字）。")
    if department is None:
        raise PlanRefused("请选择制定计划的政府职能部门。")
    if department.kind != OrgKind.DEPARTMENT:
        raise PlanRefused(f"特定帮扶计划须由政府职能部门制定，“{department.name}”不是政府职能部门。")
    if Plan.objects.filter(code=code).exists():
        raise PlanRefused(f"计划编号 {code} 已存在。")
    plan = Plan.objects.create(code=code, title=title, department=department)
    audit_record(
        actor=actor, action="create", target=plan, org=department, after={"code": code, "title": title}
    )
    return plan
