"""试算 as a form, through HTTP: a household on file (searched within the user's scope) or its
facts typed in, the aid type's fields, a version and a day; the engine's answer shown as the
case page shows it. The figures are the SPEC §6 example (长民发〔2016〕31号 三(一)1: 60% of
1,200.50 for a dibao household)."""

from datetime import date

import pytest

from bangfu.audit.actor import Actor
from bangfu.orgs.models import Organisation
from bangfu.policy import services
from bangfu.policy.models import Policy
from tests.cases import factories

pytestmark = pytest.mark.django_db

URL = "/policy/evaluate/"


def invoices(*lines) -> dict:
    """The invoice lines as the browser sends them: three rows offered, the blank ones untouched."""
    data = {"invoice-TOTAL_FORMS": "3", "invoice-INITIAL_FORMS": "0", "invoice-MIN_NUM_FORMS": "0",
            "invoice-MAX_NUM_FORMS": "50"}  # fmt: skip
    for i in range(3):
        data[f"invoice-{i}-regular_hospital"] = "on"
        data[f"invoice-{i}-fee_type"] = "treatment"
    for i, line in enumerate(lines):
        data.update({f"invoice-{i}-{k}": v for k, v in line.items()})
    return data


A1 = {"number": "A1", "date": "2019-06-01", "self_paid": "1200.50"}


def medical(**extra) -> dict:
    return {"aid_type": "medical", "application_date": "2020-05-01", "version": "", **invoices(A1), **extra}


def by_hand(**extra) -> dict:
    facts = {"source": "hand", "district": "310105", "category": "dibao", "hukou_district": "310105",
             "resides_in_district": "on", "prior_count": "1", "prior_total": "5000.00"}  # fmt: skip
    return medical(**{**facts, **extra})


def numbered(household, file_number: str):
    """A file number of the registry's own shape (the factories' are not searched as numbers)."""
    household.file_number = file_number
    household.save(update_fields=["file_number"])
    return household


def test_a_household_on_file_is_found_and_evaluated(cast, login):
    household = numbered(factories.household(category="dibao"), "310105001-00042")
    head = household.members.get()
    client = login(cast.intake_a)
    for q in ("310105001-00042", head.name):  # by file number, by the head's name
        found = client.get(URL, {"q": q}).content.decode()
        assert f"?household={household.pk}" in found and head.name in found and "低保" in found
    picked = client.get(URL, {"household": household.pk}).content.decode()
    assert "已选择" in picked and f'value="{household.pk}"' in picked
    page = client.post(URL, {"source": "file", "household": household.pk, **medical(requested_amount="6000")})
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("¥1,200.50 × 60% = ¥720.30", "申请金额超过上限", "发票 A1：计入", "按档案读取的家庭情况",
                 "长民发〔2016〕31号 三(一)1"):  # fmt: skip
        assert text in body, text


def test_a_household_out_of_scope_cannot_be_picked(cast, login):
    elsewhere = numbered(factories.household("310101002", category="dibao"), "310101002-00042")  # 黄浦区
    client = login(cast.intake_a)  # 长宁区 华阳路街道
    found = client.get(URL, {"q": "310101002-00042"}).content.decode()
    assert f"?household={elsewhere.pk}" not in found and "没有找到" in found
    assert client.get(URL, {"household": elsewhere.pk}).status_code == 404
    page = client.post(URL, {"source": "file", "household": elsewhere.pk, **medical()})
    body = page.content.decode()
    assert page.status_code == 200 and "没有找到该家庭" in body and "测算过程" not in body
    # A neighbouring street of the same district is out of scope too.
    assert client.get(URL, {"household": factories.household("310105002").pk}).status_code == 404


def test_facts_by_hand_are_evaluated(cast, login):
    client = login(cast.intake_a)
    body = client.post(URL, by_hand(requested_amount="6000.00")).content.decode()
    assert "¥1,200.50 × 60% = ¥720.30" in body and "本年已帮扶 ¥5,000.00，剩余 ¥75,000.00" in body
    # 补缴金帮扶 by hand: 50% of the personal share (三(二)).
    body = client.post(URL, {**by_hand(), "aid_type": "insurance_supplement", "personal_share": "30,000",
                             "serious_illness": "on", "lost_work_capacity": "on"}).content.decode()  # fmt: skip
    assert "¥15,000.00" in body and "测算过程" in body
    # Facts by hand need the hukou; the message names the field in Chinese.
    body = client.post(URL, by_hand(hukou_district="")).content.decode()
    assert "请填写户籍所在区划代码。" in body and "测算过程" not in body


@pytest.mark.parametrize(
    "change, message",
    [
        ({"invoice-0-self_paid": "12.345"}, "最多两位小数"),
        ({"invoice-0-self_paid": "一千元"}, "金额"),
        ({"requested_amount": "-5"}, "金额"),
        ({"prior_total": "abc"}, "金额"),
    ],
)
def test_an_invalid_amount_is_refused_in_chinese(cast, login, change, message):
    page = login(cast.intake_a).post(URL, {**by_hand(), **change})
    body = page.content.decode()
    assert page.status_code == 200 and message in body and "测算过程" not in body
    assert 'class="field-error"' in body


def test_bad_input_is_refused_field_by_field_never_a_500(cast, login):
    client = login(cast.intake_a)
    for change, message in (
        ({"application_date": "2020-13-45"}, "请填写有效的日期。"),
        (
            {"invoice-1-number": "A1", "invoice-1-date": "2019-07-01", "invoice-1-self_paid": "10"},
            "发票号 A1 重复",
        ),
        ({"aid_type": "emergency"}, "请选择突发事件。"),
        ({"district": "999999"}, "选择一个有效的选项"),
        ({"source": "file"}, "请先查找并选择一个家庭"),
    ):
        page = client.post(URL, {**by_hand(), **change})
        assert page.status_code == 200 and message in page.content.decode(), change


def test_a_day_no_version_covers_is_said_in_chinese_dates(cast, login):
    body = login(cast.intake_a).post(URL, by_hand(application_date="2030-01-01")).content.decode()
    assert "长宁区在2030年1月1日没有生效的帮扶政策" in body and "2030-01-01" not in body.split("测算过程")[
        0
    ].replace('value="2030-01-01"', "")


def test_a_draft_can_be_tried_before_it_is_published(cast, login):
    services.policy_draft_create(
        actor=Actor.for_user(cast.finance_cn, "test"), district=Organisation.objects.get(code="310105"),
        code="changning-2022", title="长宁区（2022）", document="长民发〔2022〕1号", valid_from=date(2022, 1, 1),
        valid_to=date(2026, 12, 31), validity_reference="末段", copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    client = login(cast.district_cn)
    assert 'value="changning-2022" selected' in client.get(URL, {"policy": "changning-2022"}).content.decode()
    data = by_hand(application_date="2022-05-01", version="changning-2022", prior_count="0", prior_total="")
    data["invoice-0-date"] = "2022-01-10"
    body = client.post(URL, data).content.decode()
    assert "¥720.30" in body and "changning-2022" in body
    # A street's staff do not see the district's draft: it is no choice of theirs.
    body = login(cast.intake_a).post(URL, data).content.decode()
    assert "选择一个有效的选项" in body and "测算过程" not in body


def test_a_household_on_file_is_read_as_the_case_procedure_reads_an_applicant(cast, login):
    household = factories.household(category="dibao")
    client = login(cast.intake_a)
    # 补缴金帮扶: the head's serious illness and lost work capacity come from the file.
    data = {**medical(), "source": "file", "household": household.pk, "aid_type": "insurance_supplement",
            "personal_share": "30000.00"}  # fmt: skip
    assert "¥15,000.00" in client.post(URL, data).content.decode()
    # A head without a registered hukou cannot be evaluated: the file must be completed first.
    household.members.update(hukou_district=None)
    body = client.post(URL, data).content.decode()
    assert "申请人未登记户籍区，请先在家庭档案中补录。" in body and "测算过程" not in body
