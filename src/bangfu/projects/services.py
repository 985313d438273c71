"""Writes of project aid. For now only registering a project, so that a fund source can be
earmarked for it and its aid paid (SPEC §4); filing, enrolment and batches come with their own
services."""

from django.db import transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at

from .models import OWNER_KINDS, Project


class ProjectRefused(Exception):
    def __init__(self, message: str, code: str = "invalid_input"):
        super().__init__(message)
        self.message = message
        self.code = code


@transaction.atomic
def project_create(*, actor: Actor, code: str, title: str, owner: Organisation) -> Project:
    # The foundation registers the projects it earmarks money for, as it registers the fund
    # sources; the filing of a district's own plan (SPEC §4 备案) will come with its own rights.
    foundation = Organisation.objects.get(kind=OrgKind.FOUNDATION)
    if actor.user is not None and not has_perm_at(actor.user, "funds.manage_foundation", foundation):
        raise ProjectRefused("您无权登记帮扶项目。", "forbidden")
    code, title = (code or "").strip(), (title or "").strip()
    if not code or len(code) > 64:
        raise ProjectRefused("请填写项目编号（不超过64个字符）。")
    if not title or len(title) > 200:
        raise ProjectRefused("请填写项目名称（不超过200个字）。")
    if owner.kind not in OWNER_KINDS:
        raise ProjectRefused(f"项目主体须为基金会或区帮扶组织，“{owner.name}”不是。")
    if Project.objects.filter(code=code).exists():
        raise ProjectRefused(f"项目编号 {code} 已存在。")
    project = Project.objects.create(code=code, title=title, owner=owner)
    audit_record(
        actor=actor, action="create", target=project, org=owner, after={"code": code, "title": title}
    )
    return project
