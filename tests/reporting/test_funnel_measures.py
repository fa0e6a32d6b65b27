"""The funnel from arrest to outcome, why referrals were not offered, why people declined, the
outcomes of contracts and the gaps in the records, on a fixed set of 60 referrals made on
4 March 2024 (under the roll-out rules), each expected figure worked out by hand."""

import datetime

import pytest

from diversion.cases.models import (
    DeclineReason,
    OfficerDecision,
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
)
from diversion.lib.dates import add_months
from diversion.people.models import ObservedEthnicity, SelfDefinedEthnicity
from diversion.people.pnc import check_letter
from diversion.policy.models import Circumstance
from tests.factories import PersonFactory
from tests.reporting.measures import dataset, offence, read, work_out

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 4)
LATER = datetime.date(2024, 4, 15)


def person(n: int, *, pnc: bool = False, observed_known: bool = True, self_stated: bool = True):
    """The person of the n-th referral, with or without a PNC ID and their ethnicity."""
    return PersonFactory(
        pnc_id=f"2010/{n:07d}{check_letter(2010, n)}" if pnc else None,
        observed_ethnicity=ObservedEthnicity.IC1 if observed_known else ObservedEthnicity.IC0,
        self_defined_ethnicity=SelfDefinedEthnicity.W1 if self_stated else SelfDefinedEthnicity.NS,
    )


@dataset
def funnel(cases):
    """60 referrals:
    - 12 eligible, offered and accepted; all sign; 10 complete, 2 are breached (10 of
      them have a PNC ID, the only ones who do);
    - 12 eligible, offered and declined (10 would rather go to court, 2 do not accept the
      conditions); the officer did not know their ethnicity, and they did not state it;
    - 10 eligible, offered and still deciding;
    - 10 not eligible (gravity score 4), offered as exceptions, authorised and accepted;
      8 sign (3 breached, 3 withdrawn, 2 still running), 2 await the contract;
    - 3 eligible, but the custody officer decided not to offer; they did not state their
      ethnicity;
    - 10 not eligible (gravity score 4), not offered;
    - 1 hate crime by someone on bail (two rules failed), not offered;
    - 2 supply offences needing authorisation: 1 refused, 1 still awaiting it.
    None of the 10 breached, withdrawn or running contracts has a milestone recorded.
    """
    accepted = [cases.signed(DAY, person=person(n, pnc=n < 10)) for n in range(12)]
    for programme in accepted[:10]:
        cases.complete(programme, add_months(DAY, 4))
    for programme in accepted[10:]:
        cases.end(programme, ProgrammeStatus.BREACHED, OutcomeReason.FAILED_CONDITION, LATER)
    for n in range(12):
        cases.declined(
            DAY,
            decline_reason=DeclineReason.PREFERS_COURT if n < 10 else DeclineReason.CONDITIONS,
            person=person(100 + n, observed_known=False, self_stated=False),
        )
    for n in range(10):
        cases.considering(DAY, person=person(200 + n))
    exceptions = []
    for n in range(10):
        referral = cases.exception(DAY, person=person(300 + n))
        cases.authorise(referral, DAY)
        exceptions.append(cases.answer(referral, DAY, PersonDecision.ACCEPTED).programme)
    for programme in exceptions[:8]:
        cases.sign(programme, DAY)
    for programme in exceptions[:3]:
        cases.end(programme, ProgrammeStatus.BREACHED, OutcomeReason.NON_ATTENDANCE, LATER)
    for programme in exceptions[3:6]:
        cases.end(programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, LATER)
    for n in range(3):
        cases.refer(
            DAY, officer_decision=OfficerDecision.DECLINE, person=person(400 + n, self_stated=False)
        )
    for n in range(10):
        cases.refer(
            DAY, officer_decision=OfficerDecision.DECLINE, gravity_score=4, person=person(500 + n)
        )
    cases.refer(
        DAY,
        officer_decision=OfficerDecision.DECLINE,
        offence_type=offence("hate-crime"),
        circumstances=[Circumstance.ON_BAIL],
        person=person(600),
    )
    supply = offence("supply-own-use")
    cases.refuse(cases.refer(DAY, offence_type=supply, person=person(601)))
    cases.refer(DAY, offence_type=supply, person=person(602))
    work_out()
    return read()


def test_each_stage_is_counted_and_rated_against_the_stage_before(funnel):
    assert funnel.table("Referrals at each stage") == {
        "Arrests referred": ["60", ""],
        # 12 accepted + 12 declined + 10 deciding + 3 not offered by the officer + 2 supply
        # = 39 eligible; 39 / 60.
        "Eligible under the policy": ["39", "65.0%"],
        # 12 + 12 + 10 offered of 39 eligible: 34 / 39 = 87.18%.
        "Offered: eligible people": ["34", "87.2%"],
        "Offered as an exception (not eligible)": ["10", ""],
        "All offers": ["44", ""],
        # Of all 44 offers: 12 + 10 exceptions accepted, 22 / 44; 12 / 44 = 27.27%
        # declined; 10 / 44 = 22.73% still deciding.
        "Accepted the offer": ["22", "50.0%"],
        "Declined the offer": ["12", "27.3%"],
        "Still deciding": ["10", "22.7%"],
        # 12 + 8 exceptions signed, of 22 accepted: 90.91%.
        "Contract signed": ["20", "90.9%"],
        # 2 and 0: below 10.
        "Accepted, awaiting the contract": ["!", "!"],
        "Withdrawn before signing": ["!", "!"],
        # 10 of 20 contracts.
        "Completed": ["10", "50.0%"],
        # 5, 3 and 2: below 10.
        "Breached": ["!", "!"],
        "Withdrawn after signing": ["!", "!"],
        "Contract still running": ["!", "!"],
    }
    tallies = funnel.counts
    assert [tallies[m] for m in ("awaiting_contract", "withdrawn_unsigned")] == [2, 0]
    assert [tallies[m] for m in ("breached", "withdrawn", "active")] == [5, 3, 2]


def test_reasons_not_offered_name_each_rule_failed_and_what_stopped_an_eligible_one(funnel):
    assert funnel.table("Why referrals were not offered") == {
        # 10 of the 16 not offered (60 referrals - 44 offers).
        "Not eligible: gravity score no higher than 3": ["10", "62.5%"],
        # The hate crime by someone on bail failed two rules, and counts under each.
        "Not eligible: no excluding circumstances": ["!", "!"],
        "Not eligible: the offence is one the scheme covers": ["!", "!"],
        "Eligible, but the custody officer decided not to offer it": ["!", "!"],
        "A manager refused authorisation": ["!", "!"],
        "Awaiting a manager's authorisation": ["!", "!"],
        "Referrals not offered": ["16", ""],
    }
    assert funnel.counts.keyed("not_offered_rule") == {
        "Gravity score no higher than 3": 10,
        "No excluding circumstances": 1,
        "The offence is one the scheme covers": 1,
    }
    # The exceptions failed the gravity rule too, but were offered, so are not counted.
    # What stopped an eligible referral; an ineligible one's reasons are its rules.
    assert funnel.counts.keyed("not_offered_status") == {
        "not_offered": 3,
        "authorisation_refused": 1,
        "awaiting_authorisation": 1,
    }


def test_decline_reasons_are_counted_by_reason_as_shares_of_the_declines(funnel):
    declined = funnel.table("Why people declined the offer")
    assert declined.pop("Would rather go to court") == ["10", "83.3%"]  # 10 / 12
    assert declined.pop("Declined the offer") == ["12", ""]
    # 2 did not accept the conditions, and every other reason is 0: all withheld.
    assert set(map(tuple, declined.values())) == {("!", "!")}
    assert funnel.counts.keyed("decline_reason") == {"prefers_court": 10, "conditions": 2}


def test_outcomes_are_shares_of_contracts_signed_with_their_reasons(funnel):
    assert funnel.table("Outcomes of contracts signed") == {
        "Completed": ["10", "50.0%"],
        # 5 breached, 3 withdrawn, 2 still running: each below 10.
        "Breached": ["!", "!"],
        "Withdrawn after signing": ["!", "!"],
        "Still running": ["!", "!"],
        "Contracts signed": ["20", ""],
    }
    assert funnel.counts.keyed("outcome_reason") == {
        "breached:failed_condition": 2,
        "breached:non_attendance": 3,
        "withdrawn:moved_away": 3,
    }
    assert funnel.table("Why contracts were breached")["Breached"] == ["!", ""]


def test_gaps_in_the_records_are_shares_of_referrals_or_of_contracts(funnel):
    assert funnel.table("Gaps in the records") == {
        # 60 referrals, 10 of people with a PNC ID: 50 / 60.
        "Referrals of people with no PNC ID": ["50", "83.3%"],
        # The 12 decliners: 12 / 60.
        "Officer-observed ethnicity not known": ["12", "20.0%"],
        # The 12 decliners and the 3 the officer did not offer it to: 15 / 60.
        "Self-defined ethnicity not stated": ["15", "25.0%"],
        # Of 20 contracts, the 10 completed have their final review recorded; the other 10
        # have none recorded, all due since March 2024: 10 / 20.
        "Contracts with no milestone recorded, one due": ["10", "50.0%"],
    }
