"""Case figures on PostgreSQL: a street worker's pages with 100,000 cases in the database, and
the what-if over one year of a district's cases.

Data: 50,000 synthetic households over the city (`synth_load`), then 100,000 cases
(`bangfu.demo.cases.synth_cases`): 90,000 over every district from 2021-01-01 to today, under bench
versions of the Changning parameters published for the other districts (and for Changning
after 长民发〔2016〕31号 ended), and 10,000 more in Changning in 2021, so that one district-year
is as busy as a big district's. Every step's rows are there (transitions, investigations,
panels, approvals, payments posted to the ledger, follow-ups).

Pages, through Django's test client, as one street worker of 华阳路街道 holding the street's
case roles (intake, assessor, approver, cashier): the home page with its work-queue tiles,
the case list of each queue, and the case page of cases sampled over every state; median and
p95 of SAMPLES requests after a warm-up, and the SQL queries per request (which must not grow
with the data).

What-if: `policy.whatif.what_if` over Changning's 2021 (the draft raises the medical rate
of "other" households from 40% to 50%), median of 3, in cases per second.

`--scale` of bench/run.py shrinks the volume (and the requests per page);
BENCH_CASES / BENCH_CASE_HOUSEHOLDS set it.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SAMPLES = 100
WARM_UP = 5
STREET, DISTRICT = "310105001", "310105"
SEED = 20260301
# synth_load's ID numbers carry the seed's last digit: 3 here, 1 in registry, 0 in funds_report,
# so the suites' households never clash when they run in one database.
HOUSEHOLD_SEED = 20260303
YEAR = 2021


def run(report) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the cases benchmark runs on PostgreSQL")
    scale = getattr(report, "scale", 1.0)
    cases = int(os.environ.get("BENCH_CASES") or max(1000, round(100_000 * scale)))
    households = int(os.environ.get("BENCH_CASE_HOUSEHOLDS") or max(1000, round(50_000 * scale)))
    _load(report, cases, households)
    _pages(report, max(10, round(SAMPLES * scale)))
    _what_if(report)


def _publish_bench_versions(today: date) -> None:
    """Changning's parameters for every district, as published versions titled for the bench."""
    from bangfu.orgs.models import Organisation
    from bangfu.policy.models import ParameterValue, Policy

    base = Policy.objects.get(code="changning-2016")
    values = list(base.values.all())
    created = []
    for d in Organisation.objects.filter(kind="district").exclude(code="GMJT"):
        start = date(2022, 1, 1) if d.code == DISTRICT else date(2016, 7, 1)
        p = Policy.objects.create(
            code=f"bench-{d.code}", district=d, title="基准测试版本（参数取自长民发〔2016〕31号）",
            document="基准测试", valid_from=start, valid_to=today + timedelta(days=365), validity_reference="基准测试",
        )  # fmt: skip
        ParameterValue.objects.bulk_create(
            ParameterValue(
                policy=p,
                name=v.name,
                start=start,
                value=v.value,
                reference=v.reference,
                generally=v.generally,
            )
            for v in values
        )
        created.append(p.pk)
    Policy.objects.filter(pk__in=created).update(status=Policy.Status.PUBLISHED)


def _load(report, cases: int, households: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from bangfu.audit.actor import Actor
    from bangfu.demo import households as synth
    from bangfu.demo.cases import synth_cases
    from bangfu.orgs.models import Organisation

    today = timezone.localdate()
    _publish_bench_versions(today)
    synth.synth_load(
        seed=HOUSEHOLD_SEED, households=households, streets=synth.synth_streets(), actor=Actor.system("bench")
    )
    streets = list(Organisation.objects.filter(kind="street", parent__kind="district"))
    changning = [s for s in streets if s.parent.code == DISTRICT]
    t = time.perf_counter()
    city = synth_cases(
        seed=SEED, cases=cases * 9 // 10, streets=streets, start=date(YEAR, 1, 1), end=today,
        actor=Actor.system("bench"),
    )  # fmt: skip
    busy = synth_cases(
        seed=SEED + 1, cases=cases - cases * 9 // 10, streets=changning, start=date(YEAR, 1, 1),
        end=date(YEAR, 12, 31), actor=Actor.system("bench"),
    )  # fmt: skip
    seconds = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    report(
        "cases_synth_per_s", (city.cases + busy.cases) / seconds, "cases/s",
        f"{city.cases + busy.cases:,} cases with every step's rows and {city.payments + busy.payments:,} payments "
        f"posted, over {households:,} households, in {seconds:.0f} s",
    )  # fmt: skip


def _pages(report, samples: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bangfu.audit.actor import Actor
    from bangfu.cases.models import Case
    from bangfu.orgs.models import Organisation, RoleAssignment, User
    from bangfu.orgs.services import grant_role

    street = Organisation.objects.get(code=STREET)
    user, _ = User.objects.get_or_create(
        username="bench_street_cases", defaults={"full_name": "bench street"}
    )
    for role in ("intake", "assessor", "street_approver", "cashier"):
        if not RoleAssignment.objects.filter(user=user, org=street, role=role).exists():
            grant_role(actor=Actor.system("bench"), user=user, role=role, org=street)
    client = Client()
    client.force_login(user)
    in_street = Case.objects.filter(street=street)
    total = Case.objects.count()
    rng = random.Random(SEED)
    by_state: dict[str, list[int]] = {}
    for pk, state in in_street.values_list("pk", "state"):
        by_state.setdefault(state, []).append(pk)
    sample = [
        pk for pks in by_state.values() for pk in rng.sample(pks, min(len(pks), samples // len(by_state) + 1))
    ]
    rng.shuffle(sample)
    list_url = reverse("cases:list")
    pages = {
        "home": ["/"] * samples,
        "queue_investigate": [f"{list_url}?queue=investigate"] * samples,
        "queue_approve": [f"{list_url}?queue=approve"] * samples,
        "queue_follow_up_overdue": [f"{list_url}?queue=follow_up_overdue"] * samples,
        "case_list": [list_url] * samples,
        "case_page": [reverse("cases:detail", args=[pk]) for pk in sample[:samples]],
    }
    note_base = f"{in_street.count():,} cases in the street, {total:,} in the database"
    for page, urls in pages.items():
        for url in urls[:WARM_UP]:
            client.get(url)
        times, queries = [], []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            queries.append(len(ctx.captured_queries))
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        note = f"{len(times)} requests; {note_base}; SQL queries per request {min(queries)}–{max(queries)}"
        report(f"cases_{page}_median_ms", statistics.median(times), "ms", note)
        report(f"cases_{page}_p95_ms", statistics.quantiles(times, n=20)[-1], "ms", note)


def _what_if(report) -> None:
    from bangfu.policy.parameters import PARAMS_DIR
    from bangfu.policy.whatif import read_draft, what_if

    text = (PARAMS_DIR / "changning-2016.toml").read_text(encoding="utf-8")
    text = text.replace('id = "changning-2016"', 'id = "bench-draft"')
    head, _, tail = text.partition("[medical.rate.other]")
    path = Path(tempfile.mkdtemp(prefix="bangfu-bench-")) / "draft.toml"
    path.write_text(head + "[medical.rate.other]" + tail.replace('"0.40"', '"0.50"', 1), encoding="utf-8")
    draft = read_draft(path)
    times, result = [], None
    for _ in range(3):
        t = time.perf_counter()
        result = what_if(draft=draft, district_code=DISTRICT, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
        times.append(time.perf_counter() - t)
    seconds = statistics.median(times)
    note = (
        f"长宁区 {YEAR}: {result.cases:,} cases, each evaluated twice; in force {result.total_in_force:,.2f}, "
        f"draft {result.total_draft:,.2f}, difference {result.total_draft - result.total_in_force:+,.2f}; "
        f"{len(result.skipped)} not evaluable"
    )
    report("cases_what_if_district_year_s", seconds, "s", note)
    report("cases_what_if_per_s", result.cases / seconds, "cases/s", note)
