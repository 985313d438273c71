"""The kinds of long work, each registered by the app it belongs to (its `jobs` module).

A kind is what the jobs app needs to run a job and show its result, and nothing of the
domain: the work function, the label people read, and the template that renders the kept
result (with the context `result_context` makes from it).

    register(JobKind(
        name="policy.what_if", label="历史个案测算", run=run_what_if,
        result_template="policy/_whatif_result.html", result_context=whatif_context,
    ))

`run(job, progress)` does the work for `job.owner` (whose scope it re-reads: a role withdrawn
while the job waited no longer reaches anything), calls `progress(done, total)` as it goes
(every few cases, or per district), and returns an `Outcome`. A `Refused` it raises is the
job's failure in the owner's words; anything else is a fault, logged, and shown as one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What a finished job keeps: a JSON result, and optionally one file (its name and bytes)."""

    result: dict
    file_name: str = ""
    file_content: bytes = b""


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[..., Outcome]
    result_template: str
    result_context: Callable[..., dict] = lambda job: {"result": job.result}


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> JobKind | None:
    return KINDS.get(name)
