"""Date rules: the contract end, ages, what "today" means for a London police force, and a
length of time in words."""

import datetime

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from diversion.lib.dates import add_months, age_on, duration_in_words, today

D = datetime.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 2, D(2025, 3, 31)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2025, 6, 30), 0, D(2025, 6, 30)),
        (D(2025, 1, 31), 12, D(2026, 1, 31)),
        (D(2025, 1, 31), 25, D(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_short_month(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (D(2000, 6, 15), D(2018, 6, 14), 17),
        (D(2000, 6, 15), D(2018, 6, 15), 18),
        (D(2000, 6, 15), D(2018, 6, 16), 18),
        (D(2000, 6, 15), D(2018, 12, 31), 18),
        (D(2000, 12, 31), D(2019, 1, 1), 18),
        (D(2000, 1, 1), D(2018, 12, 31), 18),
        (D(2000, 6, 15), D(2000, 6, 15), 0),
    ],
)
def test_age_goes_up_on_the_birthday(born, on, age):
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (D(2018, 2, 28), 17),
        (D(2018, 3, 1), 18),
        (D(2020, 2, 28), 19),
        (D(2020, 2, 29), 20),
        (D(2021, 2, 28), 20),
        (D(2021, 3, 1), 21),
    ],
)
def test_a_29_february_birthday_counts_from_1_march_in_ordinary_years(on, age):
    assert age_on(D(2000, 2, 29), on) == age


@time_machine.travel("2025-07-14 23:30Z", tick=False)
def test_today_is_london_time_so_late_evening_utc_in_summer_is_tomorrow():
    assert datetime.datetime.now(datetime.UTC).date() == D(2025, 7, 14)
    assert today() == D(2025, 7, 15)


@time_machine.travel("2025-01-14 23:30Z", tick=False)
def test_today_in_winter_is_the_utc_date():
    assert today() == D(2025, 1, 14)


@time_machine.travel("2025-03-30 00:30Z", tick=False)
def test_today_across_the_spring_clock_change():
    # 00:30 UTC on 30 March 2025 is 00:30 GMT; clocks went forward at 01:00 UTC.
    assert today() == D(2025, 3, 30)
    with time_machine.travel("2025-03-29 23:59Z", tick=False):
        assert today() == D(2025, 3, 29)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (datetime.timedelta(seconds=0), "less than a minute"),
        (datetime.timedelta(seconds=59), "less than a minute"),
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=59, seconds=59), "59 minutes"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (datetime.timedelta(hours=3, minutes=12, seconds=40), "3 hours 12 minutes"),
        (datetime.timedelta(days=1, minutes=30), "1 day"),
        (datetime.timedelta(days=2, hours=4, minutes=59), "2 days 4 hours"),
        (datetime.timedelta(days=45, hours=1), "45 days 1 hour"),
        # A moment a little ahead of the clock (another server's) has not waited at all.
        (datetime.timedelta(seconds=-5), "less than a minute"),
    ],
)
def test_a_length_of_time_reads_as_people_say_it(delta, words):
    assert duration_in_words(delta) == words


UNIT_MINUTES = {"day": 24 * 60, "hour": 60, "minute": 1}


@given(st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=400)))
def test_the_words_never_say_more_than_the_time_nor_a_unit_less(delta):
    """What the words say is at most the time, and short of it by less than the smallest
    unit they could name: a minute, or an hour once the time runs to days."""
    words = duration_in_words(delta)
    minutes = delta.total_seconds() / 60
    if words == "less than a minute":
        assert minutes < 1
        return
    parts = words.split()
    said = sum(
        int(number) * UNIT_MINUTES[unit.rstrip("s")]
        for number, unit in zip(parts[::2], parts[1::2], strict=True)
    )
    step = UNIT_MINUTES["hour"] if parts[1].startswith("day") else UNIT_MINUTES["minute"]
    assert said <= minutes < said + step
