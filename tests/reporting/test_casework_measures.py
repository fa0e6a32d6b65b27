"""Needs and victims: pathway scores at entry and exit compared over the same people, and
restorative justice from the victim's request to a condition set and met, on a fixed set of
20 referrals made on 4 March 2024, worked out by hand."""

import datetime

import pytest

from diversion.cases.models import AssessmentStage, ConditionStatus, Pathway, Victim
from diversion.cases.services import casework
from tests.reporting.measures import dataset, read, work_out

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 3, 4)
EXIT = datetime.date(2024, 6, 28)
# Drugs need at entry for the 12 assessed, and at exit for the first 10 of them. Every
# other pathway is scored 2 at both.
DRUGS_AT_ENTRY = [4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 1, 0]
DRUGS_AT_EXIT = [2, 1, 3, 2, 2, 1, 0, 3, 1, 2]
RESTORATIVE = [{"kind": "restorative", "description": "A letter of apology"}]


def scores(drugs: int) -> dict[str, tuple[int, str]]:
    return {p.value: (drugs if p == Pathway.DRUGS else 2, "") for p in Pathway}


@dataset
def casework_figures(cases):
    """- 12 referrals whose victim asked for a restorative approach: accepted, assessed at
      entry, signed with a restorative condition; 10 assessed at exit, 10 of the
      conditions met;
    - 1 more whose victim asked for one, declined;
    - 4 with a victim consulted, declined; 3 with no victim, declined.
    """
    contracts = []
    for drugs in DRUGS_AT_ENTRY:
        programme = cases.accepted(DAY, victim=Victim.RESTORATIVE)
        casework.record_assessment(
            programme,
            actor=cases.caseworker,
            stage=AssessmentStage.ENTRY,
            scores=scores(drugs),
            on=DAY,
        )
        contracts.append(cases.sign(programme, DAY, conditions=RESTORATIVE))
    for programme, drugs in zip(contracts, DRUGS_AT_EXIT, strict=False):
        casework.record_assessment(
            programme,
            actor=cases.caseworker,
            stage=AssessmentStage.EXIT,
            scores=scores(drugs),
            on=EXIT,
        )
        casework.update_condition(programme, 2, actor=cases.caseworker, status=ConditionStatus.MET)
    cases.declined(DAY, victim=Victim.RESTORATIVE)
    for _ in range(4):
        cases.declined(DAY, victim=Victim.CONSULTED)
    for _ in range(3):
        cases.declined(DAY)
    work_out()
    return read()


def test_need_is_compared_at_entry_and_exit_over_the_same_people(casework_figures):
    assert casework_figures.head("Need by pathway")[1:] == [
        "Assessed at entry",
        "Average at entry",
        "Assessed at entry and exit",
        "Average at entry (both)",
        "Average at exit (both)",
        "Change",
        "Change (%)",
    ]
    needs = casework_figures.table("Need by pathway")
    # Entry: 4+4+4+4 + 3+3+3+3 + 2+2 = 32 for the 10 assessed at exit too, + 1 + 0 for the
    # other 2: 33 / 12 = 2.75. The 10 assessed at both: 32 / 10 = 3.20 at entry, and
    # 2+1+3+2+2+1+0+3+1+2 = 17 / 10 = 1.70 at exit; change (17 − 32) / 10 = −1.50, which is
    # −15 / 32 = −46.875% of the entry total.
    assert needs["Drugs"] == ["12", "2.75", "10", "3.20", "1.70", "-1.50", "-46.9%"]
    assert needs["Accommodation"] == ["12", "2.00", "10", "2.00", "2.00", "0.00", "0.0%"]
    assert casework_figures.counts.keyed("needs_paired_exit_total")["drugs"] == 17


def test_restorative_justice_is_followed_from_the_request_to_a_condition_met(casework_figures):
    assert casework_figures.table("Victims and restorative justice") == {
        "Referrals": ["20", ""],
        # 13 asked for a restorative approach + 4 consulted, of 20 referrals: 85%.
        "A victim consulted": ["17", "85.0%"],
        # 13 of 17: 76.47%.
        "Victim asked for a restorative approach": ["13", "76.5%"],
        # 12 contracts with a restorative condition, of 13 asked: 92.31%.
        "Restorative condition set": ["12", "92.3%"],
        # 10 of 12: 83.33%.
        "Restorative condition met": ["10", "83.3%"],
    }
