"""The case fixtures, for the tests of the forms' base across apps."""

from tests.cases.conftest import roster, street_funds  # noqa: F401
