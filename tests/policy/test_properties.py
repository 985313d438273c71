"""Properties of the evaluation that must hold for every request (Hypothesis):
the maximum never exceeds a cap and never goes negative, the proposal never exceeds the
maximum, amounts keep two places, and invoices that don't count change nothing."""

import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bangfu.policy.engine import evaluate, years_before

AMOUNT = re.compile(r"^(0|[1-9][0-9]*)\.[0-9]{2}$")
START, END = date(2016, 7, 1), date(2021, 12, 31)

days = st.dates(min_value=START, max_value=END)
money = st.decimals(min_value=0, max_value=200_000, places=2, allow_nan=False, allow_infinity=False).map(
    lambda d: f"{d:.2f}"
)
categories = st.sampled_from(["dibao", "low_income", "rigid_expense", "other"])


@st.composite
def invoices(draw, app_day: date):
    n = draw(st.integers(0, 5))
    out = []
    for i in range(n):
        out.append(
            {
                "number": f"F{i}",
                "date": draw(
                    st.dates(min_value=app_day - timedelta(days=800), max_value=app_day + timedelta(days=30))
                ).isoformat(),
                "regular_hospital": draw(st.booleans()),
                "fee_type": draw(
                    st.sampled_from(
                        ["treatment", "medicine", "examination", "surgery", "nursing", "nutrition", "other"]
                    )
                ),
                "self_paid": draw(money),
            }
        )
    return out


@st.composite
def requests(draw):
    app_day = draw(days)
    aid_type = draw(st.sampled_from(["medical", "insurance_supplement", "emergency", "other"]))
    prior = [
        {"date": draw(st.dates(min_value=date(app_day.year - 1, 1, 1), max_value=date(app_day.year, 12, 31))).isoformat(),
         "amount": draw(money)}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    request = {
        "district": "310105",
        "application_date": app_day.isoformat(),
        "aid_type": aid_type,
        "household": {
            "category": draw(categories),
            "hukou_district": draw(st.sampled_from(["310105", "310101", "320102"])),
            "resides_in_district": draw(st.booleans()),
            "non_local_spouse_or_child": draw(st.booleans()),
            "prior_aid": prior,
        },
        "medical": {"invoices": draw(invoices(app_day))},
        "insurance_supplement": {
            "personal_share": draw(money),
            "serious_illness": draw(st.booleans()),
            "lost_work_capacity": draw(st.booleans()),
        },
        "emergency": {
            "event": draw(st.sampled_from(["fire", "drowning", "traffic", "other_major"])),
            "casualty_or_major_loss": draw(st.booleans()),
        },
    }
    if draw(st.booleans()):
        request["requested_amount"] = draw(money)
    return request


def _prior_in_year(request) -> Decimal:
    year = request["application_date"][:4]
    return sum(
        (Decimal(p["amount"]) for p in request["household"]["prior_aid"] if p["date"][:4] == year), Decimal(0)
    )


@settings(max_examples=400, deadline=None)
@given(requests())
def test_the_maximum_respects_every_cap(file_book, request):
    answer = evaluate(request, file_book)
    maximum, recommended = Decimal(answer["max_amount"]), Decimal(answer["recommended_amount"])
    assert AMOUNT.match(answer["max_amount"]) and AMOUNT.match(answer["recommended_amount"])
    assert Decimal(0) <= recommended <= maximum
    # 三(四): never more than what is left of 80,000 in the calendar year
    assert maximum <= max(Decimal("80000.00") - _prior_in_year(request), Decimal(0))
    if answer["eligible"]:
        year = request["application_date"][:4]
        assert sum(1 for p in request["household"]["prior_aid"] if p["date"][:4] == year) < 2
        assert answer["approval_level"] == ("street" if recommended <= Decimal("20000.00") else "district")
        if "requested_amount" in request:
            assert recommended == min(Decimal(request["requested_amount"]), maximum)
        else:
            assert recommended == maximum
    else:
        assert maximum == 0 and answer["approval_level"] is None
    aid = request["aid_type"]
    if aid == "emergency":
        assert maximum <= Decimal("20000.00")  # 三(三)
    if aid == "insurance_supplement":
        assert maximum <= Decimal(request["insurance_supplement"]["personal_share"]) * Decimal(
            "0.50"
        )  # 三(二)
        if request["household"]["category"] not in ("dibao", "low_income"):
            assert not answer["eligible"]
    if aid == "medical":
        rate = {"dibao": Decimal("0.60"), "low_income": Decimal("0.50")}.get(
            request["household"]["category"], Decimal("0.40")
        )
        total = sum((Decimal(i["self_paid"]) for i in request["medical"]["invoices"]), Decimal(0))
        assert maximum <= total * rate  # 三(一): never more than the rate of everything self-paid


def _non_counting(app_day: date, i: int, amount: str):
    """Invoices that 四(一) excludes, each for a different reason."""
    before = years_before(app_day, 1) - timedelta(days=1)
    return [
        {
            "number": f"X{i}a",
            "date": app_day.isoformat(),
            "regular_hospital": False,
            "fee_type": "treatment",
            "self_paid": amount,
        },
        {
            "number": f"X{i}b",
            "date": app_day.isoformat(),
            "regular_hospital": True,
            "fee_type": "nursing",
            "self_paid": amount,
        },
        {
            "number": f"X{i}c",
            "date": app_day.isoformat(),
            "regular_hospital": True,
            "fee_type": "nutrition",
            "self_paid": amount,
        },
        {
            "number": f"X{i}d",
            "date": before.isoformat(),
            "regular_hospital": True,
            "fee_type": "surgery",
            "self_paid": amount,
        },
        {
            "number": f"X{i}e",
            "date": (app_day + timedelta(days=1)).isoformat(),
            "regular_hospital": True,
            "fee_type": "medicine",
            "self_paid": amount,
        },
    ]


@settings(max_examples=300, deadline=None)
@given(requests(), st.integers(1, 3), money)
def test_invoices_that_do_not_count_change_nothing(file_book, request, copies, amount):
    request["aid_type"] = "medical"
    before = evaluate(request, file_book)
    app_day = date.fromisoformat(request["application_date"])
    for i in range(copies):
        request["medical"]["invoices"].extend(_non_counting(app_day, i, amount))
    after = evaluate(request, file_book)
    for key in ("eligible", "max_amount", "recommended_amount", "approval_level"):
        assert after[key] == before[key]
    assert [r["code"] for r in after["reasons"]] == [r["code"] for r in before["reasons"]]
    assert sum(1 for s in after["trace"] if s.get("result") == "counted") == sum(
        1 for s in before["trace"] if s.get("result") == "counted"
    )


@settings(max_examples=200, deadline=None)
@given(requests())
def test_every_trace_step_names_a_parameter_and_a_clause(file_book, request):
    answer = evaluate(request, file_book)
    for step in answer["trace"]:
        assert set(step) <= {"step", "parameter", "value", "source", "result", "subject"}
        assert step["parameter"] and step["value"] and step["source"].startswith("长民发〔2016〕31号")
