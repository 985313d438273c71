"""Drafting, reviewing and publishing a version: permissions, four eyes, no overlap,
immutability once published, and every step in the audit log."""

import json
from datetime import date

import pytest
from django.db import DatabaseError, transaction

from bangfu.audit.actor import Actor
from bangfu.audit.models import AuditEntry
from bangfu.core.refusal import Refused
from bangfu.orgs.models import Organisation
from bangfu.policy import services
from bangfu.policy.engine import evaluate
from bangfu.policy.models import ParameterValue, Policy
from bangfu.policy.selectors import policy_book, policy_in_force

from .casetable import load


def actor(user):
    return Actor.for_user(user, "test")


def draft(
    user, code="changning-2022", valid_from=date(2022, 1, 1), valid_to=date(2026, 12, 31), district="310105"
):
    return services.policy_draft_create(
        actor=actor(user),
        district=Organisation.objects.get(code=district),
        code=code,
        title="长宁区综合帮扶实施意见（2022）",
        document="长民发〔2022〕1号",
        valid_from=valid_from,
        valid_to=valid_to,
        validity_reference="长民发〔2022〕1号 末段",
        copy_from=Policy.objects.get(code="changning-2016"),
    )


def test_a_draft_copies_every_value_from_its_first_day(cast):
    policy = draft(cast.finance_cn)
    assert policy.status == "draft" and policy.created_by == cast.finance_cn
    values = {v.name: v for v in policy.values.all()}
    assert len(values) == 23 and {v.start for v in values.values()} == {date(2022, 1, 1)}
    assert values["medical.rate.dibao"].value == "0.60"
    assert values["medical.rate.dibao"].reference == "长民发〔2016〕31号 三(一)1"


def test_drafting_needs_the_draft_permission_at_the_district(cast):
    for user in (cast.intake_a, cast.approver_a, cast.district_hp, cast.supervisor):
        with pytest.raises(Refused):
            draft(user)
    assert not Policy.objects.filter(code="changning-2022").exists()


def test_draft_review_publish_by_two_people(cast):
    policy = draft(cast.finance_cn)
    services.parameter_value_set(
        actor=actor(cast.finance_cn), policy=policy, name="medical.rate.other", start=date(2022, 1, 1),
        value="0.45", reference="长民发〔2022〕1号 三(一)3", generally=False,
    )  # fmt: skip
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    services.policy_publish(actor=actor(cast.district_cn), policy=policy)
    policy.refresh_from_db()
    assert policy.status == "published" and policy.published_by == cast.district_cn
    assert policy_in_force("310105", date(2022, 3, 1)).code == "changning-2022"
    request = json.loads(next(c for c in load("rules.toml") if c.name == "other 40%").body)
    request["application_date"] = "2022-05-01"
    request["medical"]["invoices"][0]["date"] = "2022-01-10"
    answer = evaluate(request, policy_book())
    assert answer["policy"]["id"] == "changning-2022"
    assert answer["max_amount"] == "540.22"  # 1200.50 x 45%, rounded down
    actions = list(
        AuditEntry.objects.filter(target_type="policy.policy", target_id=str(policy.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "submit", "publish"]


def test_the_drafter_may_not_publish_four_eyes(cast):
    policy = draft(cast.district_cn)
    services.policy_submit(actor=actor(cast.district_cn), policy=policy)
    with pytest.raises(Refused, match="双人复核"):
        services.policy_publish(actor=actor(cast.district_cn), policy=policy)


def test_a_reviewer_who_edits_may_not_publish(cast, make_user):
    second = make_user("district_cn2", [("district_approver", "310105")])
    policy = draft(cast.finance_cn)
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    services.policy_return(actor=actor(cast.district_cn), policy=policy, note="请核对比例")
    services.parameter_value_set(
        actor=actor(cast.district_cn), policy=policy, name="annual.max_amount", start=date(2022, 1, 1),
        value="90000", reference="长民发〔2022〕1号 三(四)", generally=False,
    )  # fmt: skip
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    with pytest.raises(Refused):
        services.policy_publish(actor=actor(cast.district_cn), policy=policy)
    services.policy_publish(actor=actor(second), policy=policy)
    assert Policy.objects.get(pk=policy.pk).values.get(name="annual.max_amount").value == "90000.00"


def test_finance_may_draft_but_not_publish(cast):
    policy = draft(cast.district_cn)
    services.policy_submit(actor=actor(cast.district_cn), policy=policy)
    with pytest.raises(Refused, match="权限"):
        services.policy_publish(actor=actor(cast.finance_cn), policy=policy)


def test_an_overlapping_version_is_refused(cast):
    policy = draft(
        cast.finance_cn, code="changning-2021", valid_from=date(2021, 12, 31), valid_to=date(2025, 12, 31)
    )
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    with pytest.raises(Refused, match=r"changning-2016.*重叠"):
        services.policy_publish(actor=actor(cast.district_cn), policy=policy)
    assert Policy.objects.get(pk=policy.pk).status == "review"


def test_versions_of_other_districts_do_not_overlap(cast):
    policy = draft(
        cast.district_hp,
        code="huangpu-2018",
        valid_from=date(2018, 1, 1),
        valid_to=date(2022, 12, 31),
        district="310101",
    )
    services.policy_submit(actor=actor(cast.district_hp), policy=policy)
    with pytest.raises(Refused, match="双人复核"):
        services.policy_publish(actor=actor(cast.district_hp), policy=policy)


def test_a_return_needs_a_remark(cast):
    policy = draft(cast.finance_cn)
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    with pytest.raises(Refused):
        services.policy_return(actor=actor(cast.district_cn), policy=policy, note=" ")


def test_an_incomplete_draft_cannot_be_submitted(cast):
    policy = draft(cast.finance_cn)
    row = policy.values.get(name="approval.street_limit")
    services.parameter_value_delete(actor=actor(cast.finance_cn), policy=policy, value=row)
    with pytest.raises(Refused, match="街镇审批限额"):
        services.policy_submit(actor=actor(cast.finance_cn), policy=policy)


def test_a_value_must_fit_its_kind_and_the_period(cast):
    policy = draft(cast.finance_cn)
    a = actor(cast.finance_cn)
    for name, value, start in [
        ("medical.rate.dibao", "60%", date(2022, 1, 1)),
        ("medical.rate.dibao", "1.20", date(2022, 1, 1)),
        ("annual.max_amount", "-1.00", date(2022, 1, 1)),
        ("medical.excluded_fee_types", "nursing,wine", date(2022, 1, 1)),
        ("annual.max_events", "two", date(2022, 1, 1)),
        ("unknown.parameter", "1", date(2022, 1, 1)),
        ("medical.rate.dibao", "0.60", date(2021, 12, 31)),
    ]:
        with pytest.raises(Refused):
            services.parameter_value_set(
                actor=a, policy=policy, name=name, start=start, value=value, reference="x", generally=False
            )


def test_a_value_from_a_later_date_applies_from_that_date(cast):
    policy = draft(cast.finance_cn)
    services.parameter_value_set(
        actor=actor(cast.finance_cn), policy=policy, name="emergency.max_amount", start=date(2024, 1, 1),
        value="30000.00", reference="长民发〔2023〕9号", generally=True,
    )  # fmt: skip
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)
    services.policy_publish(actor=actor(cast.district_cn), policy=policy)
    base = json.loads(next(c for c in load("rules.toml") if c.name.startswith("fire with casualties")).body)
    book = policy_book()
    assert evaluate(base | {"application_date": "2023-12-31"}, book)["max_amount"] == "20000.00"
    assert evaluate(base | {"application_date": "2024-01-01"}, book)["max_amount"] == "30000.00"


def test_a_published_version_is_immutable(cast):
    published = Policy.objects.get(code="changning-2016")
    a = actor(cast.district_cn)
    with pytest.raises(Refused):
        services.policy_update(
            actor=a, policy=published, title="x", document="x", valid_from=date(2016, 7, 1),
            valid_to=date(2030, 12, 31), validity_reference="x",
        )  # fmt: skip
    with pytest.raises(Refused):
        services.parameter_value_set(
            actor=a,
            policy=published,
            name="medical.rate.dibao",
            start=date(2016, 7, 1),
            value="0.90",
            reference="x",
            generally=False,
        )
    with pytest.raises(Refused):
        services.policy_discard(actor=a, policy=published)
    with pytest.raises(ValueError):
        published.delete()


def test_the_database_refuses_changes_to_a_published_version(db):
    published = Policy.objects.get(code="changning-2016")
    with pytest.raises(DatabaseError), transaction.atomic():
        Policy.objects.filter(pk=published.pk).update(valid_to=date(2030, 12, 31))
    with pytest.raises(DatabaseError), transaction.atomic():
        ParameterValue.objects.filter(policy=published, name="medical.rate.dibao").update(value="0.90")
    with pytest.raises(DatabaseError), transaction.atomic():
        ParameterValue.objects.create(
            policy=published,
            name="medical.rate.rigid_expense",
            start=date(2016, 7, 1),
            value="0.50",
            reference="x",
        )
    assert published.values.get(name="medical.rate.dibao").value == "0.60"


def test_changing_the_header_moves_the_first_values(cast):
    policy = draft(cast.finance_cn)
    services.policy_update(
        actor=actor(cast.finance_cn), policy=policy, title="t", document="d", valid_from=date(2022, 2, 1),
        valid_to=date(2026, 12, 31), validity_reference="r",
    )  # fmt: skip
    assert set(policy.values.values_list("start", flat=True)) == {date(2022, 2, 1)}
    services.policy_submit(actor=actor(cast.finance_cn), policy=policy)


def test_a_draft_can_be_discarded(cast):
    policy = draft(cast.finance_cn)
    pk = policy.pk
    services.policy_discard(actor=actor(cast.finance_cn), policy=policy)
    assert not Policy.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(target_type="policy.policy", target_id=str(pk), action="delete").exists()
