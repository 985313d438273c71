"""The monthly 业务及资金使用报表 of every district at city scale: 10,000,000 postings and
100,000 paid cases on PostgreSQL. Target: within 1.5× of one hand-written SQL aggregate of the
same figures, measured in the same run, and under 3 s.

Data (deterministic, seed below), 60 months 2021-01 … 2025-12 over the real 1+17+X tree:
every month a lottery receipt at the foundation, allocations to the 17 districts and on to the
215 streets, fiscal matching at each district and street, enterprise project funding at each
street, project aid paid by every street (the bulk of the postings), and 100,000 cases
(households from `synth_load`) paid and posted, with their Case, Transition, Payment,
PaymentRecord and aid record rows (the aid record built by `aid.builders`).

The ledger obeys every rule `ledger verify` checks, so the report is measured on books that
could exist: each transaction balances per fund source, is sealed and dated like its postings;
each month's spending is planned first and the money it needs arrives on the 1st, before any of
it is spent (the foundation's receipt, the allocations down the tree, the street's fiscal
matching and enterprise funding), so no holding account is ever below zero on any day (the
generator keeps every balance and stops if one would go negative); every case payment is its
case's approved amount, posted once by its street through its payment record; no household-year
goes beyond the lowest annual caps of any published policy.

Load: COPY, with the connection in `session_replication_role = replica` so that no trigger
fires (the ledger guards of funds/0002 and the foreign-key checks): checking 10 million rows
one by one is what the guards are for in production, not in a load of rows made right by
construction. Transactions are written already sealed. The rows continue each table's ids, so
the suite runs after any other in the same database. After the load a SQL aggregate checks
that every transaction sums to zero per source (it must find none), the tables are vacuumed
and analysed as autovacuum would have done on a live database, and `ledger verify` must find
nothing at all (the run fails otherwise).

Measured, median of 5 after a warm-up: `reports.monthly.monthly_figures(<the 17 districts>, 2025, 12)`
(every posting up to the month's end is read: the opening balances need all of history) and
one hand-written SQL statement computing the same figures (ledger columns by district × source,
district × organisation and district; cases by aid type, category, street and in total;
applications). The two answers are compared figure by figure; the run fails if one differs.

Then `bangfu ledger verify` over the same ledger, the whole command (`funds_ledger_verify_s`,
median of 3, each check's seconds in the note); every run must find nothing.

`--scale` of bench/run.py shrinks the volume; BENCH_FUNDS_POSTINGS / BENCH_FUNDS_CASES set it.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

SEED = 20250110  # synth_load's ID numbers carry its last digit: 0 here, 1 in registry, 3 in cases
MONTHS = [(y, m) for y in range(2021, 2026) for m in range(1, 13)]
YEAR, MONTH = 2025, 12
RUNS = 5
# Cents kept in reserve on top of what a month spends: no allocation or receipt is ever zero.
STREET_RESERVE, DISTRICT_RESERVE, CASE_RESERVE, PROJECT_RESERVE = 500000, 100000, 1000000, 100000
DISTRICT_FISCAL = 5000000
STREET_APPROVAL_LIMIT = 2000000  # 长民发〔2016〕31号 四(三): above ¥20,000 the district approves


@dataclass(frozen=True)
class Volume:
    postings: int
    cases: int

    @property
    def households(self) -> int:
        return max(1000, self.cases // 2)


def volume(scale: float = 1.0) -> Volume:
    postings = os.environ.get("BENCH_FUNDS_POSTINGS")
    cases = os.environ.get("BENCH_FUNDS_CASES")
    return Volume(
        postings=int(postings) if postings else max(1, round(10_000_000 * scale)),
        cases=int(cases) if cases else max(10, round(100_000 * scale)),
    )


def run(report) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the funds report benchmark runs on PostgreSQL")
    vol = volume(getattr(report, "scale", 1.0))
    t = time.perf_counter()
    counts = _load(vol)
    load_seconds = time.perf_counter() - t
    _verify_clean()
    report(
        "funds_report_load_s", load_seconds, "s",
        f"{counts['postings']:,} postings, {counts['transactions']:,} transactions, {counts['cases']:,} cases "
        f"({vol.households:,} synthetic households), COPY with triggers off, then vacuum/analyse; "
        "ledger verify: no findings",
    )  # fmt: skip
    _measure(report)
    _measure_verify(report)


def _verify_clean() -> None:
    """The benchmark's ledger must be one that could exist: `ledger verify` finds nothing."""
    from bangfu.funds.verify import ledger_verify

    found = ledger_verify()
    if found.total:
        listed = "\n".join(f"  {p}" for p in found.problems[:20])
        raise RuntimeError(
            f"ledger verify found {found.total} problems in the benchmark's ledger "
            f"({', '.join(f'{c} {n}' for c, n in found.counts.items() if n)}):\n{listed}"
        )


# --- the load ------------------------------------------------------------------------------------------


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _at(day: date, hour: int) -> str:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)).isoformat()


def _copy_line(row) -> str:
    """One row built by a domain builder as a line of COPY text, in the model's field order."""
    cells = []
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        cells.append("\\N" if value is None else str(value))
    return "\t".join(cells) + "\n"


def _max_id(cur, table: str) -> int:
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return cur.fetchone()[0]


def _load(vol: Volume) -> dict:
    from django.db import connection

    from bangfu.aid.builders import case_payment_row
    from bangfu.aid.models import AidRecord
    from bangfu.audit.actor import Actor
    from bangfu.cases import rules
    from bangfu.cases.models import Case, Payment, PaymentRecord, Transition
    from bangfu.demo import households as synth
    from bangfu.funds.models import HOLDING_ACCOUNTS, FundSource, Posting, Transaction
    from bangfu.orgs.models import Organisation, User
    from bangfu.projects.models import Project

    # The lines below are written in the models' field order; COPY names the columns.
    tables = {"case": Case, "transition": Transition, "payment": Payment, "record": PaymentRecord,
              "txn": Transaction, "posting": Posting, "aid": AidRecord}  # fmt: skip
    rng = random.Random(SEED)
    user = User.objects.create_user(username="bench-funds", password=None, full_name="基准测试")
    # Other suites may have written to the same tables before (bench/run.py --only a,b): this
    # load takes its households from its own synth_load and continues every table's ids.
    with connection.cursor() as cur:
        households_before = _max_id(cur, "registry_household")
    synth.synth_load(
        seed=SEED, households=vol.households, streets=synth.synth_streets(), actor=Actor.system("bench")
    )
    with connection.cursor() as cur:
        base = {name: _max_id(cur, model._meta.db_table) for name, model in tables.items()}
    max_events, max_amount = rules.lowest_annual_caps()
    if not max_events:
        raise RuntimeError("no published policy: the benchmark's cases need the annual caps")
    cap_cents = int(max_amount * 100)
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
            "ORDER BY p.id LIMIT 1) FROM registry_household h WHERE h.id > %s ORDER BY h.id",
            [households_before],
        )
        households = cur.fetchall()
    by_street: dict[int, list] = {}
    for h in households:
        by_street.setdefault(h[1], []).append(h)
    district_of = {s.pk: d.pk for d in districts for s in streets_of[d.pk]}
    case_streets = [s for s in by_street if s in district_of]

    tmp = Path(tempfile.mkdtemp(prefix="bangfu-bench-funds-"))
    files = {name: (tmp / f"{name}.copy").open("w", encoding="utf-8") for name in tables}
    ids = dict(base)
    holding = set(HOLDING_ACCOUNTS)
    # What every holding account holds, in the order the postings are written. Each month's
    # money is written (dated the 1st) before any of that month's spending, so an account that
    # never goes below zero here is never below zero at the end of any day either.
    balance: dict[tuple, int] = defaultdict(int)

    def txn(kind: str, day: date, memo: str, record_id: int | None = None, counterparty: str = "") -> int:
        ids["txn"] += 1
        i = ids["txn"]
        files["txn"].write(
            f"{i}\t{kind}\t{day.isoformat()}\t{memo}\tbench:{i}\t\\N\t\\N\t"
            f"{record_id if record_id else chr(92) + 'N'}\t\\N\t\\N\t{counterparty}\tt\t\\N\tsystem:bench\t{now}\n"
        )
        return i

    def post(t: int, day: str, org: int, source: int, account: str, cents: int, case: int | None = None,
             project: int | None = None) -> None:  # fmt: skip
        if account in holding:
            key = (org, source, account)
            balance[key] += cents
            if balance[key] < 0:
                raise RuntimeError(f"bench load: {key} would go below zero on {day}")
        ids["posting"] += 1
        files["posting"].write(
            f"{ids['posting']}\t{t}\t{day}\t{org}\t{source}\t{account}\t{_money(cents)}\t"
            f"{case if case else chr(92) + 'N'}\t{project if project else chr(92) + 'N'}\t\\N\n"
        )

    def pair(kind: str, day: date, memo: str, org: int, source: int, debit: str, credit: str, cents: int,
             credit_org: int | None = None, counterparty: str = "", project: int | None = None) -> None:  # fmt: skip
        # The credit first: an allocation leaves the giver before it reaches the receiver.
        t = txn(kind, day, memo, counterparty=counterparty)
        ds = day.isoformat()
        post(t, ds, credit_org or org, source, credit, -cents, project=project)
        post(t, ds, org, source, debit, cents, project=project)

    # Cases first: their share of the postings is fixed (two each). A household has at most the
    # lowest annual caps of any published policy in the year of its applications.
    aid_types = ("medical", "insurance_supplement", "emergency", "other")
    categories = ("dibao", "low_income", "rigid_expense", "other")
    per_year: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    case_rows = []
    for i in range(base["case"] + 1, base["case"] + vol.cases + 1):
        while True:
            street = case_streets[rng.randrange(len(case_streets))]
            h = by_street[street][rng.randrange(len(by_street[street]))]
            y, m = MONTHS[rng.randrange(len(MONTHS))]
            paid = date(y, m, rng.randint(1, 28))
            applied = paid - timedelta(days=rng.randint(3, 40))
            cents = rng.randint(1000, 30000) * 100 + rng.randint(0, 99)
            year = per_year[(h[0], applied.year)]
            if year[0] < max_events and year[1] + cents <= cap_cents:
                break
        year[0] += 1
        year[1] += cents
        case_rows.append((i, h, street, applied, paid, rng.choice(aid_types), rng.choice(categories), cents))
    all_streets = [s for d in districts for s in streets_of[d.pk]]
    fixed_per_month = 2 + 4 * len(districts) + 6 * len(all_streets)
    project_payments = max(0, (vol.postings - 2 * vol.cases - fixed_per_month * len(MONTHS)) // 2)
    slots = len(MONTHS) * len(all_streets)
    per_slot, extra = divmod(project_payments, slots)

    cases_by_month: dict[tuple[int, int], list] = {}
    for row in case_rows:
        cases_by_month.setdefault((row[4].year, row[4].month), []).append(row)
    slot = 0
    for y, m in MONTHS:
        first = date(y, m, 1)
        # What the month spends, planned first: project aid (90 % lottery, 10 % enterprise
        # funding) on the 2nd … 28th, and the cases paid this month from the district's matching.
        projects = []
        need: dict[tuple[int, int], int] = defaultdict(int)
        for s in all_streets:
            for _ in range(per_slot + (1 if slot < extra else 0)):
                day, cents = date(y, m, rng.randint(2, 28)), rng.randint(5000, 100000)
                source = lottery.pk if rng.random() < 0.9 else enterprise.pk
                projects.append((s.pk, day, cents, source))
                need[(s.pk, source)] += cents
            slot += 1
        month_cases = cases_by_month.get((y, m), ())
        for row in month_cases:
            need[(row[2], fiscal[district_of[row[2]]].pk)] += row[7]

        # The money, on the 1st: the foundation's lottery receipt, down to the districts and on
        # to the streets; each district's and street's fiscal matching; the enterprise funding.
        street_lottery = {s.pk: need[(s.pk, lottery.pk)] + STREET_RESERVE for s in all_streets}
        district_lottery = {
            d.pk: sum(street_lottery[s.pk] for s in streets_of[d.pk]) + DISTRICT_RESERVE for d in districts
        }
        pair("lottery_receipt", first, "市级福彩金到账", foundation.pk, lottery.pk, "fund", "source",
             sum(district_lottery.values()), counterparty="市级福利彩票公益金")  # fmt: skip
        for d in districts:
            pair("allocation", first, "福彩金下拨区服务社", d.pk, lottery.pk, "fund", "fund",
                 district_lottery[d.pk], credit_org=foundation.pk)  # fmt: skip
            pair("fiscal_matching", first, "区财政配套到账", d.pk, fiscal[d.pk].pk, "fund", "source",
                 DISTRICT_FISCAL, counterparty="区财政")  # fmt: skip
            for s in streets_of[d.pk]:
                pair("allocation", first, "福彩金下拨街镇", s.pk, lottery.pk, "fund", "fund",
                     street_lottery[s.pk], credit_org=d.pk)  # fmt: skip
                pair("fiscal_matching", first, "区财政配套到账", s.pk, fiscal[d.pk].pk, "fund", "source",
                     need[(s.pk, fiscal[d.pk].pk)] + CASE_RESERVE, counterparty="区财政")  # fmt: skip
                pair("enterprise_funding", first, "企业项目资助到账", s.pk, enterprise.pk, "fund", "source",
                     need[(s.pk, enterprise.pk)] + PROJECT_RESERVE, counterparty="企业")  # fmt: skip
        # Project aid: the bulk of the ledger.
        for s, day, cents, source in projects:
            t = txn("payment", day, "项目帮扶支出")
            ds = day.isoformat()
            post(t, ds, s, source, "fund", -cents, project=project.pk)
            post(t, ds, s, source, "aid", cents, project=project.pk)
        for i, h, street, applied, paid, aid_type, category, cents in month_cases:
            money = _money(cents)
            level = "district" if cents > STREET_APPROVAL_LIMIT else "street"
            files["case"].write(
                f"{i}\tBENCH-{i:07d}\t{h[0]}\t{street}\t{h[2]}\t{aid_type}\tpaid\t{applied.isoformat()}\tbench\t"
                f"\\N\t\\N\t\tf\tf\t\tf\t\t\\N\t\\N\t\\N\t{level}\t{money}\t\t\\N\t{user.pk}\t{now}\t{now}\n"
            )
            # The procedure's record: every step to 已发放, the payment the last one.
            steps = [("apply", "applied", "applied", applied), ("investigate", "applied", "reviewing", applied + timedelta(days=1)),
                     ("review", "reviewing", "approving_street", applied + timedelta(days=2))]  # fmt: skip
            if level == "district":
                steps.append(("refer", "approving_street", "approving_district", applied + timedelta(days=2)))
                steps.append(
                    ("approve_district", "approving_district", "approved", applied + timedelta(days=3))
                )
            else:
                steps.append(("approve", "approving_street", "approved", applied + timedelta(days=3)))
            steps.append(("pay", "approved", "paid", paid))
            for n, (action, before, after, day) in enumerate(steps):
                ids["transition"] += 1
                files["transition"].write(
                    f"{ids['transition']}\t{i}\t{action}\t{before}\t{after}\t{user.pk}\tbench\t{_at(day, 9 + n)}\t\n"
                )
            payment = i - base["case"] + base["payment"]
            record = i - base["case"] + base["record"]
            files["payment"].write(
                f"{payment}\t{i}\t{money}\tcash\t{uuid.UUID(int=payment)}\t{user.pk}\t{_at(paid, 15)}\t\\N\t\t\\N\n"
            )
            t = txn("payment", paid, f"个案 BENCH-{i:07d} 帮扶金发放", record_id=record)
            files["record"].write(
                f"{record}\t{uuid.UUID(int=(1 << 64) + record)}\t{payment}\t{i}\t{h[0]}\t{street}\t{money}\t{aid_type}\t"
                f"{category}\t{paid.isoformat()}\t{now}\t{now}\tJZ{t:08d}\n"
            )
            ps = paid.isoformat()
            post(t, ps, street, fiscal[district_of[street]].pk, "fund", -cents, case=i)
            post(t, ps, street, fiscal[district_of[street]].pk, "aid", cents, case=i)
            # The payment's aid record, as the aid app's builder makes it (never spelled here).
            ids["aid"] += 1
            aid = case_payment_row(
                payment_id=payment, household_id=h[0], person_id=h[2], street_id=street,
                amount=Decimal(money), day=paid, transaction_id=t, fund_source_id=fiscal[district_of[street]].pk,
            )  # fmt: skip
            aid.id, aid.created_at = ids["aid"], now
            files["aid"].write(_copy_line(aid))
    for f in files.values():
        f.close()

    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cur:
        # No trigger fires for this session: neither the ledger guards nor the foreign-key checks.
        cur.execute("SET session_replication_role = replica")
        for name, model in tables.items():
            columns = ", ".join(f.column for f in model._meta.concrete_fields)
            sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
            with raw.cursor() as rc, rc.copy(sql) as copy, (tmp / f"{name}.copy").open("rb") as f:
                while block := f.read(1 << 22):
                    copy.write(block)
        cur.execute("SET session_replication_role = origin")
        for model in tables.values():
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
    for name in tables:
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
        for model in tables.values():
            cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return {
        "postings": ids["posting"] - base["posting"],
        "transactions": ids["txn"] - base["txn"],
        "cases": vol.cases,
    }


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
    (each check's seconds, from `-v 2`, in the median run). A finding fails the run."""
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
            raise RuntimeError(
                f"ledger verify found problems in the benchmark's ledger:\n{out.getvalue()}"
            ) from exc
        runs.append((time.perf_counter() - t, out.getvalue()))
    runs.sort(key=lambda r: r[0])
    seconds, text = runs[len(runs) // 2]
    checks = re.findall(r"检查 (\w+)：([\d.]+) 秒", text)
    report(
        "funds_ledger_verify_s", seconds, "s",
        f"median of {VERIFY_RUNS} (min {runs[0][0]:.1f} s); "
        + ", ".join(f"{name} {float(s):.1f}" for name, s in checks)
        + " s; no findings",
    )  # fmt: skip
