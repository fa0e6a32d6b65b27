"""The date of an event recorded late, and why, as the forms ask them (cases.models.late_entry
holds the rules; the services check them again)."""

from diversion.cases.models import LATE_REASON_MAX_LENGTH, late_reason_problem
from diversion.lib.forms import text_area

LATE_REASON = "late_reason"


def late_reason_field(date_name):
    """Why an event dated before today is recorded only now; `date_name` is its date in
    words ("the decision date")."""
    return text_area(
        f"If {date_name} is before today: why it is recorded late",
        LATE_REASON_MAX_LENGTH,
        subject="The reason",
        help_text="For example, the form was signed on paper and is being entered now.",
        required=False,
    )


def check_late_entry(form, cleaned, date_field, date_problem, *, today):
    """Check the date in `date_field` by `date_problem` (a function of the day giving why it
    cannot be recorded, or None), and that a date before today comes with its reason. A
    reason given with today's date is not kept: the event is not late."""
    day = cleaned.get(date_field)
    if day is None or date_field in form.errors:
        return
    problem = date_problem(day)
    if problem:
        form.add_error(date_field, problem)
    elif day >= today:
        form.errors.pop(LATE_REASON, None)
        cleaned[LATE_REASON] = ""
    elif LATE_REASON not in form.errors:
        problem = late_reason_problem(day, cleaned.get(LATE_REASON, ""), today=today)
        if problem:
            form.add_error(LATE_REASON, problem)


def ignore_late_entry(form, cleaned, date_field):
    """An answer with no date of its own (asking for time) records neither a date nor a
    reason, so what was typed in them is no error."""
    for name in (date_field, LATE_REASON):
        form.errors.pop(name, None)
    cleaned[date_field], cleaned[LATE_REASON] = None, ""
