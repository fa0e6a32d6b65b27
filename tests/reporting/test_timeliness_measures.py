"""Timeliness, workload and authorisations: days between a case's steps (medians and 90th
percentiles as PostgreSQL's percentile_cont interpolates them), contracts closed within four
months and the policy's grace period, overdue milestones, caseloads, and the waits for a
manager's authorisation, on fixed sets of cases worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import OutcomeReason, ProgrammeStatus
from diversion.policy.models import MilestoneKind, PolicyVersion
from tests.factories import UserFactory
from tests.reporting.measures import (
    LONDON,
    dataset,
    offence,
    read,
    transaction_start,
    work_out,
)

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

OFFERED = datetime.date(2024, 1, 8)
# Days from arrest to offer, and from offer to contract, of 12 contracts.
ARREST_TO_OFFER = [0, 0, 0, 1, 1, 1, 2, 2, 3, 5, 8, 13]
OFFER_TO_CONTRACT = [0, 1, 1, 2, 2, 3, 3, 4, 6, 7, 10, 21]
GRACE = 30


@dataset
def steps(cases):
    """12 referrals offered on 8 January 2024 (at 10:00, after arrests 0 to 13 days before),
    accepted then, and signed 0 to 21 days later; 3 with the first intervention done 5, 9
    and 14 days after signing. With the roll-out rules' grace period set to 30 days:
    8 withdrawn 40 days after signing, 1 withdrawn on its end date + 30 days, 1 on its end
    date + 31 days, 1 completed on its end date and 1 still running.
    """
    PolicyVersion.objects.filter(name="Roll-out rules").update(closure_grace_days=GRACE)
    contracts = []
    for arrest, contract in zip(ARREST_TO_OFFER, OFFER_TO_CONTRACT, strict=True):
        arrested = datetime.datetime.combine(
            OFFERED - datetime.timedelta(days=arrest), datetime.time(9), tzinfo=LONDON
        )
        programme = cases.accepted(OFFERED, arrested_at=arrested)
        contracts.append(cases.sign(programme, OFFERED + datetime.timedelta(days=contract)))
    for programme, days in zip(contracts[:3], [5, 9, 14], strict=True):
        done = programme.signed_on + datetime.timedelta(days=days)
        cases.milestone_done(programme, MilestoneKind.FIRST_INTERVENTION, done)
    for programme in contracts[:8]:
        day = programme.signed_on + datetime.timedelta(days=40)
        cases.end(programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, day)
    # On the grace period's last day, and on the day after it.
    for programme, late in zip(contracts[8:10], [0, 1], strict=True):
        day = programme.ends_on + datetime.timedelta(days=GRACE + late)
        cases.end(programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, day)
    cases.complete(contracts[10], contracts[10].ends_on)
    work_out()
    return read()


def test_days_between_steps_give_the_median_and_90th_percentile_interpolated(steps):
    assert steps.head("Days between the steps of a case") == [
        "Interval",
        "Cases",
        "Median days",
        "90th percentile days",
    ]
    assert steps.table("Days between the steps of a case") == {
        # 0 0 0 1 1 1 2 2 3 5 8 13: the median is at rank 0.5 × 11 = 5.5, between 1 and 2:
        # 1.5; the 90th percentile at 0.9 × 11 = 9.9, between 5 and 8: 5 + 0.9 × 3 = 7.7.
        "Arrest to offer": ["12", "1.5", "7.7"],
        # 0 1 1 2 2 3 3 4 6 7 10 21: ranks 5 and 6 are both 3; rank 9.9 is 7 + 0.9 × 3.
        "Offer to contract signed": ["12", "3", "9.7"],
        # 3 cases: withheld, and their median too few to be reliable.
        "Contract signed to first intervention": ["!", "?", "?"],
    }
    assert steps.counts.histogram("days_contract_to_intervention") == {5: 1, 9: 1, 14: 1}


def test_contracts_closed_on_time_allow_the_policys_grace_period(steps):
    # All 12 ended (end date + 30 days) long ago. On time: 8 withdrawn early, 1 on the
    # last day of the grace period, 1 completed on its end date; not: 1 a day late, 1
    # still running. 10 / 12. With the default 14 days, 9 would have been on time.
    assert steps.table("Contracts closed within four months") == {
        "Past their end date and grace period": ["12", ""],
        "Outcome recorded by then": ["10", "83.3%"],
    }


@dataset
def workload(cases):
    """Open cases of three caseworkers and one with none:
    - the first holds two contracts signed on 1 February 2024 and still running, all six
      milestones past due but one (the needs assessment, done), and one case awaiting
      its contract;
    - the second, a contract signed 3 days ago (nothing due yet);
    - the third, a case awaiting its contract;
    - one case awaiting its contract with no caseworker;
    - and a contract signed on 1 February 2024 and withdrawn, its milestones still due.
    """
    today = timezone.localdate(transaction_start())
    first, second, third = (UserFactory(roles=[Role.CASEWORKER]) for _ in range(3))
    long_ago = datetime.date(2024, 2, 1)
    assessed = cases.signed(long_ago, caseworker=first)
    cases.milestone_done(assessed, MilestoneKind.NEEDS_ASSESSMENT, long_ago)
    cases.signed(long_ago, caseworker=first)
    cases.assign(cases.accepted(long_ago), first)
    cases.signed(today - datetime.timedelta(days=3), caseworker=second)
    cases.assign(cases.accepted(long_ago), third)
    cases.accepted(long_ago)
    withdrawn = cases.signed(long_ago)
    cases.end(withdrawn, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, long_ago)
    work_out()
    return {"figures": read(), "caseworkers": [first, second, third]}


def test_overdue_milestones_and_caseloads_are_counted_now(workload):
    figures = workload["figures"]
    assert figures.table("Open cases and overdue work") == {
        # 5 + 6 on the first caseworker's running contracts; the withdrawn one's are not
        # overdue work.
        "Milestones overdue now": ["11"],
        "Open cases with no caseworker": ["1"],
        "Caseworkers with open cases": ["3"],
        # Open cases per caseworker: 3, 1, 1.
        "Median open cases per caseworker": ["1"],
        "Most open cases held by one caseworker": ["3"],
    }
    first, second, third = workload["caseworkers"]
    busiest = figures.table("Caseworkers with the most overdue work")
    assert list(busiest)[0] == first.get_full_name()
    assert busiest == {
        first.get_full_name(): ["3", "11"],
        second.get_full_name(): ["1", "0"],
        third.get_full_name(): ["1", "0"],
    }


# Hours each authorisation waited, from the referral to the manager's decision.
AUTHORISED_EXCEPTIONS = [1, 2, 2, 3, 3, 4, 5, 6, 8, 24]
AUTHORISED_SUPPLY = [0, 1, 30, 48, 72]
REFUSED_EXCEPTIONS = [2, 50]
REFUSED_SUPPLY = [3, 4, 5, 6, 7, 8, 9, 10]


@dataset
def authorisations(cases):
    """Referrals needing a manager's authorisation: 12 exceptions (10 authorised, 2 refused)
    and 23 supply offences (5 authorised, 8 refused, 10 awaiting), waiting the hours above.
    """
    day, supply = datetime.date(2024, 5, 6), offence("supply-own-use")
    for hours in AUTHORISED_EXCEPTIONS:
        cases.authorise(cases.exception(day, hour=9), day, hour=9 + hours)
    for hours in AUTHORISED_SUPPLY:
        cases.authorise(cases.refer(day, hour=9, offence_type=supply), day, hour=9 + hours)
    # A refusal is stamped, in the history, with the start of the transaction it is made
    # in (PostgreSQL's now()): here, this one's. So each is referred that many hours before
    # it, and half an hour more, since waits are counted in whole hours.
    start = transaction_start()

    def hours_before_refusal(hours: int) -> datetime.datetime:
        return timezone.localtime(start - datetime.timedelta(hours=hours + 0.5))

    for at in map(hours_before_refusal, REFUSED_EXCEPTIONS):
        cases.refuse(cases.exception(at.date(), at=at))
    for at in map(hours_before_refusal, REFUSED_SUPPLY):
        cases.refuse(cases.refer(at.date(), at=at, offence_type=supply))
    for _ in range(10):
        cases.refer(day, offence_type=supply)
    work_out()
    return read()


def test_authorisations_are_counted_with_the_shares_refused_and_the_waits(authorisations):
    # Waits, sorted: 0 1 1 2 2 2 3 3 3 4 4 5 5 6 6 7 8 8 9 10 24 30 48 50 72 (25 decided).
    # The median is rank 0.5 × 24 = 12: 5 hours. The 90th percentile is rank 0.9 × 24 =
    # 21.6, between 30 and 48: 30 + 0.6 × 18 = 40.8.
    assert authorisations.table("Authorisations") == {
        # 12 exceptions + 23 supply offences.
        "Referrals needing authorisation": ["35", ""],
        # Of the 25 decided: 15 authorised, 10 refused.
        "Authorised": ["15", "60.0%"],
        "Refused": ["10", "40.0%"],
        "Awaiting a decision": ["10", ""],
        "Exceptions asked for (not eligible)": ["12", ""],
        # 10 of 12.
        "Exceptions granted": ["10", "83.3%"],
        "Median wait for a decision (hours)": ["5", ""],
        "90th percentile wait (hours)": ["40.8", ""],
    }
    assert sum(authorisations.counts.histogram("hours_to_authorisation").values()) == 25


def test_a_contract_signed_recently_has_nothing_overdue(workload):
    assert workload["figures"].counts.keyed("caseload_overdue") == {
        str(workload["caseworkers"][0].pk): 11
    }
