"""ID numbers and bank accounts: encrypted at rest, masked on screen, revealed only by
an explicit, logged action."""

from django.db import connection

from bangfu.audit.models import AuditEntry
from bangfu.core.crypto import lookup_hash


def test_list_and_file_pages_show_masked_numbers_only(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    spouse = household_a.members.get(relationship="spouse")
    client = login(cast.intake_a)
    for url in ("/households/", f"/households/{household_a.pk}/", "/"):
        page = client.get(url).content.decode()
        for plain in (head.id_number, spouse.id_number, head.bank_account):
            assert plain not in page, url
    file_page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in file_page
    assert f"{head.bank_account[:4]}{'*' * (len(head.bank_account) - 8)}{head.bank_account[-4:]}" in file_page


def test_edit_form_does_not_put_the_full_number_in_the_page(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    page = login(cast.intake_a).get(f"/households/{household_a.pk}/members/{head.pk}/edit/").content.decode()
    assert head.id_number not in page and head.bank_account not in page
    assert head.id_number_masked in page


def test_reveal_shows_the_full_number_once_and_logs_who_and_from_where(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    client = login(cast.intake_a)
    response = client.post(
        f"/households/{household_a.pk}/members/{head.pk}/reveal/id_number/", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert head.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.user, entry.ip, entry.target_type, entry.target_id) == (
        cast.intake_a,
        "10.1.2.3",
        "registry.person",
        str(head.pk),
    )
    assert entry.after == {"field": "id_number"} and entry.org.code == "310105001"
    # The next ordinary view is masked again.
    assert head.id_number not in client.get(f"/households/{household_a.pk}/").content.decode()


def test_reveal_of_a_bank_account_is_logged_too(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    response = login(cast.supervisor).post(
        f"/households/{household_a.pk}/members/{head.pk}/reveal/bank_account/"
    )
    assert head.bank_account in response.content.decode()
    assert AuditEntry.objects.get(action="reveal").after == {"field": "bank_account"}


def test_reveal_is_post_only_and_only_for_the_two_fields(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    client = login(cast.intake_a)
    base = f"/households/{household_a.pk}/members/{head.pk}/reveal"
    assert client.get(f"{base}/id_number/").status_code == 405
    assert client.post(f"{base}/phone/").status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_encrypted_columns_hold_no_plain_text(household_a):
    head = household_a.members.get(relationship="head")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, bank_account, id_hash FROM registry_person WHERE id = %s", [head.pk]
        )
        id_number, bank_account, id_hash = cursor.fetchone()
        cursor.execute("SELECT id_number, bank_account FROM registry_person")
        everything = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert id_number.startswith("v1:") and bank_account.startswith("v1:")
    for plain in (head.id_number, head.bank_account, head.id_number[-4:] + head.id_number[:6]):
        assert plain not in everything
    assert head.id_number[6:14] not in id_number  # not even the birth date
    assert id_hash == lookup_hash(head.id_number) and head.id_number not in id_hash


def test_the_same_number_encrypts_differently_each_time(household_a):
    from bangfu.registry.models import Person

    person = household_a.members.get(relationship="head")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_person WHERE id = %s", [person.pk])
        first = cursor.fetchone()[0]
        Person.objects.filter(pk=person.pk).update(id_number=person.id_number)
        cursor.execute("SELECT id_number FROM registry_person WHERE id = %s", [person.pk])
        second = cursor.fetchone()[0]
    assert first != second


def test_the_audit_log_never_holds_a_plain_number(cast, login, household_a):
    head = household_a.members.get(relationship="head")
    client = login(cast.intake_a)
    client.post(f"/households/{household_a.pk}/members/{head.pk}/reveal/id_number/")
    client.post(
        f"/households/{household_a.pk}/members/{head.pk}/edit/",
        {
            "name": "张伟",
            "relationship": "head",
            "bank_name": "中国银行",
            "bank_account": "6216610200016587010",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after, note, target_repr FROM audit_auditentry")
        text = " ".join(str(v) for row in cursor.fetchall() for v in row)
    for plain in (head.id_number, head.bank_account, "6216610200016587010"):
        assert plain not in text
    assert "6216***********7010" in text  # the change is there, masked
