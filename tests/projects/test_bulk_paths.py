"""The bulk paths' statements (core.bulk, SPEC §4 at city scale): ids sent as one parameter,
rows written from a query, the beneficiary chosen in SQL; on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.core.bulk import insert_from, one_of
from bangfu.projects import enrolment as services
from bangfu.projects.models import Enrolment, EnrolmentState, EnrolmentVia
from bangfu.registry.models import Household, Person
from tests.cases import factories
from tests.projects.conftest import DISTRICT, STREET, as_, make_plan

pytestmark = pytest.mark.django_db


def member(h: Household, n: int, *, born: date, relationship: str) -> Person:
    number = factories.id_number(900 + n)
    return Person.objects.create(
        household=h, name=f"李{n}", id_number=number, id_hash=f"bulk-{n}-{h.pk}", sex="F", birth_date=born,
        relationship=relationship, hukou_district=h.street.parent,
    )  # fmt: skip


def test_one_of_is_the_ids_given_and_nothing_for_none(today):
    a, b, c = (factories.household(STREET) for _ in range(3))
    assert set(Household.objects.filter(one_of("pk", [a.pk, c.pk])).values_list("pk", flat=True)) == {
        a.pk,
        c.pk,
    }
    assert not Household.objects.filter(one_of("pk", [])).exists()
    assert Person.objects.filter(one_of("household_id", [b.pk])).get().household_id == b.pk


def test_insert_from_writes_a_row_per_row_of_the_query_with_its_constants(today, cast, changning_in_force):
    plan = make_plan(owner=DISTRICT, target={"categories": ["dibao"], "areas": [STREET]})
    homes = [factories.household(STREET, category="dibao") for _ in range(3)]
    now = timezone.now()
    written = insert_from(
        Enrolment,
        Household.objects.filter(one_of("pk", [h.pk for h in homes[:2]])),
        {
            "project": plan.pk, "household": F("pk"), "person": None, "state": EnrolmentState.ENROLLED,
            "reason": "", "via": EnrolmentVia.QUERY, "enrolled_by": cast.district_cn.pk, "enrolled_at": now,
            "updated_at": now,
        },
    )  # fmt: skip
    assert written == 2
    rows = Enrolment.objects.filter(project=plan).order_by("household_id")
    assert [e.household_id for e in rows] == [homes[0].pk, homes[1].pk]
    assert {(e.via, e.state, e.person_id, e.enrolled_by_id, e.enrolled_at) for e in rows} == {
        ("query", "enrolled", None, cast.district_cn.pk, now)
    }


def test_the_query_chooses_the_member_in_sql_and_reads_the_group_once(today, cast, changning_in_force):
    plan = make_plan(owner=DISTRICT, target={"categories": ["dibao"], "areas": [STREET], "age_min": 70})
    old = factories.household(STREET, category="dibao")
    elder = member(old, 1, born=date(1950, 3, 1), relationship="parent")
    young = factories.household(STREET, category="dibao")  # its only member is 46: not in the group
    plain = make_plan(owner=DISTRICT, target={"categories": ["dibao"], "areas": [STREET]})
    head_later = factories.household(STREET, category="dibao")
    first = head_later.members.get()
    first.relationship = "spouse"
    first.save()
    head = member(head_later, 2, born=date(1975, 1, 1), relationship="head")
    with CaptureQueriesContext(connection) as queries:
        result = services.enrol_from_query(actor=as_(cast.district_cn), project=plan, day=today)
    assert result.enrolled == 1 and young.pk not in set(
        plan.enrolments.values_list("household_id", flat=True)
    )
    assert plan.enrolments.get().person_id == elder.pk
    # The group's query (its category test) ran once: the group check took its answer.
    assert sum("registry_householdcategory" in q["sql"] for q in queries.captured_queries) == 1
    services.enrol_from_query(actor=as_(cast.district_cn), project=plain, day=today)
    chosen = dict(plain.enrolments.values_list("household_id", "person_id"))
    assert chosen[head_later.pk] == head.pk and chosen[old.pk] == old.members.get(relationship="head").pk
    assert services.beneficiaries(plain, [head_later.pk, old.pk], today) == {
        head_later.pk: head.pk,
        old.pk: chosen[old.pk],
    }
