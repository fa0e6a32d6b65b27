"""A contract ends four calendar months after signing, in Python and in PostgreSQL alike."""

import datetime

import pytest
from django.db import connection

from diversion.cases.models import contract_end

D = datetime.date


@pytest.mark.parametrize(
    ("signed", "ends"),
    [
        # Ordinary dates keep their day of the month.
        (D(2025, 3, 15), D(2025, 7, 15)),
        (D(2025, 1, 1), D(2025, 5, 1)),
        (D(2025, 8, 31), D(2025, 12, 31)),
        # Year rollover.
        (D(2025, 9, 1), D(2026, 1, 1)),
        (D(2025, 11, 10), D(2026, 3, 10)),
        # A day the end month lacks becomes its last day.
        (D(2024, 10, 31), D(2025, 2, 28)),
        (D(2023, 10, 31), D(2024, 2, 29)),
        (D(2023, 10, 29), D(2024, 2, 29)),
        (D(2023, 10, 30), D(2024, 2, 29)),
        (D(2024, 10, 29), D(2025, 2, 28)),
        (D(2025, 9, 30), D(2026, 1, 30)),
        (D(2025, 12, 31), D(2026, 4, 30)),
        (D(2025, 5, 31), D(2025, 9, 30)),
        # 29 February is an ordinary day going forwards.
        (D(2024, 2, 29), D(2024, 6, 29)),
    ],
)
def test_a_contract_ends_four_calendar_months_after_signing(signed, ends):
    assert contract_end(signed) == ends


def test_contract_end_agrees_with_postgresql_for_every_day_from_2023_to_2025(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT day::date, (day::date + interval '4 months')::date
            FROM generate_series('2023-01-01'::date, '2025-12-31'::date, interval '1 day') AS day
            ORDER BY day
            """
        )
        rows = cursor.fetchall()
    assert len(rows) == 365 + 366 + 365
    assert rows[0][0] == D(2023, 1, 1)
    assert rows[-1][0] == D(2025, 12, 31)
    disagreements = [(day, ends) for day, ends in rows if contract_end(day) != ends]
    assert disagreements == []
