"""Fixtures of the committee tests (their helpers: tests/committees/helpers.py)."""

import pytest

from api.timeutil import set_clock


@pytest.fixture
def clock():
    """Set the app's clock: clock(datetime) travels, restored after the test."""
    yield lambda moment: set_clock(lambda: moment)
    set_clock(None)
