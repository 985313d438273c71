"""Changning's next version, drafted in the interface's way: copied from the 2016 rules, then the
rate of the households of no category raised from 40% to 50% (what the what-if tests compare)."""

from datetime import date

from bangfu.audit.actor import Actor
from bangfu.policy import services
from bangfu.policy.models import Policy


def changning_2022(user) -> Policy:
    actor = Actor.for_user(user, "test")
    draft = services.policy_draft_create(
        actor=actor, district=user.role_assignments.get().org, code="changning-2022",
        title="长宁区综合帮扶实施意见（征求意见稿）", document="长民发〔2022〕草案", valid_from=date(2022, 1, 1),
        valid_to=date(2026, 12, 31), validity_reference="草案 末段", copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    services.parameter_value_set(
        actor=actor, policy=draft, name="medical.rate.other", start=date(2022, 1, 1), value="0.50",
        reference="长民发〔2022〕草案 三(一)3", generally=False,
    )  # fmt: skip
    return draft
