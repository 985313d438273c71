"""The registry's household fixtures, for the home page tests."""

from tests.registry.conftest import new_household, system  # noqa: F401
