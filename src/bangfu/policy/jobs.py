"""The policy's long work in the background (bangfu.jobs): the what-if of a version over its
district's cases of a period, which for a busy district-year takes longer than a request
should. The page starts it (views.what_if), the job page shows its progress and then the
same tables as ever (policy/_whatif_result.html), from the kept result."""

from __future__ import annotations

from datetime import date

from bangfu.audit.actor import Actor
from bangfu.core.refusal import Refused
from bangfu.jobs.kinds import JobKind, Outcome, register
from bangfu.jobs.models import Job
from bangfu.jobs.services import job_start
from bangfu.orgs.scope import has_perm_at

from . import selectors
from .models import Policy
from .whatif import WhatIf, what_if_of_version

WHAT_IF = "policy.what_if"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def what_if_start(*, actor: Actor, policy: Policy, start: date, end: date) -> Job:
    """Queue the what-if of `policy` over [start, end] for the actor (within their scope)."""
    title = f"历史个案测算：{policy.code}（{policy.district.name}，{_day(start)}至{_day(end)}）"
    params = {"policy": policy.code, "start": start.isoformat(), "end": end.isoformat()}
    return job_start(actor=actor, kind=WHAT_IF, title=title, params=params, org=policy.district)


def _run(job: Job, progress) -> Outcome:
    owner = job.owner
    # Read again for the owner now: a version discarded, or a role withdrawn, since it was queued.
    policy = selectors.policy_visible(user=owner, code=job.params["policy"])
    if policy is None or not has_perm_at(owner, "policy.view", policy.district):
        raise Refused(
            f"政策版本 {job.params['policy']} 已不存在，或您已无权查看该区的政策版本。", code="not_found"
        )
    result = what_if_of_version(
        policy=policy,
        user=owner,
        start=date.fromisoformat(job.params["start"]),
        end=date.fromisoformat(job.params["end"]),
        progress=progress,
    )
    return Outcome(result.as_dict())


def _context(job: Job) -> dict:
    return {"result": WhatIf.from_dict(job.result, job.org), "policy_code": job.params["policy"]}


register(
    JobKind(
        name=WHAT_IF,
        label="历史个案测算",
        run=_run,
        result_template="policy/_whatif_result.html",
        result_context=_context,
    )
)
