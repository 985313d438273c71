"""The fund world of the ledger's tests (sources, a signed agreement, money allocated down), so the
log has transactions and agreements to show beside the registry's rows."""

from tests.funds.conftest import agreement, funded, sources  # noqa: F401
from tests.registry.conftest import household_a, new_household, system  # noqa: F401
