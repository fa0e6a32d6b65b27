"""The filters: one custody suite, one offence group, one policy version or a range of months
each reads its own cell of the tallies (the CUBE's rows, alone or together), and the policy
versions panel shows every version side by side, on a fixed set of 47 referrals worked out
by hand."""

import datetime

import pytest

from diversion.cases.models import OfficerDecision
from diversion.policy.models import CustodySuite, OffenceGroup, PolicyVersion
from tests.reporting.measures import dataset, offence, read, work_out

# Among the database tests, before any transactional test empties the tables (see measures).
pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2024, 3, 1), datetime.date(2024, 4, 1)


@dataset
def filtered(cases):
    """- June 2022 (pilot rules), Northgate: 10 possession of class B, offered;
    - July 2022 (pilot rules), Riverside: 4 possession of class A, which the pilot
      excluded, not offered;
    - March 2024 (roll-out rules), Northgate: 11 thefts, offered and accepted;
    - April 2024 (roll-out rules), Riverside: 12 possession of class A, now eligible,
      offered;
    - April 2024 (roll-out rules), Northgate: 10 supply offences awaiting authorisation.
    """
    northgate = CustodySuite.objects.get(code="NG")
    riverside = CustodySuite.objects.get(code="RS")
    for _ in range(10):
        cases.refer(datetime.date(2022, 6, 6), custody_suite=northgate)
    for _ in range(4):
        cases.refer(
            datetime.date(2022, 7, 4),
            custody_suite=riverside,
            offence_type=offence("possession-class-a"),
            officer_decision=OfficerDecision.DECLINE,
        )
    for _ in range(11):
        cases.accepted(
            datetime.date(2024, 3, 4), custody_suite=northgate, offence_type=offence("theft")
        )
    for _ in range(12):
        cases.refer(
            datetime.date(2024, 4, 8),
            custody_suite=riverside,
            offence_type=offence("possession-class-a"),
        )
    for _ in range(10):
        cases.refer(
            datetime.date(2024, 4, 8),
            custody_suite=northgate,
            offence_type=offence("supply-own-use"),
        )
    work_out()
    pilot = PolicyVersion.objects.get(name="Pilot rules")
    rollout = PolicyVersion.objects.get(name="Roll-out rules")
    return {
        "all": read(),
        "northgate": read(suite=northgate),
        "riverside": read(suite=riverside),
        "possession": read(group=OffenceGroup.DRUG_POSSESSION),
        "theft": read(group=OffenceGroup.ACQUISITIVE),
        "pilot": read(version=pilot),
        "rollout": read(version=rollout),
        "july to march": read(start=datetime.date(2022, 7, 1), end=MARCH),
        "from april": read(start=APRIL),
        "riverside rollout": read(suite=riverside, version=rollout),
        "northgate possession pilot": read(
            suite=northgate, group=OffenceGroup.DRUG_POSSESSION, version=pilot
        ),
    }


@pytest.mark.parametrize(
    ("cell", "referred"),
    [
        ("all", 47),
        # 10 + 11 + 10 at Northgate; 4 + 12 at Riverside.
        ("northgate", 31),
        ("riverside", 16),
        # 10 + 4 + 12 possession; 11 thefts.
        ("possession", 26),
        ("theft", 11),
        # 10 + 4 under the pilot rules; 11 + 12 + 10 under the roll-out rules.
        ("pilot", 14),
        ("rollout", 33),
        # July 2022 to March 2024: 4 + 11; April 2024 on: 12 + 10.
        ("july to march", 15),
        ("from april", 22),
        # Filters together: Riverside under the roll-out; Northgate possession under the
        # pilot.
        ("riverside rollout", 12),
        ("northgate possession pilot", 10),
    ],
)
def test_each_filter_reads_its_own_cell_of_the_figures(filtered, cell, referred):
    figures = filtered[cell]
    assert figures.counts["referred"] == referred
    assert figures.table("Referrals at each stage")["Arrests referred"] == [str(referred), ""]
    assert figures.dashboard.referred == referred


def test_the_filters_change_every_measure_not_only_the_referrals(filtered):
    # Under the pilot, class A possession was excluded: 10 of 14 eligible.
    assert filtered["pilot"].table("Referrals at each stage")["Eligible under the policy"] == [
        "10",
        "71.4%",
    ]
    # Under the roll-out, every referral was eligible, and 11 + 12 were offered (the supply
    # offences await authorisation). All offers = eligible people offered + exceptions,
    # and with no exceptions (0, withheld) the 23 eligible people offered are withheld too.
    rollout = filtered["rollout"].table("Referrals at each stage")
    assert rollout["Eligible under the policy"] == ["33", "100.0%"]
    assert rollout["Offered as an exception (not eligible)"] == ["!", ""]
    assert rollout["Offered: eligible people"] == ["!", "!"]
    assert rollout["All offers"] == ["23", ""]
    assert filtered["rollout"].counts["offered"] == 23
    # The 11 acceptances were all thefts, at Northgate.
    assert filtered["theft"].counts["accepted"] == 11
    assert filtered["riverside"].counts["accepted"] == 0
    assert filtered["northgate"].counts["accepted"] == 11
    assert filtered["from april"].counts["accepted"] == 0


def test_the_months_and_offence_groups_add_up_to_the_referrals(filtered):
    every = filtered["all"]
    # 47 = 26 possession + 11 thefts + 10 supply offences.
    assert every.table("Referrals by offence group") == {
        "Drug possession": ["26", "55.3%"],
        "Theft, burglary and fraud": ["11", "23.4%"],
        "Drug supply linked to own use": ["10", "21.3%"],
        "All offence groups": ["47", ""],
    }
    # July's 4 are withheld, and so June's 10 (the smallest month still shown), since the
    # months add up to the 47. Supply offences: 10 of April's 22 (45.45%), of all 47.
    assert every.table("Referrals per month") == {
        "Jun 2022": ["!", "!", "!"],
        "Jul 2022": ["!", "!", "!"],
        "Mar 2024": ["11", "!", "!"],
        "Apr 2024": ["22", "10", "45.5%"],
        "All months": ["47", "10", "21.3%"],
    }
    assert filtered["from april"].table("Referrals per month") == {
        "Apr 2024": ["22", "10", "45.5%"],
        "All months": ["22", "10", "45.5%"],
    }


def test_the_policy_versions_are_side_by_side_whichever_version_is_selected(filtered):
    versions = filtered["all"].table("Headline measures by policy version")
    assert filtered["all"].head("Headline measures by policy version") == [
        "Measure",
        "Pilot rules",
        "Roll-out rules",
    ]
    assert versions["Referrals"] == ["14", "33"]
    # 10 / 14 eligible under the pilot; all 33 under the roll-out.
    assert versions["Eligible (of referrals)"] == ["71.4%", "100.0%"]
    # All 10 eligible offered under the pilot; 23 of 33 under the roll-out. But the funnel
    # withholds the 33 offered beside its 0 exceptions, and 33 = 10 + 23, so the smaller
    # version's count, the pilot's 10, is withheld with it (and its rate).
    assert versions["Offered (of eligible)"] == ["!", "69.7%"]
    # No acceptances under the pilot (withheld); 11 of 23 offers under the roll-out.
    assert versions["Accepted (of offers)"] == ["!", "47.8%"]
    # Every offer came 2 hours after the arrest: 0 days, for 10 and 23 offers.
    assert versions["Median days, arrest to offer"] == ["0", "0"]
    # No contracts yet: too few to be reliable, and not "not applicable", which would
    # give their withheld 0 away.
    assert versions["Median days, offer to contract signed"] == ["?", "?"]
    # The version filter does not narrow it; it marks the version selected.
    pilot = filtered["pilot"]
    assert pilot.head("Headline measures by policy version") == [
        "Measure",
        "Pilot rules (selected)",
        "Roll-out rules",
    ]
    assert pilot.table("Headline measures by policy version")["Referrals"] == ["14", "33"]
    # The other filters do: at Northgate, 10 under the pilot and 11 + 10 under the roll-out.
    northgate = filtered["northgate"].table("Headline measures by policy version")
    assert northgate["Referrals"] == ["10", "21"]
