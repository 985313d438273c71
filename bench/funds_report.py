"""The monthly 业务及资金使用报表 of every district at city scale: 10,000,000 postings and
100,000 paid cases on PostgreSQL. Target: within 1.5× of one hand-written SQL aggregate of the
same figures, measured in the same run, and under 3 s.

Data (deterministic, seed below), 60 months 2021-01 … 2025-12 over the real 1+17+X tree:
every month a lottery receipt at the foundation, allocations to the 17 districts and on to the
215 streets, fiscal matching at each district and street, project aid paid by every street (the
bulk of the postings), and 100,000 cases (households from `synth_load`) paid and posted, with
their Case, Payment and PaymentRecord rows. Every transaction balances per fund source.

Load: COPY, with the connection in `session_replication_role = replica` so that no trigger
fires (the ledger guards of funds/0002 and the foreign-key checks): checking 10 million rows
one by one is what the guards are for in production, not in a load of rows made balanced by
construction. Transactions are written already sealed. After the load a SQL aggregate checks
that every transaction sums to zero per source (it must find none), and the tables are
vacuumed and analysed as autovacuum would have done on a live database.

Measured, median of 5 after a warm-up: `reports.monthly.monthly_figures(<the 17 districts>, 2025, 12)`
(every posting up to the month's end is read: the opening balances need all of history) and
one hand-written SQL statement computing the same figures (ledger columns by district × source,
district × organisation and district; cases by aid type, category, street and in total;
applications). The two answers are compared figure by figure; the run fails if one differs.

Then `bangfu ledger verify` over the same ledger, the whole command (`funds_ledger_verify_s`,
median of 3, each check's seconds in the note).

BENCH_FUNDS_POSTINGS / BENCH_FUNDS_CASES override the volume (a quick smoke run).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

POSTINGS = int(os.environ.get("BENCH_FUNDS_POSTINGS", 10_000_000))
CASES = int(os.environ.get("BENCH_FUNDS_CASES", 100_000))
HOUSEHOLDS = max(1000, CASES // 2)
SEED = 20250110
MONTHS = [(y, m) for y in range(2021, 2026) for m in range(1, 13)]
YEAR, MONTH = 2025, 12
RUNS = 5


def run(report) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the funds report benchmark runs on PostgreSQL")
    t = time.perf_counter()
    counts = _load()
    report(
        "funds_report_load_s", time.perf_counter() - t, "s",
        f"{counts['postings']:,} postings, {counts['transactions']:,} transactions, {counts['cases']:,} cases "
        f"({HOUSEHOLDS:,} synthetic households), COPY with triggers off, then vacuum/analyse",
    )  # fmt: skip
    _measure(report)
    _measure_verify(report)


# --- the load ------------------------------------------------------------------------------------------


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _load() -> dict:
    from django.db import connection

    from bangfu.audit.actor import Actor
    from bangfu.funds.models import FundSource
    from bangfu.orgs.models import Organisation, User
    from bangfu.projects.models import Project
    from bangfu.registry import synth

    rng = random.Random(SEED)
    user = User.objects.create_user(username="bench-funds", password=None, full_name="基准测试")
    synth.synth_load(
        seed=SEED, households=HOUSEHOLDS, streets=synth.synth_streets(), actor=Actor.system("bench")
    )
    foundation = Organisation.objects.get(kind="foundation")
    districts = list(Organisation.objects.filter(kind="district").order_by("code"))
    streets_of = {
        d.pk: list(Organisation.objects.filter(parent=d, kind="street").order_by("code")) for d in districts
    }
    now = datetime.now().astimezone().isoformat()

    lottery = FundSource.objects.create(code="FC", name="市级福彩金", kind="lottery", draw_order=20)
    fiscal = {
        d.pk: FundSource.objects.create(
            code=f"CZ-{d.code}", name=f"{d.name}财政配套", kind="fiscal_matching", draw_order=10
        )
        for d in districts
    }
    project = Project.objects.create(code="P-BENCH", title="企业资助项目（基准测试）", owner=foundation)
    enterprise = FundSource.objects.create(
        code="QY-1", name="企业项目资助", kind="enterprise", for_cases=False, project=project
    )

    with connection.cursor() as cur:
        cur.execute(
            "SELECT h.id, h.street_id, (SELECT p.id FROM registry_person p WHERE p.household_id = h.id "
            "ORDER BY p.id LIMIT 1) FROM registry_household h ORDER BY h.id"
        )
        households = cur.fetchall()
    by_street: dict[int, list] = {}
    for h in households:
        by_street.setdefault(h[1], []).append(h)
    district_of = {s.pk: d.pk for d in districts for s in streets_of[d.pk]}
    case_streets = [s for s in by_street if s in district_of]

    tmp = Path(tempfile.mkdtemp(prefix="bangfu-bench-funds-"))
    files = {name: (tmp / f"{name}.copy").open("w", encoding="utf-8") for name in
             ("txn", "posting", "case", "payment", "record")}  # fmt: skip
    ids = {"txn": 0, "posting": 0}

    def txn(kind: str, day: date, record_id: int | None = None) -> int:
        ids["txn"] += 1
        i = ids["txn"]
        files["txn"].write(
            f"{i}\t{kind}\t{day.isoformat()}\tbench\tbench:{i}\t\\N\t\\N\t"
            f"{record_id if record_id else chr(92) + 'N'}\t\\N\t\\N\t\tt\t\\N\tsystem:bench\t{now}\n"
        )
        return i

    def post(t: int, day: str, org: int, source: int, account: str, cents: int, case: int | None = None,
             project: int | None = None) -> None:  # fmt: skip
        ids["posting"] += 1
        files["posting"].write(
            f"{ids['posting']}\t{t}\t{day}\t{org}\t{source}\t{account}\t{_money(cents)}\t"
            f"{case if case else chr(92) + 'N'}\t{project if project else chr(92) + 'N'}\t\\N\n"
        )

    # Cases first: their share of the postings is fixed (two each).
    aid_types = ("medical", "insurance_supplement", "emergency", "other")
    categories = ("dibao", "low_income", "rigid_expense", "other")
    case_rows = []
    for i in range(1, CASES + 1):
        street = case_streets[rng.randrange(len(case_streets))]
        h = by_street[street][rng.randrange(len(by_street[street]))]
        y, m = MONTHS[rng.randrange(len(MONTHS))]
        paid = date(y, m, rng.randint(1, 28))
        case_rows.append((i, h, street, paid, rng.choice(aid_types), rng.choice(categories),
                          rng.randint(1000, 30000) * 100 + rng.randint(0, 99)))  # fmt: skip
    fixed_per_month = 2 + 4 * len(districts) + 4 * sum(len(v) for v in streets_of.values())
    project_payments = max(0, (POSTINGS - 2 * CASES - fixed_per_month * len(MONTHS)) // 2)
    all_streets = [s for d in districts for s in streets_of[d.pk]]
    slots = len(MONTHS) * len(all_streets)
    per_slot, extra = divmod(project_payments, slots)

    cases_by_month: dict[tuple[int, int], list] = {}
    for row in case_rows:
        cases_by_month.setdefault((row[3].year, row[3].month), []).append(row)
    slot = 0
    for y, m in MONTHS:
        first = date(y, m, 1)
        day = first.isoformat()
        payments_here = {}
        for s in all_streets:
            payments_here[s.pk] = per_slot + (1 if slot < extra else 0)
            slot += 1
        street_need = {s: n * 60000 + 500000 for s, n in payments_here.items()}  # cents
        district_need = {d.pk: sum(street_need[s.pk] for s in streets_of[d.pk]) + 100000 for d in districts}
        total = sum(district_need.values())
        t = txn("lottery_receipt", first)
        post(t, day, foundation.pk, lottery.pk, "fund", total)
        post(t, day, foundation.pk, lottery.pk, "source", -total)
        for d in districts:
            t = txn("allocation", first)
            post(t, day, foundation.pk, lottery.pk, "fund", -district_need[d.pk])
            post(t, day, d.pk, lottery.pk, "fund", district_need[d.pk])
            t = txn("fiscal_matching", first)
            post(t, day, d.pk, fiscal[d.pk].pk, "fund", 5000000)
            post(t, day, d.pk, fiscal[d.pk].pk, "source", -5000000)
            for s in streets_of[d.pk]:
                t = txn("allocation", first)
                post(t, day, d.pk, lottery.pk, "fund", -street_need[s.pk])
                post(t, day, s.pk, lottery.pk, "fund", street_need[s.pk])
                t = txn("fiscal_matching", first)
                post(t, day, s.pk, fiscal[d.pk].pk, "fund", 4000000)
                post(t, day, s.pk, fiscal[d.pk].pk, "source", -4000000)
        # Project aid: the bulk of the ledger.
        last = 28
        for s in all_streets:
            for _ in range(payments_here[s.pk]):
                d_ = date(y, m, rng.randint(2, last))
                cents = rng.randint(5000, 100000)
                source = lottery.pk if rng.random() < 0.9 else enterprise.pk
                t = txn("payment", d_)
                ds = d_.isoformat()
                post(t, ds, s.pk, source, "aid", cents, project=project.pk)
                post(t, ds, s.pk, source, "fund", -cents, project=project.pk)
        for i, h, street, paid, aid_type, category, cents in cases_by_month.get((y, m), ()):
            applied = paid - timedelta(days=rng.randint(3, 40))
            money = _money(cents)
            files["case"].write(
                f"{i}\tBENCH-{i:07d}\t{h[0]}\t{street}\t{h[2]}\t{aid_type}\tpaid\t{applied.isoformat()}\tbench\t"
                f"\\N\t\\N\t\tf\tf\t\tf\t\t\\N\t\\N\t\\N\tstreet\t{money}\t\t\\N\t{user.pk}\t{now}\t{now}\n"
            )
            files["payment"].write(
                f"{i}\t{i}\t{money}\tcash\t{uuid.UUID(int=i)}\t{user.pk}\t{now}\t\\N\t\t\\N\n"
            )
            t = txn("payment", paid, record_id=i)
            files["record"].write(
                f"{i}\t{uuid.UUID(int=(1 << 64) + i)}\t{i}\t{i}\t{h[0]}\t{street}\t{money}\t{aid_type}\t{category}\t"
                f"{paid.isoformat()}\t{now}\t{now}\tJZ{t:08d}\n"
            )
            ps = paid.isoformat()
            post(t, ps, street, fiscal[district_of[street]].pk, "aid", cents, case=i)
            post(t, ps, street, fiscal[district_of[street]].pk, "fund", -cents, case=i)
    for f in files.values():
        f.close()

    from bangfu.cases.models import Case, Payment, PaymentRecord
    from bangfu.funds.models import Posting, Transaction

    # The lines above are written in the models' field order; COPY names the columns.
    tables = (("case", Case), ("payment", Payment), ("record", PaymentRecord), ("txn", Transaction),
              ("posting", Posting))  # fmt: skip
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cur:
        # No trigger fires for this session: neither the ledger guards nor the foreign-key checks.
        cur.execute("SET session_replication_role = replica")
        for name, model in tables:
            columns = ", ".join(f.column for f in model._meta.concrete_fields)
            sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
            with raw.cursor() as rc, rc.copy(sql) as copy, (tmp / f"{name}.copy").open("rb") as f:
                while block := f.read(1 << 22):
                    copy.write(block)
        cur.execute("SET session_replication_role = origin")
        for table in (
            "cases_case",
            "cases_payment",
            "cases_paymentrecord",
            "funds_transaction",
            "funds_posting",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    for name, _ in tables:
        (tmp / f"{name}.copy").unlink()
    tmp.rmdir()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM funds_posting GROUP BY transaction_id, fund_source_id "
            "HAVING SUM(amount) <> 0) unbalanced"
        )
        unbalanced = cur.fetchone()[0]
        if unbalanced:
            raise RuntimeError(f"bench load wrote {unbalanced} unbalanced (transaction, source) groups")
        for table in ("funds_posting", "funds_transaction", "cases_paymentrecord", "cases_case"):
            cur.execute(f"VACUUM ANALYZE {table}")
    return {"postings": ids["posting"], "transactions": ids["txn"], "cases": CASES}


# --- the measurement ------------------------------------------------------------------------------------

SQL = """
WITH m AS (
  SELECT id AS org_id, CASE WHEN kind = 'district' THEN id ELSE parent_id END AS district_id
  FROM orgs_organisation WHERE kind IN ('district', 'street')
),
a AS (
  SELECT org_id, fund_source_id, account,
         COALESCE(SUM(amount) FILTER (WHERE date < %(start)s), 0) AS opening,
         COALESCE(SUM(amount) FILTER (WHERE date >= %(start)s AND amount > 0), 0) AS debit,
         COALESCE(SUM(amount) FILTER (WHERE date >= %(start)s AND amount < 0), 0) AS credit,
         COALESCE(SUM(amount) FILTER (WHERE date >= %(start)s AND case_id IS NOT NULL), 0) AS cases
  FROM funds_posting WHERE date <= %(end)s GROUP BY org_id, fund_source_id, account
),
f AS (
  SELECT org_id, fund_source_id,
    COALESCE(SUM(opening) FILTER (WHERE account IN ('fund', 'raised', 'pass_through')), 0) AS opening,
    COALESCE(SUM(debit) FILTER (WHERE account IN ('fund', 'raised', 'pass_through')), 0) AS hd,
    COALESCE(-SUM(credit) FILTER (WHERE account IN ('fund', 'raised', 'pass_through')), 0) AS hc,
    COALESCE(-SUM(credit) FILTER (WHERE account = 'source'), 0) AS ext_in,
    COALESCE(SUM(debit) FILTER (WHERE account = 'source'), 0) AS ext_rev,
    COALESCE(SUM(debit) FILTER (WHERE account IN ('aid', 'work_expense', 'management_fee')), 0) AS spent,
    COALESCE(-SUM(credit) FILTER (WHERE account IN ('aid', 'work_expense', 'management_fee')), 0) AS spent_rev,
    COALESCE(SUM(debit + credit) FILTER (WHERE account = 'aid'), 0) AS aid,
    COALESCE(SUM(cases) FILTER (WHERE account = 'aid'), 0) AS aid_cases,
    COALESCE(SUM(debit + credit) FILTER (WHERE account = 'work_expense'), 0) AS work_expense,
    COALESCE(SUM(debit + credit) FILTER (WHERE account = 'management_fee'), 0) AS management_fee
  FROM a GROUP BY org_id, fund_source_id
),
g AS (
  SELECT m.district_id, f.org_id, f.fund_source_id, f.opening, f.ext_in - f.ext_rev AS external,
         f.hd - f.ext_in - f.spent_rev AS transfers_in, f.aid_cases, f.aid - f.aid_cases AS aid_other,
         f.work_expense, f.management_fee, f.hc - f.ext_rev - f.spent AS transfers_out
  FROM f JOIN m ON m.org_id = f.org_id
),
r AS (
  SELECT s.parent_id AS district_id, p.aid_type, p.category, p.street_id, p.household_id, p.amount
  FROM cases_paymentrecord p JOIN orgs_organisation s ON s.id = p.street_id
  WHERE p.paid_on BETWEEN %(start)s AND %(end)s
)
SELECT 'fund' AS section, district_id,
       CASE WHEN GROUPING(fund_source_id) = 0 THEN 'source:' || fund_source_id
            WHEN GROUPING(org_id) = 0 THEN 'org:' || org_id ELSE 'total' END AS key,
       SUM(opening), SUM(external), SUM(transfers_in), SUM(external + transfers_in),
       SUM(aid_cases), SUM(aid_other), SUM(work_expense), SUM(management_fee), SUM(transfers_out),
       SUM(aid_cases + aid_other + work_expense + management_fee + transfers_out),
       SUM(opening + external + transfers_in - aid_cases - aid_other - work_expense - management_fee - transfers_out)
FROM g GROUP BY GROUPING SETS ((district_id, fund_source_id), (district_id, org_id), (district_id))
UNION ALL
SELECT 'case', district_id,
       CASE WHEN GROUPING(aid_type) = 0 THEN 'aid_type:' || aid_type
            WHEN GROUPING(category) = 0 THEN 'category:' || category
            WHEN GROUPING(street_id) = 0 THEN 'street:' || street_id ELSE 'total' END,
       COUNT(*), COUNT(DISTINCT household_id), SUM(amount), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM r GROUP BY GROUPING SETS ((district_id, aid_type), (district_id, category), (district_id, street_id), (district_id))
UNION ALL
SELECT 'applications', s.parent_id, 'total', COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM cases_case c JOIN orgs_organisation s ON s.id = c.street_id
WHERE c.application_date BETWEEN %(start)s AND %(end)s GROUP BY s.parent_id
"""


def _from_django(figures: dict, sources: dict, orgs: dict) -> dict:
    """The figures as {(district id, section, key, column): value}, zeros left out."""
    from bangfu.funds.reports.figures import FUND_KEYS

    out = {}

    def put(d, section, key, col, value):
        if value:
            out[(d, section, key, col)] = Decimal(value)

    for d, f in figures.items():
        for row in f["funds"]["by_source"]:
            for col in FUND_KEYS:
                put(d, "fund", f"source:{sources[row['key']]}", col, row[col])
        for row in f["funds"]["by_org"]:
            for col in FUND_KEYS:
                put(d, "fund", f"org:{orgs[row['key']]}", col, row[col])
        for col in FUND_KEYS:
            put(d, "fund", "total", col, f["funds"]["total"][col])
        c = f["cases"]
        for section, prefix in (("by_aid_type", "aid_type"), ("by_category", "category")):
            for row in c[section]:
                for col in ("cases", "households", "amount"):
                    put(d, "case", f"{prefix}:{row['key']}", col, row[col])
        for row in c["by_street"]:
            for col in ("cases", "households", "amount"):
                put(d, "case", f"street:{orgs[row['key']]}", col, row[col])
        for col in ("cases", "households", "amount"):
            put(d, "case", "total", col, c["total"][col])
        put(d, "applications", "total", "cases", c["total"]["applications"])
    return out


def _from_sql(rows) -> dict:
    from bangfu.funds.reports.figures import FUND_KEYS

    out = {}
    for section, d, key, *values in rows:
        cols = {"fund": FUND_KEYS, "case": ("cases", "households", "amount"), "applications": ("cases",)}[
            section
        ]
        for col, value in zip(cols, values, strict=False):
            if value:
                out[(d, section, key, col)] = Decimal(value)
    return out


def _measure(report) -> None:
    from django.db import connection

    from bangfu.funds.models import FundSource
    from bangfu.funds.reports import monthly
    from bangfu.orgs.models import Organisation

    districts = list(Organisation.objects.filter(kind="district").order_by("code"))
    start, end = monthly.month_bounds(YEAR, MONTH)

    def django_run():
        return monthly.monthly_figures(districts, YEAR, MONTH)

    def sql_run():
        with connection.cursor() as cur:
            cur.execute(SQL, {"start": start, "end": end})
            return cur.fetchall()

    timings = {"django": [], "sql": []}
    results = {}
    for name, fn in (("django", django_run), ("sql", sql_run)):
        results[name] = fn()  # warm-up
    for _ in range(RUNS):  # interleaved, so both see the same machine
        for name, fn in (("django", django_run), ("sql", sql_run)):
            t = time.perf_counter()
            results[name] = fn()
            timings[name].append(time.perf_counter() - t)

    sources = dict(FundSource.objects.values_list("code", "pk"))
    orgs = dict(Organisation.objects.values_list("code", "pk"))
    mine, theirs = _from_django(results["django"], sources, orgs), _from_sql(results["sql"])
    differing = {k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)}
    if differing:
        sample = sorted(differing)[:5]
        raise RuntimeError(
            f"report figures differ from the SQL in {len(differing)} places, e.g. "
            + "; ".join(f"{k}: {mine.get(k)} vs {theirs.get(k)}" for k in sample)
        )
    d, s = statistics.median(timings["django"]), statistics.median(timings["sql"])
    note = f"17 districts, {YEAR}-{MONTH:02d}, median of {RUNS} (min {{}} s)"
    report("funds_report_all_districts_s", d, "s", note.format(f"{min(timings['django']):.2f}"))
    report(
        "funds_report_sql_s",
        s,
        "s",
        note.format(f"{min(timings['sql']):.2f}") + ", one hand-written statement",
    )
    report("funds_report_vs_sql", d / s, "×", f"target ≤ 1.5×; {len(mine):,} non-zero figures, all equal")
    one = [o for o in districts if o.code == "310105"]
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        monthly.monthly_figures(one, YEAR, MONTH)
        times.append(time.perf_counter() - t)
    report("funds_report_one_district_s", statistics.median(times), "s", f"长宁区 alone, median of {RUNS}")


# --- ledger verify over the same ledger --------------------------------------------------------------------

VERIFY_RUNS = 3


def _measure_verify(report) -> None:
    """`bangfu ledger verify` over the loaded ledger, the whole command as an operator runs it
    (every check, the listing printed), median of VERIFY_RUNS; the note says where the time goes
    (each check's seconds, from `-v 2`, in the median run) and what it found."""
    import re
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    runs = []
    for _ in range(VERIFY_RUNS):
        out = StringIO()
        t = time.perf_counter()
        try:
            call_command("ledger", "verify", verbosity=2, stdout=out)
        except CommandError as exc:  # findings: exit status 1, the listing is in `out`
            if exc.returncode != 1:
                raise
        runs.append((time.perf_counter() - t, out.getvalue()))
    runs.sort(key=lambda r: r[0])
    seconds, text = runs[len(runs) // 2]
    checks = re.findall(r"检查 (\w+)：([\d.]+) 秒", text)
    found = re.search(r"账目核对发现 (\d+) 个问题", text)
    by_check: dict[str, int] = {}
    for check in re.findall(r"^  \[(\w+)\] (?!另有)", text, re.M):
        by_check[check] = by_check.get(check, 0) + 1
    findings = (
        f"{found.group(1)} findings ({', '.join(f'{c} {n} listed' for c, n in by_check.items())})"
        if found
        else "no findings"
    )
    report(
        "funds_ledger_verify_s", seconds, "s",
        f"median of {VERIFY_RUNS} (min {runs[0][0]:.1f} s); "
        + ", ".join(f"{name} {float(s):.1f}" for name, s in checks)
        + f" s; {findings}",
    )  # fmt: skip
