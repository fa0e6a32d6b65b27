"""The case timeline runs in the order things happened: what the record dates (a needs
assessment, a milestone done, a contract's signing, an outcome) sits on its day, placed
among that day's timed events by when it was recorded, and names who recorded it."""

import datetime

import pytest
import time_machine

from diversion.accounts.roles import Role
from diversion.cases.models import AssessmentStage, CaseNote, MilestoneStatus, ProgrammeStatus
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as services
from diversion.cases.timeline import case_timeline
from tests.factories import UserFactory
from tests.html import Page

from .casework_helpers import all_scores

# March 2026, before the clocks change: London is on UTC.
ACCEPTED = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
SIGNED = datetime.date(2026, 3, 2)
DAY = datetime.date(2026, 3, 10)


def moment(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def later(days):
    return DAY + datetime.timedelta(days=days)


def at(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def case(make_referral, caseworker):
    """A case accepted and signed on 2 March, and held by `caseworker`."""
    with at(ACCEPTED):
        programme = make_referral(decision="accepted").programme
        allocation.take(programme, actor=caseworker)
    with at(moment(SIGNED, 10)):
        services.sign_contract(programme, actor=caseworker, signed_on=SIGNED, conditions=[])
    programme.refresh_from_db()
    return programme


def note(case, author, when, text):
    CaseNote.objects.create(programme=case, author=author, at=when, text=text)


def assess(case, actor, *, on, recorded, stage=AssessmentStage.ENTRY, score=2):
    with at(recorded):
        casework.record_assessment(case, actor=actor, stage=stage, scores=all_scores(score), on=on)


def mark_done(case, actor, code, *, on, recorded):
    with at(recorded):
        casework.record_milestone(
            case,
            case.milestones.get(code=code),
            actor=actor,
            status=MilestoneStatus.DONE,
            completed_on=on,
        )


def timeline(case):
    with at(moment(later(30), 12)):
        return case_timeline(
            case, milestones=list(case.milestones.all()), conditions=list(case.conditions.all())
        )


def titles(case):
    return [item.lines[0] if item.kind == "note" else item.title for item in timeline(case)]


def test_a_date_only_event_recorded_on_its_day_sits_where_it_was_recorded_that_day(
    case, caseworker
):
    note(case, caseworker, moment(DAY, 11), "Morning call")
    note(case, caseworker, moment(DAY, 16), "Afternoon call")
    # The entry assessment also completes the needs-assessment milestone, in one change.
    assess(case, caseworker, on=DAY, recorded=moment(DAY, 14))
    assert titles(case)[:4] == [
        "Afternoon call",
        "Needs assessment done",
        "Entry needs assessment",
        "Morning call",
    ]


def test_a_date_only_event_recorded_on_a_later_day_sits_at_the_end_of_its_day(case, caseworker):
    note(case, caseworker, moment(DAY, 16), "Late call on the day")
    note(case, caseworker, moment(later(1), 10), "Call the next day")
    assess(case, caseworker, on=DAY, recorded=moment(later(2), 9))
    assert titles(case)[:4] == [
        "Call the next day",
        "Needs assessment done",
        "Entry needs assessment",
        "Late call on the day",
    ]


def test_date_only_events_of_one_day_recorded_later_keep_the_order_they_were_recorded_in(
    case, caseworker
):
    mark_done(case, caseworker, "review_1", on=DAY, recorded=moment(later(3), 9))
    mark_done(case, caseworker, "first_intervention", on=DAY, recorded=moment(later(2), 9))
    note(case, caseworker, moment(DAY, 17), "Evening call")
    assert titles(case)[:3] == ["Month 1 review done", "First intervention done", "Evening call"]


def test_a_contract_back_dated_and_an_outcome_sit_on_their_days(make_referral, caseworker):
    with at(ACCEPTED):
        programme = make_referral(decision="accepted").programme
        allocation.take(programme, actor=caseworker)
    note(programme, caseworker, moment(later(1), 10), "Called to arrange signing")
    # Signed on the 10th, but recorded three days later.
    with at(moment(later(3), 15)):
        services.sign_contract(
            programme,
            actor=caseworker,
            signed_on=DAY,
            conditions=[],
            late_reason="Signed on paper at the first meeting",
        )
    note(programme, caseworker, moment(later(20), 10), "Said they are moving")
    with at(moment(later(25), 9)):
        services.end(
            programme,
            ProgrammeStatus.WITHDRAWN,
            actor=caseworker,
            outcome_on=later(19),
            reason="moved_away",
        )
    order = titles(programme)
    assert order.index("Said they are moving") < order.index("Withdrawn")
    assert order.index("Withdrawn") < order.index("Called to arrange signing")
    assert order.index("Called to arrange signing") < order.index("Contract signed")


def test_a_reopening_has_no_date_of_its_own_so_sits_when_it_was_made(case, manager):
    with at(moment(later(5), 9)):
        services.end(
            case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=DAY, reason="moved_away"
        )
    with at(moment(later(6), 9)):
        services.reopen(case, actor=manager, reason="Withdrawn in error")
    note(case, manager, moment(later(5), 12), "Checked the address")
    [reopened] = [item for item in timeline(case) if item.title == "Reopened"]
    assert (reopened.date_only, reopened.at) == (False, moment(later(6), 9))
    assert titles(case)[:3] == ["Reopened", "Checked the address", "Withdrawn"]


def test_an_assessment_names_who_recorded_it_last(case, caseworker):
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    assess(case, caseworker, on=DAY, recorded=moment(DAY, 14))
    [item] = [i for i in timeline(case) if i.kind == "assessment"]
    assert (item.by, item.recorded_at) == (caseworker, moment(DAY, 14))
    # Recorded again, with a correction: the timeline shows it as it stands, and who.
    assess(case, manager, on=DAY, recorded=moment(later(1), 9), score=3)
    [item] = [i for i in timeline(case) if i.kind == "assessment"]
    assert (item.by, item.recorded_at) == (manager, moment(later(1), 9))
    assert item.lines == ["Average need 3.0 out of 4 across 10 pathways."]


def test_the_page_says_who_recorded_a_date_only_event_and_when_if_on_a_later_day(
    client, case, caseworker
):
    assess(case, caseworker, on=DAY, recorded=moment(later(2), 9, 30))
    mark_done(case, caseworker, "first_intervention", on=DAY, recorded=moment(DAY, 15))
    client.force_login(caseworker)
    with at(moment(later(30), 12)):
        page = Page(client.get(f"/cases/{case.pk}/").content.decode())
    items = {
        e.text.split(" recorded by")[0]: e.text
        for e in page.elements
        if e.attrs.get("class") == "moj-timeline__item"
    }
    assert items["Entry needs assessment"].startswith(
        f"Entry needs assessment recorded by {caseworker} 10 March 2026, recorded 12 March "
        "2026, 09:30"
    )
    # Recorded on its day: the day alone.
    assert items["First intervention done"].startswith(
        f"First intervention done recorded by {caseworker} 10 March 2026 From due"
    )
