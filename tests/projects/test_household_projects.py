"""Project aid on the household file (SPEC §4): the household's enrolments with their plan, state
and reason, and each batch's delivery or non-delivery; the plan in the year's aid table and in
the timeline; the plan linked only for those who may read it; read through the registry scope."""

import html
import re
from datetime import date

from django.urls import reverse

from bangfu.projects.templatetags.project_household import household_projects
from bangfu.web.timeline import household_timeline

from .delivered import delivered_fixture, item_in, record_of, world_batch  # noqa: F401  (the `delivered` fixture)


def page(client, household) -> str:
    r = client.get(reverse("registry:detail", args=[household.pk]))
    assert r.status_code == 200
    return html.unescape(r.content.decode())


def section(text: str, anchor: str) -> str:
    part = text[text.index(f'id="{anchor}"') :]
    return part[: part.index("</section>")]


def plan_links(text: str) -> set[str]:
    return set(re.findall(r'href="(/projects/\d+/)"', text))


def url(plan) -> str:
    return f"/projects/{plan.pk}/"


def blocks(text: str) -> list[str]:
    """Each enrolment's part of the 项目帮扶 section, in the page's order."""
    return text.split('<div class="household-project">')[1:]


def test_the_file_lists_the_enrolments_and_what_each_batch_delivered(delivered, cast, login):
    w = delivered
    projects = section(page(login(cast.intake_a), w.h1), "projects")
    assert "项目帮扶" in projects
    enrolled = blocks(projects)
    assert len(enrolled) == 3
    by_title = {next(t for t in (w.lottery_plan.title, w.goods_plan.title, w.service_plan.title) if t in b): b
                for b in enrolled}  # fmt: skip
    lottery = by_title[w.lottery_plan.title]
    assert w.lottery_plan.code in lottery and "彩票公益金资助" in lottery and "已纳入" in lottery
    assert (
        "第1批" in lottery and "已发放" in lottery and "2026年6月10日" in lottery and "¥1,000.00" in lottery
    )
    goods = by_title[w.goods_plan.title]
    assert "彩票公益金资助" not in goods
    assert "实物" in goods and "米油" in goods and "¥300.00" in goods and "2026年6月12日" in goods
    service = by_title[w.service_plan.title]
    # Paused, with its reason; the service's hours and value.
    assert "暂停" in service and "住院期间暂停服务" in service
    assert "服务" in service and "4.00" in service and "¥200.00" in service and "2026年5月20日" in service
    # A street worker does not read plans: the plans are named, never linked.
    assert plan_links(projects) == set()


def test_an_undelivered_item_shows_with_its_reason(delivered, cast, login):
    w = delivered
    projects = section(page(login(cast.intake_a), w.h2), "projects")
    lottery = next(b for b in blocks(projects) if w.lottery_plan.title in b)
    assert "未发放" in lottery and "联系不上" in lottery
    assert "2026年6月10日" not in lottery  # nothing was delivered: no delivery day


def test_a_household_without_enrolments_says_so(delivered, cast, login):
    from tests.cases import factories

    projects = section(page(login(cast.intake_a), factories.household("310105001")), "projects")
    assert "本户未纳入帮扶项目" in projects


def test_a_street_of_another_street_gets_404(delivered, cast, login):
    r = login(cast.intake_b).get(reverse("registry:detail", args=[delivered.h1.pk]))
    assert r.status_code == 404
    r = login(cast.intake_hp).get(reverse("registry:detail", args=[delivered.h1.pk]))
    assert r.status_code == 404


def test_a_district_sees_the_foundation_plan_named_but_not_linked(delivered, cast, login):
    w = delivered
    text = page(login(cast.district_cn), w.h1)
    projects = section(text, "projects")
    assert w.lottery_plan.title in projects
    assert plan_links(projects) == {url(w.goods_plan), url(w.service_plan)}
    # The year's aid table names each project's plan under its form and kind, linked the same way.
    aid = section(text, "aid")
    for plan in (w.lottery_plan, w.goods_plan, w.service_plan):
        assert f"{plan.code}</span> {plan.title}" in aid
    assert plan_links(aid) == {url(w.goods_plan), url(w.service_plan)}
    assert "彩票公益金资助" in aid
    # The foundation reads every plan.
    text = page(login(cast.foundation), w.h1)
    every = {url(w.lottery_plan), url(w.goods_plan), url(w.service_plan)}
    assert plan_links(section(text, "projects")) == every == plan_links(section(text, "aid"))


def test_the_aid_table_counts_each_plan_of_the_year(delivered, cast, login):
    aid = section(page(login(cast.intake_a), delivered.h1), "aid")
    rows = re.findall(r'<tr class="aid-plan">(.*?)</tr>', aid, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]
    assert [c[1:] for c in cells] == [
        ["1", "—", "¥1,000.00"],
        ["1", "—", "¥300.00"],
        ["1", "4.00", "¥200.00"],
    ]


def test_the_timeline_names_the_plan_and_links_it_for_its_readers(delivered, cast, login):
    w = delivered
    timeline = section(page(login(cast.district_cn), w.h1), "timeline")
    assert (
        f"{w.lottery_plan.code} {w.lottery_plan.title}（彩票公益金资助） 项目帮扶 · 资金 ¥1,000.00"
        in timeline
    )
    assert f"{w.goods_plan.code} {w.goods_plan.title} 项目帮扶 · 实物 ¥300.00" in timeline
    assert f"{w.service_plan.code} {w.service_plan.title} 项目帮扶 · 服务 ¥200.00，4.00 小时" in timeline
    assert plan_links(timeline) == {url(w.goods_plan), url(w.service_plan)}
    street = section(page(login(cast.intake_a), w.h1), "timeline")
    assert w.lottery_plan.title in street and plan_links(street) == set()


def test_the_section_and_the_timeline_cost_the_same_queries_for_more_deliveries(
    delivered,
    cast,
    django_assert_max_num_queries,
):
    w = delivered
    user = cast.district_cn
    household_projects(user=user, household=w.h1)  # the user's roles, read once
    with django_assert_max_num_queries(2):
        shown = household_projects(user=user, household=w.h1)
        assert sum(len(e.deliveries) for e in shown) == 3
    with django_assert_max_num_queries(20) as few:
        household_timeline(user=user, household=w.h1)
    # Two more batches of the goods plan delivered to h1.
    for n in (2, 3):
        record_of(item_in(world_batch(w.goods_plan, n, date(2026, 6, n), cast), w.h1))
    with django_assert_max_num_queries(2):
        assert sum(len(e.deliveries) for e in household_projects(user=user, household=w.h1)) == 5
    with django_assert_max_num_queries(len(few.captured_queries)):
        entries = household_timeline(user=user, household=w.h1).entries
    assert [e.kind for e in entries].count("aid") == 5
