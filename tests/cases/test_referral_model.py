"""Referral invariants the database holds, whatever code (or admin edit) writes the row."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from diversion.cases.models import (
    DeclineReason,
    OfficerDecision,
    PersonDecision,
    Referral,
    ReferralStatus,
)
from diversion.policy.models import CustodySuite, OffenceType


def refused_by_database(referral, constraint, **changes):
    """Write `changes` straight to the row, bypassing validation; the database must refuse."""
    before = Referral.objects.values().get(pk=referral.pk)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(**changes)
    assert Referral.objects.values().get(pk=referral.pk) == before


@pytest.fixture
def offered(make_referral):
    return make_referral()


def test_an_arrest_in_the_future_is_refused_by_the_database(offered):
    later = timezone.now() + datetime.timedelta(hours=1)
    refused_by_database(offered, "referral_arrest_not_in_future", arrested_at=later)


def test_the_service_refuses_an_arrest_in_the_future(make_referral):
    later = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError):
        make_referral(arrested_at=later, offence_date=timezone.localdate())
    assert not Referral.objects.exists()


def test_an_offence_after_the_arrest_is_refused_by_the_database(offered):
    day_after = timezone.localdate(offered.arrested_at) + datetime.timedelta(days=1)
    refused_by_database(offered, "referral_offence_not_after_arrest", offence_date=day_after)


def test_the_arrest_date_is_taken_in_london_time(make_referral):
    # 23:30 UTC on 1 June is 00:30 BST on 2 June: an offence on 2 June is not after the arrest.
    arrested_at = datetime.datetime(2025, 6, 1, 23, 30, tzinfo=datetime.UTC)
    referral = make_referral(arrested_at=arrested_at, offence_date=datetime.date(2025, 6, 2))
    assert Referral.objects.filter(pk=referral.pk, offence_date="2025-06-02").exists()
    refused_by_database(
        referral, "referral_offence_not_after_arrest", offence_date=datetime.date(2025, 6, 3)
    )


def test_a_custody_record_number_is_unique_within_a_suite(make_referral):
    first = make_referral(custody_record_number="NG-1234567-26")
    with pytest.raises(ValidationError) as caught:
        make_referral(custody_record_number="NG-1234567-26")
    assert "That custody record number is already used at this suite." in caught.value.messages
    second = make_referral(custody_record_number="NG-7654321-26")
    refused_by_database(
        second,
        "referral_custody_record_unique_per_suite",
        custody_record_number=first.custody_record_number,
    )


def test_the_same_custody_record_number_may_be_used_at_another_suite(make_referral):
    make_referral(custody_record_number="NG-1234567-26")
    other = make_referral(
        custody_record_number="NG-1234567-26", custody_suite=CustodySuite.objects.get(code="RS")
    )
    assert Referral.objects.filter(custody_record_number="NG-1234567-26").count() == 2
    assert other.custody_suite.code == "RS"


@pytest.mark.parametrize("score", [0, 6, 99])
def test_a_gravity_score_outside_one_to_five_is_refused_by_the_database(offered, score):
    refused_by_database(offered, "referral_gravity_score_range", gravity_score=score)


@pytest.mark.parametrize("score", [1, 5])
def test_gravity_scores_one_and_five_are_stored(offered, score):
    Referral.objects.filter(pk=offered.pk).update(gravity_score=score)
    offered.refresh_from_db()
    assert offered.gravity_score == score


def test_the_service_validates_the_gravity_score(make_referral):
    with pytest.raises(ValidationError) as caught:
        make_referral(gravity_score=6, officer_decision=OfficerDecision.EXCEPTION)
    assert "gravity_score" in caught.value.message_dict


def test_an_exception_without_the_authorisation_flag_is_refused_by_the_database(offered):
    refused_by_database(
        offered,
        "referral_exception_needs_authorisation",
        officer_decision=OfficerDecision.EXCEPTION,
        needs_authorisation=False,
    )


def test_a_decision_before_the_offer_is_refused_by_the_database(offered):
    refused_by_database(
        offered,
        "referral_decision_after_offer",
        person_decision=PersonDecision.DECLINED,
        decline_reason=DeclineReason.OTHER,
        decided_at=offered.offered_at - datetime.timedelta(minutes=1),
    )


def test_a_decision_without_an_offer_is_refused_by_the_database(make_referral):
    not_offered = make_referral(officer_decision=OfficerDecision.DECLINE)
    assert not_offered.offered_at is None
    refused_by_database(not_offered, "referral_decision_after_offer", decided_at=timezone.now())


def test_an_offer_awaiting_authorisation_cannot_be_made_by_the_database(make_referral):
    awaiting = make_referral(offence_type=OffenceType.objects.get(code="supply-own-use"))
    assert awaiting.status == ReferralStatus.AWAITING_AUTHORISATION
    refused_by_database(awaiting, "referral_offer_only_when_authorised", offered_at=timezone.now())


def test_half_an_authorisation_is_refused_by_the_database(make_referral, manager):
    awaiting = make_referral(officer_decision=OfficerDecision.EXCEPTION)
    refused_by_database(awaiting, "referral_authorisation_complete", authorised_by=manager)
    refused_by_database(awaiting, "referral_authorisation_complete", authorised_at=timezone.now())


def test_accepted_without_the_persons_acceptance_is_refused_by_the_database(offered):
    refused_by_database(
        offered, "referral_accepted_matches_decision", status=ReferralStatus.ACCEPTED
    )


def test_considering_without_a_decide_by_date_is_refused_by_the_database(offered):
    refused_by_database(
        offered,
        "referral_considering_has_decide_by",
        status=ReferralStatus.CONSIDERING,
        person_decision=PersonDecision.CONSIDERING,
    )


@pytest.mark.parametrize("reason", ["", "moved_away"])
def test_a_decline_without_a_valid_reason_is_refused_by_the_database(make_referral, reason):
    declined = make_referral(decision=PersonDecision.DECLINED)
    assert declined.decline_reason == DeclineReason.PREFERS_COURT
    refused_by_database(declined, "referral_declined_has_reason", decline_reason=reason)


def test_the_database_refuses_a_decline_that_skipped_its_reason(offered):
    refused_by_database(
        offered,
        "referral_declined_has_reason",
        status=ReferralStatus.DECLINED,
        person_decision=PersonDecision.DECLINED,
        decided_at=offered.offered_at,
        decision_recorded_at=offered.offered_at,
    )


@pytest.mark.parametrize("decision", [None, PersonDecision.ACCEPTED])
def test_a_decline_reason_without_a_decline_is_refused_by_the_database(make_referral, decision):
    referral = make_referral(decision=decision)
    refused_by_database(
        referral,
        "referral_decline_reason_only_when_declined",
        decline_reason=DeclineReason.PREFERS_COURT,
    )


def test_a_blank_rationale_is_refused_by_the_database(offered):
    refused_by_database(offered, "referral_rationale_recorded", decision_rationale="")


def test_an_unknown_status_is_refused_by_the_database(offered):
    refused_by_database(offered, "referral_status_valid", status="lost")


def test_the_reference_is_the_padded_primary_key(offered):
    assert offered.reference == f"CP-{offered.pk:06d}"
    assert str(offered) == offered.reference
    assert Referral().reference == "CP-(new)"
