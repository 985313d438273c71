"""Project aid at city scale on PostgreSQL (SPEC §4): enrolling 10,000 households from a plan's
target query over 300,000 households, with every eligibility check, and delivering one batch of
10,000 items with its postings and aid records. Target: each within 5× of inserting the same rows
with one COPY, measured in the same run.

Data: `report.households` households (`synth_load`; seeds ending in 5 and 6, no other suite's
digits) in the plan's area: 5/6 of them in 长宁区, 1/6 in 黄浦区. The scenario is played on days of
2021 (the clock moved there, ticking): 长民发〔2016〕31号 (`changning-2016`, in force 2016-07-01 …
2021-12-31) is the one published policy with annual caps, and it is 长宁区's; a household of 黄浦区
has no policy in force and is refused (`no_policy_in_force`) unless another suite of the run
published one. The households' categories are laid out as of the enrolment day.

The plan: a foundation plan, filed, money of ¥500 per household from the city lottery money
(received at the foundation in January, enough for the whole target group); its target group is
low-income and minimum-living-allowance households with a member aged 70 or over, in 长宁区 and
黄浦区 (about 4 % of the households: 10,000 of 300,000 in 长宁区).

Measured, once each, under the functions' own transactions:

- `projects.enrolment.enrol_from_query` (the query, every check of `eligibility.bulk_problems`,
  the enrolments, the audit) against one COPY of the very Enrolment rows it wrote;
- `projects.batches.prepare` (the re-check, the items) against one COPY of the Batch and its
  BatchItem rows; `approve` (four eyes, the fund check);
- `projects.batches.deliver` (the ledger transaction with its postings, the aid records, the items
  marked delivered, the audit) against one COPY of the Transaction, Posting and AidRecord rows it
  wrote.

During `deliver`, the session tracks its PL/pgSQL functions (`track_functions = 'pl'`, where the
server lets it): `projects_deliver_ledger_checks_s` is the part of the delivery spent in the
ledger's deferred check at commit (funds/0002), once per transaction since funds/0007.

The baseline: the rows the function wrote, read back with `COPY (SELECT …) TO STDOUT`, then
COPY'd in one transaction (committed, as the function's is) into scratch tables made with
`CREATE TABLE … (LIKE … INCLUDING ALL)`: the same columns, defaults, check constraints and
indexes, no foreign keys and no triggers (the ledger's guards). Median of 3, each into fresh
scratch tables. The ratio is the function's time / the COPY's: what the checks, the foreign keys,
the guards, the audit and Python add to the database's least work for those rows.

The second baseline (`projects_<step>_vs_copy_real`): the same rows COPY'd into the real tables,
with their foreign keys, checks, unique indexes and insert triggers, in one transaction rolled
back at the end (the ledger and the aid records are append-only: nothing of it stays). The rows
get new ids from the tables' sequences and, where a unique constraint would meet the originals, a
twin parent written first in the same transaction, not timed: a twin plan for the enrolments
(one per plan and household) and for the batch and its items (one pending item per plan and
household); a twin plan, batch and items for the aid records (one per item), whose twin ledger
transaction is written in the timed part, as `deliver` does: inserted open with its own
idempotency key (unique), its postings, then sealed (the sealing UPDATE checks the balance).
`SET CONSTRAINTS ALL IMMEDIATE` comes first, so the foreign keys are checked inside each timed
COPY, not at a COMMIT the rollback skips; the ledger's check at commit
(`funds_transaction_balanced`, which refuses a transaction without its postings) is kept deferred
until the seal and then run inside the time by a last `SET CONSTRAINTS ALL IMMEDIATE`. The time
ends before the rollback. Median of 3, each its own transaction; run after the last step, so the
dead rows the rollbacks leave do not weigh on the functions measured.

`--scale` of bench/run.py shrinks the households (and so the target group); BENCH_PROJECT_HOUSEHOLDS
sets them. Run again on a kept database (`--keep`), the suite tops the two districts up to the
volume and makes a new plan (the same households enrolled again, in the new plan).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

CHANGNING, HUANGPU = "310105", "310101"  # 长宁区 (changning-2016), 黄浦区 (no policy of its own)
# synth_load's ID numbers carry the seed's last digit (registry 1, funds 0, cases 3, lists 4).
SEEDS = {CHANGNING: 20261205, HUANGPU: 20261206}
SHARE = {CHANGNING: 5, HUANGPU: 1}  # sixths of the households
DAY = date(2021, 6, 15)  # enrolment, the batch, its approval and its delivery
DUE = date(2021, 6, 30)
RECEIVED = date(2021, 1, 5)
UNIT = Decimal("500.00")
TARGET = {"categories": ["dibao", "low_income"], "areas": [CHANGNING, HUANGPU], "age_min": 70}
SOURCE_CODE = "FC-BENCH-PROJECTS"  # its own lottery source: funds_report's is "FC"
COPY_RUNS = 3


def run(report) -> None:
    import time_machine
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise RuntimeError("the project aid benchmark runs on PostgreSQL")
    households = int(os.environ.get("BENCH_PROJECT_HOUSEHOLDS") or report.households)
    moment = timezone.make_aware(datetime.combine(DAY, datetime.min.time()) + timedelta(hours=9))
    with time_machine.travel(moment, tick=True):
        _load(report, households)
        users = _users()
        project = _plan(users)
        real = [_enrol(report, project, users)]
        batch, prepared = _prepare_and_approve(report, project, users)
        real += [prepared, _deliver(report, batch, users)]
        for step in real:
            _compare_real(report, step)


# --- data ------------------------------------------------------------------------------------------


def _load(report, households: int) -> None:
    from django.db import connection

    from bangfu.audit.actor import Actor
    from bangfu.demo import households as synth
    from bangfu.registry.models import Household

    t = time.perf_counter()
    made = 0
    changning = households * SHARE[CHANGNING] // sum(SHARE.values())
    for code, seed in SEEDS.items():
        want = changning if code == CHANGNING else households - changning
        missing = want - Household.objects.filter(street__parent__code=code).count()
        if missing > 0:
            synth.synth_load(
                seed=seed, households=missing, streets=synth.synth_streets(district=code),
                actor=Actor.system("bench"), as_of=DAY,
            )  # fmt: skip
            made += missing
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    in_area = Household.objects.filter(street__parent__code__in=list(SEEDS)).count()
    report(
        "projects_load_s", time.perf_counter() - t, "s",
        f"{made:,} households made; {in_area:,} in 长宁区 and 黄浦区, {Household.objects.count():,} in the database",
    )  # fmt: skip


def _users() -> dict:
    from bangfu.audit.actor import Actor
    from bangfu.orgs.models import Organisation, RoleAssignment, User
    from bangfu.orgs.services import grant_role

    foundation = Organisation.objects.get(code="SHBKHZ")
    users = {}
    for who, role in (("officer", "foundation_officer"), ("approver", "foundation_officer"),
                      ("finance", "foundation_finance")):  # fmt: skip
        user, _ = User.objects.get_or_create(
            username=f"bench_projects_{who}", defaults={"full_name": f"bench projects {who}"}
        )
        if not RoleAssignment.objects.filter(user=user, org=foundation, role=role).exists():
            grant_role(actor=Actor.system("bench"), user=user, role=role, org=foundation)
        users[who] = user
    return users


def _plan(users: dict):
    """A filed foundation plan on the city lottery money, the money received in January."""
    from bangfu.audit.actor import Actor
    from bangfu.funds import services as funds
    from bangfu.funds.models import FundSource
    from bangfu.orgs.models import Organisation
    from bangfu.projects.models import PlanState, Project
    from bangfu.projects.targets import Target

    officer = Actor.for_user(users["officer"], "bench")
    finance = Actor.for_user(users["finance"], "bench")
    foundation = Organisation.objects.get(code="SHBKHZ")
    source = FundSource.objects.filter(code=SOURCE_CODE).first() or funds.fund_source_create(
        actor=officer, code=SOURCE_CODE, name="市级福彩金（项目帮扶基准测试）", kind="lottery", draw_order=20
    )
    selected = Target.from_json(TARGET).households(foundation, DAY).count()
    budget = UNIT * selected
    funds.lottery_funds_receive(
        actor=finance, source=source, amount=budget, day=RECEIVED, memo="项目帮扶基准测试：福彩金到账",
        idempotency_key=f"bench-projects-{uuid.uuid4()}",
    )  # fmt: skip
    n = Project.objects.filter(code__startswith="XM-BENCH-").count() + 1
    return Project.objects.create(
        code=f"XM-BENCH-{n:03d}", title=f"高龄困难家庭慰问金（基准测试{n}）", owner=foundation,
        purpose="为低保、低收入家庭中的高龄老人发放一次性慰问金。", target=TARGET, aid_kind="money",
        unit_value=UNIT, budget=budget, fund_source=source, period_start=date(DAY.year, 1, 1),
        period_end=date(DAY.year, 12, 31), target_households=selected, state=PlanState.FILED,
        filing_number=f"沪帮备〔{DAY.year}〕基准{n}号", created_by=users["officer"],
    )  # fmt: skip


# --- the baseline ----------------------------------------------------------------------------------


def capture(tables: list[tuple[str, str, list]]) -> list[tuple[str, bytes, int]]:
    """The rows a function wrote, as COPY text: (table, where, params) → (table, text, rows)."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    captured = []
    for table, where, params in tables:
        text = bytearray()
        sql = f"COPY (SELECT * FROM {table} WHERE {where} ORDER BY id) TO STDOUT"
        with raw.cursor() as cur, cur.copy(sql, params) as copy:
            for block in copy:
                text += block
        captured.append((table, bytes(text), text.count(b"\n")))
    return captured


def copy_seconds(captured: list[tuple[str, bytes, int]], runs: int = COPY_RUNS) -> float:
    """Median seconds of COPY'ing the captured rows, in one committed transaction, into fresh
    scratch tables with the real tables' columns, defaults, constraints and indexes."""
    from django.db import connection, transaction

    from .registry import scratch_tables

    times = []
    for _ in range(runs):
        scratch = {table: f"bench_scratch_{table}" for table, _, _ in captured}
        scratch_tables(scratch)
        t = time.perf_counter()
        with transaction.atomic():
            raw = connection.connection
            for table, text, _ in captured:
                with raw.cursor() as cur, cur.copy(f"COPY {scratch[table]} FROM STDIN") as copy:
                    copy.write(text)
        times.append(time.perf_counter() - t)
        with connection.cursor() as cur:
            for name in scratch.values():
                cur.execute(f"DROP TABLE {name}")
    return statistics.median(times)


def _compare(report, name: str, seconds: float, items: int, unit: str, what: str, captured) -> None:
    rows = sum(n for _, _, n in captured)
    base = copy_seconds(captured)
    tables = ", ".join(f"{n:,} {t}" for t, _, n in captured)
    report(f"projects_{name}_s", seconds, "s", what)
    report(f"projects_{name}_per_s", items / seconds, unit, what)
    report(
        f"projects_{name}_copy_rows_per_s", rows / base, "rows/s",
        f"COPY of the same rows ({tables}) into scratch tables, {base * 1000:.1f} ms, median of {COPY_RUNS}",
    )  # fmt: skip
    report(f"projects_{name}_vs_copy", seconds / base, "×", "the function's time / the COPY's (target ≤ 5)")


# --- the second baseline: into the real tables, rolled back ---------------------------------------


def columns(table: str) -> list[str]:
    """The table's columns in their order, which is COPY's."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} LIMIT 0")
        return [c.name for c in cur.description]


def twin_text(text: bytes, cols: list[str], changes: dict) -> tuple[list[str], bytes]:
    """COPY text of captured rows with `changes` (column → value, None for NULL, or a callable of
    the old field's text) and, unless `changes` gives one, no id: the sequence gives it."""
    keep = [i for i, c in enumerate(cols) if c != "id" or "id" in changes]
    fields = {cols.index(c): change for c, change in changes.items()}
    out = bytearray()
    for line in text.split(b"\n")[:-1]:
        row = line.split(b"\t")
        for i, change in fields.items():
            row[i] = (
                change(row[i]) if callable(change) else b"\\N" if change is None else str(change).encode()
            )
        out += b"\t".join(row[i] for i in keep) + b"\n"
    return [cols[i] for i in keep], bytes(out)


def twin_row(cur, table: str, pk: int, changes: dict) -> int:
    """A copy of one row with `changes` and a new id; its id."""
    cols = [c for c in columns(table) if c != "id"]
    select = ", ".join("%s" if c in changes else c for c in cols)
    cur.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE id = %s RETURNING id",
        [*(changes[c] for c in cols if c in changes), pk],
    )
    return cur.fetchone()[0]


def twin_items(cur, batch_id: int, changes: dict) -> dict[bytes, bytes]:
    """Twins of a batch's items, new ids from the sequence, with `changes`: old id → new id, as
    COPY text."""
    cols = [c for c in columns("projects_batchitem") if c != "id"]
    select = ", ".join("%s" if c in changes else f"b.{c}" for c in cols)
    cur.execute(
        f"""WITH src AS MATERIALIZED (
              SELECT id AS old, nextval(pg_get_serial_sequence('projects_batchitem', 'id')) AS new
              FROM projects_batchitem WHERE batch_id = %s),
            ins AS (INSERT INTO projects_batchitem (id, {", ".join(cols)})
              SELECT src.new, {select} FROM src JOIN projects_batchitem b ON b.id = src.old)
            SELECT old, new FROM src""",
        [batch_id, *(changes[c] for c in cols if c in changes)],
    )
    return {str(old).encode(): str(new).encode() for old, new in cur.fetchall()}


def twin_project(cur, project_id: int) -> int:
    """A twin plan (its code and filing number unique), parent of the twin rows."""
    return twin_row(
        cur, "projects_project", project_id, {"code": f"XM-TWIN-{uuid.uuid4().hex}", "filing_number": ""}
    )


def next_id(cur, table: str) -> int:
    cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
    return cur.fetchone()[0]


def copy_real_seconds(twins, deferred: tuple[str, ...] = (), runs: int = COPY_RUNS) -> float:
    """Median seconds of COPY'ing twin rows into the real tables, the constraints checked inside
    the time, in a transaction rolled back after it. `twins(cur)` writes the twin parents (not
    timed) and returns the COPYs [(table, columns, text)] and the statements [(sql, params)] that
    follow them in the time. `deferred`: constraint triggers kept deferred until the end (then
    run inside the time)."""
    from django.db import connection, transaction

    times = []
    for _ in range(runs):
        with transaction.atomic():
            raw = connection.connection
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                if deferred:
                    cur.execute(f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED")
                copies, after = twins(cur)
            t = time.perf_counter()
            for table, cols, text in copies:
                with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    copy.write(text)
            with connection.cursor() as cur:
                for sql, params in after:
                    cur.execute(sql, params)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            times.append(time.perf_counter() - t)
            transaction.set_rollback(True)
    return statistics.median(times)


def _compare_real(report, step) -> None:
    name, seconds, captured, twins, deferred = step
    rows = sum(n for _, _, n in captured)
    base = copy_real_seconds(twins, deferred)
    tables = ", ".join(f"{n:,} {t}" for t, _, n in captured)
    report(
        f"projects_{name}_copy_real_rows_per_s", rows / base, "rows/s",
        f"COPY of the same rows ({tables}) into the real tables, their keys and guards checked, "
        f"rolled back; {base * 1000:.1f} ms, median of {COPY_RUNS}",
    )  # fmt: skip
    report(
        f"projects_{name}_vs_copy_real", seconds / base, "×",
        "the function's time / the COPY's into the real tables (target ≤ 5)",
    )  # fmt: skip


# --- the measured functions ------------------------------------------------------------------------


def _enrol(report, project, users: dict) -> None:
    from bangfu.audit.actor import Actor
    from bangfu.projects.enrolment import enrol_from_query
    from bangfu.projects.models import Enrolment
    from bangfu.projects.targets import Target

    selected = Target.from_json(project.target).households(project.owner, DAY).count()
    actor = Actor.for_user(users["officer"], "bench")
    t = time.perf_counter()
    result = enrol_from_query(actor=actor, project=project, day=DAY)
    seconds = time.perf_counter() - t
    written = Enrolment.objects.filter(project=project).count()
    if result.enrolled != written or not written:
        raise RuntimeError(f"enrol_from_query said {result.enrolled} enrolled, {written} enrolments written")
    refused = ", ".join(f"{code} {n:,}" for code, n in sorted(result.refused.items())) or "none"
    what = f"{selected:,} households in the target group of {project.code}: {written:,} enrolled; refused: {refused}"
    captured = capture([("projects_enrolment", "project_id = %s", [project.pk])])
    _compare(report, "enrol", seconds, written, "households/s", what, captured)
    ((_, text, _),) = captured

    def twins(cur):
        plan = twin_project(cur, project.pk)
        return [
            ("projects_enrolment", *twin_text(text, columns("projects_enrolment"), {"project_id": plan}))
        ], []

    return "enrol", seconds, captured, twins, ()


def _prepare_and_approve(report, project, users: dict):
    from bangfu.audit.actor import Actor
    from bangfu.projects.batches import approve, prepare

    t = time.perf_counter()
    batch = prepare(actor=Actor.for_user(users["officer"], "bench"), project=project, due_date=DUE)
    seconds = time.perf_counter() - t
    items = batch.items.count()
    if not items:
        raise RuntimeError("prepare made a batch without items")
    what = f"batch {batch.number} of {project.code}: {items:,} items, ¥{batch.total:,.2f}"
    captured = capture(
        [("projects_batch", "id = %s", [batch.pk]), ("projects_batchitem", "batch_id = %s", [batch.pk])]
    )
    _compare(report, "prepare", seconds, items, "items/s", what, captured)
    (_, batch_text, _), (_, items_text, _) = captured

    def twins(cur):
        plan, twin = twin_project(cur, project.pk), next_id(cur, "projects_batch")
        batch_row = {"id": twin, "project_id": plan}
        return [
            ("projects_batch", *twin_text(batch_text, columns("projects_batch"), batch_row)),
            ("projects_batchitem", *twin_text(items_text, columns("projects_batchitem"), {"batch_id": twin, "project_id": plan})),
        ], []  # fmt: skip

    t = time.perf_counter()
    batch = approve(actor=Actor.for_user(users["approver"], "bench"), batch=batch)
    report("projects_approve_s", time.perf_counter() - t, "s", f"{what}; a second officer, the fund check")
    return batch, ("prepare", seconds, captured, twins, ())


def _deliver(report, batch, users: dict) -> None:
    from bangfu.aid.models import AidRecord
    from bangfu.audit.actor import Actor
    from bangfu.projects.batches import deliver
    from bangfu.projects.models import ItemState

    guards = _function_times()
    t = time.perf_counter()
    batch = deliver(actor=Actor.for_user(users["finance"], "bench"), batch=batch, day=DAY)
    seconds = time.perf_counter() - t
    guards = _function_times(since=guards)
    delivered = batch.items.filter(state=ItemState.DELIVERED).count()
    records = AidRecord.objects.filter(project_item__batch=batch).count()
    if not delivered or records != delivered or batch.ledger_transaction_id is None:
        raise RuntimeError(
            f"deliver: {delivered} items delivered, {records} aid records, transaction {batch.ledger_transaction_id}"
        )
    what = f"batch {batch.number}: {delivered:,} items delivered, ¥{batch.total:,.2f} posted, {records:,} aid records"
    captured = capture(
        [
            ("funds_transaction", "id = %s", [batch.ledger_transaction_id]),
            ("funds_posting", "transaction_id = %s", [batch.ledger_transaction_id]),
            ("aid_aidrecord", "project_item_id IN (SELECT id FROM projects_batchitem WHERE batch_id = %s)", [batch.pk]),
        ]
    )  # fmt: skip
    _compare(report, "deliver", seconds, delivered, "items/s", what, captured)
    (_, txn_text, _), (_, postings_text, _), (_, records_text, _) = captured

    def twins(cur):
        plan = twin_project(cur, batch.project_id)
        twin_batch = twin_row(cur, "projects_batch", batch.pk, {"project_id": plan})
        items = twin_items(
            cur, batch.pk, {"batch_id": twin_batch, "project_id": plan, "followed_up_by_id": None}
        )
        txn = next_id(cur, "funds_transaction")
        # Inserted open (the guard refuses a sealed one) with a key of its own (unique), sealed
        # after its postings: the UPDATE runs the balance check, as `deliver`'s does.
        opened = {"id": txn, "sealed": "f", "idempotency_key": f"bench-twin-{uuid.uuid4()}"}
        records = {"project_item_id": items.__getitem__, "ledger_transaction_id": txn}
        return [
            ("funds_transaction", *twin_text(txn_text, columns("funds_transaction"), opened)),
            ("funds_posting", *twin_text(postings_text, columns("funds_posting"), {"transaction_id": txn})),
            ("aid_aidrecord", *twin_text(records_text, columns("aid_aidrecord"), records)),
        ], [("UPDATE funds_transaction SET sealed = true WHERE id = %s", [txn])]

    # The ledger's check at commit would refuse the transaction before its postings are in.
    return "deliver", seconds, captured, twins, ("funds_transaction_balanced",)
    if guards is not None:
        ms = guards.get("funds_check_at_commit", (0, 0.0))[1]
        detail = ", ".join(f"{name} {n:,} calls {t / 1000:.2f} s" for name, (n, t) in sorted(guards.items()))
        report(
            "projects_deliver_ledger_checks_s", ms / 1000, "s",
            f"of projects_deliver_s, in the ledger's deferred check at commit (funds/0002): {detail or 'none'}",
        )  # fmt: skip


def _function_times(since: dict | None = None) -> dict | None:
    """The ledger guards' calls and milliseconds (`pg_stat_user_functions`, with
    `track_functions = 'pl'` for the session), less those of `since`; None where the server
    does not let the session track them."""
    from django.db import DatabaseError, connection

    if since is None:
        try:
            with connection.cursor() as cur:
                cur.execute("SET track_functions = 'pl'")
        except DatabaseError:
            return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT funcname, calls, total_time FROM pg_stat_user_functions WHERE funcname LIKE 'funds_%'"
        )
        now = {name: (calls, ms) for name, calls, ms in cur.fetchall()}
    if since is None:
        return now
    return {
        name: (calls - since.get(name, (0, 0.0))[0], ms - since.get(name, (0, 0.0))[1])
        for name, (calls, ms) in now.items()
        if calls > since.get(name, (0, 0.0))[0]
    }
