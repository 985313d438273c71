"""Active discovery (SPEC §3): the street's list of households due for a screening visit and of
open leads, the visit that records a finding (and may open an application on the household's
behalf, or close the lead it follows up), and its scope."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from bangfu import cases as cases_app
from bangfu.audit.actor import Actor
from bangfu.cases.models import Case, CaseState
from bangfu.discovery import services
from bangfu.discovery.models import Lead, ScreeningVisit
from tests.cases import factories

pytestmark = pytest.mark.django_db


def test_due_list_shows_households_not_yet_visited(today, cast, login):
    h = factories.household()
    other = factories.household("310105002")
    client = login(cast.assessor_a)
    due = list(client.get(reverse("discovery:discovery")).context["due"])
    assert h in due and other not in due
    r = client.post(
        reverse("discovery:visit_new", args=[h.pk]),
        {"visited_on": str(today), "finding": "none", "notes": "一切正常",
         "next_visit_due": str(today + timedelta(days=90))},
    )  # fmt: skip
    assert r.status_code == 302
    assert h not in list(client.get(reverse("discovery:discovery")).context["due"])
    assert ScreeningVisit.objects.get(household=h).by == cast.assessor_a


def test_visit_finding_opens_an_application(today, cast, login):
    h = factories.household()
    client = login(cast.assessor_a)
    r = client.post(
        reverse("discovery:visit_new", args=[h.pk]),
        {"visited_on": str(today), "finding": "sudden_illness", "notes": "户主突发重病",
         "next_visit_due": str(today + timedelta(days=30)), "open_application": "on",
         "applicant": h.members.get().pk, "aid_type": "medical"},
    )  # fmt: skip
    case = Case.objects.get(household=h)
    assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.source_visit.finding == "sudden_illness" and "户主突发重病" in case.hardship
    assert case.state == CaseState.APPLIED and case.application_date == today


def test_visit_without_finding_cannot_open_application(today, cast, login):
    h = factories.household()
    r = login(cast.assessor_a).post(
        reverse("discovery:visit_new", args=[h.pk]),
        {"visited_on": str(today), "finding": "none", "next_visit_due": str(today + timedelta(days=30)),
         "open_application": "on", "applicant": h.members.get().pk, "aid_type": "medical"},
    )  # fmt: skip
    assert r.status_code == 200 and "排摸未发现困难情况，不能启动帮扶申请" in r.content.decode()
    assert not Case.objects.filter(household=h).exists() and not ScreeningVisit.objects.exists()


def test_visit_bad_dates_refused(today, cast, login):
    h = factories.household()
    r = login(cast.assessor_a).post(
        reverse("discovery:visit_new", args=[h.pk]),
        {"visited_on": str(today), "finding": "sudden_illness", "next_visit_due": str(today)},
    )
    assert r.status_code == 200 and "下次排摸日期须晚于本次排摸日期" in r.content.decode()
    assert not ScreeningVisit.objects.exists()


def test_lead_shows_for_the_street_and_a_visit_closes_it(today, cast, login):
    h = factories.household()
    lead = services.lead_raise(
        actor=Actor.system("monitoring"),
        household=h,
        source="large_medical",
        description="大额医疗支出 5 万元",
    )
    client = login(cast.assessor_a)
    assert lead in list(client.get(reverse("discovery:discovery")).context["leads"])
    assert login(cast.intake_b).get(reverse("discovery:discovery")).status_code == 403  # no discovery role
    client = login(cast.assessor_a)
    client.post(
        reverse("discovery:visit_new", args=[h.pk]) + f"?lead={lead.pk}",
        {"visited_on": str(today), "finding": "sudden_illness", "next_visit_due": str(today + timedelta(days=30)),
         "lead": lead.pk},
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.closed_at is not None and lead.visit is not None and "已排摸" in lead.resolution
    assert lead not in list(client.get(reverse("discovery:discovery")).context["leads"])


def test_discovery_is_scoped(cast, login):
    h = factories.household()
    factories.household("310105002")
    assert login(cast.intake_a).get(reverse("discovery:discovery")).status_code == 403
    assert login(cast.intake_a).get(reverse("discovery:visit_new", args=[h.pk])).status_code == 403
    lead = Lead.objects.create(household=h, street=h.street, source="large_medical", description="x")
    assert login(cast.intake_b).post(
        reverse("discovery:lead_close", args=[lead.pk]), {"resolution": "x"}
    ).status_code in (403, 404)
    lead.refresh_from_db()
    assert lead.closed_at is None


def test_home_tiles_count_the_streets_due_households_and_open_leads(cast, login):
    h = factories.household()
    factories.household()
    factories.household("310105002")  # another street's: not counted
    services.lead_raise(
        actor=Actor.system("monitoring"), household=h, source="new_dibao", description="新纳入低保"
    )
    html = login(cast.assessor_a).get("/").content.decode()
    url = reverse("discovery:discovery")
    assert re.search(
        rf'href="{url}"[^>]*>\s*<span class="tile-figure">2</span>\s*<span class="tile-label">待排摸家庭',
        html,
    )
    assert re.search(
        rf'href="{url}#leads"[^>]*>\s*<span class="tile-figure">1</span>\s*<span class="tile-label">待跟进线索',
        html,
    )
    assert "待排摸家庭" not in login(cast.intake_a).get("/").content.decode()  # no discovery role


def test_the_case_procedure_does_not_depend_on_discovery():
    """Discovery opens cases; cases never import discovery (its migrations aside), so the case
    procedure stands alone."""
    root = Path(cases_app.__file__).parent
    offending = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offending += [f"{path.name}: {n}" for n in names if n.startswith("bangfu.discovery")]
    assert offending == []


def test_the_visit_form_proposes_today_and_the_next_visit_in_the_date_inputs_format(today, cast, login):
    """<input type="date"> takes ISO dates only; in any other format the browser shows it empty."""
    h = factories.household()
    html = login(cast.assessor_a).get(reverse("discovery:visit_new", args=[h.pk])).content.decode()
    assert f'name="visited_on" value="{today:%Y-%m-%d}"' in html
    assert f'name="next_visit_due" value="{today + timedelta(days=90):%Y-%m-%d}"' in html
