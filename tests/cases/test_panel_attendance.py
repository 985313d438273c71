"""Panel attendance in one control (全部出席) with the exceptions changed after it, and the
roster reachable from the navigation by those who keep it."""

import pytest
from django.urls import reverse

from bangfu.cases.models import CaseState, PanelAttendance, PanelReview

from . import factories
from .conftest import review_data
from .test_permissions import _to_reviewing

pytestmark = pytest.mark.django_db


def _attendance(case) -> dict[str, str]:
    review = PanelReview.objects.get(case=case)
    return {
        a.member.name: a.opinion
        for a in PanelAttendance.objects.filter(review=review).select_related("member")
    }


def test_all_present_in_one_choice_with_exceptions(cast, act, login):
    roster = factories.panel(n=8)
    c = _to_reviewing(cast)
    page = login(cast.panel_a).get(reverse("cases:action", args=[c.pk, "review"])).content.decode()
    assert 'name="member_all"' in page and "是，意见均为同意" in page
    data = review_data([], member_all="agree")
    data[f"member_{roster[3].pk}"] = "absent"
    data[f"member_{roster[5].pk}"] = "disagree"
    assert act(cast.panel_a, c, "review", **data).status_code == 302
    c.refresh_from_db()
    assert c.state == CaseState.APPROVING_STREET
    want = {m.name: "agree" for m in roster if m != roster[3]} | {roster[5].name: "disagree"}
    assert _attendance(c) == want


def test_without_all_present_a_member_left_blank_did_not_attend(cast, act):
    roster = factories.panel(n=8)
    c = _to_reviewing(cast)
    data = review_data(roster[:7])
    data[f"member_{roster[7].pk}"] = ""
    data[f"member_{roster[0].pk}"] = "absent"
    r = act(cast.panel_a, c, "review", **data)
    # Six present: fewer than seven needs a written reason (长民发〔2016〕31号 四(三)).
    assert r.status_code == 400 and "少于7人" in r.content.decode()
    assert act(cast.panel_a, c, "review", **data, fewer_members_reason="两名成员外出").status_code == 302
    assert set(_attendance(c)) == {m.name for m in roster[1:7]}


def test_all_absent_is_refused(cast, act):
    roster = factories.panel(n=7)
    c = _to_reviewing(cast)
    data = review_data([], member_all="agree", **{f"member_{m.pk}": "absent" for m in roster})
    r = act(cast.panel_a, c, "review", **data)
    assert r.status_code == 400 and "请选择出席的评审小组成员" in r.content.decode()


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("panel_a", True),
        ("approver_a", True),
        ("intake_a", False),
        ("cashier_a", False),
        ("district_cn", False),
    ],
)
def test_the_roster_is_in_the_navigation_of_those_who_keep_it(cast, login, username, shown):
    client = login(getattr(cast, username))
    home = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("cases:roster")}"' in home) is shown
    assert client.get(reverse("cases:roster")).status_code == (200 if shown else 403)
