"""Batch throughput of `bangfu policy evaluate --batch` (target: ≥ 20,000 evaluations/s on one core).

100,000 mixed requests, generated deterministically: every aid type, every category,
invoices that count and invoices that don't, prior aid that caps or exhausts the year, and
about 4% bad lines (unknown field, JSON number as amount, bad date, unknown district, date
outside any policy, broken JSON). The whole process is timed (start-up, loading the
policies from the database, evaluating with the trace, writing the answers), against a
migrated SQLite database in a temporary folder, or the database of DATABASE_URL if set.

The baseline, in the same run: plain Python parsing and writing back the same lines with
the standard `json` module, which is the least any JSON Lines program does.

    python -m bench.policy_batch            # figures
    python -m bench.policy_batch --profile  # cProfile of the evaluation loop, in-process
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 100_000
SEED = 20160701


def _amount(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low * 100, high * 100) / 100:.2f}"


def _day(rng: random.Random, year_from: int = 2016, year_to: int = 2021) -> str:
    year = rng.randint(year_from, year_to)
    month = rng.randint(7 if year == 2016 else 1, 12)
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def make_request(rng: random.Random, i: int) -> dict:
    aid_type = rng.choices(["medical", "insurance_supplement", "emergency", "other"], [45, 20, 20, 15])[0]
    app_day = _day(rng, 2017, 2021)
    year = app_day[:4]
    prior = [
        {"date": f"{rng.choice([year, year, str(int(year) - 1)])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
         "amount": _amount(rng, 500, 40000)}
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))
    ]  # fmt: skip
    request = {
        "district": "310105",
        "application_date": app_day,
        "aid_type": aid_type,
        "household": {
            "category": rng.choice(["dibao", "low_income", "rigid_expense", "other"]),
            "hukou_district": rng.choices(["310105", "310101", "320102"], [90, 5, 5])[0],
            "resides_in_district": rng.random() < 0.97,
            "non_local_spouse_or_child": rng.random() < 0.05,
            "prior_aid": prior,
        },
    }
    if aid_type == "medical":
        request["medical"] = {
            "invoices": [
                {
                    "number": f"F{i}-{k}",
                    "date": _day(rng, int(year) - 2, int(year)),
                    "regular_hospital": rng.random() < 0.9,
                    "fee_type": rng.choices(
                        ["treatment", "medicine", "examination", "surgery", "nursing", "nutrition", "other"],
                        [30, 30, 15, 10, 5, 5, 5],
                    )[0],
                    "self_paid": _amount(rng, 10, 30000),
                }
                for k in range(rng.randint(1, 6))
            ]
        }
    elif aid_type == "insurance_supplement":
        request["insurance_supplement"] = {
            "personal_share": _amount(rng, 1000, 80000),
            "serious_illness": rng.random() < 0.85,
            "lost_work_capacity": rng.random() < 0.85,
        }
    elif aid_type == "emergency":
        request["emergency"] = {
            "event": rng.choice(["fire", "drowning", "traffic", "other_major"]),
            "casualty_or_major_loss": rng.random() < 0.9,
        }
    if rng.random() < 0.6:
        request["requested_amount"] = _amount(rng, 100, 40000)
    return request


def _spoil(rng: random.Random, request: dict) -> str:
    """A bad line, of one of the kinds the contract refuses."""
    kind = rng.randrange(6)
    if kind == 0:
        request["note"] = "unknown field"
    elif kind == 1:
        request["requested_amount"] = 1200.5
    elif kind == 2:
        request["application_date"] = "2020/05/01"
    elif kind == 3:
        request["district"] = "310199"
    elif kind == 4:
        request["application_date"] = "2023-03-01"  # no policy in force
    else:
        return json.dumps(request, ensure_ascii=False)[:-7]  # broken JSON
    return json.dumps(request, ensure_ascii=False)


def make_lines(n: int = N, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        request = make_request(rng, i)
        lines.append(_spoil(rng, request) if rng.random() < 0.04 else json.dumps(request, ensure_ascii=False))
    return lines


def _bangfu() -> list[str]:
    script = Path(sys.executable).with_name("bangfu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bangfu.cli"]


def _timed(cmd: list[str], *, stdin_path: Path, env: dict) -> tuple[float, bytes]:
    with stdin_path.open("rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run(cmd, stdin=stdin, capture_output=True, env=env, check=True)
        return time.perf_counter() - start, done.stdout


BASELINE = (
    "import json, sys\n"
    "out = sys.stdout\n"
    "for line in sys.stdin:\n"
    "    try:\n"
    "        out.write(json.dumps(json.loads(line), ensure_ascii=False) + '\\n')\n"
    "    except ValueError:\n"
    "        out.write('{\"error\": null}\\n')\n"
)


def run(report) -> None:
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-") as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "BANGFU_DATA_DIR": tmp}
        env.pop("BANGFU_TESTING", None)
        if not os.environ.get("DATABASE_URL"):
            subprocess.run([*_bangfu(), "migrate", "--no-input", "-v0"], env=env, check=True)
        lines = make_lines(max(1000, round(N * getattr(report, "scale", 1.0))))
        requests = tmp_path / "requests.jsonl"
        requests.write_text("\n".join(lines) + "\n", encoding="utf-8")
        one = tmp_path / "one.json"
        one.write_text(lines[0], encoding="utf-8")

        startup, _ = _timed([*_bangfu(), "policy", "evaluate", "--input", str(one)], stdin_path=one, env=env)
        seconds, out = _timed([*_bangfu(), "policy", "evaluate", "--batch"], stdin_path=requests, env=env)
        base_seconds, _ = _timed([sys.executable, "-c", BASELINE], stdin_path=requests, env=env)

        answers = out.splitlines()
        if len(answers) != len(lines):
            raise RuntimeError(f"{len(answers)} answers for {len(lines)} requests")
        errors = sum(1 for a in answers if a.startswith(b'{"error"'))
        eligible = sum(1 for a in answers if a.startswith(b'{"eligible":true'))
        rate = len(lines) / seconds
        report(
            "policy_batch_evals_per_s",
            rate,
            "evals/s",
            f"{len(lines)} requests, whole process, trace included",
        )
        report("policy_batch_seconds", seconds, "s", f"{eligible} eligible, {errors} error objects")
        report(
            "policy_single_process_s", startup, "s", "one request: start-up + policy load + one evaluation"
        )
        report("policy_batch_vs_json_baseline", seconds / base_seconds, "x",
               f"stdlib json parse+dump of the same lines took {base_seconds:.2f}s")  # fmt: skip


def profile(n: int = N) -> None:
    """cProfile of the evaluation loop in-process (needs a migrated database)."""
    import cProfile
    import pstats

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.settings")
    import django

    django.setup()
    import orjson

    from bangfu.policy.engine import respond
    from bangfu.policy.selectors import policy_book

    lines = [line.encode() for line in make_lines(n)]
    book = policy_book()

    def loop():
        for line in lines:
            orjson.dumps(respond(line, book)[1])

    profiler = cProfile.Profile()
    profiler.runcall(loop)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile()
    else:
        run(lambda name, value, unit, note="": print(f"{name:32} {value:12,.2f} {unit:8} {note}"))
