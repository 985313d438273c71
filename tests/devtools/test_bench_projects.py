"""`bench/run.py --only projects` as a developer runs it, at its smallest scale: the target query
enrols the 长宁区 households and refuses the 黄浦区 ones (no policy in force), one batch is
prepared, approved and delivered, each against a COPY of its rows into scratch tables and one
into the real tables, rolled back (no twin row stays); run again on the kept database
it tops nothing up and enrols the same households into a new plan; and the ledger it leaves (the
lottery receipts, the deliveries) is one `bangfu ledger verify` accepts."""

import subprocess
import sys

import psycopg
import pytest

from .test_bench_suites import ROOT, _bench_url, _env

pytestmark = pytest.mark.postgres


def _run(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/run.py", "--only", "projects", "--scale", "0.001", "--database-url", url, *extra],
        cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _figures(out: str) -> dict[str, tuple[float, str]]:
    """The figures as the run printed them (`  name = value unit  note`): name → (value, note)."""
    figures = {}
    for line in out.splitlines():
        if line.startswith("  projects_"):
            name, _, rest = line.strip().partition(" = ")
            value, _, rest = rest.partition(" ")
            figures[name] = (float(value.replace(",", "")), rest.partition("  ")[2])
    return figures


def test_projects_suite_enrols_delivers_and_compares_with_copy_then_runs_again_on_the_kept_database():
    url = _bench_url()
    first = _run(url)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-5000:]
    figures = _figures(first.stdout)
    for step in ("enrol", "prepare", "deliver"):
        assert figures[f"projects_{step}_s"][0] > 0
        assert figures[f"projects_{step}_copy_rows_per_s"][0] > 0
        assert figures[f"projects_{step}_vs_copy"][0] > 0
        assert figures[f"projects_{step}_copy_real_rows_per_s"][0] > 0
        assert figures[f"projects_{step}_vs_copy_real"][0] > 0
    assert "1,000 households made" in figures["projects_load_s"][1]
    enrol = figures["projects_enrol_s"][1]
    assert "no_policy_in_force" in enrol, enrol  # 黄浦区 has no policy in force in 2021
    enrolled = int(enrol.split(": ")[1].split(" enrolled")[0].replace(",", ""))
    assert enrolled > 0
    # One COPY'd row per enrolment; the batch has an item for each household still eligible on its
    # day (re-checked then: a category may have ended since), delivered with an aid record, and its
    # transaction one posting per item and one for the total.
    assert f"({enrolled:,} projects_enrolment)" in figures["projects_enrol_copy_rows_per_s"][1]
    prepared = figures["projects_prepare_s"][1]
    items = int(prepared.split(": ")[1].split(" items")[0].replace(",", ""))
    assert 0 < items <= enrolled, prepared
    deliver = figures["projects_deliver_copy_rows_per_s"][1]
    assert f"1 funds_transaction, {items + 1:,} funds_posting, {items:,} aid_aidrecord" in deliver
    # The same rows into the real tables, and none of them (nor their twin parents) kept.
    assert (
        f"({enrolled:,} projects_enrolment) into the real tables"
        in figures["projects_enrol_copy_real_rows_per_s"][1]
    )
    real = figures["projects_deliver_copy_real_rows_per_s"][1]
    assert (
        f"1 funds_transaction, {items + 1:,} funds_posting, {items:,} aid_aidrecord) into the real"
        in real
    )
    with psycopg.connect(url) as conn:
        kept = conn.execute(
            """SELECT (SELECT COUNT(*) FROM projects_project WHERE code LIKE 'XM-TWIN-%'),
                      (SELECT COUNT(*) FROM projects_enrolment), (SELECT COUNT(*) FROM projects_batchitem),
                      (SELECT COUNT(*) FROM projects_batch), (SELECT COUNT(*) FROM aid_aidrecord),
                      (SELECT COUNT(*) FROM funds_transaction WHERE idempotency_key LIKE 'bench-twin-%')"""
        ).fetchone()
    assert kept == (0, enrolled, items, 1, items, 0)

    again = _run(url, "--keep")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-5000:]
    figures = _figures(again.stdout)
    assert "0 households made" in figures["projects_load_s"][1]
    assert "XM-BENCH-002" in figures["projects_enrol_s"][1]
    assert f": {enrolled:,} enrolled" in figures["projects_enrol_s"][1]

    verify = subprocess.run(
        [sys.executable, "-m", "bangfu.cli", "ledger", "verify"],
        cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert "账目核对通过：未发现问题。" in verify.stdout
