import datetime

import pytest

from diversion.lib.dates import add_months, today
from tests.reporting.measures import Cases


def years_ago(years: int) -> datetime.date:
    return add_months(today(), -12 * years)


@pytest.fixture
def cases(db):
    """Referrals and contracts made through the services on the day each step happened."""
    return Cases()


@pytest.fixture
def due_case(cases):
    """A referral the person declined seven years ago: due for review a year ago."""
    return cases.declined(years_ago(7))
