from datetime import timedelta

import pytest

from bangfu.audit.actor import Actor
from bangfu.policy import services as policy_services
from bangfu.policy.models import Policy


@pytest.fixture
def recent_policy(today, cast):
    """Changning's rules published for the last two years, so that cases can be recent."""
    draft = policy_services.policy_draft_create(
        actor=Actor.for_user(cast.finance_cn, "test"), district=cast.district_cn.role_assignments.get().org,
        code="changning-test", title="测试版本", document="测试", valid_from=today - timedelta(days=730),
        valid_to=today + timedelta(days=365), validity_reference="测试", copy_from=Policy.objects.get(code="changning-2016"),
    )  # fmt: skip
    policy_services.policy_submit(actor=Actor.for_user(cast.finance_cn, "test"), policy=draft)
    policy_services.policy_publish(actor=Actor.for_user(cast.district_cn, "test"), policy=draft)
    return draft
