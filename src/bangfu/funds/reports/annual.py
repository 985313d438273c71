"""The annual 专项检查 of a district's special fund (长民发〔2016〕31号 五.1): the year's figures,
each month's receipts and payments, the work-expense caps, the agreements, the pass-through of
raised money, unposted payments, the monthly filings, and the findings in words."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from bangfu.core.dates import cn_date
from bangfu.core.money import ZERO, format_yuan, to_fen_down
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.orgs.scope import descendants

from ..models import (
    DONATION_KINDS,
    HOLDING_ACCOUNTS,
    Account,
    Agreement,
    Allocation,
    FundKind,
    MonthlyReport,
    Posting,
    Transaction,
    TransactionKind,
)
from ..parameters import work_expense_rate
from .figures import period_figures


def _monthly_trend(member_ids: set[int], year: int) -> list[dict]:
    """Receipts and payments of each month of the year, in one grouped query."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    qs = Posting.objects.filter(date__gte=start, date__lte=end, org_id__in=member_ids)
    holding = Q(account__in=HOLDING_ACCOUNTS)
    rows = (
        qs.annotate(m=ExtractMonth("date"))
        .values("m")
        .annotate(
            debit=Coalesce(Sum("amount", filter=holding & Q(amount__gt=0)), ZERO),
            credit=Coalesce(Sum("amount", filter=holding & Q(amount__lt=0)), ZERO),
            aid=Coalesce(Sum("amount", filter=Q(account=Account.AID)), ZERO),
        )
        .order_by("m")
    )
    by_month = {r["m"]: r for r in rows}
    return [
        {
            "month": m,
            "label": f"{m}月",
            "in": (by_month.get(m, {}).get("debit") or ZERO),
            "out": -(by_month.get(m, {}).get("credit") or ZERO),
            "aid": (by_month.get(m, {}).get("aid") or ZERO),
        }
        for m in range(1, 13)
    ]


def _work_expense_caps(district: Organisation, member_ids: set[int], year: int) -> list[dict]:
    """长民发〔2016〕31号 五.3: work expenses of each organisation within 10% / 5% of the donations
    of that kind actually used in the year. One grouped query; the rates of the district's policy
    in force on the last day of the year."""
    rows = (
        Posting.objects.filter(
            org_id__in=member_ids, date__year=year, fund_source__kind__in=DONATION_KINDS,
            account__in=(Account.AID, Account.WORK_EXPENSE),
        )
        .values("org_id", "org__code", "org__name", kind=F("fund_source__kind"))
        .annotate(
            used=Coalesce(Sum("amount", filter=Q(account=Account.AID)), ZERO),
            spent=Coalesce(Sum("amount", filter=Q(account=Account.WORK_EXPENSE)), ZERO),
        )
        .order_by("org__code", "kind")
    )  # fmt: skip
    out = []
    for r in rows:
        rate = work_expense_rate(district.code, r["kind"], date(year, 12, 31))
        cap = to_fen_down(r["used"] * rate.value) if rate else ZERO
        out.append(
            {
                "key": r["org__code"], "label": r["org__name"], "fund_kind": FundKind(r["kind"]).label,
                "used": r["used"], "spent": r["spent"], "rate": rate.percent if rate else "无生效比例",
                "reference": rate.reference if rate else "", "cap": cap, "held": r["spent"] <= cap,
            }
        )  # fmt: skip
    return out


def _agreements(district: Organisation, year: int) -> list[dict]:
    reversed_ids = Transaction.objects.filter(reverses__isnull=False).values("reverses_id")
    rows = (
        Agreement.objects.filter(district=district, valid_from__lte=date(year, 12, 31), valid_to__gte=date(year, 1, 1))
        .annotate(
            allocated_total=Coalesce(
                Sum("allocations__amount",
                    filter=Q(allocations__from_org_id=F("foundation_id"))
                    & ~Q(allocations__transaction_id__in=reversed_ids)),
                ZERO,
            )
        )
        .order_by("valid_from", "number")
    )  # fmt: skip
    outside = set(
        Allocation.objects.filter(agreement__district=district, from_org_id=F("agreement__foundation_id"))
        .exclude(date__gte=F("agreement__valid_from"), date__lte=F("agreement__valid_to"))
        .values_list("agreement_id", flat=True)
    )
    return [
        {
            "key": a.number, "label": f"{cn_date(a.valid_from)}至{cn_date(a.valid_to)}", "status": a.get_status_display(),
            "agreement_amount": a.amount, "allocated": a.allocated_total,
            "held": a.allocated_total <= a.amount and a.pk not in outside,
        }
        for a in rows
    ]  # fmt: skip


def _pass_through(member_ids: set[int], year: int) -> dict:
    """Raised money passed through to the foundation in the year, what came back, what is owed."""
    base = Transaction.objects.filter(
        kind=TransactionKind.PASS_THROUGH, date__year=year, return_to_id__in=member_ids
    )
    sent = Posting.objects.filter(
        transaction__in=base, account=Account.PASS_THROUGH, org__kind=OrgKind.FOUNDATION
    ).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
    returned = Posting.objects.filter(
        transaction__kind=TransactionKind.PASS_THROUGH_RETURN,
        transaction__returns__in=base,
        account=Account.FUND,
    ).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
    return {"sent": sent, "returned": returned, "outstanding": sent - returned}


def _unposted(street_ids: set[int], year: int) -> dict:
    from bangfu.cases.models import PaymentRecord

    r = PaymentRecord.objects.filter(
        street_id__in=street_ids, paid_on__year=year, posted_at__isnull=True
    ).aggregate(n=Count("pk"), amount=Coalesce(Sum("amount"), ZERO))
    return {"cases": r["n"], "amount": r["amount"]}


def _filings(member_ids: set[int], year: int) -> dict:
    """How the monthly reports of the year were filed: per status, and how many after the due date."""
    reports = MonthlyReport.objects.filter(org_id__in=member_ids, year=year)
    expected = (
        12
        * Organisation.objects.filter(pk__in=member_ids, kind__in=(OrgKind.DISTRICT, OrgKind.STREET)).count()
    )
    by_status = dict(reports.values_list("status").annotate(n=Count("pk")).order_by())
    late = sum(1 for r in reports.only("year", "month", "first_filed_at") if r.filed_late)
    return {
        "expected": expected,
        "filed": sum(by_status.values()),
        "accepted": by_status.get(MonthlyReport.Status.ACCEPTED, 0),
        "submitted": by_status.get(MonthlyReport.Status.SUBMITTED, 0),
        "returned": by_status.get(MonthlyReport.Status.RETURNED, 0),
        "late": late,
    }


def annual_figures(district: Organisation, year: int) -> dict:
    """年度专项检查 of a district's special fund (长民发〔2016〕31号 五.1 每年对综合帮扶专项资金的使用、
    管理情况进行专项检查; 沪民救发〔2025〕1号 四(二) 专款专用): the year's receipts, use and balances
    by fund source and organisation, the cases, the work-expense caps, the agreements, the
    pass-through of raised money, unposted payments and the monthly filings."""
    if district.kind != OrgKind.DISTRICT:
        raise ValueError(f"“{district.name}”不是区帮扶组织：年度专项检查按区进行。")
    f = period_figures([district], date(year, 1, 1), date(year, 12, 31))[district.pk]
    members = descendants([district.pk])
    streets = set(
        Organisation.objects.filter(pk__in=members, kind=OrgKind.STREET).values_list("pk", flat=True)
    )
    f["kind"] = "annual"
    f["period"]["year"] = year
    f["months"] = _monthly_trend(members, year)
    f["caps"] = _work_expense_caps(district, members, year)
    f["agreements"] = _agreements(district, year)
    f["pass_through"] = _pass_through(members, year)
    f["unposted"] = _unposted(streets, year)
    f["filings"] = _filings(members, year)
    held = all(c["held"] for c in f["caps"]) and all(a["held"] for a in f["agreements"])
    f["findings"] = _annual_findings(f, held)
    return f


def _annual_findings(f: dict, held: bool) -> list[str]:
    """The inspection's conclusions, one line each, for the screen and the PDF."""
    lines = []
    for c in f["caps"]:
        if not c["held"]:
            lines.append(
                f"{c['label']}工作经费（{c['fund_kind']}）{format_yuan(c['spent'])} 超过实际使用额 "
                f"{format_yuan(c['used'])} 的 {c['rate']}（{format_yuan(c['cap'])}）。"
            )
    for a in f["agreements"]:
        if not a["held"]:
            lines.append(f"协议 {a['key']} 的下拨超过协议金额或不在协议期限内。")
    for row in f["funds"]["by_source"]:
        if row["closing"] < 0:
            lines.append(f"“{row['label']}”年末余额为负：{format_yuan(row['closing'])}。")
    if f["pass_through"]["outstanding"]:
        lines.append(f"上缴基金会的筹集资金尚有 {format_yuan(f['pass_through']['outstanding'])} 未返还街镇。")
    if f["unposted"]["cases"]:
        lines.append(
            f"{f['unposted']['cases']} 笔个案发放（{format_yuan(f['unposted']['amount'])}）尚未入账。"
        )
    fl = f["filings"]
    if fl["accepted"] < fl["expected"]:
        lines.append(
            f"月度报表应报 {fl['expected']} 份，审核通过 {fl['accepted']} 份，逾期报送 {fl['late']} 份。"
        )
    if held and not lines:
        lines.append("专项资金收支、限额、协议、返还及报表报送均未发现问题。")
    return lines
