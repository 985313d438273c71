"""彩票公益金资助 (沪民救发〔2025〕1号 四(三)): a plan on city lottery money is marked on its evaluation
report and where the household file offers it; a plan on other money is not."""

import pytest
from django.urls import reverse

from bangfu.projects import evaluation
from bangfu.projects.forms.enrolment import HouseholdEnrolForm
from bangfu.projects.models import Dimension
from tests.pdffonts import pdf_text
from tests.projects.conftest import DISTRICT, as_, make_plan
from tests.projects.delivered import indicator

pytestmark = pytest.mark.django_db


def test_the_evaluation_report_of_a_lottery_plan_is_marked(cast, today, lottery, district_money, login):
    client = login(cast.foundation)
    texts = {}
    for name, plan in (
        ("lottery", make_plan(fund_source=lottery)),
        ("district", make_plan(owner=DISTRICT, fund_source=district_money)),
    ):
        indicator(plan, Dimension.DECISION, "立项依据充分", 100, actual=100)
        stored = evaluation.evaluate(actor=as_(cast.foundation), project=plan)
        pdf = client.get(reverse("projects:evaluation_pdf", args=[stored.pk]))
        assert pdf.status_code == 200
        texts[name] = pdf_text(pdf.content)
    assert "彩票公益金资助" in texts["lottery"]
    assert "彩票公益金资助" not in texts["district"] and "项目绩效评价报告" in texts["district"]


def test_the_household_files_plan_choice_marks_a_lottery_plan(today, lottery, district_money):
    on_lottery, on_district = (
        make_plan(fund_source=lottery),
        make_plan(owner=DISTRICT, fund_source=district_money),
    )
    labels = dict(HouseholdEnrolForm(plans=[on_lottery, on_district], members=[]).fields["project"].choices)
    assert labels[str(on_lottery.pk)] == f"{on_lottery.code} {on_lottery.title}（彩票公益金资助）"
    assert labels[str(on_district.pk)] == f"{on_district.code} {on_district.title}"
