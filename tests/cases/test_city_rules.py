"""The procedure's periods come from the city rules, with their clause, as in force on the day."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bangfu.cases.models import Case

from . import factories
from .test_procedure import text, to_approved

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("street_funds")]

KEY = "6f1e7d56-1111-4222-8333-444455556666"


@pytest.mark.parametrize("starts_in, days", [(0, 14), (1, 30)])
def test_the_follow_up_is_due_by_the_rule_in_force_on_the_payment_day(
    today, city_rules_with, cast, act, roster, starts_in, days
):
    starts = today + timedelta(days=starts_in)
    city_rules_with(
        "[cases.follow_up_days]", f'values.{starts} = {{ value = 14, reference = "测试文件 回访" }}'
    )
    c = factories.case(cast.intake_a)
    to_approved(cast, act, roster, c)
    assert act(cast.cashier_a, c, "pay", method="cash", idempotency_key=KEY).status_code == 302
    assert c.follow_ups.get().due_date == today + timedelta(days=days)


def test_help_first_offers_the_rules_deadline_with_its_clause(today, cast, login):
    c = factories.case(cast.intake_a)
    page = text(login(cast.approver_a).get(reverse("cases:action", args=[c.pk, "help_first"])))
    assert f'value="{today + timedelta(days=30)}"' in page
    assert (
        "留空则为批准后30日" in page
        and "沪民救发〔2025〕1号 三(二)4" in page
        and "文件未规定补办期限" in page
    )


@pytest.mark.parametrize("starts_in, days", [(0, 7), (1, 30)])
def test_help_first_left_blank_is_due_by_the_rule_in_force_today(
    today, city_rules_with, cast, act, starts_in, days
):
    starts = today + timedelta(days=starts_in)
    city_rules_with(
        "[cases.help_first.paperwork_days]", f'values.{starts} = {{ value = 7, reference = "测试文件 补办" }}'
    )
    c = factories.case(cast.intake_a, invoices=())
    r = act(cast.approver_a, c, "help_first", amount="3000.00", reason="突发火灾后住院", paperwork_due="")
    assert r.status_code == 302
    assert Case.objects.get(pk=c.pk).paperwork_due == today + timedelta(days=days)


def test_help_first_keeps_the_deadline_the_approver_sets(today, cast, act):
    c = factories.case(cast.intake_a, invoices=())
    due = today + timedelta(days=10)
    r = act(cast.approver_a, c, "help_first", amount="3000.00", reason="紧急", paperwork_due=str(due))
    assert r.status_code == 302
    assert Case.objects.get(pk=c.pk).paperwork_due == due
    r = act(
        cast.approver_a, factories.case(cast.intake_a), "help_first", amount="3000.00", reason="紧急",
        paperwork_due=str(today - timedelta(days=1)),
    )  # fmt: skip
    assert r.status_code == 400 and "补办期限不能早于今天" in text(r)
