"""Late entry: an event recorded on a later day than it happened (our design).

A person may answer the offer on paper at the custody desk, or sign a paper contract, some
days before anyone keys it in. The event is then recorded with its real date, so that the
contract's four months and its milestones run from the day it was really signed; but never
before the event it follows, never in the future, no further back than the policy
version's `back_entry_days`, and with a reason whenever the date is before the day it is
recorded.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format

from diversion.lib.text import SHORT_TEXT
from diversion.policy.models import PolicyVersion

# The longest a late-entry reason may be, in forms and in the database.
LATE_REASON_MAX_LENGTH = SHORT_TEXT
LATE_REASON_MISSING = "Enter why this is recorded after the day it happened"


def earliest_entry_date(
    follows: datetime.date, policy_version: PolicyVersion, *, today: datetime.date
) -> datetime.date:
    """The earliest day an event can be recorded as having happened: not before `follows`
    (the day of the event it follows), nor more than the version's back_entry_days before
    `today`."""
    return max(follows, today - datetime.timedelta(days=policy_version.back_entry_days))


def entry_date_problem(
    day: datetime.date,
    *,
    name: str,
    follows: datetime.date,
    follows_what: str,
    policy_version: PolicyVersion,
    today: datetime.date,
) -> str | None:
    """Why `day` cannot be recorded as the date of an event (its `name`, as in "the
    decision date"), or None if it can. `follows` is the day of the event it follows,
    `follows_what` that event in words ("the offer")."""
    if day > today:
        return f"The {name} cannot be in the future"
    earliest = earliest_entry_date(follows, policy_version, today=today)
    if day >= earliest:
        return None
    if earliest == follows:
        return f"The {name} cannot be before {follows_what} on {date_format(follows, 'j F Y')}"
    return (
        f"The {name} can be at most {policy_version.back_entry_days} days ago, "
        f"no earlier than {date_format(earliest, 'j F Y')}"
    )


def late_reason_problem(day: datetime.date, reason: str, *, today: datetime.date) -> str | None:
    """Why `reason` cannot go with an event dated `day` and recorded `today`, or None: a
    date before today needs a reason. (Callers record none with an event of today.)"""
    if day < today and not reason.strip():
        return LATE_REASON_MISSING
    if len(reason) > LATE_REASON_MAX_LENGTH:
        return f"The reason must be {LATE_REASON_MAX_LENGTH} characters or fewer"
    return None


def entry_time(
    day: datetime.date, *, not_before: datetime.datetime | None = None
) -> datetime.datetime:
    """When an event recorded for `day` happened: now if `day` is today; for an earlier day,
    noon London time that day, but never before `not_before`.

    Noon stands for "some time that day" without claiming a precision nobody recorded.
    """
    now = timezone.now()
    if day >= timezone.localdate(now):
        return now
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
    return max(noon, not_before) if not_before else noon
