"""The one place the ledger's rows are spelled: a movement (`Movement`: kind, date, memo,
idempotency key, its balanced lines and links) and the unsaved transaction and postings it
makes, written by `services._write` (one movement, checked, locked and audited) and by the
bulk writer of synthetic cases (`bangfu.demo.cases`, which batches them with `bulk_create`).

Rows are made unsealed and sealed only after their postings are in (`seal`): sealing is
the database's check that a transaction sums to zero (migration 0002). These builders
decide fields only; what a movement may do is the services'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone

from bangfu.orgs.models import Organisation

from .models import Account, FundSource, Posting, Transaction, TransactionKind

# A posting may point at a project (projects.Project) or a specific-aid plan (specific.Plan). The
# ledger knows them only through its foreign keys: the apps that run project and specific aid
# sit above the ledger and post through it (docs/architecture.md).
ProjectRef = Model
PlanRef = Model

# Who pays in district fiscal matching (财政配套, 长民发〔2016〕31号 五).
FISCAL_COUNTERPARTY = "区财政"


@dataclass(frozen=True)
class Line:
    org: Organisation
    source: FundSource
    account: str
    amount: Decimal
    case_id: int | None = None
    project: ProjectRef | None = None
    plan: PlanRef | None = None


def pair(
    org: Organisation, source: FundSource, debit: str, credit: str, amount: Decimal, **refs
) -> list[Line]:
    return [Line(org, source, debit, amount, **refs), Line(org, source, credit, -amount, **refs)]


@dataclass(frozen=True)
class Movement:
    kind: str
    day: date
    memo: str
    key: str
    lines: list[Line]
    links: dict = field(default_factory=dict)  # payment_record, counterparty, agreement, reverses …

    def rows(self, *, created_by, actor_label: str) -> tuple[Transaction, list[Posting]]:
        """The transaction, unsealed, and its postings (pointing at it, written after it)."""
        txn = Transaction(
            kind=self.kind, date=self.day, memo=self.memo, idempotency_key=self.key, created_by=created_by,
            actor_label=actor_label or "anonymous", sealed=False, **self.links,
        )  # fmt: skip
        # The references by id (the transaction, not yet saved, by instance): setting a foreign
        # key's instance goes through its descriptor, which was a third of the time of building
        # a project batch's 10,000 postings.
        postings = [
            Posting(
                transaction=txn,
                date=self.day,
                org_id=line.org.pk,
                fund_source_id=line.source.pk,
                account=line.account,
                amount=line.amount,
                case_id=line.case_id,
                project_id=line.project.pk if line.project is not None else None,
                plan_id=line.plan.pk if line.plan is not None else None,
            )
            for line in self.lines
        ]
        return txn, postings


def receipt(
    *, kind: str, org: Organisation, source: FundSource, amount: Decimal, day: date, memo: str, key: str,
    counterparty: str, account: str = Account.FUND,
) -> Movement:  # fmt: skip
    """Money received at `org` from outside (the source's account pays it in)."""
    return Movement(
        kind=kind, day=day, memo=memo, key=key, lines=pair(org, source, account, Account.SOURCE, amount),
        links={"counterparty": counterparty},
    )  # fmt: skip


def fiscal_matching_receipt(
    *, org: Organisation, source: FundSource, amount: Decimal, day: date, memo: str, key: str
) -> Movement:
    return receipt(
        kind=TransactionKind.FISCAL_MATCHING, org=org, source=source, amount=amount, day=day, memo=memo, key=key,
        counterparty=FISCAL_COUNTERPARTY,
    )  # fmt: skip


def payment_key(record) -> str:
    """The idempotency key of a case payment's posting: one per `cases.PaymentRecord` event."""
    return f"payment:{record.event_id}"


def case_payment(record, draws: list[tuple[FundSource, Decimal]]) -> Movement:
    """A case payment (`cases.PaymentRecord`, with its case and street loaded) paid by the
    street from `draws`: (source, amount) in draw order, summing to the record's amount."""
    lines = [
        line
        for source, amount in draws
        for line in pair(record.street, source, Account.AID, Account.FUND, amount, case_id=record.case_id)
    ]
    return Movement(
        kind=TransactionKind.PAYMENT, day=record.paid_on, memo=f"个案 {record.case} 帮扶金发放",
        key=payment_key(record), lines=lines,
        links={"payment_record": record, "counterparty": record.street.name},
    )  # fmt: skip


def payment_transaction_rows(
    record, draws: list[tuple[FundSource, Decimal]], *, created_by, actor_label: str
) -> tuple[Transaction, list[Posting]]:
    return case_payment(record, draws).rows(created_by=created_by, actor_label=actor_label)


def project_batch_key(batch) -> str:
    """The idempotency key of a project batch's delivery posting: one per `projects.Batch`."""
    return f"project-batch:{batch.pk}"


def project_aid_payment(
    *, org: Organisation, source: FundSource, project: ProjectRef, amounts: list[Decimal], day: date, memo: str,
    key: str, counterparty: str = "",
) -> Movement:  # fmt: skip
    """A project batch's money items paid by the plan's owner from `source`, as one transaction:
    帮扶支出 (aid) per item, 专项资金 (fund) credited with their total."""
    lines = [Line(org, source, Account.AID, amount, project=project) for amount in amounts]
    lines.append(Line(org, source, Account.FUND, -sum(amounts, Decimal("0.00")), project=project))
    return Movement(
        kind=TransactionKind.PAYMENT, day=day, memo=memo, key=key, lines=lines,
        links={"counterparty": counterparty or org.name},
    )  # fmt: skip


def first_aid_source(postings: list[Posting]) -> int | None:
    """The fund source a payment drew on first (its first aid posting, in the order written):
    the one its aid record names."""
    return next((p.fund_source_id for p in postings if p.account == Account.AID), None)


def seal(transactions: list[Transaction], *, chunk: int = 5000) -> None:
    """Seal written transactions (their postings in): one UPDATE per chunk."""
    pks = [t.pk for t in transactions]
    for i in range(0, len(pks), chunk):
        Transaction.objects.filter(pk__in=pks[i : i + chunk]).update(sealed=True)
    for t in transactions:
        t.sealed = True


def posted(txn: Transaction) -> dict:
    """What a `cases.PaymentRecord` says once `txn` has posted it."""
    return {"posted_at": timezone.now(), "ledger_reference": txn.number}
