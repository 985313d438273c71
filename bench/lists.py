"""The lists of daily work on PostgreSQL, with 100,000 cases and 300,000 households.

Data: what the run's other suites left, topped up to `report.households` households
(`synth_load`, seed ending in 4: its ID numbers clash with no other suite's) and 100,000 cases
(`synth_cases`, as the cases suite makes them, under the same bench versions of the policy), both
times `--scale`. Run alone, the suite makes all of it.

Pages, through Django's test client, as a street user (intake, assessor, street approver and
cashier of 华阳路街道) and a district user (district approver of 长宁区): each of the case list,
the household list, the discovery list (the street's only: screening visits are a street
assessor's), the follow-up queue, the vouchers and the report list, first as it opens (`plain`: no search, no filter, its default sort), which is the
suite's baseline, then REQUESTS requests cycling through a search, a filter and a sort (each
list's own: a name prefix, a case or file number, an ID number, a street, a state, an aid type,
a date range, a fund source, a column in both directions). Median and p95 in ms, and the p95
against the plain list's p95, measured in the same run.

BENCH_LIST_CASES / BENCH_LIST_HOUSEHOLDS override the volume.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, timedelta

REQUESTS = 120
WARM_UP = 5
STREET, DISTRICT = "310105001", "310105"  # 华阳路街道, 长宁区
HOUSEHOLD_SEED = 20260404  # synth_load's ID numbers carry the seed's last digit (registry 1, funds 0, cases 3)
CASE_SEED = 20260401


def run(report) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the lists benchmark runs on PostgreSQL")
    scale = getattr(report, "scale", 1.0)
    households = int(os.environ.get("BENCH_LIST_HOUSEHOLDS") or report.households)
    cases = int(os.environ.get("BENCH_LIST_CASES") or max(1000, round(100_000 * scale)))
    _load(report, households, cases)
    requests = max(12, round(REQUESTS * scale)) if scale < 1 else REQUESTS
    for who, roles in (
        ("street", [(r, STREET) for r in ("intake", "assessor", "street_approver", "cashier")]),
        ("district", [("district_approver", DISTRICT)]),
    ):
        client, user = _client(who, roles)
        for name, (plain, urls) in _lists(user).items():
            _measure(report, client, f"lists_{name}_{who}", plain, urls, requests)


def _load(report, households: int, cases: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from bangfu.audit.actor import Actor
    from bangfu.cases.models import Case
    from bangfu.demo import households as synth
    from bangfu.demo.cases import synth_cases
    from bangfu.orgs.models import Organisation
    from bangfu.policy.models import Policy
    from bangfu.registry.models import Household

    from .cases import _publish_bench_versions

    today = timezone.localdate()
    t = time.perf_counter()
    missing = households - Household.objects.count()
    if missing > 0:
        synth.synth_load(
            seed=HOUSEHOLD_SEED, households=missing, streets=synth.synth_streets(), actor=Actor.system("bench")
        )
    missing_cases = cases - Case.objects.count()
    if missing_cases > 0:
        if not Policy.objects.filter(code__startswith="bench-").exists():
            _publish_bench_versions(today)
        streets = list(Organisation.objects.filter(kind="street", parent__kind="district"))
        synth_cases(
            seed=CASE_SEED, cases=missing_cases, streets=streets, start=date(2021, 1, 1), end=today,
            actor=Actor.system("bench"),
        )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    report(
        "lists_load_s", time.perf_counter() - t, "s",
        f"topped up to {Household.objects.count():,} households and {Case.objects.count():,} cases",
    )  # fmt: skip


def _client(who: str, roles):
    from django.test import Client

    from bangfu.audit.actor import Actor
    from bangfu.orgs.models import Organisation, RoleAssignment, User
    from bangfu.orgs.services import grant_role

    user, _ = User.objects.get_or_create(username=f"bench_lists_{who}", defaults={"full_name": f"bench {who}"})
    for role, code in roles:
        org = Organisation.objects.get(code=code)
        if not RoleAssignment.objects.filter(user=user, org=org, role=role).exists():
            grant_role(actor=Actor.system("bench"), user=user, role=role, org=org)
    client = Client()
    client.force_login(user)
    return client, user


def _lists(user) -> dict[str, tuple[str, list[str]]]:
    """Each list's plain URL and its searches, filters and sorts, picked at random in scope."""
    from bangfu.cases.models import AidType, CaseState
    from bangfu.cases.selectors import case_streets, cases
    from bangfu.funds.models import FundSource
    from bangfu.funds.selectors import transactions_visible
    from bangfu.orgs.scope import has_perm
    from bangfu.registry.selectors import households

    rng = random.Random(CASE_SEED)
    mine = cases(user=user)
    recent = list(mine.order_by("-pk").values_list("pk", flat=True)[:4000])
    picked = list(mine.filter(pk__in=rng.sample(recent, min(40, len(recent)))).select_related("applicant", "household"))
    streets = list(case_streets(user=user).values_list("pk", flat=True))
    today = date.today()
    case_urls = []
    for c in picked:
        case_urls += [
            f"/cases/?q={c.applicant.name[:2]}",
            f"/cases/?q={c.number}",
            f"/cases/?q={c.applicant.id_number}",
            f"/cases/?state={rng.choice(CaseState.values)}&sort=-amount",
            f"/cases/?aid_type={rng.choice(AidType.values)}&date_from={today - timedelta(days=365)}&date_to={today}",
            f"/cases/?street={rng.choice(streets)}&sort=applicant",
            f"/cases/?sort={rng.choice(['date', '-date', 'number', '-number', 'state', '-applicant'])}",
            "/cases/?page=3",
        ]
    household_pks = list(households(user=user).order_by("-pk").values_list("pk", flat=True)[:4000])
    sample = list(households(user=user).filter(pk__in=rng.sample(household_pks, min(40, len(household_pks)))))
    household_urls = []
    for h in sample:
        head = h.members.filter(relationship="head").first()
        household_urls += [
            f"/households/?q={head.name[:2] if head else h.file_number}",
            f"/households/?q={h.file_number}",
            f"/households/?q={head.id_number if head else h.file_number}",
            f"/households/?category={rng.choice(['dibao', 'low_income', 'other'])}&sort=file_number",
            f"/households/?street={rng.choice(streets)}&sort=-created",
            f"/households/?sort={rng.choice(['street', '-street', 'created', '-file_number'])}",
        ]
    discovery_urls = []
    for h in sample:
        discovery_urls += [
            f"/cases/discovery/?q={h.file_number[:13]}",
            f"/cases/discovery/?street={rng.choice(streets)}",
            "/cases/discovery/?sort=-file_number",
            "/cases/discovery/?page=2",
        ]
    follow_up_urls = [
        "/cases/?queue=follow_up_overdue",
        "/cases/?queue=follow_up&sort=-date",
        f"/cases/?queue=follow_up&date_from={today - timedelta(days=730)}",
        "/cases/?queue=follow_up_overdue&sort=applicant",
    ]
    sources = list(FundSource.objects.values_list("pk", flat=True)) or [0]
    visible = list(transactions_visible(user=user).order_by("-pk").values_list("pk", flat=True)[:40])
    voucher_urls = []
    for pk in visible or [0]:
        voucher_urls += [
            f"/funds/transactions/?q=JZ{pk:08d}",
            f"/funds/transactions/?fund_source={rng.choice(sources)}&sort=-number",
            f"/funds/transactions/?date_from={today - timedelta(days=90)}&date_to={today}",
            f"/funds/transactions/?kind={rng.choice(['payment', 'allocation'])}",
            "/funds/transactions/?sort=date",
        ]
    case_numbers = [c.number for c in picked if c.state == CaseState.PAID][:10]
    voucher_urls += [f"/funds/transactions/?case={n}" for n in case_numbers]
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    report_urls = [
        f"/funds/reports/?month={last}&state=not_filed",
        f"/funds/reports/?month={last}&sort=-state",
        "/funds/reports/?state=overdue&sort=filed",
        "/funds/reports/?month=2024-06",
    ]
    lists = {
        "cases": ("/cases/", case_urls),
        "households": ("/households/", household_urls),
        "discovery": ("/cases/discovery/", discovery_urls),
        "follow_ups": ("/cases/?queue=follow_up", follow_up_urls),
        "vouchers": ("/funds/transactions/", voucher_urls),
        "reports": ("/funds/reports/", report_urls),
    }
    if not has_perm(user, "discovery.visit"):
        del lists["discovery"]
    return lists


def _timed(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return times


def _measure(report, client, name: str, plain: str, urls: list[str], requests: int) -> None:
    _timed(client, [plain] * WARM_UP + urls[:WARM_UP])
    base = _timed(client, [plain] * max(10, requests // 3))
    mixed = _timed(client, [urls[i % len(urls)] for i in range(requests)])
    base_p95 = statistics.quantiles(base, n=20)[-1]
    p95 = statistics.quantiles(mixed, n=20)[-1]
    report(f"{name}_plain_p50_ms", statistics.median(base), "ms", f"{len(base)} requests of {plain}")
    report(f"{name}_plain_p95_ms", base_p95, "ms", "the suite's baseline")
    note = f"{len(mixed)} requests over {len(urls)} searches, filters and sorts"
    report(f"{name}_p50_ms", statistics.median(mixed), "ms", note)
    report(f"{name}_p95_ms", p95, "ms", note)
    report(f"{name}_p95_vs_plain", p95 / base_p95, "×", "p95 of the searches, filters and sorts / p95 of the plain list")
