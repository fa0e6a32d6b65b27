"""Eligibility under the two seeded policy versions, rule by rule."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from diversion.cases.services.referral import assessment_for
from diversion.policy.eligibility import Facts, Rules, assess
from diversion.policy.models import Circumstance, OffenceGroup, OffenceType
from tests.factories import PersonFactory

LONDON = ZoneInfo("Europe/London")
UNDER_PILOT = datetime.date(2020, 6, 1)
UNDER_ROLLOUT = datetime.date(2024, 6, 1)
RULES = [
    "Aged 18 or over on the offence date",
    "Referred within 90 days of the offence",
    "The offence is one the scheme covers",
    "Gravity score no higher than 3",
    "No excluding circumstances",
]


@pytest.fixture
def check(db):
    """Assess an offence on a date; the arrest is at noon the same day unless given."""

    def check(
        offence="possession-class-b",
        offence_date=UNDER_ROLLOUT,
        *,
        person=None,
        arrested_at=None,
        gravity_score=2,
        circumstances=(),
    ):
        return assessment_for(
            person or PersonFactory(date_of_birth=datetime.date(1990, 5, 17)),
            offence_type=OffenceType.objects.get(code=offence),
            offence_date=offence_date,
            arrested_at=arrested_at
            or datetime.datetime.combine(offence_date, datetime.time(12), tzinfo=LONDON),
            gravity_score=gravity_score,
            circumstances=list(circumstances),
        )

    return check


def rule(assessment, name):
    (found,) = [r for r in assessment.rules if r["rule"] == name]
    return found


OFFENCE_RULE = "The offence is one the scheme covers"


def test_every_rule_is_listed_with_whether_it_is_met_and_why(check, rollout_rules):
    assessment = check("theft")
    assert assessment.policy_version == rollout_rules
    assert assessment.eligible
    assert assessment.rules == [
        {"rule": RULES[0], "met": True, "detail": "Aged 34 on the offence date"},
        {"rule": RULES[1], "met": True, "detail": "0 days from offence to arrest"},
        {
            "rule": RULES[2],
            "met": True,
            "detail": "Theft, including shoplifting is eligible under the roll-out rules",
        },
        {"rule": RULES[3], "met": True, "detail": "Gravity score 2"},
        {"rule": RULES[4], "met": True, "detail": "None recorded"},
    ]


def test_an_ineligible_referral_still_lists_every_rule(check):
    young = PersonFactory(date_of_birth=datetime.date(2007, 1, 1))
    assessment = check(
        "hate-crime",
        person=young,
        arrested_at=datetime.datetime(2024, 10, 1, 12, tzinfo=LONDON),
        gravity_score=5,
        circumstances=[Circumstance.ON_BAIL],
    )
    assert not assessment.eligible
    assert [r["rule"] for r in assessment.rules] == RULES
    assert [r["met"] for r in assessment.rules] == [False] * 5


@pytest.mark.parametrize(
    ("offence_date", "policy_name"),
    [
        (datetime.date(2016, 4, 1), "Pilot rules"),
        (datetime.date(2023, 3, 31), "Pilot rules"),
        (datetime.date(2023, 4, 1), "Roll-out rules"),
        (datetime.date(2025, 12, 31), "Roll-out rules"),
    ],
)
def test_the_policy_in_force_on_the_offence_date_is_used(check, offence_date, policy_name):
    assert check(offence_date=offence_date).policy_version.name == policy_name


@pytest.mark.parametrize("offence_date", [datetime.date(2016, 3, 31), datetime.date(2010, 1, 1)])
def test_no_policy_version_before_the_pilot_means_no_assessment(check, offence_date):
    assert check(offence_date=offence_date) is None


def test_class_a_possession_is_excluded_under_the_pilot(check):
    assessment = check("possession-class-a", UNDER_PILOT)
    assert not assessment.eligible
    assert rule(assessment, OFFENCE_RULE) == {
        "rule": OFFENCE_RULE,
        "met": False,
        "detail": "Possession of a controlled drug – Class A is excluded under the pilot rules",
    }


def test_class_a_possession_is_eligible_under_the_rollout(check):
    assessment = check("possession-class-a", UNDER_ROLLOUT)
    assert assessment.eligible
    assert not assessment.needs_authorisation
    assert rule(assessment, OFFENCE_RULE)["detail"] == (
        "Possession of a controlled drug – Class A is eligible under the roll-out rules"
    )


@pytest.mark.parametrize("offence", ["supply-own-use", "concerned-in-supply-own-use"])
def test_supply_for_own_use_is_excluded_under_the_pilot(check, offence):
    assessment = check(offence, UNDER_PILOT)
    assert not assessment.eligible
    assert not rule(assessment, OFFENCE_RULE)["met"]
    assert rule(assessment, OFFENCE_RULE)["detail"].endswith("is excluded under the pilot rules")
    assert not assessment.needs_authorisation


@pytest.mark.parametrize("offence", ["supply-own-use", "concerned-in-supply-own-use"])
def test_supply_for_own_use_is_eligible_with_authorisation_under_the_rollout(check, offence):
    assessment = check(offence, UNDER_ROLLOUT)
    assert assessment.eligible
    assert assessment.needs_authorisation


@pytest.mark.parametrize("offence_date", [UNDER_PILOT, UNDER_ROLLOUT])
@pytest.mark.parametrize("offence", ["possession-class-b", "theft", "common-assault"])
def test_lower_level_offences_are_eligible_without_authorisation_under_both(
    check, offence, offence_date
):
    assessment = check(offence, offence_date)
    assert assessment.eligible
    assert not assessment.needs_authorisation


@pytest.mark.parametrize("offence_date", [UNDER_PILOT, UNDER_ROLLOUT])
@pytest.mark.parametrize("offence", ["hate-crime", "sexual-offence", "robbery", "drink-driving"])
def test_hate_sexual_serious_violence_and_driving_are_excluded_under_both(
    check, offence, offence_date
):
    assessment = check(offence, offence_date)
    assert not assessment.eligible
    assert rule(assessment, OFFENCE_RULE)["detail"].endswith(
        f"is excluded under the {assessment.policy_version.name.lower()}"
    )


def test_an_offence_type_on_neither_list_is_not_eligible(check):
    OffenceType.objects.create(code="poaching", name="Poaching", group=OffenceGroup.ACQUISITIVE)
    assessment = check("poaching")
    assert not assessment.eligible
    assert rule(assessment, OFFENCE_RULE)["detail"] == (
        "Poaching is not listed as eligible under the roll-out rules"
    )


@pytest.mark.parametrize("offence_date", [UNDER_PILOT, UNDER_ROLLOUT])
def test_someone_under_eighteen_on_the_offence_date_is_not_eligible(check, offence_date):
    # Eighteen the day after the offence.
    born = offence_date.replace(year=offence_date.year - 18) + datetime.timedelta(days=1)
    assessment = check(offence_date=offence_date, person=PersonFactory(date_of_birth=born))
    assert not assessment.eligible
    assert rule(assessment, RULES[0]) == {
        "rule": RULES[0],
        "met": False,
        "detail": "Aged 17 on the offence date",
    }


def test_someone_eighteen_that_day_is_eligible(check):
    born = UNDER_ROLLOUT.replace(year=UNDER_ROLLOUT.year - 18)
    assessment = check(person=PersonFactory(date_of_birth=born))
    assert assessment.eligible
    assert rule(assessment, RULES[0])["detail"] == "Aged 18 on the offence date"


def test_age_is_taken_on_the_offence_date_not_the_arrest_date(check):
    # Seventeen when offending, eighteen by the arrest a month later: still not eligible.
    born = datetime.date(2006, 6, 15)
    assessment = check(
        offence_date=UNDER_ROLLOUT,
        person=PersonFactory(date_of_birth=born),
        arrested_at=datetime.datetime(2024, 7, 1, 12, tzinfo=LONDON),
    )
    assert not rule(assessment, RULES[0])["met"]


@pytest.mark.parametrize(("days", "met"), [(0, True), (90, True), (91, False), (400, False)])
def test_the_offence_must_be_no_more_than_ninety_days_before_the_arrest(check, days, met):
    arrested_at = datetime.datetime(2024, 10, 1, 12, tzinfo=LONDON)
    offence_date = arrested_at.date() - datetime.timedelta(days=days)
    assessment = check(offence_date=offence_date, arrested_at=arrested_at)
    assert assessment.eligible is met
    assert rule(assessment, RULES[1]) == {
        "rule": RULES[1],
        "met": met,
        "detail": f"{days} days from offence to arrest",
    }


@pytest.mark.parametrize(("score", "met"), [(1, True), (3, True), (4, False), (5, False)])
def test_the_gravity_score_must_be_three_or_lower(check, score, met):
    assessment = check(gravity_score=score)
    assert assessment.eligible is met
    assert rule(assessment, RULES[3]) == {
        "rule": RULES[3],
        "met": met,
        "detail": f"Gravity score {score}",
    }


@pytest.mark.parametrize("offence_date", [UNDER_PILOT, UNDER_ROLLOUT])
@pytest.mark.parametrize("circumstance", list(Circumstance))
def test_any_excluding_circumstance_makes_the_person_ineligible(check, circumstance, offence_date):
    assessment = check(offence_date=offence_date, circumstances=[circumstance])
    assert not assessment.eligible
    assert rule(assessment, RULES[4]) == {
        "rule": RULES[4],
        "met": False,
        "detail": circumstance.label,
    }


def test_several_excluding_circumstances_are_all_named(check):
    assessment = check(circumstances=[Circumstance.ON_BAIL, Circumstance.CO_ACCUSED])
    assert rule(assessment, RULES[4])["detail"] == ("On bail for other matters; Co-accused case")


def test_a_circumstance_the_policy_does_not_exclude_is_ignored(check, rollout_rules):
    rollout_rules.excluded_circumstances = [Circumstance.ON_BAIL]
    rollout_rules.save()
    assessment = check(circumstances=[Circumstance.CO_ACCUSED])
    assert assessment.eligible
    assert rule(assessment, RULES[4])["detail"] == "None recorded"


def test_the_rules_follow_the_policy_versions_own_limits(check, rollout_rules):
    rollout_rules.maximum_gravity_score = 4
    rollout_rules.maximum_days_since_offence = 30
    rollout_rules.minimum_age = 21
    rollout_rules.save()
    assessment = check(
        gravity_score=4,
        offence_date=datetime.date(2024, 5, 1),
        arrested_at=datetime.datetime(2024, 6, 1, 12, tzinfo=LONDON),
        person=PersonFactory(date_of_birth=datetime.date(2004, 1, 1)),
    )
    assert [r["rule"] for r in assessment.rules] == [
        "Aged 21 or over on the offence date",
        "Referred within 30 days of the offence",
        OFFENCE_RULE,
        "Gravity score no higher than 4",
        "No excluding circumstances",
    ]
    assert [r["met"] for r in assessment.rules] == [False, False, True, True, True]


def test_checking_the_rules_costs_no_query_once_they_are_loaded(
    rollout_rules, django_assert_num_queries
):
    rules = Rules.of(rollout_rules)
    theft = OffenceType.objects.get(code="theft")
    with django_assert_num_queries(0):
        assessment = assess(
            rules,
            Facts(
                date_of_birth=datetime.date(2008, 6, 2),
                offence_date=UNDER_ROLLOUT,
                arrested_on=UNDER_ROLLOUT + datetime.timedelta(days=91),
                offence_type_id=theft.pk,
                offence_type_name=theft.name,
                gravity_score=2,
                person_name="Sam Lee",
            ),
        )
    assert not assessment.eligible
    assert assessment.refusal == (
        "Sam Lee was 15 on the offence date: the scheme is for people aged 18 or over"
    )
    assert assessment.first_unmet == "Aged 15 on the offence date"


def test_only_the_hard_limits_refuse_a_referral_outright(check):
    assert check("murder").refusal is None
    assert check(gravity_score=5).refusal is None
    late = check(
        offence_date=datetime.date(2024, 2, 1),
        arrested_at=datetime.datetime(2024, 6, 1, 12, tzinfo=LONDON),
    )
    assert late.refusal == (
        "The offence was 121 days before the arrest: the roll-out rules allow 90 days at most"
    )
