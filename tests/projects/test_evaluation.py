"""Performance evaluation 绩效评价 (SPEC §4): the measures from the data, the score worked out by
hand, the grade boundaries, the evidence for hand-entered values, the stored evaluation and its
report, and who may evaluate."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.projects import evaluation, verification
from bangfu.projects.models import Dimension, Evaluation, PlanState
from tests.pdffonts import assert_fonts_embedded, pdf_text

from .conftest import DISTRICT, as_, make_plan
from .delivered import Lot, default_indicators, deliver, indicator

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def plan(cast, today):
    """长宁区's plan for 100 households, budget 100,000 (1,000 each):
    batch 1: 60 delivered on 30 March, due 31 March (on time);
    batch 2: 35 delivered on 5 June, due 31 May (late), 1 not delivered;
    20 of the 95 delivered items checked: 19 received, 1 not received."""
    p = make_plan(owner=DISTRICT, budget="100000.00", target_households=100)
    deliver(
        p,
        [Lot(60, date(2026, 3, 31), date(2026, 3, 30)), Lot(35, date(2026, 5, 31), date(2026, 6, 5), undelivered=1)],
        preparer=cast.district_cn, approver=cast.finance_cn,
    )  # fmt: skip
    v = verification.draw(actor=as_(cast.district_cn), project=p, method="number", number=20)
    checks = list(v.checks.order_by("id"))
    for c in checks[:19]:
        verification.record(actor=as_(cast.district_cn), check=c, result="received", channel="phone")
    verification.record(
        actor=as_(cast.district_cn), check=checks[19], result="not_received", channel="visit", note="未收到"
    )
    return p


def test_measures_come_from_the_delivered_items_batches_and_checks(plan):
    assert evaluation.measures(plan) == {
        "households_reached": D("95"),  # the undelivered household is not reached
        "amount_delivered": D("95000.00"),
        "budget_execution": D("95.00"),  # 95,000 / 100,000
        "batches_on_time": D("50.00"),  # 1 of 2 delivered batches by its due date
        "verified_received": D("95.00"),  # 19 of 20 checks done
    }


def test_nothing_to_measure_is_no_value_not_zero(cast, today):
    p = make_plan(owner=DISTRICT, budget="0.00")
    m = evaluation.measures(p)
    assert m["households_reached"] == 0 and m["amount_delivered"] == D("0.00")
    assert m["budget_execution"] is None and m["batches_on_time"] is None and m["verified_received"] is None


def test_the_score_worked_out_by_hand(cast, plan):
    ind = default_indicators(plan)
    ind["households_reached"].weight = D("2")  # counts twice within 产出
    ind["households_reached"].save()
    actor = as_(cast.foundation)
    evaluation.enter_actual(actor=actor, indicator=ind["decision"], actual="100", evidence="立项论证报告")
    evaluation.enter_actual(actor=actor, indicator=ind["organisation"], actual="90", evidence="实地督导记录")
    evaluation.enter_actual(actor=actor, indicator=ind["relief"], actual="72", evidence="入户回访表")
    evaluation.enter_actual(actor=actor, indicator=ind["satisfaction"], actual="99", evidence="满意度问卷")
    # 决策 10 × (100/100 = 1)                                                          = 10
    # 过程 10 × ½ × (预算执行率 95/95 = 1) + 10 × ½ × (组织实施 90/100 = 0.9)              = 9.5
    # 产出 40 × (2 × 受益户数 95/100 + 发放金额 95,000/100,000 + 按时 50/100 + 核查 95/95) / 5
    #      = 40 × (1.90 + 0.95 + 0.50 + 1.00) / 5 = 40 × 0.87                               = 34.8
    # 效益 30 × (72/90 = 0.8)                                                           = 24
    # 满意度 10 × min(99/90, 1) = 10 × 1                                                   = 10
    # total                                                                              = 88.30 → 良
    result = evaluation.scored(plan)
    assert result.score == D("88.30") and result.grade == "good" and result.grade_label == "良"
    points = {d.code: d.points_shown for d in result.dimensions}
    assert points == {
        Dimension.DECISION: D("10.00"), Dimension.PROCESS: D("9.50"), Dimension.OUTPUT: D("34.80"),
        Dimension.BENEFIT: D("24.00"), Dimension.SATISFACTION: D("10.00"),
    }  # fmt: skip
    assert not result.missing
    stored = evaluation.evaluate(
        actor=as_(cast.foundation), project=plan, conclusion="总体较好，按时发放率偏低。"
    )
    assert stored.score == D("88.30") and stored.grade == "good"
    lines = {i["name"]: i for d in stored.details["dimensions"] for i in d["indicators"]}
    assert lines["按时发放率"] == {
        "id": ind["batches_on_time"].pk, "name": "按时发放率", "unit": "%", "source": "batches_on_time",
        "target": "100.00", "weight": "1.00", "actual": "50.00", "achievement": "50.00", "points": "4.00",
        "missing": False, "evidence": "",
    }  # fmt: skip
    assert lines["受益户数"]["points"] == "15.20" and lines["受助家庭满意度"]["achievement"] == "100.00"
    assert AuditEntry.objects.filter(action=evaluation.EVALUATE, target_id=str(stored.pk)).exists()


def test_an_indicator_without_a_value_counts_zero_and_is_listed(cast, plan):
    ind = default_indicators(plan)
    evaluation.enter_actual(
        actor=as_(cast.foundation), indicator=ind["decision"], actual="100", evidence="报告"
    )
    result = evaluation.scored(plan)
    missing = [line.name for line in result.missing]
    assert missing == ["组织实施规范", "受助家庭困难缓解率", "受助家庭满意度"]
    # 10 + 5 (过程: 预算执行 only) + 40 × (0.95 + 0.95 + 0.5 + 1) / 4 = 34 + 0 + 0
    assert result.score == D("49.00") and result.grade == "poor"
    stored = evaluation.evaluate(actor=as_(cast.foundation), project=plan)
    assert stored.details["missing"] == missing


def test_a_target_of_zero_asks_for_nothing(cast, today):
    p = make_plan(owner=DISTRICT, weights={"decision": 100, "process": 0, "output": 0, "benefit": 0,
                                           "satisfaction": 0})  # fmt: skip
    zero = indicator(p, Dimension.DECISION, "投诉件数", 0, unit="件", actual=0)
    assert evaluation.scored(p).score == D("100.00")
    zero.actual = None
    zero.save()
    assert evaluation.scored(p).score == D("0.00")


@pytest.mark.parametrize(
    "score, grade",
    [("100", "优"), ("90.00", "优"), ("89.99", "良"), ("80.00", "良"), ("79.99", "中"), ("60.00", "中"),
     ("59.99", "差"), ("0", "差")],
)  # fmt: skip
def test_grade_boundaries(score, grade):
    from bangfu.projects.models import Grade

    assert Grade(evaluation.grade_of(D(score))).label == grade


@pytest.mark.parametrize("actual, score, grade", [("89995", "90.00", "优"), ("89994", "89.99", "良")])
def test_the_score_is_rounded_half_up_once_then_graded(today, actual, score, grade):
    p = make_plan(owner=DISTRICT, weights={"decision": 100, "process": 0, "output": 0, "benefit": 0,
                                           "satisfaction": 0})  # fmt: skip
    indicator(p, Dimension.DECISION, "覆盖人次", 100000, unit="人次", actual=actual)
    result = evaluation.scored(p)
    assert str(result.score) == score and result.grade_label == grade


def test_a_hand_entered_value_needs_evidence_and_computed_ones_are_not_entered(cast, plan):
    ind = default_indicators(plan)
    actor = as_(cast.foundation)
    with pytest.raises(Refused, match="请填写佐证说明"):
        evaluation.enter_actual(actor=actor, indicator=ind["relief"], actual="80", evidence="  ")
    with pytest.raises(Refused, match="不小于零"):
        evaluation.enter_actual(actor=actor, indicator=ind["relief"], actual="-1", evidence="表")
    with pytest.raises(Refused, match="不能手工填报"):
        evaluation.enter_actual(actor=actor, indicator=ind["households_reached"], actual="100", evidence="表")
    with pytest.raises(Refused) as refused:
        evaluation.enter_actual(
            actor=as_(cast.district_cn), indicator=ind["relief"], actual="80", evidence="表"
        )
    assert refused.value.status == 403
    evaluation.enter_actual(actor=actor, indicator=ind["relief"], actual="80", evidence="入户回访表（120户）")
    ind["relief"].refresh_from_db()
    assert ind["relief"].actual == D("80.00") and ind["relief"].evidence == "入户回访表（120户）"
    assert ind["relief"].entered_by == cast.foundation and ind["relief"].entered_at is not None


def test_only_the_foundation_evaluates_a_filed_plan(cast, plan, today):
    default_indicators(plan)
    for user in (cast.district_cn, cast.district_hp, cast.auditor_city, cast.supervisor):
        with pytest.raises(Refused):
            evaluation.evaluate(actor=as_(user), project=plan)
    draft = make_plan(owner=DISTRICT, state=PlanState.DRAFT)
    indicator(draft, Dimension.DECISION, "立项", 100, actual=100)
    with pytest.raises(Refused, match="备案"):
        evaluation.evaluate(actor=as_(cast.foundation), project=draft)
    bare = make_plan(owner=DISTRICT)
    with pytest.raises(Refused, match="尚无绩效指标"):
        evaluation.evaluate(actor=as_(cast.foundation), project=bare)
    assert not Evaluation.objects.exists()
    assert evaluation.evaluate(actor=as_(cast.foundation_fin), project=plan).pk


def test_the_page_enters_evaluates_and_gives_the_report(cast, plan, login):
    ind = default_indicators(plan)
    client = login(cast.foundation)
    url = reverse("projects:evaluation", args=[plan.pk])
    page = client.get(url).content.decode()
    assert "受助家庭满意度" in page and "未填报" in page and "评价" in page
    post = reverse("projects:indicator_actual", args=[ind["satisfaction"].pk])
    p = f"i{ind['satisfaction'].pk}-"
    r = client.post(post, {p + "actual": "95", p + "evidence": ""})
    assert r.status_code == 400 and "请填写佐证说明" in r.content.decode()
    assert client.post(post, {p + "actual": "95", p + "evidence": "满意度问卷"}).status_code == 302
    r = client.post(reverse("projects:evaluate", args=[plan.pk]), {"conclusion": "按计划完成。"})
    assert r.status_code == 302
    stored = Evaluation.objects.get(project=plan)
    # 40 × 3.4/4 = 34 (产出) + 5 (过程: 预算执行) + 10 (满意度) = 49.00
    assert stored.score == D("49.00")
    pdf = client.get(reverse("projects:evaluation_pdf", args=[stored.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_fonts_embedded(pdf.content)
    text = pdf_text(pdf.content)
    assert plan.title in text and "49.00" in text and "差" in text and "满意度问卷" in text
    assert "项目绩效评价报告" in text and "按计划完成。" in text
    # 长宁区 reads its plan's evaluation and report but cannot evaluate; 黄浦区 sees nothing.
    cn = login(cast.district_cn)
    assert "评价报告" in cn.get(url).content.decode()
    r = cn.post(reverse("projects:evaluate", args=[plan.pk]), {"conclusion": ""}, follow=True)
    assert "您无权对项目" in r.content.decode()
    assert Evaluation.objects.filter(project=plan).count() == 1
    assert cn.get(reverse("projects:evaluation_pdf", args=[stored.pk])).status_code == 200
    hp = login(cast.district_hp)
    assert hp.get(url).status_code == 404
    assert hp.get(reverse("projects:evaluation_pdf", args=[stored.pk])).status_code == 404
    assert hp.post(reverse("projects:evaluate", args=[plan.pk])).status_code == 404
