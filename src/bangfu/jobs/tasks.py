"""The one task of the queue for every job: run it (services.job_run)."""

from huey.contrib.djhuey import db_task

from .services import job_run


@db_task()
def run_job(job_id: int) -> None:
    job_run(job_id)
