"""Synthetic cases over the synthetic households (`bangfu synth --cases N`), for demos,
tests and the benchmark. Deterministic for a seed; nothing in it is about a real person.

Each case is lawful as the procedure would have left it:

- its application date falls on a day a published version of its district covers, and its
  proposal (`Case.proposal`) is the real engine's answer, built by the same function as the
  case page's (`rules.request_for`), with the household's earlier aid of the year;
- its state follows its age (recent cases are still at intake, review or approval; older
  ones are paid, followed up and closed, or were rejected or withdrawn), and it carries the
  rows each step leaves: transitions, investigation, panel review with seven members of the
  street's roster, approval at the level the engine gave, payment, its ledger record and a
  follow-up (done for closed cases, some overdue for paid ones); a few emergency cases were
  paid first ("help first") and still miss their paperwork, some past the due date;
- an ineligible proposal ends in rejection, and the annual caps (三(四): 2 events, 80,000.00)
  hold per household and year, counting what the household already had;
- every payment reaches the ledger as `funds.payment_post` posts it: per street,
  one fiscal matching receipt of a synthetic source ("合成数据·财政配套") covering the street's
  synthetic payments, dated on its first payment, then one balanced payment transaction per
  payment linked to its record, which is marked posted. So `bangfu ledger verify` stays clean.

Bulk: every row is built by the domain's own builders (`cases.builders`, `funds.builders`,
`aid.builders`, the ones the procedure and the fund services write with), then written with
`bulk_create` in chunks (one statement per table and chunk, on SQLite and PostgreSQL alike),
inside one transaction; one audit entry records the run (and one the synthetic fund source,
made once by `funds.services.fund_source_create`).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from bangfu.aid import builders as aid_builders
from bangfu.aid.models import AidRecord
from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.cases import builders
from bangfu.cases.builders import case_number, case_number_expression
from bangfu.cases.models import (
    AidType,
    Approval,
    Case,
    CaseState,
    Decision,
    Document,
    EmergencyEvent,
    FeeType,
    FollowUp,
    Investigation,
    Invoice,
    PanelAttendance,
    PanelConclusion,
    PanelMember,
    PanelMemberKind,
    PanelReview,
    Payment,
    PaymentRecord,
    Tier,
    Transition,
)
from bangfu.cases.rules import request_for
from bangfu.cases.workflow import follow_up_due
from bangfu.core.dates import cn_date
from bangfu.core.refusal import Refused
from bangfu.funds import builders as funds_builders
from bangfu.funds import services as funds_services
from bangfu.funds.models import FundKind, FundSource, Posting, Transaction
from bangfu.orgs.models import Organisation, User
from bangfu.policy.engine import evaluate_request, parse_request
from bangfu.policy.selectors import policy_book
from bangfu.registry.models import HouseholdCategory, Person, Relationship
from bangfu.registry.selectors import category_on

CHUNK = 5000
HOSPITALS = (
    "长宁区中心医院",
    "华山医院",
    "中山医院",
    "瑞金医院",
    "仁济医院",
    "第六人民医院",
    "同仁医院",
    "社区卫生服务中心",
)
ROSTER = [
    ("王建国", PanelMemberKind.CADRE), ("李秀英", PanelMemberKind.COMMITTEE_CADRE),
    ("张卫东", PanelMemberKind.BUILDING_HEAD), ("刘美华", PanelMemberKind.VOLUNTEER),
    ("陈志强", PanelMemberKind.RESIDENT), ("杨丽娟", PanelMemberKind.RESIDENT), ("赵国庆", PanelMemberKind.CADRE),
]  # fmt: skip
S = CaseState
# A 1×1 white PNG: the placeholder of a signed receipt page.
RECEIPT_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8ffff3f0005fe02fea7d6a4a00000000049454e44ae426082"
)
RECEIPT_SHA256 = hashlib.sha256(RECEIPT_PNG).hexdigest()


@dataclass
class SynthCasesResult:
    cases: int
    by_state: dict[str, int]
    payments: int
    paid: Decimal
    seconds: float

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


@dataclass
class _Applicant:
    household_id: int
    street: Organisation
    person: Person


def _covered_days(book, district: str, start: date, end: date) -> list[tuple[date, date]]:
    spans = []
    for ps in book._by_district.get(district, ()):
        lo, hi = max(ps.valid_from, start), min(ps.valid_to, end)
        if lo <= hi:
            spans.append((lo, hi))
    return spans


def _pick_day(rng: random.Random, spans: list[tuple[date, date]]) -> date:
    total = sum((hi - lo).days + 1 for lo, hi in spans)
    n = rng.randrange(total)
    for lo, hi in spans:
        days = (hi - lo).days + 1
        if n < days:
            return lo + timedelta(days=n)
        n -= days
    raise AssertionError("unreachable")


def _state_for(rng: random.Random, age: int, eligible: bool) -> str:
    """The state a case of this age (days since application) has reached."""
    if age > 120:
        table = ((S.CLOSED, 78), (S.PAID, 5), (S.REJECTED, 12), (S.WITHDRAWN, 5))
    elif age > 30:
        table = ((S.CLOSED, 30), (S.PAID, 35), (S.APPROVED, 10), (S.APPROVING_STREET, 6),
                 (S.APPROVING_DISTRICT, 4), (S.REVIEWING, 5), (S.REJECTED, 7), (S.WITHDRAWN, 3))  # fmt: skip
    else:
        table = ((S.APPLIED, 35), (S.REVIEWING, 25), (S.APPROVING_STREET, 15), (S.APPROVING_DISTRICT, 5),
                 (S.APPROVED, 10), (S.PAID, 7), (S.WITHDRAWN, 3))  # fmt: skip
    states, weights = zip(*table, strict=True)
    state = rng.choices(states, weights)[0]
    if not eligible and state not in (S.APPLIED, S.REVIEWING, S.WITHDRAWN):
        return S.REJECTED
    return state


def _synth_user() -> User:
    user, created = User.objects.get_or_create(
        username="synth", defaults={"full_name": "合成数据", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _rosters(streets) -> dict[int, list[PanelMember]]:
    have = defaultdict(list)
    for m in PanelMember.objects.filter(street__in=streets, active=True).order_by("pk"):
        have[m.street_id].append(m)
    new = [
        PanelMember(street=s, name=name, kind=kind)
        for s in streets
        if len(have[s.pk]) < len(ROSTER)
        for name, kind in ROSTER[len(have[s.pk]) :]
    ]
    for m in PanelMember.objects.bulk_create(new):
        have[m.street_id].append(m)
    return have


def synth_cases(
    *,
    seed: int,
    cases: int,
    streets: list[Organisation],
    start: date,
    end: date,
    actor: Actor,
    as_of: date | None = None,
) -> SynthCasesResult:
    """Make `cases` cases over the households of `streets`, applied for in [start, end]."""
    started = time.perf_counter()
    as_of = as_of or timezone.localdate()
    end = min(end, as_of)
    if cases <= 0:
        raise Refused("个案数必须是正整数。", code="bad_count", field="cases")
    if start > end:
        raise Refused(
            f"起始日期{cn_date(start)}晚于截止日期{cn_date(end)}（截止日期不能晚于今天）。",
            code="bad_period",
        )
    book = policy_book()
    streets = list(Organisation.objects.filter(pk__in=[s.pk for s in streets]).select_related("parent"))
    spans = {s.pk: _covered_days(book, s.parent.code, start, end) for s in streets}
    streets = [s for s in streets if spans[s.pk]]
    if not streets:
        raise Refused(
            f"所选街镇所在的区在{cn_date(start)}至{cn_date(end)}没有生效的已发布政策，无法生成个案。"
            "请换一个时期（如长宁区 2016-07-01 至 2021-12-31），或先发布该区的政策版本。",
            code="no_policy_in_force",
        )
    by_pk = {s.pk: s for s in streets}
    heads = (
        Person.objects.filter(household__street__in=streets, active=True, relationship=Relationship.HEAD)
        .exclude(hukou_district=None)
        .select_related("hukou_district")
        .order_by("household_id")
    )
    applicants = [
        _Applicant(p.household_id, by_pk[p.household.street_id], p) for p in heads.select_related("household")
    ]
    if not applicants:
        raise Refused(
            "所选街镇没有在册家庭：请先生成家庭档案（bangfu synth --households N）。", code="no_households"
        )
    categories = defaultdict(list)
    for c in HouseholdCategory.objects.filter(household__street__in=streets):
        categories[c.household_id].append(c)

    rng = random.Random(seed)
    user = _synth_user()
    with transaction.atomic():
        # Earlier committed aid of the households, per year: the caps count it (三(四)).
        committed: dict[tuple[int, int], list[tuple[date, Decimal]]] = defaultdict(list)
        earlier = Case.objects.filter(
            household__street__in=streets, state__in=(S.APPROVED, S.PAID, S.CLOSED), payment__isnull=False
        ).values_list("household_id", "application_date", "payment__amount")
        for household_id, day, amount in earlier:
            committed[(household_id, day.year)].append((day, amount))
        rosters = _rosters(streets)
        # Who applies when, first; then the cases in date order, so that each one's prior aid
        # of the year is everything committed before it, as at a real intake.
        picks = []
        for _ in range(cases):
            a = applicants[rng.randrange(len(applicants))]
            picks.append((_pick_day(rng, spans[a.street.pk]), a.household_id, a))
        picks.sort(key=lambda pick: pick[:2])
        now = timezone.now()
        plans = [_plan(rng, a, day, categories, committed, book, as_of, user, now) for day, _, a in picks]
        written = _write(plans, rosters, user, rng, as_of, actor)
        audit_record(
            actor=actor,
            action="create",
            target=written["first"],
            after={"cases": cases, "seed": seed, "from": start.isoformat(), "to": end.isoformat()},
            note=f"合成数据：{cases}件个案，种子{seed}（一次运行只记此一条）",
        )
    by_state = defaultdict(int)
    for p in plans:
        by_state[p["case"].state] += 1
    return SynthCasesResult(
        cases, dict(by_state), written["payments"], written["paid"], time.perf_counter() - started
    )


def _plan(rng, a: _Applicant, day: date, categories, committed, book, as_of, user: User, now) -> dict:
    """One case with its invoices, its engine answer and its state, not yet written."""
    category = category_on(categories.get(a.household_id, ()), day)
    roll = rng.random()
    # Plain strings, as a case read from the database has them (the engine checks types).
    aid_type = str(
        AidType.MEDICAL if roll < 0.75 else AidType.EMERGENCY if roll < 0.9 else AidType.INSURANCE_SUPPLEMENT
    )
    given, invoices = {}, []
    if aid_type == AidType.MEDICAL:
        for i in range(rng.choice((1, 1, 2, 3))):
            total = Decimal(rng.randrange(2_000_00, 60_000_00)) / 100
            reimbursed = (total * Decimal(rng.choice(("0", "0.3", "0.5")))).quantize(Decimal("0.01"))
            number = f"S{day:%y}{rng.randrange(10**9):09d}{i}"
            hospital = rng.choice(HOSPITALS)
            invoices.append(
                builders.invoice_row(
                    None,
                    number=number,
                    hospital=hospital,
                    regular_hospital=rng.random() < 0.95,
                    date=day - timedelta(days=rng.randrange(1, 300)),
                    fee_type=rng.choices(FeeType.values, [8] + [1] * (len(FeeType.values) - 1))[0],
                    total=total,
                    reimbursed=reimbursed,
                    self_paid=total - reimbursed,
                )
            )
    elif aid_type == AidType.EMERGENCY:
        given["emergency_event"] = rng.choice(EmergencyEvent.values)
        given["casualty_or_major_loss"] = rng.random() < 0.85
    else:
        given["personal_share"] = Decimal(rng.randrange(1_000, 8_000))
    case = builders.case_row(
        household_id=a.household_id, street=a.street, applicant=a.person, aid_type=aid_type,
        application_date=day, hardship="（合成数据）家庭成员患病，医疗及生活支出负担重。", created_by=user, **given,
    )  # fmt: skip
    key = (a.household_id, day.year)
    prior = [{"date": d.isoformat(), "amount": f"{amt:.2f}"} for d, amt in committed[key]]
    try:
        request = request_for(case, category=category, prior=prior, invoices=invoices)
        answer = evaluate_request(
            parse_request(request, book.districts), book.in_force(a.street.parent.code, day)
        )
    except Refused as e:  # the engine's refusal (no policy in force, bad request)
        answer = {"error": e.as_dict()["error"]}
    eligible = bool(answer.get("eligible")) and Decimal(answer["recommended_amount"]) > 0
    age = (as_of - day).days
    help_first = aid_type == AidType.EMERGENCY and eligible and age <= 60 and rng.random() < 0.25
    state = S.PAID if help_first else _state_for(rng, age, eligible)
    amount = Decimal(answer["recommended_amount"]) if eligible else None
    if state in (S.APPROVING_STREET, S.APPROVING_DISTRICT) and eligible:
        state = S.APPROVING_DISTRICT if answer["approval_level"] == "district" else S.APPROVING_STREET
    if state in (S.APPROVED, S.PAID, S.CLOSED):
        committed[key].append((day, amount))
    case.state = state
    # The amount the panel concluded (or help first approved), then approved and paid: what the
    # caps count (`workflow.committed_this_year`) and what the payment must equal.
    if state in (S.APPROVING_STREET, S.APPROVING_DISTRICT, S.APPROVED, S.PAID, S.CLOSED):
        case.approved_amount = amount
    builders.proposal_recorded(case, answer, at=now)
    case.help_first = help_first
    if help_first:
        case.help_first_reason = "（合成数据）突发事件，情况紧急，先行帮扶。"
        case.paperwork_due = day + timedelta(days=rng.choice((14, 30)))
    return {"case": case, "invoices": invoices, "amount": amount, "category": category}


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))


def _write(plans: list[dict], rosters, user: User, rng: random.Random, as_of: date, system: Actor) -> dict:
    """Every row through the domain's builders (`cases.builders`, `funds.builders`,
    `aid.builders`), batched: the rows are the procedure's, only the writing is bulk."""
    actor = Actor(user=user, label="合成数据")  # who the procedure's rows name
    Case.objects.bulk_create([p["case"] for p in plans], batch_size=CHUNK)
    # As case_create numbers a case (`cases.builders.case_number`), in one UPDATE per chunk.
    pks = [p["case"].pk for p in plans]
    for i in range(0, len(pks), CHUNK):
        Case.objects.filter(pk__in=pks[i : i + CHUNK]).update(number=case_number_expression())
    for p in plans:
        p["case"].number = case_number(p["case"])

    # Closed cases were signed for: one stored placeholder page, referenced by each receipt.
    receipt_file = default_storage.save("synth/receipt.png", ContentFile(RECEIPT_PNG))
    transitions, invoices, investigations, reviews, attendance, approvals = [], [], [], [], [], []
    payments, records, follow_ups = [], [], []
    for p in plans:
        c, day = p["case"], p["case"].application_date
        for inv in p["invoices"]:
            inv.case = c
            invoices.append(inv)

        def step(action, before, after, comment="", c=c):
            transitions.append(
                builders.transition_row(
                    c, action=action, before=before, after=after, actor=actor, comment=comment
                )
            )

        transitions.append(builders.intake_transition_row(c, actor=actor))
        state = c.state
        if c.help_first:
            step("help_first", S.APPLIED, S.APPROVED, c.help_first_reason)
            approvals.append(builders.help_first_approval_row(c, by=user))
        reached_review = state not in (S.APPLIED, S.WITHDRAWN) and not c.help_first
        if reached_review:
            investigations.append(builders.investigation_row(
                c, by=user, visited_on=min(day + timedelta(days=3), as_of), income="（合成数据）月收入约2000元",
                income_sources="退休金", daily_life="需家人照护", housing="公房一间", committee_opinion="情况属实",
                plan="按政策给予帮扶",
            ))  # fmt: skip
            step("investigate", S.APPLIED, S.REVIEWING)
        decided = state in (S.APPROVING_STREET, S.APPROVING_DISTRICT, S.APPROVED, S.PAID, S.CLOSED)
        if decided and not c.help_first:
            review, present = builders.panel_review_rows(
                c, recorded_by=user, meeting_date=min(day + timedelta(days=10), as_of),
                introduction="申请人情况介绍。", documents_examined="医疗发票、病史、收入证明",
                discussion="一致认为情况属实。", conclusion=PanelConclusion.AID, amount=p["amount"],
                minutes="（合成数据）评审会议记录。",
                attendance=[{"member": m, "opinion": "agree"} for m in rosters[c.street_id][:7]],
            )  # fmt: skip
            reviews.append(review)
            attendance += present
            to = S.APPROVING_DISTRICT if c.approval_level == "district" else S.APPROVING_STREET
            step("review", S.REVIEWING, S.APPROVING_STREET)
            if to == S.APPROVING_DISTRICT:
                step("refer", S.APPROVING_STREET, S.APPROVING_DISTRICT, "超过街镇审批限额，报区服务社审批。")
            if state in (S.APPROVED, S.PAID, S.CLOSED):
                tier = Tier.DISTRICT if to == S.APPROVING_DISTRICT else Tier.STREET
                approvals.append(
                    builders.approval_row(
                        c, tier=tier, decision=Decision.APPROVE, amount=p["amount"], by=user
                    )
                )
                step("approve_district" if tier == Tier.DISTRICT else "approve", to, S.APPROVED)
        if state in (S.PAID, S.CLOSED):
            paid_on = min(day + timedelta(days=2 if c.help_first else rng.randrange(15, 30)), as_of)
            payment, record = builders.payment_rows(
                c, amount=p["amount"], method=rng.choice(("cash", "transfer")),
                idempotency_key=uuid.UUID(int=rng.getrandbits(128)), paid_by=user, paid_on=paid_on,
                category=p["category"], event_id=uuid.UUID(int=rng.getrandbits(128)),
            )  # fmt: skip
            if state == S.CLOSED:
                document = builders.receipt_document_row(
                    c, name="签收单（合成数据）.png", content_type="image/png", size=len(RECEIPT_PNG),
                    sha256=RECEIPT_SHA256, uploaded_by=user, file=receipt_file,
                )  # fmt: skip
                builders.receipt_signed(payment, document=document, kind="upload", at=_at(paid_on))
            payments.append(payment)
            records.append(record)
            step("pay", S.APPROVED, S.PAID)
            task = builders.follow_up_row(c, due=follow_up_due(paid_on))
            if state == S.CLOSED:
                builders.follow_up_done(
                    task, by=user, at=_at(min(paid_on + timedelta(days=20), as_of)),
                    outcome="（合成数据）帮扶金已用于医疗费用，生活基本稳定。",
                )  # fmt: skip
                step("receipt", S.PAID, S.PAID)
                step("follow_up", S.PAID, S.CLOSED)
            follow_ups.append(task)
        elif state == S.REJECTED:
            step("reject", S.REVIEWING if reached_review else S.APPLIED, S.REJECTED, "经评估不符合帮扶条件。")
        elif state == S.WITHDRAWN:
            step("withdraw", S.APPLIED, S.WITHDRAWN, "申请人撤回申请。")

    Invoice.objects.bulk_create(invoices, batch_size=CHUNK)
    Investigation.objects.bulk_create(investigations, batch_size=CHUNK)
    PanelReview.objects.bulk_create(reviews, batch_size=CHUNK)
    PanelAttendance.objects.bulk_create(attendance, batch_size=CHUNK)
    Approval.objects.bulk_create(approvals, batch_size=CHUNK)
    Document.objects.bulk_create([pay.receipt for pay in payments if pay.receipt], batch_size=CHUNK)
    Payment.objects.bulk_create(payments, batch_size=CHUNK)
    FollowUp.objects.bulk_create(follow_ups, batch_size=CHUNK)
    Transition.objects.bulk_create(transitions, batch_size=CHUNK)
    PaymentRecord.objects.bulk_create(records, batch_size=CHUNK)
    paid = sum((r.amount for r in records), Decimal("0.00"))
    if records:
        _post(records, actor, rng, system)
    return {"first": plans[0]["case"], "payments": len(records), "paid": paid}


def _post(records: list[PaymentRecord], actor: Actor, rng: random.Random, system: Actor) -> None:
    """The ledger hand-over, as `funds.payment_post` does it (see the module's docstring)."""
    # The synthetic source, made once by the funds service (as the run: a command, no person).
    source = FundSource.objects.filter(code="HC-CZ").first() or funds_services.fund_source_create(
        actor=system, code="HC-CZ", name="合成数据·财政配套", kind=FundKind.FISCAL_MATCHING, draw_order=90,
        purpose="合成数据的个案发放资金，仅用于演示和测试。",
    )  # fmt: skip
    per_street: dict[int, list[PaymentRecord]] = defaultdict(list)
    for r in records:
        per_street[r.street_id].append(r)
    run = uuid.UUID(int=rng.getrandbits(128))
    txns, postings, by_record = [], [], {}
    for street_id, rows in sorted(per_street.items()):
        receipt = funds_builders.fiscal_matching_receipt(
            org=rows[0].street, source=source, amount=sum((r.amount for r in rows), Decimal("0.00")),
            day=min(r.paid_on for r in rows), memo="合成数据：个案发放资金到账", key=f"synth:{run}:{street_id}",
        )  # fmt: skip
        for movement in (receipt, *(funds_builders.case_payment(r, [(source, r.amount)]) for r in rows)):
            txn, lines = movement.rows(created_by=actor.user, actor_label=actor.label)
            txns.append(txn)
            postings += lines
            if txn.payment_record is not None:
                by_record[txn.payment_record.pk] = (txn, lines)
    Transaction.objects.bulk_create(txns, batch_size=CHUNK)
    Posting.objects.bulk_create(postings, batch_size=CHUNK)
    if connection.vendor == "postgresql":
        # The ledger's guards look each transaction's postings up, once when it is sealed and
        # again at COMMIT; statistics of the rows just written let them use the index rather
        # than scan the table each time (ANALYZE sees this transaction's own rows).
        with connection.cursor() as cur:
            cur.execute("ANALYZE funds_posting, funds_transaction")
    funds_builders.seal(txns, chunk=CHUNK)
    for r in records:
        marks = funds_builders.posted(by_record[r.pk][0])
        for name, value in marks.items():
            setattr(r, name, value)
    PaymentRecord.objects.bulk_update(records, list(marks), batch_size=CHUNK)
    # What each household received (SPEC §4), as funds.payment_post writes it.
    AidRecord.objects.bulk_create(
        (
            aid_builders.payment_record_row(
                r,
                transaction_id=by_record[r.pk][0].pk,
                fund_source_id=funds_builders.first_aid_source(by_record[r.pk][1]),
            )
            for r in records
        ),
        batch_size=CHUNK,
    )
