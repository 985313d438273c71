"""Writes to the fund ledger (SPEC §7): one function per movement.

Every movement goes through `_post`, which, inside the caller's database transaction:
refuses bad input with a Chinese message; locks the (organisation, fund source) rows it takes
money from and refuses to take any holding account below zero, on the posting's date or any
later one; writes the transaction open, its postings, then seals it (the database checks the
sum at sealing, and on PostgreSQL again at COMMIT); and writes the audit row.

A retried or double-submitted movement carries the same idempotency key and is written once:
the second call returns the first transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from bangfu.audit.actor import Actor
from bangfu.audit.services import audit_record
from bangfu.core.dates import cn_date
from bangfu.core.money import MoneyError, format_yuan, parse_money, to_fen_down
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import has_perm_at

from . import builders, selectors
from .builders import Line, Movement, PlanRef, ProjectRef
from .models import (
    DONATION_KINDS,
    HOLDING_ACCOUNTS,
    Account,
    Agreement,
    Allocation,
    FundAccount,
    FundKind,
    FundSource,
    Posting,
    Transaction,
    TransactionKind,
)
from .parameters import management_fee_rate, work_expense_rate

# --- input ---------------------------------------------------------------------------------------


def _amount(value, label: str = "金额") -> Decimal:
    """A positive amount in fen, read by the one money parser: never a float, never rounded."""
    try:
        amount = parse_money(value)
    except MoneyError as e:
        raise Refused(f"{label}：{e.message}", code="invalid_input") from None
    if amount <= 0:
        raise Refused(f"{label}须大于零。", code="invalid_input")
    return amount


def _day(value, label: str = "记账日期") -> date:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise Refused(f"{label}须为日期（年-月-日）。", code="invalid_input")
    return value


def _text(value: str, label: str, *, required: bool = True, max_length: int = 0) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Refused(f"请填写{label}。", code="invalid_input")
    if max_length and len(text) > max_length:
        raise Refused(f"{label}不能超过{max_length}个字。", code="invalid_input")
    return text


def _key(value) -> str:
    key = str(value or "").strip()
    if not key or len(key) > 100:
        raise Refused("缺少幂等键（每次提交的唯一编号），或超过100个字符。", code="invalid_input")
    return key


def _authorise(actor: Actor, perm: str, org: Organisation) -> None:
    # Commands and the payment task act as the system (no person); people need the permission
    # at the organisation the money moves at.
    if actor.user is None:
        return
    if not has_perm_at(actor.user, perm, org):
        raise Refused(f"您无权在“{org.name}”办理此项资金业务。", code="forbidden", status=403)


def _foundation() -> Organisation:
    return Organisation.objects.get(kind=OrgKind.FOUNDATION)


def _manage_perm(org: Organisation) -> str:
    return "funds.manage_foundation" if org.kind == OrgKind.FOUNDATION else "funds.manage_district"


# --- the one writer ------------------------------------------------------------------------------


def _lock_accounts(keys) -> None:
    """Lock the (organisation, fund source) rows in a fixed order (so two movements never wait
    on each other crosswise). Prevents the race where two withdrawals from the same pot both read
    the balance before either writes, and together take it below zero."""
    for org_id, source_id in sorted(keys):
        FundAccount.objects.get_or_create(org_id=org_id, fund_source_id=source_id)
    if keys:
        wanted = {(o, s) for o, s in keys}
        rows = FundAccount.objects.select_for_update().filter(
            org_id__in={o for o, _ in wanted}, fund_source_id__in={s for _, s in wanted}
        )
        list(rows.order_by("org_id", "fund_source_id"))


def _check_no_negative(lines: list[Line], day: date) -> None:
    """No holding account may go below zero (SPEC §7), on `day` or after it."""
    delta: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    names: dict[tuple[int, int, str], Line] = {}
    for line in lines:
        if line.account in HOLDING_ACCOUNTS:
            k = (line.org.pk, line.source.pk, line.account)
            delta[k] += line.amount
            names[k] = line
    taking = {k: d for k, d in delta.items() if d < 0}
    _lock_accounts({(o, s) for o, s, _ in taking})
    for (org_id, source_id, account), d in sorted(taking.items()):
        lowest = selectors.lowest_balance_from(org_id=org_id, source_id=source_id, account=account, day=day)
        if lowest + d < 0:
            line = names[(org_id, source_id, account)]
            raise Refused(
                f"{line.org.name}“{line.source.name}”{Account(account).label}在{cn_date(day)}及以后的"
                f"可用余额为 {format_yuan(lowest)}，不足支出 {format_yuan(-d)}。",
                code="insufficient_funds",
            )


def _post(
    *,
    actor: Actor,
    kind: str,
    day: date,
    memo: str,
    key: str,
    lines: list[Line],
    **links,
) -> tuple[Transaction, bool]:
    """Write one balanced transaction; (transaction, created). The caller is atomic and has
    checked its own rules; this checks what every movement shares."""
    return _write(
        actor=actor, movement=Movement(kind=kind, day=day, memo=memo, key=key, lines=lines, links=links)
    )


def _write(
    *, actor: Actor, movement: Movement, audit_postings: list | None = None
) -> tuple[Transaction, bool]:
    """`_post` of a movement spelled by `builders` (the rows are theirs, the checks are here).
    `audit_postings` replaces the audit row's one entry per line by a summary, for a movement
    of thousands of lines (a project batch's items); the postings themselves are the record."""
    kind, day, memo, key, lines = movement.kind, movement.day, movement.memo, movement.key, movement.lines
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_movement(existing, kind), False
    _check_no_negative(lines, day)
    txn, postings = movement.rows(created_by=actor.user, actor_label=actor.label)
    try:
        with transaction.atomic():
            txn.save(force_insert=True)
    except IntegrityError:
        # The same key committed by a concurrent request after our look-up (the unique index
        # made us wait for it): that one is the movement.
        existing = Transaction.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_movement(existing, kind), False
    Posting.objects.bulk_create(postings)
    # Sealing is the database's check that the postings sum to zero (migration 0002).
    builders.seal([txn])
    audit_record(
        actor=actor,
        action="create",
        target=txn,
        org=lines[0].org,
        after={
            "kind": kind,
            "date": day.isoformat(),
            "memo": memo,
            "postings": audit_postings
            if audit_postings is not None
            else [
                [
                    line.org.code,
                    line.source.code,
                    line.account,
                    str(line.amount),
                    line.case_id,
                    line.project.code if line.project else "",
                    line.plan.code if line.plan else "",
                ]
                for line in lines
            ],
        },
    )
    return txn, True


def _same_movement(existing: Transaction, kind: str) -> Transaction:
    if existing.kind != kind:
        raise Refused("该幂等键已用于另一笔资金业务，请刷新页面后重新提交。", code="idempotency_conflict")
    return existing


_pair = builders.pair


# --- fund sources and agreements -----------------------------------------------------------------


@transaction.atomic
def fund_source_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    donor: str = "",
    purpose: str = "",
    for_cases: bool | None = None,
    project: ProjectRef | None = None,
    plan: PlanRef | None = None,
    draw_order: int = 100,
) -> FundSource:
    _authorise(actor, "funds.manage_foundation", _foundation())
    code = _text(code, "代码", max_length=32)
    name = _text(name, "名称", max_length=100)
    if kind not in FundKind.values:
        raise Refused(f"未知的资金来源类别：{kind}。", code="invalid_input")
    if FundSource.objects.filter(code=code).exists():
        raise Refused(f"资金来源代码 {code} 已存在。", code="invalid_input")
    donor = _text(donor, "捐赠方", required=kind in DONATION_KINDS, max_length=100)
    purpose = _text(purpose, "捐赠用途", required=kind == FundKind.DONATION_DIRECTED)
    # SPEC §4: enterprise money funds projects and department money funds the department's
    # specific-aid plan; neither pays case aid.
    if kind == FundKind.ENTERPRISE and project is None:
        raise Refused("企事业项目资助须注明资助的项目。", code="invalid_input")
    if kind == FundKind.DEPARTMENT and plan is None:
        raise Refused("职能部门特定帮扶经费须注明对应的特定帮扶计划。", code="invalid_input")
    if project is not None and plan is not None:
        raise Refused("一项资金只能限用于一个项目或一个计划。", code="invalid_input")
    earmarked = project is not None or plan is not None
    restricted = earmarked or kind in (FundKind.ENTERPRISE, FundKind.DEPARTMENT)
    if for_cases is None:
        for_cases = not restricted
    if for_cases and restricted:
        raise Refused("限用于项目或计划的资金不能用于个案帮扶。", code="invalid_input")
    source = FundSource.objects.create(
        code=code, name=name, kind=kind, donor=donor, purpose=purpose, for_cases=for_cases,
        project=project, plan=plan, draw_order=draw_order,
    )  # fmt: skip
    audit_record(
        actor=actor, action="create", target=source,
        after={
            "code": code, "kind": kind, "donor": donor,
            "project": project.code if project else "", "plan": plan.code if plan else "",
        },
    )  # fmt: skip
    return source


def entitlement_problem(
    source: FundSource, *, case_id=None, project: ProjectRef | None = None, plan: PlanRef | None = None
) -> str | None:
    """Why this source may not pay this aid (专款专用), or None when it may. A source earmarked
    for a project (plan) pays that one only."""
    if not source.active:
        return f"资金来源“{source.name}”已停用。"
    if project is not None and plan is not None:
        return "一笔帮扶支出只能用于一个项目或一个特定帮扶计划。"
    if case_id is not None:
        if not source.for_cases:
            return f"资金来源“{source.name}”不能用于个案帮扶。"
        return None
    if plan is not None:
        if source.kind != FundKind.DEPARTMENT or source.plan_id not in (None, plan.pk):
            return f"资金来源“{source.name}”不能用于特定帮扶计划 {plan.code}（{plan.title}）。"
        return None
    if project is not None:
        if (
            source.kind == FundKind.DEPARTMENT
            or source.plan_id is not None
            or source.project_id not in (None, project.pk)
        ):
            return f"资金来源“{source.name}”不能用于项目 {project.code}（{project.title}）。"
        return None
    return "帮扶支出须注明个案、项目或特定帮扶计划。"


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    district: Organisation,
    number: str,
    amount,
    valid_from: date,
    valid_to: date,
    duties: str,
    reporting: str,
) -> Agreement:
    foundation = _foundation()
    _authorise(actor, "funds.manage_foundation", foundation)
    if district.kind != OrgKind.DISTRICT:
        raise Refused(f"协议只能与区帮扶组织签订，“{district.name}”不是区帮扶组织。", code="invalid_input")
    number = _text(number, "协议编号", max_length=40)
    if Agreement.objects.filter(number=number).exists():
        raise Refused(f"协议编号 {number} 已存在。", code="invalid_input")
    valid_from, valid_to = _day(valid_from, "起始日期"), _day(valid_to, "终止日期")
    if valid_to < valid_from:
        raise Refused("协议终止日期不能早于起始日期。", code="invalid_input")
    agreement = Agreement.objects.create(
        number=number, foundation=foundation, district=district, amount=_amount(amount, "协议金额"),
        valid_from=valid_from, valid_to=valid_to, duties=_text(duties, "双方职责"),
        reporting=_text(reporting, "报告义务"), created_by=actor.user,
    )  # fmt: skip
    audit_record(
        actor=actor, action="create", target=agreement, org=district,
        after={"number": number, "amount": str(agreement.amount), "period": f"{valid_from}/{valid_to}"},
    )  # fmt: skip
    return agreement


@transaction.atomic
def agreement_sign(*, actor: Actor, agreement: Agreement, signed_on: date) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _authorise(actor, "funds.manage_foundation", agreement.foundation)
    if agreement.status != Agreement.Status.DRAFT:
        raise Refused(
            f"协议 {agreement.number} 当前为“{agreement.get_status_display()}”，不能签订。",
            code="wrong_status",
        )
    agreement.status = Agreement.Status.SIGNED
    agreement.signed_on = _day(signed_on, "签订日期")
    agreement.save(update_fields=["status", "signed_on"])
    audit_record(
        actor=actor, action="update", target=agreement, org=agreement.district,
        before={"status": "draft"}, after={"status": "signed", "signed_on": signed_on.isoformat()},
    )  # fmt: skip
    return agreement


@transaction.atomic
def agreement_terminate(*, actor: Actor, agreement: Agreement, reason: str) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _authorise(actor, "funds.manage_foundation", agreement.foundation)
    if agreement.status != Agreement.Status.SIGNED:
        raise Refused(
            f"协议 {agreement.number} 当前为“{agreement.get_status_display()}”，不能终止。",
            code="wrong_status",
        )
    agreement.status = Agreement.Status.TERMINATED
    agreement.save(update_fields=["status"])
    audit_record(
        actor=actor, action="update", target=agreement, org=agreement.district,
        before={"status": "signed"}, after={"status": "terminated"}, note=_text(reason, "终止理由"),
    )  # fmt: skip
    return agreement


# --- money coming in -----------------------------------------------------------------------------

# What kind of source each receipt takes, and at which kinds of organisation it arrives.
_RECEIPTS = {
    TransactionKind.LOTTERY_RECEIPT: ((FundKind.LOTTERY,), (OrgKind.FOUNDATION,)),
    TransactionKind.FISCAL_MATCHING: ((FundKind.FISCAL_MATCHING,), (OrgKind.DISTRICT, OrgKind.STREET)),
    TransactionKind.DONATION: (DONATION_KINDS, (OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET)),
    TransactionKind.ENTERPRISE_FUNDING: (
        (FundKind.ENTERPRISE,), (OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.PARTNER),
    ),
    TransactionKind.DEPARTMENT_FUNDING: (
        (FundKind.DEPARTMENT,), (OrgKind.DISTRICT, OrgKind.STREET, OrgKind.PARTNER),
    ),
}  # fmt: skip


def _receive(
    *, actor: Actor, kind: str, org: Organisation, source: FundSource, amount, day: date, memo: str,
    counterparty: str, idempotency_key, account: str = Account.FUND,
) -> Transaction:  # fmt: skip
    source_kinds, org_kinds = _RECEIPTS[kind]
    _authorise(actor, _manage_perm(org), org)
    if source.kind not in source_kinds:
        raise Refused(
            f"“{source.name}”是{source.get_kind_display()}，不能按“{TransactionKind(kind).label}”入账。",
            code="wrong_source",
        )
    if org.kind not in org_kinds:
        raise Refused(
            f"“{TransactionKind(kind).label}”不能记入{org.get_kind_display()}“{org.name}”。", code="wrong_org"
        )
    amount, day = _amount(amount), _day(day)
    movement = builders.receipt(
        kind=kind, org=org, source=source, amount=amount, day=day, memo=_text(memo, "摘要"),
        key=_key(idempotency_key), counterparty=_text(counterparty, "对方单位", required=False, max_length=100),
        account=account,
    )  # fmt: skip
    txn, _ = _write(actor=actor, movement=movement)
    return txn


@transaction.atomic
def lottery_funds_receive(
    *, actor: Actor, source: FundSource, amount, day: date, memo: str, idempotency_key
) -> Transaction:
    """City lottery funds (市级福彩金) reach the foundation."""
    return _receive(
        actor=actor, kind=TransactionKind.LOTTERY_RECEIPT, org=_foundation(), source=source, amount=amount,
        day=day, memo=memo, counterparty="市级福利彩票公益金", idempotency_key=idempotency_key,
    )  # fmt: skip


@transaction.atomic
def fiscal_matching_receive(
    *, actor: Actor, org: Organisation, source: FundSource, amount, day: date, memo: str, idempotency_key
) -> Transaction:
    """District fiscal matching (财政配套, 长民发〔2016〕31号 五) reaches a district or street."""
    return _receive(
        actor=actor, kind=TransactionKind.FISCAL_MATCHING, org=org, source=source, amount=amount, day=day,
        memo=memo, counterparty=builders.FISCAL_COUNTERPARTY, idempotency_key=idempotency_key,
    )  # fmt: skip


@transaction.atomic
def donation_receive(
    *, actor: Actor, org: Organisation, source: FundSource, donor: str, amount, day: date, memo: str,
    idempotency_key,
) -> Transaction:  # fmt: skip
    """A donation, directed or not. At the foundation it is spendable at once; raised by a district
    or street it is held (`raised`) until passed through the district to the foundation, which
    returns it in full to the street (长民发〔2016〕31号 五.3)."""
    account = Account.FUND if org.kind == OrgKind.FOUNDATION else Account.RAISED
    return _receive(
        actor=actor, kind=TransactionKind.DONATION, org=org, source=source, amount=amount, day=day, memo=memo,
        counterparty=_text(donor, "捐赠方", max_length=100), idempotency_key=idempotency_key, account=account,
    )  # fmt: skip


@transaction.atomic
def enterprise_funding_receive(
    *, actor: Actor, org: Organisation, source: FundSource, funder: str, amount, day: date, memo: str,
    idempotency_key,
) -> Transaction:  # fmt: skip
    """Enterprise or institution project funding (企事业项目资助, 沪民救发〔2025〕1号 三(三)1)."""
    return _receive(
        actor=actor, kind=TransactionKind.ENTERPRISE_FUNDING, org=org, source=source, amount=amount, day=day,
        memo=memo, counterparty=_text(funder, "资助单位", max_length=100), idempotency_key=idempotency_key,
    )  # fmt: skip


@transaction.atomic
def department_funds_receive(
    *, actor: Actor, org: Organisation, source: FundSource, department: Organisation, amount, day: date,
    memo: str, idempotency_key,
) -> Transaction:  # fmt: skip
    """A department's money for its specific-aid plan reaches the organisation it commissions
    (沪民救发〔2025〕1号 一(三)特定帮扶)."""
    if department.kind != OrgKind.DEPARTMENT:
        raise Refused(f"“{department.name}”不是政府职能部门。", code="invalid_input")
    return _receive(
        actor=actor, kind=TransactionKind.DEPARTMENT_FUNDING, org=org, source=source, amount=amount, day=day,
        memo=memo, counterparty=department.name, idempotency_key=idempotency_key,
    )  # fmt: skip


# --- money moving down and back ------------------------------------------------------------------


@transaction.atomic
def allocation_make(
    *, actor: Actor, agreement: Agreement, to_org: Organisation, source: FundSource, amount, day: date,
    memo: str, idempotency_key,
) -> Allocation:  # fmt: skip
    """资金下拨 foundation → district, or district → one of its streets, under a signed agreement."""
    # Locks the agreement: two allocations at once cannot both fit under its amount.
    agreement = (
        Agreement.objects.select_for_update().select_related("foundation", "district").get(pk=agreement.pk)
    )
    amount, day = _amount(amount), _day(day)
    if to_org.pk == agreement.district_id:
        from_org = agreement.foundation
    elif to_org.kind == OrgKind.STREET and to_org.parent_id == agreement.district_id:
        from_org = agreement.district
    else:
        raise Refused(
            f"协议 {agreement.number} 只能下拨给{agreement.district.name}或其所属街镇，不能下拨给“{to_org.name}”。",
            code="invalid_input",
        )
    _authorise(actor, _manage_perm(from_org), from_org)
    if agreement.status != Agreement.Status.SIGNED:
        raise Refused(
            f"协议 {agreement.number} 当前为“{agreement.get_status_display()}”，不能据此下拨资金。",
            code="wrong_status",
        )
    if not agreement.valid_from <= day <= agreement.valid_to:
        raise Refused(
            f"下拨日期 {cn_date(day)} 不在协议 {agreement.number} 的期限"
            f"（{cn_date(agreement.valid_from)}至{cn_date(agreement.valid_to)}）内。",
            code="invalid_input",
            field="day",
        )
    key = _key(idempotency_key)
    done = Transaction.objects.filter(idempotency_key=key, kind=TransactionKind.ALLOCATION).first()
    if done is not None:
        return done.allocation
    if from_org == agreement.foundation:
        allocated = agreement_allocated(agreement)
        if allocated + amount > agreement.amount:
            raise Refused(
                f"本次下拨 {format_yuan(amount)} 后累计将达 {format_yuan(allocated + amount)}，"
                f"超过协议 {agreement.number} 的金额 {format_yuan(agreement.amount)}。",
                code="agreement_exceeded",
            )
    lines = [Line(from_org, source, Account.FUND, -amount), Line(to_org, source, Account.FUND, amount)]
    txn, _ = _post(
        actor=actor, kind=TransactionKind.ALLOCATION, day=day, memo=_text(memo, "摘要"), key=key, lines=lines,
        agreement=agreement, counterparty=to_org.name,
    )  # fmt: skip
    return Allocation.objects.create(
        agreement=agreement, from_org=from_org, to_org=to_org, fund_source=source, amount=amount, date=day,
        transaction=txn,
    )  # fmt: skip


def agreement_allocated(agreement: Agreement) -> Decimal:
    """What the foundation has allocated to the district under the agreement, reversals excluded."""
    total = Decimal("0.00")
    for a in Allocation.objects.filter(
        agreement=agreement, from_org_id=agreement.foundation_id
    ).select_related("transaction"):
        if not Transaction.objects.filter(reverses_id=a.transaction_id).exists():
            total += a.amount
    return total


@transaction.atomic
def raised_funds_pass_through(
    *, actor: Actor, org: Organisation, source: FundSource, amount, return_to: Organisation, day: date,
    memo: str, idempotency_key,
) -> Transaction:  # fmt: skip
    """长民发〔2016〕31号 五.3: funds raised by a district or street go through the district to the
    foundation, which returns them in full to the street. A street's own money goes back to
    that street; a district names the street of its district that receives it."""
    if org.kind not in (OrgKind.DISTRICT, OrgKind.STREET):
        raise Refused("只有区、街镇筹集的资金通过区转入基金会。", code="invalid_input")
    _authorise(actor, "funds.manage_district", org)
    district = org.district
    if return_to.kind != OrgKind.STREET or return_to.parent_id != district.pk:
        raise Refused(f"返还对象须为{district.name}所属的街镇。", code="invalid_input")
    if org.kind == OrgKind.STREET and return_to.pk != org.pk:
        raise Refused("街镇筹集的资金全额返还该街镇本身。", code="invalid_input")
    amount, day = _amount(amount), _day(day)
    foundation = _foundation()
    lines = [Line(org, source, Account.RAISED, -amount)]
    if org.kind == OrgKind.STREET:
        # The route the clause prescribes: through the district (in and out on the same day).
        lines += [
            Line(district, source, Account.PASS_THROUGH, amount),
            Line(district, source, Account.PASS_THROUGH, -amount),
        ]
    lines.append(Line(foundation, source, Account.PASS_THROUGH, amount))
    txn, _ = _post(
        actor=actor, kind=TransactionKind.PASS_THROUGH, day=day, memo=_text(memo, "摘要"),
        key=_key(idempotency_key), lines=lines, return_to=return_to, counterparty=foundation.name,
    )  # fmt: skip
    return txn


@transaction.atomic
def raised_funds_return(*, actor: Actor, pass_through: Transaction, day: date, memo: str = "") -> Transaction:
    """The foundation returns a pass-through in full to its street (once: `returns` is unique)."""
    foundation = _foundation()
    _authorise(actor, "funds.manage_foundation", foundation)
    pass_through = Transaction.objects.select_related("return_to").get(pk=pass_through.pk)
    if pass_through.kind != TransactionKind.PASS_THROUGH:
        raise Refused(f"{pass_through.number} 不是筹集资金上缴凭证。", code="invalid_input")
    done = Transaction.objects.filter(returns=pass_through).first()
    if done is not None:
        return done
    if Transaction.objects.filter(reverses=pass_through).exists():
        raise Refused(f"{pass_through.number} 已冲销，不能返还。", code="reversed")
    day = _day(day)
    if day < pass_through.date:
        raise Refused("返还日期不能早于上缴日期。", code="invalid_input")
    held = pass_through.postings.get(org=foundation, account=Account.PASS_THROUGH)
    street = pass_through.return_to
    lines = [
        Line(foundation, held.fund_source, Account.PASS_THROUGH, -held.amount),
        Line(street, held.fund_source, Account.FUND, held.amount),
    ]
    txn, _ = _post(
        actor=actor, kind=TransactionKind.PASS_THROUGH_RETURN, day=day,
        memo=memo.strip() or f"全额返还{street.name}筹集资金（{pass_through.number}）",
        key=f"return:{pass_through.pk}", lines=lines, returns=pass_through, return_to=street,
        counterparty=street.name,
    )  # fmt: skip
    return txn


# --- money going out -----------------------------------------------------------------------------


@transaction.atomic
def aid_pay(
    *, actor: Actor, org: Organisation, source: FundSource, amount, day: date, memo: str, idempotency_key,
    project: ProjectRef | None = None, plan: PlanRef | None = None,
) -> Transaction:  # fmt: skip
    """Aid paid by a project or a specific-aid plan (SPEC §4) from a source entitled to it.
    Case payments come from the case procedure through `payment_post`."""
    _authorise(actor, _manage_perm(org), org)
    problem = entitlement_problem(source, project=project, plan=plan)
    if problem:
        raise Refused(problem, code="not_entitled")
    amount, day = _amount(amount), _day(day)
    lines = _pair(org, source, Account.AID, Account.FUND, amount, project=project, plan=plan)
    txn, _ = _post(
        actor=actor, kind=TransactionKind.PAYMENT, day=day, memo=_text(memo, "摘要"), key=_key(idempotency_key),
        lines=lines,
    )  # fmt: skip
    return txn


def fund_lock(*, org: Organisation, source: FundSource) -> None:
    """Lock the (organisation, fund source) row, as every withdrawal does before it reads the
    balance: for a decision that commits money without posting it yet (a project batch's
    approval), so two of them at once queue here and the second sees what the first left."""
    _lock_accounts({(org.pk, source.pk)})


@transaction.atomic
def project_batch_pay(
    *, actor: Actor, org: Organisation, source: FundSource, project: ProjectRef, amounts: list[Decimal],
    day: date, memo: str, idempotency_key,
) -> tuple[Transaction, bool]:  # fmt: skip
    """A project batch's money items (项目帮扶, SPEC §4) paid by the plan's owner from the plan's
    source, as ONE transaction: 帮扶支出 per item (with the project), 专项资金 for the total;
    (transaction, created). Written once per key: a repeated delivery returns the first."""
    # Who records a batch's delivery at the plan's owner (projects.batch) posts it.
    _authorise(actor, "projects.batch", org)
    problem = entitlement_problem(source, project=project)
    if problem:
        raise Refused(problem, code="not_entitled")
    if not amounts:
        raise Refused("本批次没有资金发放明细，无需记账。", code="invalid_input")
    amounts = [_amount(a, "发放金额") for a in amounts]
    total = sum(amounts, Decimal("0.00"))
    movement = builders.project_aid_payment(
        org=org, source=source, project=project, amounts=amounts, day=_day(day, "发放日期"),
        memo=_text(memo, "摘要"), key=_key(idempotency_key),
    )  # fmt: skip
    summary = [
        [org.code, source.code, Account.AID, str(total), None, project.code, "", len(amounts)],
        [org.code, source.code, Account.FUND, str(-total), None, project.code, "", 1],
    ]
    return _write(actor=actor, movement=movement, audit_postings=summary)


def case_payment_sources(*, case_id) -> list[FundSource]:
    """The sources that may pay this case (专款专用), in their draw order."""
    return [
        s
        for s in FundSource.objects.filter(active=True, for_cases=True)
        if not entitlement_problem(s, case_id=case_id)
    ]


def case_payment_plan(*, org_id: int, case_id, amount: Decimal, day: date) -> selectors.DrawPlan:
    """What `payment_post` would draw for this case today, read without locks: for the
    cashier's screen, before the payment (the posting itself reads again under its locks)."""
    return selectors.case_payment_draws(
        org_id=org_id, sources=case_payment_sources(case_id=case_id), amount=amount, day=day
    )


@transaction.atomic
def payment_post(*, payment_record, actor: Actor | None = None) -> Transaction:
    """Post one payment of the case procedure (cases.PaymentRecord) to the ledger, exactly once.

    Called by the case procedure in the payment's own database transaction (SPEC §10: a
    payment and its posting are written together or not at all), so a refusal here refuses
    the payment. The street's special fund pays: the sources that may pay case aid, in their
    draw order, each as far as its balance goes; refused (`insufficient_funds`, with the
    amount and what each of those sources holds) when together they do not cover it.
    """
    from bangfu.aid.services import case_payment_record
    from bangfu.cases.models import PaymentRecord

    actor = actor or Actor.system("funds.payment_post")
    # Locks the record: the safety-net sweep and a retry posting the same legacy record queue
    # here, and the second finds the first one's transaction. (A record written by the case
    # procedure is posted in its own transaction, so it is already ours.)
    record = (
        PaymentRecord.objects.select_for_update().select_related("street", "case").get(pk=payment_record.pk)
    )
    done = Transaction.objects.filter(payment_record=record).first()
    if done is None:
        done = Transaction.objects.filter(idempotency_key=builders.payment_key(record)).first()
    if done is not None:
        if record.posted_at is None:
            PaymentRecord.objects.filter(pk=record.pk).update(**builders.posted(done))
            case_payment_record(payment_record=record, txn=done)
        return done
    street, amount, day = record.street, record.amount, record.paid_on
    sources = case_payment_sources(case_id=record.case_id)
    # Locks the street's (street, source) rows in the fixed order of `_lock_accounts`, after
    # the household and case rows the case procedure holds (household → case → fund): two
    # cashiers paying different households of one street queue here, and the second reads
    # the balance the first one left.
    _lock_accounts({(street.pk, s.pk) for s in sources})
    plan = selectors.case_payment_draws(org_id=street.pk, sources=sources, amount=amount, day=day)
    if plan.shortfall > 0:
        raise Refused(_not_covered(street, record, plan.held, day), code="insufficient_funds")
    txn, _ = _write(actor=actor, movement=builders.case_payment(record, plan.draws))
    PaymentRecord.objects.filter(pk=record.pk).update(**builders.posted(txn))
    # What the household received (SPEC §4), written with the posting it points at.
    case_payment_record(payment_record=record, txn=txn)
    return txn


def _not_covered(street: Organisation, record, held: list[tuple[FundSource, Decimal]], day: date) -> str:
    """The cashier's refusal: the amount, and what each source the case may draw on holds at
    the street (those it has ever held money in; the rest hold nothing)."""
    ever = set(
        Posting.objects.filter(org=street, account=Account.FUND, fund_source__in=[s for s, _ in held])
        .values_list("fund_source_id", flat=True)
        .distinct()
    )
    shown = [(s, a) for s, a in held if s.pk in ever]
    total = sum((a for _, a in held), Decimal("0.00"))
    if shown:
        each = "、".join(f"“{s.name}”{format_yuan(a)}" for s, a in shown)
        holds = f"{cn_date(day)}及以后可用 {each}，合计 {format_yuan(total)}"
    else:
        holds = f"{cn_date(day)}及以后没有任何可用资金，合计 {format_yuan(total)}"
    return (
        f"{street.name}可用于个案帮扶的专项资金不足：个案 {record.case} 发放 {format_yuan(record.amount)}，"
        f"{holds}，尚缺 {format_yuan(record.amount - total)}。"
    )


@transaction.atomic
def work_expense_record(
    *, actor: Actor, org: Organisation, source: FundSource, amount, day: date, memo: str, idempotency_key
) -> Transaction:
    """工作经费 of a district or street, from donation money, within 长民发〔2016〕31号 五.3: at most
    10% of the directed donations actually used in the year, 5% of the non-directed ones (the
    rates of the district's policy in force on the day)."""
    _authorise(actor, "funds.manage_district", org)
    if org.kind not in (OrgKind.DISTRICT, OrgKind.STREET):
        raise Refused("工作经费由区、街镇帮扶组织列支。", code="invalid_input")
    if source.kind not in DONATION_KINDS:
        raise Refused(
            f"工作经费只能从捐赠资金中按比例列支（长民发〔2016〕31号 五.3），“{source.name}”是{source.get_kind_display()}。",
            code="wrong_source",
        )
    amount, day = _amount(amount), _day(day)
    rate = work_expense_rate(org.district.code, source.kind, day)
    if rate is None:
        raise Refused(
            f"{org.district.name}在{cn_date(day)}没有生效的帮扶政策规定工作经费比例，不能列支。",
            code="no_policy_in_force",
        )
    # Locks the organisation: two expenses at once cannot both fit under the year's cap.
    Organisation.objects.select_for_update().get(pk=org.pk)
    used = selectors.donations_used(org_id=org.pk, kind=source.kind, year_of=day)
    spent = selectors.work_expenses(org_id=org.pk, kind=source.kind, year_of=day)
    cap = to_fen_down(used * rate.value)
    if spent + amount > cap:
        raise Refused(
            f"{org.name}{day.year}年工作经费（{FundKind(source.kind).label}）将达 {format_yuan(spent + amount)}，"
            f"超过当年{FundKind(source.kind).label}资金实际使用额 {format_yuan(used)} 的 {rate.percent}"
            f"（{format_yuan(cap)}）（{rate.reference}）。",
            code="cap_exceeded",
        )
    lines = _pair(org, source, Account.WORK_EXPENSE, Account.FUND, amount)
    txn, _ = _post(
        actor=actor, kind=TransactionKind.WORK_EXPENSE, day=day, memo=_text(memo, "摘要"), key=_key(idempotency_key),
        lines=lines,
    )  # fmt: skip
    return txn


@transaction.atomic
def management_fee_record(
    *, actor: Actor, source: FundSource, amount, day: date, memo: str, idempotency_key
) -> Transaction:
    """The foundation's management fee, from lottery funds, at most 2.5% of the year's
    lottery-fund project spending (沪民救发〔2025〕1号 四(三))."""
    foundation = _foundation()
    _authorise(actor, "funds.manage_foundation", foundation)
    if source.kind != FundKind.LOTTERY:
        raise Refused(
            f"管理费从福彩金中列支，“{source.name}”是{source.get_kind_display()}。", code="wrong_source"
        )
    amount, day = _amount(amount), _day(day)
    rate = management_fee_rate(day)
    if rate is None:
        raise Refused(f"{cn_date(day)}没有生效的管理费比例，不能列支。", code="no_parameter")
    # Locks the foundation: two fees at once cannot both fit under the year's cap.
    Organisation.objects.select_for_update().get(pk=foundation.pk)
    spending = selectors.lottery_aid_spent(year_of=day)
    charged = selectors.management_fees(year_of=day)
    cap = to_fen_down(spending * rate.value)
    if charged + amount > cap:
        raise Refused(
            f"管理费将达 {format_yuan(charged + amount)}，超过{day.year}年福彩金项目支出 {format_yuan(spending)} 的 "
            f"{rate.percent}（{format_yuan(cap)}）（{rate.reference}）。",
            code="cap_exceeded",
        )
    lines = _pair(foundation, source, Account.MANAGEMENT_FEE, Account.FUND, amount)
    txn, _ = _post(
        actor=actor, kind=TransactionKind.MANAGEMENT_FEE, day=day, memo=_text(memo, "摘要"),
        key=_key(idempotency_key), lines=lines,
    )  # fmt: skip
    return txn


# --- corrections ---------------------------------------------------------------------------------


@transaction.atomic
def transaction_reverse(*, actor: Actor, txn: Transaction, day: date, reason: str) -> Transaction:
    """冲销: a new transaction with every posting negated. Once per transaction; a reversal is
    not itself reversed (record the movement again instead). Refused if it would take a holding
    account below zero (money already spent further down cannot be taken back)."""
    original = Transaction.objects.get(pk=txn.pk)
    org = original.postings.select_related("org").first().org
    perm = "funds.manage_foundation" if original.kind in (
        TransactionKind.LOTTERY_RECEIPT, TransactionKind.MANAGEMENT_FEE, TransactionKind.PASS_THROUGH_RETURN
    ) else _manage_perm(org)  # fmt: skip
    _authorise(actor, perm, org)
    if original.kind == TransactionKind.REVERSAL:
        raise Refused(
            f"{original.number} 本身是冲销凭证，不能再冲销；如需恢复，请重新记账。", code="is_reversal"
        )
    done = Transaction.objects.filter(reverses=original).first()
    if done is not None:
        return done
    if Transaction.objects.filter(returns=original).exists():
        raise Refused(f"{original.number} 的资金已返还街镇，请先冲销返还凭证。", code="returned")
    day = _day(day)
    if day < original.date:
        raise Refused(f"冲销日期不能早于原凭证日期（{cn_date(original.date)}）。", code="invalid_input")
    reason = _text(reason, "冲销理由")
    lines = [
        Line(p.org, p.fund_source, p.account, -p.amount, p.case_id, p.project, p.plan)
        for p in original.postings.select_related("org", "fund_source", "project", "plan")
    ]
    rev, _ = _post(
        actor=actor, kind=TransactionKind.REVERSAL, day=day, memo=f"冲销 {original.number}：{reason}",
        key=f"reverse:{original.pk}", lines=lines, reverses=original, agreement=original.agreement,
    )  # fmt: skip
    if original.kind == TransactionKind.PAYMENT:
        # Aid paid and taken back was not received: its aid records are reversed with it (SPEC §4).
        from bangfu.aid.services import reversal_records

        reversal_records(original=original, reversal=rev)
    return rev


def new_key() -> str:
    """A fresh idempotency key for a form (kept in a hidden field, so a resubmission reuses it)."""
    return uuid.uuid4().hex
