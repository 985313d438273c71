"""Project aid's long work in the background (bangfu.jobs): enrolment from the target query when
the group is large (more than `enrolment.BACKGROUND_OVER` households). The query page starts it;
the job's page shows the progress, then the summary: enrolled, and refused by reason."""

from __future__ import annotations

from datetime import date

from bangfu.audit.actor import Actor
from bangfu.core.dates import cn_date
from bangfu.core.refusal import Refused
from bangfu.jobs.kinds import JobKind, Outcome, register
from bangfu.jobs.models import Job
from bangfu.jobs.services import job_start

from . import enrolment, selectors
from .models import Project

ENROL_QUERY = "projects.enrol_query"


def enrol_query_start(*, actor: Actor, project: Project, day: date) -> Job:
    """Queue the enrolment of the plan's target group on `day` for the actor."""
    selectors.authorise(actor, enrolment.ENROL, project, "您无权为该项目纳入帮扶对象。")
    enrolment.require_filed(project)  # refused now, not in a job that fails
    # The form sent twice goes to the actor's enrolment of the plan already under way.
    under_way = Job.objects.filter(
        kind=ENROL_QUERY, owner=actor.user, params__project=project.pk,
        state__in=(Job.State.QUEUED, Job.State.RUNNING),
    ).first()  # fmt: skip
    if under_way is not None:
        return under_way
    title = f"按条件纳入：{project.code} {project.title}（{cn_date(day)}）"
    params = {"project": project.pk, "day": day.isoformat()}
    return job_start(actor=actor, kind=ENROL_QUERY, title=title, params=params, org=project.owner)


def _run(job: Job, progress) -> Outcome:
    project = Project.objects.select_related("owner").filter(pk=job.params["project"]).first()
    # Read again for the owner now: a role withdrawn since it was queued reaches nothing.
    if project is None or not enrolment.may_manage(job.owner, project):
        raise Refused("该项目已不存在，或您已无权为该项目纳入帮扶对象。", code="not_found")
    result = enrolment.enrol_from_query(
        actor=Actor.for_user(job.owner, "job"),
        project=project,
        day=date.fromisoformat(job.params["day"]),
        progress=progress,
    )
    return Outcome({"project": project.pk, **result.as_dict()})


def _context(job: Job) -> dict:
    result = job.result or {}
    summary = enrolment.QueryResult(enrolled=result.get("enrolled", 0), refused=result.get("refused", {}))
    project = Project.objects.filter(pk=job.params.get("project")).first()
    return {"summary": summary, "project": project}


register(
    JobKind(
        name=ENROL_QUERY,
        label="按条件纳入帮扶对象",
        run=_run,
        result_template="projects/enrolment/_query_result.html",
        result_context=_context,
    )
)
