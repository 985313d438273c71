"""Writes of project aid. For now only registering a project, so that a fund source can be
earmarked for it and its aid paid (SPEC §4); filing, enrolment and batches come with their own
services (and the filing of a district's own plan, 备案, with its own rights)."""

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.orgs.registers import code_and_title, registered_by_foundation

from .models import OWNER_KINDS, Project


@transaction.atomic
def project_create(*, actor: Actor, code: str, title: str, owner: Organisation) -> Project:
    registered_by_foundation(actor, "帮扶项目")
    if owner.kind not in OWNER_KINDS:
        raise Refused(
            f"项目主体须为基金会或区帮扶组织，“{owner.name}”不是。", code="invalid_input", field="owner"
        )
    code, title = code_and_title(code, title, "项目", Project)
    project = Project.objects.create(code=code, title=title, owner=owner)
    audit_record(
        actor=actor, action="create", target=project, org=owner, after={"code": code, "title": title}
    )
    return project
