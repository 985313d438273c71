"""The monthly 业务及资金使用报表 and the annual 专项检查: figures against a hand-computed month,
filing and review through HTTP, who has not filed, scope, Excel, PDF, and `ledger verify`
catching a report whose figures no longer match the books."""

import json
import re
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from bangfu.cases import services as case_services
from bangfu.core.refusal import Refused
from bangfu.funds import services
from bangfu.funds.models import Agreement, MonthlyReport
from bangfu.funds.reports import services as report_services
from bangfu.funds.reports.annual import annual_figures
from bangfu.funds.reports.figures import FUND_KEYS
from bangfu.funds.reports.monthly import (
    due_date,
    due_rule,
    monthly_figures,
    monthly_report_figures,
    parse_month,
)
from bangfu.funds.reports.selectors import filing_status
from bangfu.funds.reports.snapshot import flatten, to_json
from bangfu.funds.verify import ledger_problems
from tests.cases import factories
from tests.conftest import EDGE_DAYS
from tests.pdffonts import assert_fonts_embedded

from .conftest import DISTRICT, OTHER_STREET, STREET, D, as_, key, project

M = "2021-03"


def _pay(cast, cashier, intake, street_code, category, aid_type, amount, paid_on):
    """A case paid through the case procedure on `paid_on` (the clock set to that day, 10:00
    Shanghai time), posted to the ledger with its payment."""
    h = factories.household(street_code, category=category)
    c = factories.approve(factories.case(intake, h, aid_type=aid_type), amount)
    with time_machine.travel(timezone.make_aware(datetime.combine(paid_on, time(10, 0))), tick=False):
        payment = case_services.case_pay(
            case=c, actor=as_(cashier), method="cash", idempotency_key=uuid.uuid4()
        )
    assert payment.record.paid_on == paid_on and payment.record.posted_at is not None
    return payment.record


@pytest.fixture
def month(funded, cast, org, make_user):
    """March 2021 in 长宁区, on top of `funded` (lottery: 300,000 at the district and 200,000 at
    华阳路街道 since January). Every figure of the expected reports is worked out in the tests."""
    s, street, other, district = funded, org(STREET), org(OTHER_STREET), org(DISTRICT)
    fin, fdn = as_(cast.finance_cn), as_(cast.foundation_fin)
    cashier_b = make_user("cashier_b", [("cashier", OTHER_STREET)])
    # February: fiscal matching at the street (opening balance of March).
    services.fiscal_matching_receive(
        actor=fin, org=street, source=s.fiscal, amount="10000.00", day=date(2021, 2, 10), memo="二月配套",
        idempotency_key=key(),
    )  # fmt: skip
    # March.
    services.fiscal_matching_receive(
        actor=fin, org=street, source=s.fiscal, amount="5000.00", day=date(2021, 3, 2), memo="三月配套",
        idempotency_key=key(),
    )  # fmt: skip
    agreement = Agreement.objects.get(number="XY-2021-CN")
    services.allocation_make(
        actor=fin, agreement=agreement, to_org=other, source=s.lottery, amount="20000.00", day=date(2021, 3, 3),
        memo="下拨江苏路街道", idempotency_key=key(),
    )  # fmt: skip
    services.allocation_make(
        actor=fin, agreement=agreement, to_org=street, source=s.lottery, amount="50000.00", day=date(2021, 3, 5),
        memo="下拨华阳路街道", idempotency_key=key(),
    )  # fmt: skip
    # Case A: 4,000 from the street's fiscal money (draw order 10).
    _pay(cast, cast.cashier_a, cast.intake_a, STREET, "dibao", "medical", "4000.00", date(2021, 3, 10))
    # Case B: 12,000: the fiscal money left (11,000), then 1,000 of lottery.
    _pay(cast, cast.cashier_a, cast.intake_a, STREET, "other", "other", "12000.00", date(2021, 3, 11))
    # Case C at 江苏路街道: 2,000 of lottery.
    _pay(cast, cashier_b, cast.intake_b, OTHER_STREET, "low_income", "medical", "2000.00", date(2021, 3, 20))
    # Case D: applied in March, paid in April: not in March's payments.
    _pay(cast, cast.cashier_a, cast.intake_a, STREET, "other", "medical", "1000.00", date(2021, 4, 2))
    # A donation raised by the street, passed through the district to the foundation and returned.
    services.donation_receive(
        actor=fin, org=street, source=s.undirected, donor="社区居民", amount="3000.00", day=date(2021, 3, 12),
        memo="社区募捐", idempotency_key=key(),
    )  # fmt: skip
    pt = services.raised_funds_pass_through(
        actor=fin, org=street, source=s.undirected, amount="3000.00", return_to=street, day=date(2021, 3, 20),
        memo="上缴基金会", idempotency_key=key(),
    )  # fmt: skip
    services.raised_funds_return(actor=fdn, pass_through=pt, day=date(2021, 3, 25))
    # Fiscal money booked at the district by mistake and reversed the next day.
    wrong = services.fiscal_matching_receive(
        actor=fin, org=district, source=s.fiscal, amount="1000.00", day=date(2021, 3, 15), memo="误记",
        idempotency_key=key(),
    )  # fmt: skip
    services.transaction_reverse(actor=fin, txn=wrong, day=date(2021, 3, 16), reason="重复入账")
    return funded


def _row(rows, label):
    found = [r for r in rows if r["label"] == label]
    assert len(found) == 1, f"{label} not in {[r['label'] for r in rows]}"
    return found[0]


def _flows(**given):
    return {k: D(given.get(k, "0.00")) for k in FUND_KEYS}


# --- the figures -----------------------------------------------------------------------------------


def test_street_month_against_hand_computation(month, org):
    f = monthly_report_figures(org(STREET), 2021, 3)
    funds = f["funds"]
    # 市级福彩金: 200,000 since January; 50,000 allocated on 5 March; case B took 1,000.
    lottery = _flows(opening="200000", transfers_in="50000", receipts="50000", aid_cases="1000",
                     payments="1000", closing="249000")  # fmt: skip
    # 区财政配套: 10,000 in February, 5,000 on 2 March, all spent on cases A (4,000) and B (11,000).
    fiscal = _flows(opening="10000", external="5000", receipts="5000", aid_cases="15000", payments="15000")
    # 非定向捐赠: raised 3,000, passed through (out), returned in full (in), now in the fund.
    undirected = _flows(external="3000", transfers_in="3000", receipts="6000", transfers_out="3000",
                        payments="3000", closing="3000")  # fmt: skip
    for label, expected in (("市级福彩金", lottery), ("长宁区财政配套", fiscal), ("非定向捐赠", undirected)):
        row = _row(funds["by_source"], label)
        assert {k: row[k] for k in FUND_KEYS} == expected, label
    assert len(funds["by_source"]) == 3
    total = _flows(opening="210000", external="8000", transfers_in="53000", receipts="61000", aid_cases="16000",
                   transfers_out="3000", payments="19000", closing="252000")  # fmt: skip
    assert funds["total"] == total
    assert [r["key"] for r in funds["by_org"]] == [STREET]
    assert {k: funds["by_org"][0][k] for k in FUND_KEYS} == total

    cases = f["cases"]
    assert cases["total"] == {"key": "total", "label": "合计", "cases": 2, "households": 2,
                              "amount": D("16000.00"), "applications": 3}  # fmt: skip
    by_type = {r["key"]: (r["cases"], r["households"], r["amount"]) for r in cases["by_aid_type"]}
    assert by_type == {"medical": (1, 1, D("4000.00")), "insurance_supplement": (0, 0, D("0.00")),
                       "emergency": (0, 0, D("0.00")), "other": (1, 1, D("12000.00"))}  # fmt: skip
    by_cat = {r["key"]: (r["cases"], r["amount"]) for r in cases["by_category"]}
    assert by_cat == {"dibao": (1, D("4000.00")), "low_income": (0, D("0.00")), "rigid_expense": (0, D("0.00")),
                      "other": (1, D("12000.00"))}  # fmt: skip
    assert [(r["key"], r["cases"], r["amount"]) for r in cases["by_street"]] == [(STREET, 2, D("16000.00"))]
    assert [(r["label"], r["amount"]) for r in cases["by_source"]] == [
        ("长宁区财政配套", D("15000.00")),
        ("市级福彩金", D("1000.00")),
    ]


def test_district_month_consolidates_the_district_and_its_streets(month, org):
    f = monthly_report_figures(org(DISTRICT), 2021, 3)
    funds = f["funds"]
    expected_sources = {
        # 300,000 at the district + 200,000 at 华阳路; allocations 70,000 out of the district and
        # into the two streets; cases B (1,000) and C (2,000).
        "市级福彩金": _flows(opening="500000", transfers_in="70000", receipts="70000", aid_cases="3000",
                        transfers_out="70000", payments="73000", closing="497000"),
        # The district's mistaken 1,000 and its reversal net to nothing.
        "长宁区财政配套": _flows(opening="10000", external="5000", receipts="5000", aid_cases="15000", payments="15000"),
        # In transit at the district (in and out), and out and back at the street.
        "非定向捐赠": _flows(external="3000", transfers_in="6000", receipts="9000", transfers_out="6000",
                        payments="6000", closing="3000"),
    }  # fmt: skip
    assert {r["label"]: {k: r[k] for k in FUND_KEYS} for r in funds["by_source"]} == expected_sources
    assert funds["total"] == _flows(
        opening="510000", external="8000", transfers_in="76000", receipts="84000", aid_cases="18000",
        transfers_out="76000", payments="94000", closing="500000",
    )  # fmt: skip
    by_org = {r["key"]: {k: r[k] for k in FUND_KEYS} for r in funds["by_org"]}
    assert by_org[DISTRICT] == _flows(opening="300000", transfers_in="3000", receipts="3000", transfers_out="73000",
                                      payments="73000", closing="230000")  # fmt: skip
    assert by_org[OTHER_STREET] == _flows(transfers_in="20000", receipts="20000", aid_cases="2000", payments="2000",
                                          closing="18000")  # fmt: skip
    assert by_org[STREET]["closing"] == D("252000.00")
    # Every street of the district is listed, those with nothing too.
    assert len(by_org) == 1 + org(DISTRICT).children.filter(kind="street").count()
    assert all(v == _flows() for k, v in by_org.items() if k not in (DISTRICT, STREET, OTHER_STREET))

    cases = f["cases"]
    assert (cases["total"]["cases"], cases["total"]["households"], cases["total"]["amount"]) == (
        3,
        3,
        D("18000.00"),
    )
    assert cases["total"]["applications"] == 4
    by_type = {r["key"]: (r["cases"], r["amount"]) for r in cases["by_aid_type"]}
    assert by_type["medical"] == (2, D("6000.00")) and by_type["other"] == (1, D("12000.00"))
    by_cat = {r["key"]: r["amount"] for r in cases["by_category"]}
    assert by_cat == {"dibao": D("4000.00"), "low_income": D("2000.00"), "rigid_expense": D("0.00"),
                      "other": D("12000.00")}  # fmt: skip
    by_street = {r["key"]: (r["cases"], r["amount"]) for r in cases["by_street"]}
    assert by_street[STREET] == (2, D("16000.00")) and by_street[OTHER_STREET] == (1, D("2000.00"))
    assert sum(c for c, _ in by_street.values()) == 3


def test_a_batch_gives_the_same_figures_as_one_report_at_a_time(month, org):
    codes = [DISTRICT, "310101", STREET, OTHER_STREET]
    orgs = [org(c) for c in codes]
    batch = monthly_figures(orgs, 2021, 3)
    for o in orgs:
        one = monthly_report_figures(o, 2021, 3)
        assert flatten(batch[o.pk]) == flatten(one)
    assert batch[org("310101").pk]["funds"]["total"] == _flows()


def test_due_date_is_the_tenth_of_the_next_month():
    assert due_date(2021, 3) == date(2021, 4, 10)
    assert due_date(2024, 12) == date(2025, 1, 10)
    assert due_rule(2024, 12).reference.startswith("沪民救发〔2025〕1号 四(二)")


def test_bad_month_text_says_how_to_write_it():
    with pytest.raises(ValueError, match="年-月"):
        parse_month("2021/3")
    with pytest.raises(ValueError, match="月份 1–12"):
        parse_month("2021-13")


# --- filing and review through HTTP ------------------------------------------------------------------


def _url(code=STREET, suffix="/"):
    return f"/funds/reports/{code}/{M}{suffix}"


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_file_return_refile_accept(month, cast, login, org):
    c = login(cast.approver_a)
    r = c.get(_url())
    assert r.status_code == 200 and "报送本月报表" in r.content.decode()
    r = c.post(_url(suffix="/file/"), {"note": "三月报表"}, follow=True)
    assert "已报送" in _messages(r)
    report = MonthlyReport.objects.get(org=org(STREET), year=2021, month=3)
    assert report.status == "submitted" and report.filings == 1 and report.filed_by == cast.approver_a
    assert report.figures == to_json(monthly_report_figures(org(STREET), 2021, 3)) | {
        "computed_at": report.figures["computed_at"]
    }
    # The street cannot review its own report; the district cannot file it.
    r = login(cast.approver_a).post(_url(suffix="/review/"), {"decision": "accept"}, follow=True)
    assert "上一级" in _messages(r)
    r = login(cast.finance_cn).post(_url(suffix="/file/"), follow=True)
    assert "不是华阳路街道的报表填报人" in _messages(r) or "不能再次报送" in _messages(r)
    # A return needs remarks.
    c = login(cast.finance_cn)
    r = c.post(_url(suffix="/review/"), {"decision": "return", "remarks": "  "}, follow=True)
    assert "须填写审核意见" in _messages(r)
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"
    r = c.post(_url(suffix="/review/"), {"decision": "return", "remarks": "个案B金额请核对"}, follow=True)
    report.refresh_from_db()
    assert report.status == "returned" and report.remarks == "个案B金额请核对"
    refile_button = 'type="submit">重新报送</button>'
    assert "个案B金额请核对" in r.content.decode() and refile_button not in r.content.decode()  # the reviewer
    # Refiled by the street.
    c = login(cast.approver_a)
    assert refile_button in c.get(_url()).content.decode()
    c.post(_url(suffix="/file/"), {"note": "已核对"})
    report.refresh_from_db()
    assert (report.status, report.filings, report.reviewed_by) == ("submitted", 2, None)
    # Accepted by the district; no further filing.
    login(cast.finance_cn).post(_url(suffix="/review/"), {"decision": "accept", "remarks": "同意"})
    report.refresh_from_db()
    assert report.status == "accepted" and report.reviewed_by == cast.finance_cn
    r = login(cast.approver_a).post(_url(suffix="/file/"), follow=True)
    assert "不能再次报送" in _messages(r)
    from bangfu.audit.models import AuditEntry

    steps = list(
        AuditEntry.objects.filter(target_type="funds.monthlyreport", target_id=str(report.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert steps == ["submit", "return", "submit", "update"]


def test_district_report_is_reviewed_by_the_foundation(month, cast, login, org):
    login(cast.finance_cn).post(_url(DISTRICT, "/file/"))
    report = MonthlyReport.objects.get(org=org(DISTRICT))
    assert report.status == "submitted"
    # District finance reviews streets, not its own report.
    login(cast.finance_cn).post(_url(DISTRICT, "/review/"), {"decision": "accept"})
    assert MonthlyReport.objects.get(pk=report.pk).status == "submitted"
    login(cast.foundation_fin).post(_url(DISTRICT, "/review/"), {"decision": "accept"})
    assert MonthlyReport.objects.get(pk=report.pk).status == "accepted"


@pytest.mark.parametrize("today", EDGE_DAYS, indirect=True)
def test_this_month_waits_and_last_month_is_due_on_the_tenth(today, funded, cast, org, login):
    """On New Year's Day, a leap day, the 1st, the 11th and New Year's Eve (Shanghai time, some
    while the UTC date is still the day before): this month and the next cannot be filed; the
    reports page opens on last month, due on the 10th of this month and overdue from the 11th."""
    street, filer = org(STREET), as_(cast.approver_a)
    following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    for year, month in ((today.year, today.month), following):
        with pytest.raises(Refused, match="尚未结束"):
            report_services.monthly_report_file(actor=filer, org=street, year=year, month=month)
    assert not MonthlyReport.objects.exists()
    last = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    r = login(cast.foundation_fin).get("/funds/reports/")
    assert (r.context["year"], r.context["month"], r.context["due"]) == (*last, today.replace(day=10))
    assert (
        "次月10日前；沪民救发〔2025〕1号 四(二)；长民发〔2016〕31号 五.2（文件未规定报送日"
        in r.content.decode()
    )
    overdue = today.day > 10
    counts = r.context["counts"]
    assert counts["overdue"] == (counts["expected"] if overdue else 0)
    report = report_services.monthly_report_file(actor=filer, org=street, year=last[0], month=last[1])
    assert report.filed_late == overdue


def test_bad_decision_and_bad_month_never_500(month, cast, login):
    login(cast.approver_a).post(_url(suffix="/file/"))
    r = login(cast.finance_cn).post(_url(suffix="/review/"), {"decision": "maybe"}, follow=True)
    assert r.status_code == 200 and "请选择" in _messages(r)
    c = login(cast.foundation_fin)
    assert c.get(f"/funds/reports/{STREET}/2021-13/").status_code == 404
    assert c.get(f"/funds/reports/NOPE/{M}/").status_code == 404
    r = c.get("/funds/reports/?month=2021-3x")
    assert r.status_code == 200 and "月份格式不正确" in r.content.decode()
    assert c.get(f"/funds/reports/{STREET}/{M}/file/").status_code == 405


# --- who has not filed ---------------------------------------------------------------------------------


def test_foundation_sees_who_has_not_filed(month, cast, login, org):
    login(cast.approver_a).post(_url(suffix="/file/"))
    rows = filing_status(user=cast.foundation_fin, year=2021, month=3, today=date(2021, 4, 11))
    by_code = {r.org.code: r for r in rows}
    assert len(rows) == 17 + 215  # every district-level organisation and street
    assert by_code[STREET].status_label == "已报送·待审核" and not by_code[STREET].overdue
    assert by_code[OTHER_STREET].status_label == "逾期未报送" and by_code[OTHER_STREET].overdue
    assert by_code["310101"].overdue
    before_due = filing_status(user=cast.foundation_fin, year=2021, month=3, today=date(2021, 4, 10))
    assert not any(r.overdue for r in before_due)
    r = login(cast.foundation_fin).get("/funds/reports/?month=2021-03")
    text = r.content.decode()
    assert r.status_code == 200 and "逾期未报送" in text and "黄浦区" in text and "2021年4月10日" in text


def test_a_district_sees_only_its_own_streets_filing(month, cast, login):
    text = login(cast.finance_cn).get("/funds/reports/?month=2021-03").content.decode()
    assert "江苏路街道" in text and "黄浦区" not in text and "南京东路街道" not in text


# --- scope ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    ["/", ".xlsx", ".pdf"],
)
def test_another_district_gets_404(month, cast, login, suffix):
    assert login(cast.district_hp).get(_url(STREET, suffix)).status_code == 404
    assert login(cast.district_hp).get(_url(DISTRICT, suffix)).status_code == 404


def test_annual_report_out_of_scope_is_404(month, cast, login):
    c = login(cast.district_hp)
    for suffix in ("/", ".xlsx", ".pdf"):
        assert c.get(f"/funds/reports/annual/{DISTRICT}/2021{suffix}").status_code == 404


def test_filing_or_reviewing_out_of_scope_is_404(month, cast, login, org):
    assert login(cast.district_hp).post(_url(STREET, "/file/")).status_code == 404
    login(cast.approver_a).post(_url(suffix="/file/"))
    assert login(cast.district_hp).post(_url(STREET, "/review/"), {"decision": "accept"}).status_code == 404
    assert MonthlyReport.objects.get(org=org(STREET)).status == "submitted"


def test_roles_without_funds_view_get_404_and_a_street_sees_only_itself(month, cast, login):
    assert login(cast.intake_a).get(_url()).status_code == 404
    assert login(cast.sysadmin).get(_url()).status_code == 404
    assert login(cast.cashier_a).get(_url()).status_code == 200
    assert login(cast.cashier_a).get(_url(OTHER_STREET)).status_code == 404
    assert login(cast.cashier_a).get(_url(DISTRICT)).status_code == 404


# --- Excel and PDF -----------------------------------------------------------------------------------------


def _evaluate(ws, ref: str) -> Decimal:
    """The value of a cell, computing the formulas the workbook uses (+, −, SUM of a range)."""
    value = ws[ref].value
    if not isinstance(value, str) or not value.startswith("="):
        return Decimal(str(value or 0))
    expr = value[1:]
    m = re.fullmatch(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", expr)
    if m:
        col, first, last = m.group(1), int(m.group(2)), int(m.group(4))
        return sum((_evaluate(ws, f"{col}{r}") for r in range(first, last + 1)), Decimal(0))
    total, sign = Decimal(0), 1
    for token in re.findall(r"[+-]|[A-Z]+\d+", expr):
        if token in "+-":
            sign = 1 if token == "+" else -1
        else:
            total += sign * _evaluate(ws, token)
    return total


def _find(ws, text: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == text:
            return row[0].row
    raise AssertionError(f"{text} not found")


def test_excel_has_formulas_and_the_right_values(month, cast, login):
    r = login(cast.foundation_fin).get(_url(DISTRICT, ".xlsx"))
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    wb = load_workbook(BytesIO(r.content))
    ws = wb["资金收支"]
    header = {ws.cell(row=_find(ws, "资金来源"), column=c).value: c for c in range(1, 14)}
    col = {label: get_column_letter(c) for label, c in header.items() if label}
    row = _find(ws, "市级福彩金")
    assert ws[f"{col['期初余额']}{row}"].value == 500000
    assert ws[f"{col['期初余额']}{row}"].number_format == "#,##0.00"
    assert (
        ws[f"{col['本期收入合计']}{row}"].value == f"={col['外部资金到账']}{row}+{col['上级拨入及返还']}{row}"
    )
    closing = ws[f"{col['期末余额']}{row}"].value
    assert closing == f"={col['期初余额']}{row}+{col['本期收入合计']}{row}-{col['本期支出合计']}{row}"
    assert _evaluate(ws, f"{col['期末余额']}{row}") == Decimal("497000")
    assert _evaluate(ws, f"{col['本期支出合计']}{row}") == Decimal("73000")
    total = _find(ws, "合计")
    assert ws[f"{col['期末余额']}{total}"].value.startswith("=SUM(")
    assert _evaluate(ws, f"{col['期末余额']}{total}") == Decimal("500000")
    assert _evaluate(ws, f"{col['本期收入合计']}{total}") == Decimal("84000")
    cs = wb["个案帮扶"]
    medical = _find(cs, "大重病医疗帮扶")
    assert (cs[f"B{medical}"].value, cs[f"D{medical}"].value) == (2, 6000)
    assert cs[f"D{medical}"].number_format == "#,##0.00"
    type_total = _find(cs, "合计")
    assert cs[f"D{type_total}"].value.startswith("=SUM(") and _evaluate(cs, f"D{type_total}") == Decimal(
        "18000"
    )


def test_pdf_carries_the_chinese_text_and_figures(month, cast, login):
    r = login(cast.finance_cn).get(_url(DISTRICT, ".pdf"))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert_fonts_embedded(r.content)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages)
    assert "长宁区2021年3月业务及资金使用报表" in text
    assert "市级福彩金" in text and "497,000.00" in text and "华阳路街道" in text
    assert "未报送" in text


def test_annual_inspection(month, cast, login, org):
    f = annual_figures(org(DISTRICT), 2021)
    assert f["funds"]["total"]["opening"] == D("0.00")
    # 500,000 came in from the foundation; 19,000 of cases paid (18,000 in March, 1,000 in April).
    assert f["funds"]["total"]["aid_cases"] == D("19000.00")
    assert f["funds"]["total"]["closing"] == D("500000.00") - D("19000.00") + D("15000.00") + D("3000.00")
    assert f["months"][2]["aid"] == D("18000.00") and f["months"][3]["aid"] == D("1000.00")
    assert [(a["key"], a["allocated"], a["held"]) for a in f["agreements"]] == [
        ("XY-2021-CN", D("500000.00"), True)
    ]
    assert f["pass_through"] == {"sent": D("3000.00"), "returned": D("3000.00"), "outstanding": D("0.00")}
    assert f["unposted"] == {"cases": 0, "amount": D("0.00")}
    assert f["filings"]["expected"] == 12 * (1 + org(DISTRICT).children.filter(kind="street").count())
    c = login(cast.foundation_fin)
    r = c.get(f"/funds/reports/annual/{DISTRICT}/2021/")
    assert r.status_code == 200 and "vendor/chartjs/chart.umd.min.js" in r.content.decode()
    wb = load_workbook(BytesIO(c.get(f"/funds/reports/annual/{DISTRICT}/2021.xlsx").content))
    ms = wb["月度收支"]
    assert _evaluate(ms, f"D{_find(ms, '全年合计')}") == Decimal("19000")
    annual_pdf = c.get(f"/funds/reports/annual/{DISTRICT}/2021.pdf").content
    assert_fonts_embedded(annual_pdf)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(annual_pdf)).pages)
    assert "年度市民综合帮扶专项资金专项检查报告" in text and "XY-2021-CN" in text
    assert c.get(f"/funds/reports/annual/{STREET}/2021/").status_code == 404  # by district only


def test_work_expense_over_its_cap_is_a_finding(month, cast, org):
    """A work expense recorded while donations were used, then the use reversed: the cap is broken."""
    s, street = month, org(STREET)
    fin = as_(cast.finance_cn)
    services.aid_pay(
        actor=fin, org=street, source=s.undirected, amount="2000.00", day=date(2021, 5, 3), memo="项目帮扶",
        idempotency_key=key(), project=project("P-1"),
    )  # fmt: skip
    services.work_expense_record(
        actor=fin, org=street, source=s.undirected, amount="100.00", day=date(2021, 5, 4), memo="工作经费",
        idempotency_key=key(),
    )  # fmt: skip
    f = annual_figures(org(DISTRICT), 2021)
    cap = _row(f["caps"], "华阳路街道")
    assert (cap["used"], cap["rate"], cap["cap"], cap["spent"], cap["held"]) == (
        D("2000.00"), "5%", D("100.00"), D("100.00"), True,
    )  # fmt: skip


# --- ledger verify ------------------------------------------------------------------------------------------


def _accepted(cast, login, org):
    login(cast.approver_a).post(_url(suffix="/file/"))
    login(cast.finance_cn).post(_url(suffix="/review/"), {"decision": "accept"})
    report = MonthlyReport.objects.get(org=org(STREET))
    assert report.status == "accepted"
    return report


def _tamper(report, figures) -> None:
    """Write a report's snapshot with raw SQL, around the services and the model."""
    sql = {
        "postgresql": "UPDATE funds_monthlyreport SET figures = %s::jsonb WHERE id = %s",
        "sqlite": "UPDATE funds_monthlyreport SET figures = %s WHERE id = %s",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(figures), report.pk])


def _report_problems():
    return [p for p in ledger_problems() if p.check == "reports"]


def test_verify_passes_for_an_accepted_report_that_matches(month, cast, login, org):
    _accepted(cast, login, org)
    assert _report_problems() == []


def test_verify_catches_a_report_tampered_by_raw_sql(month, cast, login, org):
    report = _accepted(cast, login, org)
    figures = report.figures
    total = figures["funds"]["total"]
    total["closing"] = "252100.00"
    figures["cases"]["total"]["cases"] = 3
    _tamper(report, figures)
    problems = _report_problems()
    assert len(problems) == 1
    message = str(problems[0])
    assert "华阳路街道2021年3月报表（已审核通过）与账面不符" in message
    assert "资金·合计·期末余额：报送 ¥252,100.00，现为 ¥252,000.00" in message
    assert "个案·合计·个案数：报送 3，现为 2" in message


def test_verify_catches_a_back_dated_movement_into_an_accepted_month(month, cast, login, org):
    _accepted(cast, login, org)
    services.fiscal_matching_receive(
        actor=as_(cast.finance_cn), org=org(STREET), source=month.fiscal, amount="700.00", day=date(2021, 3, 31),
        memo="补记三月配套", idempotency_key=key(),
    )  # fmt: skip
    (problem,) = _report_problems()
    assert "资金·合计·外部资金到账：报送 ¥8,000.00，现为 ¥8,700.00" in str(problem) and "等 9 项" in str(
        problem
    )
    # The page of the report shows the same difference to the people who read it.
    text = login(cast.finance_cn).get(_url()).content.decode()
    assert "报送后账面数据已变动" in text and "现为 ¥5,700.00" in text


def test_verify_command_exit_status(month, cast, login, org):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    report = _accepted(cast, login, org)
    figures = report.figures
    figures["funds"]["total"]["opening"] = "1.00"
    _tamper(report, figures)
    with pytest.raises(CommandError):
        call_command("ledger", "verify")


def test_filed_late_is_measured_against_the_due_date(month, cast, org):
    report = report_services.monthly_report_file(
        actor=as_(cast.approver_a), org=org(STREET), year=2021, month=3
    )
    tz = timezone.get_current_timezone()
    MonthlyReport.objects.filter(pk=report.pk).update(first_filed_at=datetime(2021, 4, 10, 23, 0, tzinfo=tz))
    assert not MonthlyReport.objects.get(pk=report.pk).filed_late
    MonthlyReport.objects.filter(pk=report.pk).update(first_filed_at=datetime(2021, 4, 11, 0, 5, tzinfo=tz))
    assert MonthlyReport.objects.get(pk=report.pk).filed_late


def test_the_reports_page_shows_the_due_rule_in_force_and_its_clause(
    today, city_rules_with, funded, cast, login
):
    """A later rule applies from its start: the report of the month before it starts keeps the
    old day, the next month's report the new one, each with its own clause on the page."""
    ny, nm = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    city_rules_with(
        "[reports.monthly_due_day]",
        f'values.{date(ny, nm, 1)} = {{ value = 15, reference = "测试文件 月报" }}',
    )
    client = login(cast.foundation_fin)
    earlier = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    r = client.get(f"/funds/reports/?month={earlier[0]}-{earlier[1]:02d}")
    assert (
        r.context["due"] == today.replace(day=10)
        and "次月10日前；沪民救发〔2025〕1号 四(二)" in r.content.decode()
    )
    r = client.get(f"/funds/reports/?month={today.year}-{today.month:02d}")
    assert r.context["due"] == date(ny, nm, 15) and "次月15日前；测试文件 月报" in r.content.decode()
