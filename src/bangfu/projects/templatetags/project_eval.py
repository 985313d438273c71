"""The plan page's sections on delivery verification, evaluation and audit (links and one-line
summaries), and the links between those pages. Each reads only what the user may see."""

from django import template

from .. import selectors, verification
from ..models import Evaluation

register = template.Library()


def _may(context, perm: str, project) -> bool:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return user is not None and selectors.may(user, perm, project)


@register.inclusion_tag("projects/_eval_crumbs.html", takes_context=True)
def eval_crumbs(context, project):
    return {"project": project, "may_audit": _may(context, "projects.audit", project)}


@register.inclusion_tag("projects/sections/_verification.html", takes_context=True)
def verification_section(context, project):
    return {"project": project, "summary": verification.summary(project),
            "may_verify": _may(context, "projects.verify", project)}  # fmt: skip


@register.inclusion_tag("projects/sections/_evaluation.html", takes_context=True)
def evaluation_section(context, project):
    latest = Evaluation.objects.filter(project=project).order_by("-evaluated_at", "-id").first()
    return {"project": project, "latest": latest, "may_evaluate": _may(context, "projects.evaluate", project)}


@register.inclusion_tag("projects/sections/_audit.html", takes_context=True)
def audit_section(context, project):
    return {"project": project, "may_audit": _may(context, "projects.audit", project)}
