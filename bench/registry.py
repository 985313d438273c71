"""Registry figures, on PostgreSQL, at `report.households` households.

(a) Load: `synth_load` (generation, encryption, COPY into the real tables with their
    indexes and foreign keys, commit) in rows per second, against a plain COPY of the
    very same rows (captured as they were sent, so already generated and encrypted) into
    scratch copies of the three tables with the same indexes, in the same run. The ratio
    is what generating and encrypting costs on top of the database's own work.
(b) Pages: the household search (by name prefix, by file number, by exact ID number) and
    the household file page, through Django's test client, as a street worker (one
    street), a district worker (a district's streets) and a foundation officer (the whole
    city): median and p95 of 200 requests each, after a few warm-up requests.

Run through `python bench/run.py --only registry`; needs a migrated, empty database.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

SAMPLES = 200
WARM_UP = 5
STREET, DISTRICT = "310105001", "310105"  # 华阳路街道, 长宁区
SEED = 20260101
_BLOCK = 1 << 22  # bytes per write when replaying a captured COPY


def run(report) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the registry benchmark runs on PostgreSQL")
    households = report.households
    _encryption_cost(report)
    _load(report, households)
    _pages(report)


def _encryption_cost(report) -> None:
    """Per-value cost of what the load does for every person: AES-GCM and the keyed hash."""
    from bangfu.core.crypto import encrypt, lookup_hash

    values = [f"3101051980{i:08d}" for i in range(100_000)]
    for label, fn in (("encrypt", encrypt), ("lookup_hash", lookup_hash)):
        t = time.perf_counter()
        for v in values:
            fn(v)
        micro = (time.perf_counter() - t) / len(values) * 1e6
        report(f"registry_{label}_us", micro, "µs/value", "one ID number, in this process")


def _load(report, households: int) -> None:
    from django.db import connection, transaction

    from bangfu.audit.actor import Actor
    from bangfu.demo import households as synth

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-copy-") as tmp:
        files: dict[str, tuple[tuple, Path]] = {}
        handles = {}

        def tap(table: str, columns: tuple, text: str) -> None:
            # Keep what was sent, on disk, to send it again: memory stays bounded.
            if table not in handles:
                files[table] = (columns, Path(tmp) / f"{table}.copy")
                handles[table] = files[table][1].open("wb")
            handles[table].write(text.encode())

        streets = synth.synth_streets()
        result = synth.synth_load(
            seed=SEED, households=households, streets=streets, actor=Actor.system("bench"), tap=tap
        )
        for h in handles.values():
            h.close()
        workers = synth.default_workers(households)
        report(
            "registry_synth_rows_per_s",
            result.rows_per_second,
            "rows/s",
            f"{result.households:,} households + {result.persons:,} persons + {result.categories:,} "
            f"categories in {result.seconds:.1f} s, {workers} worker process(es)",
        )

        scratch = {t: f"bench_scratch_{t.removeprefix('registry_')}" for t in files}
        scratch_tables(scratch)
        started = time.perf_counter()
        with transaction.atomic():
            raw = connection.connection
            for table, (columns, path) in files.items():
                sql = f"COPY {scratch[table]} ({', '.join(columns)}) FROM STDIN"
                with raw.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as f:
                    while block := f.read(_BLOCK):
                        copy.write(block)
        seconds = time.perf_counter() - started
        copy_rate = result.rows / seconds
        report(
            "registry_plain_copy_rows_per_s",
            copy_rate,
            "rows/s",
            f"the same {result.rows:,} rows, pre-rendered and encrypted, COPY into scratch tables "
            f"with the same indexes, no FKs, in {seconds:.1f} s",
        )
        report(
            "registry_synth_vs_copy",
            copy_rate / result.rows_per_second,
            "x",
            "synth time / plain COPY time (1.0 would be free generation)",
        )
        with connection.cursor() as cur:
            for name in scratch.values():
                cur.execute(f"DROP TABLE {name}")
            cur.execute("ANALYZE")


def scratch_tables(scratch: dict[str, str]) -> None:
    """Empty copies of the tables (table → scratch name), made afresh."""
    from django.db import connection

    with connection.cursor() as cur:
        for table, name in scratch.items():
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            # Same columns, defaults, identity, check constraints, indexes (the partial unique
            # ones too); LIKE copies no foreign keys and no triggers, which the real writes pay for.
            cur.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING ALL)")


def _pages(report) -> None:
    from django.db.models import Max, Min
    from django.test import Client

    from bangfu.audit.actor import Actor
    from bangfu.orgs.models import Organisation, RoleAssignment, User
    from bangfu.orgs.scope import scope_for
    from bangfu.orgs.services import grant_role
    from bangfu.registry.models import Household, Person

    street = Organisation.objects.get(code=STREET)
    district = Organisation.objects.get(code=DISTRICT)
    foundation = Organisation.objects.get(code="SHBKHZ")
    cast = (
        ("street", "intake", street, {"street": street}),
        ("district", "district_approver", district, {"street__parent": district}),
        ("foundation", "foundation_officer", foundation, {}),
    )
    rng = random.Random(SEED)
    for who, role, org, households_filter in cast:
        user, _ = User.objects.get_or_create(username=f"bench_{who}", defaults={"full_name": f"bench {who}"})
        if not RoleAssignment.objects.filter(user=user, org=org, role=role).exists():
            grant_role(actor=Actor.system("bench"), user=user, role=role, org=org)
        client = Client()
        client.force_login(user)

        in_scope = Household.objects.filter(**households_filter)
        count = in_scope.count()
        bounds = in_scope.aggregate(low=Min("pk"), high=Max("pk"))
        pks = _sample_pks(in_scope, bounds, rng)
        files = dict(Household.objects.filter(pk__in=pks).values_list("pk", "file_number"))
        sample = _sample_pks(in_scope, bounds, rng)
        heads = Person.objects.filter(household_id__in=sample, relationship="head").select_related(
            "household"
        )
        by_household = {p.household_id: p for p in heads}
        people = [by_household[pk] for pk in sample if pk in by_household]
        # An ID number finds its file only where the user may reveal ID numbers (a foundation
        # officer may not): elsewhere the search is timed, its answer not expected to list it.
        revealable = set(
            scope_for(user, "registry.reveal")
            .filter(Household.objects.filter(pk__in=sample), "street")
            .values_list("pk", flat=True)
        )
        cases = {
            # The beginning of a name as people type it: the surname and one more character.
            "search_name": [(f"/households/?q={p.name[:2]}", None) for p in people],
            "search_file_number": [(f"/households/?q={files[pk]}", files[pk]) for pk in pks],
            "search_id_number": [
                (
                    f"/households/?q={p.id_number}",
                    p.household.file_number if p.household_id in revealable else None,
                )
                for p in people
            ],
            "file_page": [(f"/households/{pk}/", files[pk]) for pk in pks],
        }
        for page, requests in cases.items():
            times = _time_requests(client, requests)
            median = statistics.median(times)
            p95 = statistics.quantiles(times, n=20)[-1]
            note = f"{len(times)} requests; {who} sees {count:,} households"
            report(f"registry_{page}_{who}_median_ms", median, "ms", note)
            report(f"registry_{page}_{who}_p95_ms", p95, "ms", note)


def _sample_pks(queryset, bounds: dict, rng: random.Random) -> list[int]:
    """SAMPLES households of the queryset, at random over the whole table, without reading it all."""
    if queryset.count() < SAMPLES * 2:
        # A small scope (a small run): draw with repetition from all of it.
        every = list(queryset.values_list("pk", flat=True))
        return [rng.choice(every) for _ in range(SAMPLES)]
    picked: set[int] = set()
    while len(picked) < SAMPLES:
        candidates = [rng.randint(bounds["low"], bounds["high"]) for _ in range(SAMPLES * 4)]
        picked.update(queryset.filter(pk__in=candidates).values_list("pk", flat=True))
    chosen = sorted(picked)
    rng.shuffle(chosen)
    return chosen[:SAMPLES]


def _time_requests(client, requests: list[tuple[str, str | None]]) -> list[float]:
    for url, _ in requests[:WARM_UP]:
        client.get(url)
    times = []
    for url, expect in requests:
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if expect is not None and expect not in response.content.decode():
            raise RuntimeError(f"{url}: {expect} is not on the page")
    return times
