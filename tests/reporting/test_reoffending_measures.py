"""Reoffending: later offences within 6, 12 and 24 months of the index date, counted only for
cohorts whose window and waiting period have passed, and reoffending during the contract, on
a fixed set of cases worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from diversion.cases.models import OutcomeReason, ProgrammeStatus
from diversion.lib.dates import add_months
from diversion.reporting import groups
from tests.reporting.measures import dataset, offence, read, transaction_start, work_out

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

# The decliners' index date: the day they declined.
DECLINED = datetime.date(2023, 6, 15)
# The contracts' index date: the day they were signed. They end on 1 January 2024.
SIGNED = datetime.date(2023, 9, 1)
ENDS = datetime.date(2024, 1, 1)
DAY = datetime.timedelta(days=1)


@dataset
def reoffending(cases):
    """Declined on 15 June 2023 (mature for every window), 17 people:
    - for each window w of 6, 12 and 24 months, one with an offence on the window's last day
      (15 June 2023 + w months) and one with an offence on the day after;
    - one with an offence on the index date itself;
    - 10 with an offence on 15 July 2023, 4 of them another on 15 August 2023.
    Declined near the latest index date each window includes (the table's "up to"): for
    each window, one on that date and one the day after, and one declined yesterday with
    an offence today, none of them with a later offence but that one.
    Contracts signed on 1 September 2023, ending 1 January 2024:
    - breached on 21 September for reoffending on 11 September, with another offence on
      16 September;
    - completed on its end date, with offences on the signing day and the day after the end;
    - withdrawn on 1 October, with an offence on 2 October;
    - completed 5 days after its end date, with offences on the end date and the day after;
    - still running, with an offence on 15 September.
    """
    today = timezone.localdate(transaction_start())
    for window in groups.REOFFENDING_WINDOWS:
        last_day = add_months(DECLINED, window)
        cases.later_offence(cases.declined(DECLINED).person, last_day)
        cases.later_offence(cases.declined(DECLINED).person, last_day + DAY)
    cases.later_offence(cases.declined(DECLINED).person, DECLINED)
    for n in range(10):
        person = cases.declined(DECLINED).person
        cases.later_offence(person, datetime.date(2023, 7, 15))
        if n < 4:
            cases.later_offence(person, datetime.date(2023, 8, 15))
    for window in groups.REOFFENDING_WINDOWS:
        up_to = groups.mature_to(today, window)
        cases.declined(up_to)
        cases.declined(up_to + DAY)
    cases.later_offence(cases.declined(today - DAY).person, today)

    breached = cases.signed(SIGNED)
    cases.end(
        breached,
        ProgrammeStatus.BREACHED,
        OutcomeReason.REOFFENDED,
        datetime.date(2023, 9, 21),
        new_offence={
            "offence_date": datetime.date(2023, 9, 11),
            "offence_type": offence("theft"),
            "source": "pnc",
        },
    )
    cases.later_offence(breached.referral.person, datetime.date(2023, 9, 16))
    on_time = cases.complete(cases.signed(SIGNED), ENDS)
    cases.later_offence(on_time.referral.person, SIGNED)
    cases.later_offence(on_time.referral.person, ENDS + DAY)
    withdrawn = cases.end(
        cases.signed(SIGNED),
        ProgrammeStatus.WITHDRAWN,
        OutcomeReason.MOVED_AWAY,
        datetime.date(2023, 10, 1),
    )
    cases.later_offence(withdrawn.referral.person, datetime.date(2023, 10, 2))
    late = cases.complete(cases.signed(SIGNED), ENDS + 5 * DAY)
    cases.later_offence(late.referral.person, ENDS)
    cases.later_offence(late.referral.person, ENDS + DAY)
    running = cases.signed(SIGNED)
    cases.later_offence(running.referral.person, datetime.date(2023, 9, 15))
    work_out()
    return {"figures": read(), "today": today}


def test_an_offence_on_a_windows_last_day_counts_and_one_the_day_after_does_not(reoffending):
    tallies = reoffending["figures"].counts
    people = {w: tallies.keyed(f"reoffending_{w}:people")["declined"] for w in (6, 12, 24)}
    offences = {w: tallies.keyed(f"reoffending_{w}:offences")["declined"] for w in (6, 12, 24)}
    # Within 6 months: the one on 15 December 2023 and the 10 of July (not the one on the
    # index date, nor 16 December): 11 people; 1 + 10 + 4 = 15 offences.
    # Within 12: also 16 December 2023 and 15 June 2024: 13 people, 17 offences.
    # Within 24: also 16 June 2024 and 15 June 2025, not 16 June 2025: 15 people, 19.
    assert people == {6: 11, 12: 13, 24: 15}
    assert offences == {6: 15, 12: 17, 24: 19}


def test_a_cohort_counts_only_once_its_window_and_waiting_period_have_passed(reoffending):
    tallies = reoffending["figures"].counts
    cohort = {w: tallies.keyed(f"reoffending_{w}:cohort")["declined"] for w in (6, 12, 24)}
    # 17 declined in June 2023, mature for every window; of the 6 declined near the
    # latest index dates: for 6 months, all but the day after its own; for 12, the 12- and
    # both 24-month ones but the day after 12's; for 24, only the one on its date. The
    # one declined yesterday, with an offence today, is in none.
    assert cohort == {6: 17 + 5, 12: 17 + 3, 24: 17 + 1}
    # The tables say which index dates they include: index date + window + 6 months
    # before the day of the figures.
    today = reoffending["today"]
    for window in groups.REOFFENDING_WINDOWS:
        up_to = groups.mature_to(today, window)
        assert add_months(up_to, window + 6) < today <= add_months(up_to + DAY, window + 6)
        caption = reoffending["figures"].caption(f"Reoffending within {window} months")
        assert caption.endswith(f"for index dates up to {up_to:%-d %B %Y}")


def test_prevalence_and_frequency_are_shown_for_each_cohort_in_each_window(reoffending):
    figures = reoffending["figures"]
    head = ["Cases", "Reoffended", "Reoffended (%)", "Offences per 100 cases"]
    assert figures.head("Reoffending within 6 months")[1:] == head
    # 11 of 22 reoffended; 15 offences per 22 cases = 68.18 per 100.
    assert figures.table("Reoffending within 6 months")["Declined the offer"] == [
        "22",
        "11",
        "50.0%",
        "68.2",
    ]
    # 13 of 20; 17 / 20 = 85 per 100.
    assert figures.table("Reoffending within 12 months")["Declined the offer"] == [
        "20",
        "13",
        "65.0%",
        "85.0",
    ]
    # 15 of 18 = 83.33%; 19 / 18 = 105.56 per 100.
    assert figures.table("Reoffending within 24 months")["Declined the offer"] == [
        "18",
        "15",
        "83.3%",
        "105.6",
    ]
    # The contract cohorts are 1 or 2 cases each: every figure withheld, 0 included.
    for window in groups.REOFFENDING_WINDOWS:
        rows = figures.table(f"Reoffending within {window} months")
        for cohort in ("Completed", "Breached", "Withdrawn after signing"):
            assert rows[cohort] == ["!"] * 4


def test_contract_cohorts_are_indexed_on_the_signing_day(reoffending):
    tallies = reoffending["figures"].counts
    # Mature for every window (1 September 2023 + 30 months has passed); the contract
    # still running is in no cohort. Within 6 months of signing: the breach's 2 offences;
    # the on-time completion's offence the day after its end (not the signing day's); the
    # withdrawal's 1; the late completion's 2.
    for window in groups.REOFFENDING_WINDOWS:

        def contracts(part: str, window: int = window) -> dict[str, int]:
            keyed = tallies.keyed(f"reoffending_{window}:{part}")
            return {cohort: n for cohort, n in keyed.items() if cohort != "declined"}

        assert contracts("cohort") == {"completed": 2, "breached": 1, "withdrawn": 1}
        assert contracts("people") == {"completed": 2, "breached": 1, "withdrawn": 1}
        assert contracts("offences") == {"completed": 3, "breached": 2, "withdrawn": 1}


def test_reoffending_during_the_contract_counts_offences_up_to_the_earlier_of_outcome_and_end(
    reoffending,
):
    tallies = reoffending["figures"].counts
    # 4 contracts ended (the running one is left out). During them: the breach's 2
    # offences (11 and 16 September, before its outcome on the 21st), and the late
    # completion's on its end date (not the one after it, though before its outcome).
    # Not during: an offence on the signing day, after an outcome, or after the end.
    assert tallies["closed_signed"] == 4
    assert tallies["reoffended_during"] == 2
    assert tallies["offences_during"] == 3
    # All below 10: withheld, with their rates.
    during = reoffending["figures"].table("Reoffending during the contract")
    assert during == {
        "Contracts ended": ["!", ""],
        "Reoffended during the contract": ["!", "!"],
        "Offences during the contract, per 100 contracts": ["!", "!"],
    }
