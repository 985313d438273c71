from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from tests.cases.conftest import act, roster  # noqa: F401  (fixtures)
from tests.cases.factories import fund_street

# A day inside changning-2016 and the year of the test cases' applications (2021-03-15): a
# case's payment, dated by the clock, falls in the year its caps count.
IN_2021 = datetime(2021, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def in_2021():
    with time_machine.travel(IN_2021, tick=False):
        yield IN_2021.date()


@pytest.fixture
def funds_2021(in_2021, db):
    """Case money at 华阳路街道 before any payment of the tests."""
    fund_street("310105001", "200000.00")
