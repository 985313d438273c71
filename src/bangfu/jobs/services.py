"""Starting a job, and the runner the task queue calls: its progress, its end.

A job is started in the request (`job_start`: the row, its audit row, and the task enqueued
once the row is committed, so the worker never looks for a job that is not there yet) and run
by the queue's worker (`job_run`). The runner takes no transaction around the work: the work
only reads, its progress must be seen by the page that polls while it runs, and on SQLite a
transaction would hold the one write lock for the whole run.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.refusal import Refused

from .kinds import Outcome, kind_of
from .models import Job

logger = logging.getLogger(__name__)

FAULT = "任务运行时发生内部错误，未能完成。错误已记入系统日志，请稍后重试；如仍失败，请联系系统管理员。"


@transaction.atomic
def job_start(*, actor: Actor, kind: str, title: str, params: dict, org=None) -> Job:
    """Queue a job of `kind` for the actor; it runs in the background (tasks.run_job)."""
    if kind_of(kind) is None:
        raise Refused(f"没有这类后台任务：{kind}。", code="unknown_job")
    if actor.user is None:
        raise Refused("后台任务须由本人发起。", code="forbidden", status=403)
    job = Job.objects.create(kind=kind, title=title[:200], owner=actor.user, org=org, params=params)
    audit_record(actor=actor, action="create", target=job, org=org, after={"kind": kind, "params": params})
    from .tasks import run_job

    pk = job.pk
    transaction.on_commit(lambda: run_job(pk))
    return job


def record_progress(job_id: int, done: int, total: int) -> None:
    """One write per report (the work reports every few cases, not every case)."""
    total = max(total, 0)
    Job.objects.filter(pk=job_id).update(done=min(max(done, 0), total), total=total)


def job_run(job_id: int) -> None:
    """Run a queued job once: queued → running → done or failed (with the reason in Chinese)."""
    # The state moves from queued in one UPDATE: a task delivered twice runs the job once.
    if not Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    ):
        return
    job = Job.objects.select_related("owner", "org").get(pk=job_id)
    kind = kind_of(job.kind)
    try:
        if kind is None:
            raise Refused("这类后台任务已不再提供，无法运行。", code="unknown_job")
        outcome = kind.run(job, lambda done, total: record_progress(job_id, done, total))
    except Refused as e:
        _finish(job, Job.State.FAILED, error=e.message)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job, Job.State.FAILED, error=FAULT)
    else:
        _finish(job, Job.State.DONE, outcome=outcome)


def _finish(job: Job, state: str, *, outcome: Outcome | None = None, error: str = "") -> None:
    job.refresh_from_db(fields=["done", "total"])
    job.state, job.error, job.finished_at = state, error, timezone.now()
    fields = ["state", "error", "finished_at"]
    if outcome is not None:
        job.result = outcome.result
        job.done = job.total  # a job done is done whatever its last report said
        fields += ["result", "done", "total"]
        if outcome.file_name:
            job.result_file.save(outcome.file_name, ContentFile(outcome.file_content), save=False)
            job.result_name = outcome.file_name
            fields += ["result_file", "result_name"]
    job.save(update_fields=fields)
