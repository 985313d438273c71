"""`bench/run.py` as a developer runs it, at its smallest scale: the cases and funds-report suites
share one database in either order (each continues the ids the other left and takes only the
households it made), and the funds benchmark's ledger is one that could exist — the suite runs
`ledger verify` itself and fails on any finding, and an operator's `bangfu ledger verify` over
the whole database afterwards (both suites' books) finds nothing either."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


def _bench_url() -> str:
    """The benchmark drops and recreates its database: never the test database, never the
    developer's own; `bench_<DATABASE_URL's database>` unless BANGFU_BENCH_DATABASE_URL names one
    (not `<name>_bench`: the benchmark refuses names beginning `test_`, pytest's, and CI's
    database is `test`)."""
    if url := os.environ.get("BANGFU_BENCH_DATABASE_URL"):
        return url
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/bench_{parts.path.lstrip('/')}"))


def _env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "BANGFU_TESTING"}
    env.update(PYTHONPATH=str(ROOT / "src"), DATABASE_URL=url, DEBUG="0")
    return env


@pytest.mark.parametrize("order", ["cases,funds_report", "funds_report,cases"])
def test_suites_share_a_database_in_either_order_and_leave_a_ledger_verify_accepts(order):
    url = _bench_url()
    bench = subprocess.run(
        [sys.executable, "bench/run.py", "--only", order, "--scale", "0.001", "--database-url", url],
        cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert bench.returncode == 0, bench.stdout[-3000:] + bench.stderr[-5000:]
    figures = {line.split()[0] for line in bench.stdout.splitlines() if line.startswith(("cases_", "funds_"))}
    assert {"cases_synth_per_s", "cases_case_page_median_ms", "funds_report_vs_sql"} <= figures
    verify_line = next(line for line in bench.stdout.splitlines() if "funds_ledger_verify_s =" in line)
    assert "no findings" in verify_line

    verify = subprocess.run(
        [sys.executable, "-m", "bangfu.cli", "ledger", "verify"],
        cwd=ROOT, env=_env(url), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert "账目核对通过：未发现问题。" in verify.stdout
