"""Loading a built-in policy file into the database, as a published version.

Takes the model classes, so a data migration can pass its historical models (the same
pattern as `bangfu.orgs.network.load_network`).
"""

from django.utils import timezone

from .parameters import PolicyData, builtin_policy


def snapshot(data: PolicyData) -> dict:
    """A version as a JSON-able dict: what the audit log keeps as `before`/`after`."""
    return {
        "code": data.code,
        "district": data.district,
        "title": data.title,
        "document": data.document,
        "valid_from": data.valid_from.isoformat(),
        "valid_to": data.valid_to.isoformat(),
        "validity_reference": data.validity_reference,
        "values": [
            {"name": v.name, "start": v.start.isoformat(), "value": v.text, "reference": v.reference,
             "generally": v.generally}
            for v in data.values
        ],
    }  # fmt: skip


def load_builtin(code: str, *, Organisation, Policy, ParameterValue, AuditEntry):
    """Create the built-in version `code` from its file, published, with its audit entry."""
    data = builtin_policy(code)
    district = Organisation.objects.get(code=data.district, kind="district")
    # Created as a draft, its values added, then published: the database refuses values
    # added to a version that is already published (migration 0002).
    policy = Policy.objects.create(
        code=data.code,
        district=district,
        title=data.title,
        document=data.document,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        validity_reference=data.validity_reference,
        status="draft",
        builtin=True,
    )
    ParameterValue.objects.bulk_create(
        ParameterValue(
            policy=policy,
            name=v.name,
            start=v.start,
            value=v.text,
            reference=v.reference,
            generally=v.generally,
        )
        for v in data.values
    )
    Policy.objects.filter(pk=policy.pk).update(status="published", published_at=timezone.now())
    AuditEntry.objects.create(
        user=None,
        actor_label="system:migration",
        action="publish",
        target_type="policy.policy",
        target_id=str(policy.pk),
        target_repr=f"{data.code}（已发布）",
        org=district,
        after=snapshot(data),
        note=f"内置政策版本 {data.code}（{data.document}）由数据迁移载入并发布。",
    )
    return policy
