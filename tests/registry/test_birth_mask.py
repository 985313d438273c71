"""A masked ID number cannot be rebuilt (SPEC §10): the mask hides digits 7–14, which are the
birth date, so no page, printed form, export or search may give those digits back.

Tried as the people who may not reveal ID numbers (a panel member, district and foundation
finance, the foundation's officer, a volunteer, the system admin): they walk every page
they can reach for a set of households and their cases, and everything they are served is
searched for the birth dates in any spelling and for any date that, put into the mask,
gives the real number. Those who may reveal see the full date only in the logged reveal.
"""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader
from stdnum.cn import ric

from bangfu.audit.models import AuditEntry
from tests.cases import factories
from tests.cases.conftest import INVESTIGATION, review_data

from .conftest import make_id, member

# Births that collide with no other date the pages show (applications in 2021, today).
BIRTHS = [
    ("19560312", "M"), ("19600229", "F"), ("19991231", "M"), ("20010101", "F"), ("19450807", "M"),
    ("19731110", "F"), ("19880405", "M"), ("19620918", "F"), ("20090630", "M"), ("19510102", "F"),
]  # fmt: skip

# Who may read residents' files or cases but may not reveal an ID number, and who reads nothing.
NOT_REVEALING = ["panel_a", "finance_cn", "foundation", "foundation_fin", "volunteer_a", "sysadmin"]
REVEALING = ["intake_a", "assessor_a", "approver_a", "cashier_a", "district_cn", "supervisor", "auditor_cn"]

_DATE_SPELLINGS = [
    re.compile(r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(\d{4})\s*[/.]\s*(\d{1,2})\s*[/.]\s*(\d{1,2})"),
]


def spellings(born: date) -> list[str]:
    return [
        born.isoformat(), f"{born.year}年{born.month}月{born.day}日", f"{born:%Y年%m月%d日}", f"{born:%Y%m%d}",
        f"{born.year}/{born.month}/{born.day}", f"{born:%Y/%m/%d}", f"{born:%Y.%m.%d}",
    ]  # fmt: skip


def date_digits_on(text: str) -> set[str]:
    """Every YYYYMMDD an attacker could read off the text: dates in any spelling, and every
    eight consecutive digits of any run of digits."""
    found = {f"{int(y):04d}{int(m):02d}{int(d):02d}" for p in _DATE_SPELLINGS for y, m, d in p.findall(text)}
    for run in re.findall(r"\d{8,}", text):
        found.update(run[i : i + 8] for i in range(len(run) - 7))
    return found


def assert_not_rebuildable(text: str, people, where: str) -> None:
    digits = date_digits_on(text)
    for p in people:
        assert p.id_number not in text, where
        for spelled in spellings(p.birth_date):
            assert spelled not in text, (where, p.name, spelled)
        masked = p.id_number_masked
        if masked in text:  # the mask is here: nothing else on the page may complete it
            assert not any(p.id_number[:6] + d + p.id_number[14:] == p.id_number for d in digits), where


def served_text(response) -> str:
    """What a response gives its reader: the text of a PDF, the cells of a workbook, or the body."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(BytesIO(body))
        return "\n".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
    return body.decode("utf-8", "replace")


@pytest.fixture
def files(cast, client, new_household):
    """Five households of 华阳路街道 with two members each and a case on each; two of the
    cases investigated and reviewed, so that every printed form has something in it."""
    households = []
    for i in range(0, len(BIRTHS), 2):
        (b1, s1), (b2, s2) = BIRTHS[i], BIRTHS[i + 1]
        households.append(
            new_household(
                "310105001",
                [
                    member(
                        f"居民{i}", id_number=make_id(birth=b1, sex=s1), bank_account=f"6222020200{i:09d}"
                    ),
                    member(f"居民{i + 1}", "spouse", id_number=make_id(birth=b2, sex=s2)),
                ],
            )
        )
    roster = factories.panel()
    cases = [factories.case(cast.intake_a, h) for h in households]
    for c in cases[:2]:
        for user, action, data in (
            (cast.assessor_a, "investigate", INVESTIGATION),
            (cast.panel_a, "review", review_data(roster)),
        ):
            client.force_login(user)
            assert client.post(reverse("cases:action", args=[c.pk, action]), data).status_code == 302
    client.logout()
    people = [p for h in households for p in h.members.all()]
    return households, cases, people


def pages_of(households, cases, people) -> list[str]:
    urls = ["/", "/households/", "/cases/", "/cases/tasks/", "/audit/", "/api/v1/openapi.json",
            "/admin/", "/admin/audit/auditentry/"]  # fmt: skip
    for h in households:
        urls += [f"/households/{h.pk}/", f"/households/?q={h.file_number}"]
    for p in people:
        urls.append(f"/households/?q={p.name}")
    for c in cases:
        urls.append(reverse("cases:detail", args=[c.pk]))
        urls += [reverse("cases:pdf", args=[c.pk, f]) for f in ("application", "investigation", "prereview",
                                                                  "panel", "approval", "receipt")]  # fmt: skip
    month = "/funds/reports/310105001/2021-3"
    urls += [f"{month}/", f"{month}.xlsx", f"{month}.pdf", "/funds/reports/annual/310105/2021.xlsx"]
    return urls


@pytest.mark.parametrize("who", NOT_REVEALING)
def test_nothing_a_non_revealing_user_is_served_rebuilds_an_id_number(who, cast, login, files):
    households, cases, people = files
    client = login(getattr(cast, who))
    seen_a_mask = 0
    for url in pages_of(households, cases, people):
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            text = served_text(response)
            assert_not_rebuildable(text, people, f"{who} {url}")
            seen_a_mask += sum(p.id_number_masked in text for p in people)
    if who == "panel_a":  # the panel member reads the files: the masks are there, the dates are not
        assert seen_a_mask >= len(people)
        page = client.get(f"/households/{households[0].pk}/").content.decode()
        for p in households[0].members.all():
            assert f"{p.birth_date.year}年生" in page


@pytest.mark.parametrize("who", NOT_REVEALING)
def test_a_non_revealing_user_cannot_reveal(who, cast, login, files):
    households, _, _ = files
    h = households[0]
    head = h.members.get(relationship="head")
    client = login(getattr(cast, who))
    for field in ("id_number", "bank_account"):
        response = client.post(f"/households/{h.pk}/members/{head.pk}/reveal/{field}/")
        assert response.status_code in (403, 404)
        assert_not_rebuildable(response.content.decode(), [head], who)
    assert not AuditEntry.objects.filter(action="reveal").exists()


def candidates(person) -> list[str]:
    """Every valid number the mask and the birth year leave open."""
    head, tail = person.id_number[:6], person.id_number[14:17]
    day, out = date(person.birth_date.year, 1, 1), []
    while day.year == person.birth_date.year:
        body = f"{head}{day:%Y%m%d}{tail}"
        if ric.calc_check_digit(body + "0") == person.id_number[17]:
            out.append(body + person.id_number[17])
        day += timedelta(days=1)
    return out


def test_the_year_leaves_dozens_of_numbers_and_search_confirms_none_of_them(cast, login, files):
    """The check digit cuts a year's 365 dates to about a tenth; a search by full ID number
    would then confirm the right one in a few dozen tries. It finds nothing for whoever may
    not reveal, and still finds the household for whoever may."""
    _, _, people = files
    person = people[0]
    numbers = candidates(person)
    assert len(numbers) >= 20 and person.id_number in numbers
    client = login(cast.panel_a)
    file_number = person.household.file_number
    for number in numbers:
        page = client.get("/households/", {"q": number}).content.decode()
        assert file_number not in page
    assert "仅限有权查看身份证号码的人员" in page
    by_number = {"q": person.id_number}
    assert file_number in login(cast.intake_a).get("/households/", by_number).content.decode()
    # District finance reads the district's files but may not reveal: the same refusal.
    assert file_number not in login(cast.finance_cn).get("/households/", by_number).content.decode()


@pytest.mark.parametrize("who", REVEALING)
def test_a_revealing_user_sees_the_birth_date_only_with_the_logged_reveal(who, cast, login, files):
    households, _, _ = files
    h = households[0]
    head, spouse = h.members.get(relationship="head"), h.members.get(relationship="spouse")
    user = getattr(cast, who)
    client = login(user)
    page = client.get(f"/households/{h.pk}/").content.decode()
    assert_not_rebuildable(page, [head, spouse], who)  # not without asking, for them either
    assert f"{head.birth_date.year}年生" in page

    response = client.post(f"/households/{h.pk}/members/{head.pk}/reveal/id_number/", REMOTE_ADDR="10.1.2.3")
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    full = f"{head.birth_date.year}年{head.birth_date.month}月{head.birth_date.day}日"
    assert head.id_number in page and full in page
    assert_not_rebuildable(page, [spouse], who)  # only the one asked for
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.user, entry.ip, entry.target_id, entry.after) == (user, "10.1.2.3", str(head.pk),
                                                                    {"field": "id_number"})  # fmt: skip

    # Revealing the bank account shows the account, not the birth date.
    page = client.post(f"/households/{h.pk}/members/{head.pk}/reveal/bank_account/").content.decode()
    assert head.bank_account in page and full not in page
    # And the next ordinary view is back to the year.
    assert_not_rebuildable(client.get(f"/households/{h.pk}/").content.decode(), [head, spouse], who)


def test_the_audit_log_keeps_the_birth_year_only(cast, login, files):
    """The log is not encrypted: the masked number beside the full birth date would be the
    number in plain text, in the database and on the log page."""
    households, _, people = files
    head = households[0].members.get(relationship="head")
    client = login(cast.intake_a)
    new_number = make_id(birth="19560313", sex="M")
    client.post(
        f"/households/{households[0].pk}/members/{head.pk}/edit/",
        {"name": head.name, "relationship": "head", "id_number": new_number, "resides_in_district": "on"},
    )
    head.refresh_from_db()
    assert head.id_number == new_number
    about_head = AuditEntry.objects.filter(target_type="registry.person", target_id=str(head.pk))
    row = about_head.filter(action="update").latest("pk")
    # The correction is seen (as a new reference), the date it corrected is not.
    assert row.before["id_ref"] != row.after["id_ref"] and "birth_date" not in row.after
    created = about_head.get(action="create")
    assert created.after["birth_year"] == 1956 and "birth_date" not in created.after
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after, note, target_repr FROM audit_auditentry")
        stored = " ".join(str(v) for r in cursor.fetchall() for v in r)
    assert_not_rebuildable(stored, [*people, head], "audit_auditentry")
    assert "19560312" not in stored and "1956-03-12" not in stored  # nor the number before the correction

    # A row written the old way (with the full date) is shown with the year only.
    old = AuditEntry.objects.create(
        actor_label="旧记录", action="update", target_type="registry.person", target_id=str(head.pk),
        org=households[0].street, before={"id_number": head.id_number_masked, "birth_date": "1956-03-13"},
        after={"id_number": head.id_number_masked, "birth_date": "1956-03-13"},
    )  # fmt: skip
    auditor = cast.auditor_cn
    auditor.is_staff = True
    auditor.save()
    client = login(auditor)
    for url in ("/audit/", f"/admin/audit/auditentry/{old.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert head.id_number_masked in text
        assert_not_rebuildable(text, [head], url)
