"""The admin drafts and publishes through the same services: checked, four-eyed, audited."""

from bangfu.audit.models import AuditEntry
from bangfu.orgs.models import Organisation
from bangfu.policy.models import Policy


def _staff(user):
    user.is_staff = True
    user.save()
    return user


def test_a_district_officer_drafts_in_the_admin(cast, login):
    client = login(_staff(cast.finance_cn))
    assert client.get("/admin/policy/policy/").status_code == 200
    response = client.post(
        "/admin/policy/policy/add/",
        {
            "district": Organisation.objects.get(code="310105").pk,
            "code": "changning-2022",
            "title": "长宁区（2022）",
            "document": "长民发〔2022〕1号",
            "valid_from": "2022-01-01",
            "valid_to": "2026-12-31",
            "validity_reference": "末段",
            "copy_from": Policy.objects.get(code="changning-2016").pk,
            "values-TOTAL_FORMS": "0",
            "values-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(code="changning-2022")
    assert policy.values.count() == 23  # every value of changning-2016, the cap forms included
    assert AuditEntry.objects.filter(
        target_type="policy.policy", target_id=str(policy.pk), action="create"
    ).exists()
    client.post("/admin/policy/policy/", {"action": "submit_for_review", "_selected_action": [policy.pk]})
    assert Policy.objects.get(pk=policy.pk).status == "review"
    client.post("/admin/policy/policy/", {"action": "publish", "_selected_action": [policy.pk]})
    assert Policy.objects.get(pk=policy.pk).status == "review"  # the drafter may not publish
    login(_staff(cast.district_cn)).post(
        "/admin/policy/policy/", {"action": "publish", "_selected_action": [policy.pk]}
    )
    assert Policy.objects.get(pk=policy.pk).status == "published"


def test_a_published_version_is_read_only_in_the_admin(cast, login):
    client = login(_staff(cast.district_cn))
    policy = Policy.objects.get(code="changning-2016")
    page = client.get(f"/admin/policy/policy/{policy.pk}/change/")
    assert page.status_code == 200
    response = client.post(f"/admin/policy/policy/{policy.pk}/change/", {"title": "x"})
    assert response.status_code == 403
    assert Policy.objects.get(pk=policy.pk).title != "x"


def test_values_are_edited_in_the_admin_through_the_services(cast, login):
    client = login(_staff(cast.finance_cn))
    client.post(
        "/admin/policy/policy/add/",
        {
            "district": Organisation.objects.get(code="310105").pk, "code": "changning-2022", "title": "t",
            "document": "d", "valid_from": "2022-01-01", "valid_to": "2026-12-31", "validity_reference": "r",
            "copy_from": Policy.objects.get(code="changning-2016").pk,
            "values-TOTAL_FORMS": "0", "values-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    policy = Policy.objects.get(code="changning-2022")
    rows = list(policy.values.all())
    data = {
        "title": "t", "document": "d", "valid_from": "2022-01-01", "valid_to": "2026-12-31", "validity_reference": "r",
        "values-TOTAL_FORMS": str(len(rows)), "values-INITIAL_FORMS": str(len(rows)),
    }  # fmt: skip
    for i, row in enumerate(rows):
        data |= {
            f"values-{i}-id": row.pk, f"values-{i}-policy": policy.pk, f"values-{i}-name": row.name,
            f"values-{i}-start": "2022-01-01", f"values-{i}-value": row.value, f"values-{i}-reference": row.reference,
        }  # fmt: skip
        if row.generally:
            data[f"values-{i}-generally"] = "on"
        if row.name == "medical.rate.dibao":
            data[f"values-{i}-value"] = "0.65"
    response = client.post(f"/admin/policy/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert policy.values.get(name="medical.rate.dibao").value == "0.65"
    notes = AuditEntry.objects.filter(target_type="policy.policy", target_id=str(policy.pk)).values_list(
        "note", flat=True
    )
    assert any("medical.rate.dibao" in n for n in notes)
