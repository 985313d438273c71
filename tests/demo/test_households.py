"""`bangfu synth`: deterministic, valid, realistic synthetic households, written in bulk."""

import re
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.core.crypto import lookup_hash
from bangfu.core.idnumber import validate_id_number
from bangfu.demo import households as synth
from bangfu.registry.models import FileNumberCounter, Household, HouseholdCategory, Person

AS_OF = date(2026, 3, 1)


def run(*args: str) -> str:
    out = StringIO()
    call_command("synth", *args, stdout=out)
    return out.getvalue()


def _plain(households):
    """What a household file says, without database ids or file numbers."""
    return [
        (
            h.street.code,
            h.address,
            h.phone,
            [(p.name, p.id_number, p.sex, p.birth_date, p.relationship, p.bank_account) for p in h.persons],
            [tuple(c) for c in h.categories],
        )
        for h in households
    ]


def test_same_seed_gives_the_same_households(db):
    streets = synth.synth_streets()
    first = _plain(synth.generate(seed=7, households=300, streets=streets, as_of=AS_OF))
    again = _plain(synth.generate(seed=7, households=300, streets=streets, as_of=AS_OF))
    other = _plain(synth.generate(seed=8, households=300, streets=streets, as_of=AS_OF))
    assert first == again
    assert first != other


def test_the_command_writes_what_the_generator_makes(today, db):
    run("--households", "60", "--seed", "3", "--district", "310105", "--quiet")
    expected = _plain(
        synth.generate(seed=3, households=60, streets=synth.synth_streets(district="310105"), as_of=today)
    )
    written = [
        (
            h.street.code,
            h.address,
            h.phone,
            [
                (p.name, p.id_number, p.sex, p.birth_date, p.relationship, p.bank_account or "")
                for p in h.members.order_by("pk")
            ],
            [(c.category, c.valid_from, c.valid_to, c.source, c.note) for c in h.categories.order_by("pk")],
        )
        for h in Household.objects.select_related("street").order_by("pk")
    ]
    assert written == expected


def test_every_id_number_validates_and_agrees_with_sex_and_birth_date(db):
    run("--households", "200", "--seed", "5", "--quiet")
    warned = 0
    for person in Person.objects.all():
        checked = validate_id_number(person.id_number)
        assert checked.sex == person.sex
        assert checked.birth_date == person.birth_date
        assert person.id_hash == lookup_hash(person.id_number)
        assert person.id_number.startswith("31") or person.non_local_spouse_or_child
        warned += bool(checked.warnings)
    # Some older people carry a district code younger than themselves (310115 before 1992).
    assert 0 < warned < Person.objects.count() * 0.2


def test_households_look_like_households():
    districts = {"310105": 10, "310115": 11, "310151": 12}
    households = list(
        synth.generate(seed=11, households=3000, streets=_streets(), as_of=AS_OF, districts=districts)
    )
    persons = [p for h in households for p in h.persons]
    assert 3.1 < len(persons) / len(households) < 3.5
    assert all(sum(p.relationship == "head" for p in h.persons) == 1 for h in households)
    # A child is younger than the head, a parent older.
    for h in households:
        head = next(p for p in h.persons if p.relationship == "head")
        for p in h.persons:
            if p.relationship in ("child", "grandchild"):
                assert p.birth_date > head.birth_date
            if p.relationship == "parent":
                assert p.birth_date < head.birth_date
    current = Counter(
        next((c.category for c in h.categories if c.valid_to is None or c.valid_to >= AS_OF), "none")
        for h in households
    )
    assert 0.06 < current["dibao"] / 3000 < 0.10
    assert 0.05 < current["low_income"] / 3000 < 0.09
    assert 0.025 < current["rigid_expense"] / 3000 < 0.055
    assert {h.street.code for h in households} == {s.code for s in _streets()}
    assert all(re.fullmatch(r"\d{16}|\d{19}", p.bank_account) for p in persons if p.bank_account)


def _streets():
    return [
        synth.StreetRef(1, "310105001", "华阳路街道", 10, "310105", "长宁区"),
        synth.StreetRef(2, "310115004", "潍坊新村街道", 11, "310115", "浦东新区"),
        synth.StreetRef(3, "310151101", "城桥镇", 12, "310151", "崇明区"),
    ]


def test_file_numbers_continue_each_street_counter(db, org):
    huayang = org("310105001")
    FileNumberCounter.objects.create(street=huayang, last=41)
    run("--households", "120", "--seed", "2", "--district", "310105", "--quiet")
    numbers = list(Household.objects.values_list("file_number", "street__code"))
    assert len({n for n, _ in numbers}) == 120
    by_street: dict[str, list[int]] = {}
    for number, code in numbers:
        assert re.fullmatch(rf"{code}-\d{{7}}", number)
        by_street.setdefault(code, []).append(int(number[-7:]))
    for code, seqs in by_street.items():
        last = FileNumberCounter.objects.get(street__code=code).last
        start = 42 if code == "310105001" else 1
        assert sorted(seqs) == list(range(start, last + 1))


def test_encrypted_columns_hold_no_plain_text(db):
    run("--households", "80", "--seed", "4", "--quiet")
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, bank_account FROM registry_person")
        raw = cur.fetchall()
    plain = {p.id_number for p in Person.objects.all()} | {p.bank_account for p in Person.objects.all()} - {
        ""
    }
    assert raw and all(id_number.startswith("v1:") for id_number, _ in raw)
    assert any(account for _, account in raw)
    for id_number, account in raw:
        assert account == "" or account.startswith("v1:")
        assert not re.search(r"\d{15}", id_number + account)
        assert id_number not in plain and account not in plain


def test_one_audit_row_for_the_whole_run(db):
    before = AuditEntry.objects.count()
    out = run("--households", "50", "--seed", "6", "--district", "310101")
    assert "行/秒" in out
    entries = list(AuditEntry.objects.all()[: AuditEntry.objects.count() - before])
    assert len(entries) == 1
    assert entries[0].action == "create" and "50户" in entries[0].note and "种子6" in entries[0].note


def test_streets_of_one_district_only(db):
    run("--households", "40", "--seed", "1", "--district", "310101", "--quiet")
    assert set(Household.objects.values_list("street__parent__code", flat=True)) == {"310101"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--households", "0"], "户数必须是正整数"),
        (["--households", "-5"], "户数必须是正整数"),
        (["--households", "10", "--district", "999999"], "没有代码为 999999 的区"),
        (["--households", "10", "--seed", "-1"], "种子必须是非负整数"),
    ],
)
def test_bad_options_are_refused_in_chinese(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Household.objects.exists()


def test_a_clash_with_people_on_file_stops_the_run_and_writes_nothing(db):
    run("--households", "30", "--seed", "9", "--district", "310105", "--quiet")
    counters = dict(FileNumberCounter.objects.values_list("street_id", "last"))
    audit = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="身份证号与库中已在册人员重复"):
        run("--households", "30", "--seed", "9", "--district", "310105", "--quiet")
    assert Household.objects.count() == 30
    assert dict(FileNumberCounter.objects.values_list("street_id", "last")) == counters
    assert AuditEntry.objects.count() == audit


def test_seeds_ending_in_different_digits_never_share_an_id_number(db):
    run("--households", "100", "--seed", "1", "--district", "310105", "--quiet")
    run("--households", "100", "--seed", "2", "--district", "310105", "--quiet")
    assert Person.objects.filter(active=True).values("id_hash").distinct().count() == Person.objects.count()


def test_chunks_made_by_a_worker_process_are_the_same_rows(db, monkeypatch):
    # Several chunks, built in a forked worker, settled against each other in this process.
    monkeypatch.setattr(synth, "CHUNK", 25)
    streets = synth.synth_streets(district="310105")
    result = synth.synth_load(
        seed=12, households=110, streets=streets, actor=Actor.system("test"), workers=1, as_of=AS_OF
    )
    assert result.households == 110 and result.persons == Person.objects.count()
    expected = [
        (h.street.id, h.address, [p.id_number for p in h.persons], len(h.categories))
        for h in synth.generate(seed=12, households=110, streets=streets, as_of=AS_OF)
    ]
    written = [
        (h.street_id, h.address, [p.id_number for p in h.members.order_by("pk")], h.categories.count())
        for h in Household.objects.order_by("pk")
    ]
    assert written == expected
    assert HouseholdCategory.objects.count() == result.categories


def test_a_clash_inside_one_run_moves_the_person_to_a_free_number():
    ledger = synth.IdLedger()
    assert ledger.claim("31010519800101501") is None
    moved = ledger.claim("31010519800101501")
    assert moved is not None and moved != "31010519800101501"
    assert moved[:14] == "31010519800101" and moved[14] == "5" and int(moved[16]) % 2 == 1
    for _ in range(60):  # a full day's band spills over to the day before
        ledger.claim("31010519800101501")
    assert any(k // 1000 % 10**8 == 19791231 for k in ledger.seen)
