"""The benchmark suite: one command, one table of figures (docs/bench.md).

    python bench/run.py [--households 300000] [--scale 1] [--only registry,policy_batch]
                        [--database-url postgres://postgres@127.0.0.1:5432/bangfu_bench] [--keep]

It drops and recreates the benchmark database (never one called `test`; with `--keep` it
keeps the database and what is in it, for a suite that tops up its data), migrates it,
runs each suite and prints a table of figures, also written as JSON to
bench/results/latest.json. A suite is a module `bench/<name>.py` with `run(report)`;
`report(name, value, unit, note="")` records one figure. `report.households`, `report.scale`
and `report.database_url` carry the options to the suites.

`--scale` multiplies every suite's volume (0.001 is a smoke run of a minute or two); the
suites run in any order, alone or together, in the one database: each continues the ids the
others left and takes only the households it made.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bangfu_bench"
SUITES = ("registry", "policy_batch", "funds_report", "cases", "lists", "projects")
# Databases the suite must never drop: the test runner's and PostgreSQL's own.
PROTECTED = {"test", "postgres", "template0", "template1"}


@dataclass
class Figure:
    suite: str
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Reporter:
    households: int
    database_url: str
    scale: float = 1.0
    figures: list[Figure] = field(default_factory=list)
    suite: str = ""

    def __call__(self, name: str, value: float, unit: str, note: str = "") -> None:
        figure = Figure(self.suite, name, float(value), unit, note)
        self.figures.append(figure)
        print(f"  {name} = {_fmt(figure.value)} {unit}  {note}", flush=True)


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def recreate_database(url: str) -> None:
    """DROP and CREATE the benchmark database, through the server's maintenance database."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in PROTECTED or name.startswith("test_"):
        sys.exit(f"bench: refusing to drop the database {name!r}; give a dedicated one with --database-url")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        ident = psycopg.sql.Identifier(name)
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(ident))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bangfu.settings"
    # Measured as deployed: no query log (DEBUG), no test-only password hasher.
    os.environ["DEBUG"] = "0"
    os.environ.pop("BANGFU_TESTING", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def print_table(figures: list[Figure]) -> None:
    headers = ("figure", "value", "unit", "note")
    rows = [(f.name, _fmt(f.value), f.unit, f.note) for f in figures]
    widths = [max(len(r[i]) for r in (headers, *rows)) for i in range(3)]
    print()
    for row in (headers, *rows):
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="bangfu benchmark suite")
    parser.add_argument("--households", type=int, help="registry size (default 300,000, times --scale)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="every suite's volume, as a fraction of the full one (default 1)",
    )
    parser.add_argument("--only", help=f"comma-separated suites (default: {','.join(SUITES)})")
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help=f"benchmark database (default {DEFAULT_URL})"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database and its data (migrate it, do not drop it): the suites top up what is there",
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be above 0 and at most 1")
    if args.households is None:
        args.households = max(1000, round(300_000 * args.scale))
    if args.households <= 0:
        parser.error("--households must be positive")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the benchmark runs on PostgreSQL: give a postgres:// URL")

    sys.path.insert(0, str(ROOT))  # `bench.<suite>` from `python bench/run.py`
    started = time.time()
    name = urlsplit(args.database_url).path.lstrip("/")
    if args.keep:
        print(f"bench: keeping {name} and migrating …", flush=True)
    else:
        print(f"bench: recreating {name} and migrating …", flush=True)
        recreate_database(args.database_url)
    setup_django(args.database_url)

    report = Reporter(households=args.households, database_url=args.database_url, scale=args.scale)
    for name in args.only.split(",") if args.only else SUITES:
        name = name.strip()
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            print(f"bench: skipping {name}: there is no bench/{name}.py", flush=True)
            continue
        print(f"bench: {name}", flush=True)
        report.suite = name
        t = time.perf_counter()
        module.run(report)
        print(f"bench: {name} done in {time.perf_counter() - t:.0f} s", flush=True)

    print_table(report.figures)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "latest.json"
    out.write_text(
        json.dumps(
            {
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                "seconds": round(time.time() - started, 1),
                "households": args.households,
                "scale": args.scale,
                "kept_database": args.keep,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "postgresql": server,
                    "platform": platform.platform(),
                },
                "figures": [asdict(f) for f in report.figures],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nbench: {len(report.figures)} figures in {time.time() - started:.0f} s, written to {out}")


if __name__ == "__main__":
    main()
