"""The registers the foundation keeps of what money is earmarked for (专款专用): projects
(projects.Project) and specific-aid plans (specific.Plan). What registering either shares —
who may, the code and title — until each has a procedure of its own
(SPEC §4). Here, below both apps and below the ledger that points at them, so that neither
imports the other nor the funds app."""

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused


def registered_by_foundation(actor: Actor, what: str) -> None:
    """The foundation registers what it earmarks money for, as it registers the fund sources."""
    from bangfu.orgs.models import Organisation, OrgKind
    from bangfu.orgs.scope import has_perm_at

    foundation = Organisation.objects.get(kind=OrgKind.FOUNDATION)
    if actor.user is not None and not has_perm_at(actor.user, "funds.manage_foundation", foundation):
        raise Refused(f"您无权登记{what}。", code="forbidden", status=403)


def code_and_title(code: str, title: str, what: str, model) -> tuple[str, str]:
    """The code (unique, at most 64 characters) and the title (at most 200), stripped."""
    code, title = (code or "").strip(), (title or "").strip()
    if not code or len(code) > 64:
        raise Refused(f"请填写{what}编号（不超过64个字符）。", code="invalid_input", field="code")
    if not title or len(title) > 200:
        raise Refused(f"请填写{what}名称（不超过200个字）。", code="invalid_input", field="title")
    if model.objects.filter(code=code).exists():
        raise Refused(f"{what}编号 {code} 已存在。", code="code_taken", field="code")
    return code, title
