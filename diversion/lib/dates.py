"""Date and time helpers used across the service, each defined once. The scheme's own date
rules (a contract's end, milestones' due dates) live with the records they govern."""

import calendar
import datetime

from django.utils import timezone


def add_months(start: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later; a day the month lacks becomes its last day.

    So 31 October + 4 months is 28 February (29th in a leap year), as PostgreSQL's
    `date + interval 'N months'` computes it; the database constraint on contracts uses that.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def today() -> datetime.date:
    """Today in the service's time zone (Europe/London), not the server's."""
    return timezone.localdate()


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A date and a time of day as entered, in the service's time zone (Europe/London)."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


def age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _units(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def duration_in_words(delta: datetime.timedelta) -> str:
    """A length of time as people say it: its largest whole unit of days, hours or minutes,
    and the next unit down when that is not zero ("3 hours 12 minutes", "2 days",
    "less than a minute"). Never more than the time itself: the rest is dropped."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _units(days, "day") + (f" {_units(hours, 'hour')}" if hours else "")
    if hours:
        return _units(hours, "hour") + (f" {_units(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _units(minutes, "minute")
    return "less than a minute"
