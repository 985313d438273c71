"""Leads raised by staff from the household file (SPEC §3): the assessor who follows leads up
raises one, it joins the street's discovery list; nobody else, and nobody outside the street."""

import pytest
from django.urls import reverse

from bangfu.audit.models import AuditEntry
from bangfu.discovery.models import Lead
from tests.cases import factories


@pytest.fixture
def household(db):
    return factories.household("310105001")


def _url(household):
    return reverse("discovery:lead_new", args=[household.pk])


def test_the_assessor_raises_a_lead_from_the_household_file(cast, login, household):
    client = login(cast.assessor_a)
    page = client.get(reverse("registry:detail", args=[household.pk])).content.decode()
    assert _url(household) in page and "暂无待处理的线索" in page

    response = client.post(
        _url(household), {"source": "referral", "description": "  楼组长反映：独居，近日摔伤。 "}
    )
    assert response.status_code == 302 and response.url == reverse("registry:detail", args=[household.pk])
    lead = Lead.objects.get(household=household)
    assert (lead.source, lead.description, lead.street.code) == (
        "referral",
        "楼组长反映：独居，近日摔伤。",
        "310105001",
    )
    entry = AuditEntry.objects.get(action="discovery.lead")
    assert entry.user == cast.assessor_a and entry.target_id == str(household.pk)

    file_page = client.get(reverse("registry:detail", args=[household.pk])).content.decode()
    assert "楼组长反映：独居，近日摔伤。" in file_page
    assert f"?lead={lead.pk}" in file_page  # straight to the screening visit that follows it up
    assert "楼组长反映" in client.get(reverse("discovery:discovery")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "referral", "description": "   "}, "请填写线索内容"),
        ({"source": "rumour", "description": "x"}, "选择一个有效的选项"),
    ],
)
def test_a_lead_without_content_or_with_an_unknown_source_is_refused_and_nothing_saved(
    cast, login, household, data, message
):
    response = login(cast.assessor_a).post(_url(household), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Lead.objects.exists() and not AuditEntry.objects.filter(action="discovery.lead").exists()


@pytest.mark.parametrize("who", ["intake_a", "panel_a", "cashier_a", "volunteer_a", "finance_cn", "sysadmin"])
def test_who_does_not_follow_up_leads_cannot_raise_one(cast, login, household, who):
    client = login(getattr(cast, who))
    assert client.get(_url(household)).status_code == 404
    assert client.post(_url(household), {"source": "referral", "description": "x"}).status_code == 404
    assert not Lead.objects.exists()


def test_an_assessor_of_another_street_gets_404_and_sees_no_button(cast, login, make_user, household):
    other = make_user("assessor_b", [("assessor", "310105002")])
    client = login(other)
    assert client.get(_url(household)).status_code == 404
    assert client.post(_url(household), {"source": "referral", "description": "x"}).status_code == 404
    assert not Lead.objects.exists()
    own = factories.household("310105002")
    assert _url(own) in client.get(reverse("registry:detail", args=[own.pk])).content.decode()


def test_the_intake_worker_sees_the_file_without_the_lead_section(cast, login, household):
    page = login(cast.intake_a).get(reverse("registry:detail", args=[household.pk])).content.decode()
    assert _url(household) not in page and "主动发现线索" not in page
