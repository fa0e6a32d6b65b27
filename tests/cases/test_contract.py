"""Signing the contract: its end date, its conditions and its milestones, and the database's
guard on each."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    contract_end,
)
from diversion.cases.services import programme as services
from diversion.cases.services.programme import ProgrammeError
from diversion.lib.dates import today
from tests.factories import sign
from tests.history import status_moves

INTERVENTION = {"kind": ConditionKind.INTERVENTION, "description": "Drug treatment sessions"}


def refused_by_database(programme, constraint, **changes):
    before = Programme.objects.values().get(pk=programme.pk)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(**changes)
    assert Programme.objects.values().get(pk=programme.pk) == before


def conditions_refused_by_database(constraint, *conditions):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Condition.objects.bulk_create(conditions)


@pytest.fixture
def halloween_programme(make_referral):
    """Arrested and accepted 30 October 2025, so a contract can be signed on the 31st (a
    month end)."""
    with time_machine.travel(datetime.datetime(2025, 10, 30, 14, tzinfo=datetime.UTC)):
        referral = make_referral(
            arrested_at=datetime.datetime(2025, 10, 30, 11, tzinfo=datetime.UTC),
            decision=PersonDecision.ACCEPTED,
        )
    return referral.programme


def test_signing_starts_the_programme_and_ends_it_four_months_later(
    halloween_programme, caseworker
):
    sign(
        halloween_programme,
        actor=caseworker,
        signed_on=datetime.date(2025, 10, 31),
        conditions=[INTERVENTION],
    )
    programme = Programme.objects.get(pk=halloween_programme.pk)
    assert programme.status == ProgrammeStatus.ACTIVE
    assert programme.signed_on == datetime.date(2025, 10, 31)
    assert programme.ends_on == datetime.date(2026, 2, 28)
    assert programme.ends_on == contract_end(programme.signed_on)


def test_condition_one_is_always_not_to_reoffend_followed_by_those_given(
    halloween_programme, caseworker
):
    sign(
        halloween_programme,
        actor=caseworker,
        signed_on=datetime.date(2025, 10, 31),
        conditions=[
            {"kind": ConditionKind.RESTORATIVE, "description": "Letter of apology"},
            INTERVENTION,
            {"kind": ConditionKind.VOLUNTARY_WORK, "voluntary_hours": 24},
        ],
    )
    conditions = list(
        halloween_programme.conditions.values_list("number", "kind", "voluntary_hours", "status")
    )
    assert conditions == [
        (1, ConditionKind.NO_REOFFENDING, None, ConditionStatus.PENDING),
        (2, ConditionKind.RESTORATIVE, None, ConditionStatus.PENDING),
        (3, ConditionKind.INTERVENTION, None, ConditionStatus.PENDING),
        (4, ConditionKind.VOLUNTARY_WORK, 24, ConditionStatus.PENDING),
    ]


def test_a_contract_with_no_extra_conditions_has_only_condition_one(
    halloween_programme, caseworker
):
    sign(
        halloween_programme, actor=caseworker, signed_on=datetime.date(2025, 10, 31), conditions=[]
    )
    assert list(halloween_programme.conditions.values_list("number", "kind")) == [
        (1, ConditionKind.NO_REOFFENDING)
    ]


def test_milestones_follow_the_policy_schedule_with_month_ends_clamped(
    halloween_programme, caseworker
):
    sign(
        halloween_programme,
        actor=caseworker,
        signed_on=datetime.date(2025, 10, 31),
        conditions=[INTERVENTION],
    )
    milestones = list(
        Milestone.objects.filter(programme=halloween_programme).values_list(
            "code", "label", "due_on", "status", "completed_on"
        )
    )
    assert milestones == [
        ("needs_assessment", "Needs assessment", datetime.date(2025, 11, 7), "due", None),
        ("first_intervention", "First intervention", datetime.date(2025, 11, 14), "due", None),
        ("review_1", "Month 1 review", datetime.date(2025, 11, 30), "due", None),
        ("review_2", "Month 2 review", datetime.date(2025, 12, 31), "due", None),
        ("review_3", "Month 3 review", datetime.date(2026, 1, 31), "due", None),
        ("final_review", "Final review", datetime.date(2026, 2, 28), "due", None),
    ]


def test_the_final_review_falls_on_the_contract_end(active_programme):
    final = active_programme.milestones.get(code="final_review")
    assert final.due_on == active_programme.ends_on == contract_end(today())


def test_signing_is_recorded_as_an_event_and_logged(halloween_programme, caseworker):
    sign(
        halloween_programme, actor=caseworker, signed_on=datetime.date(2025, 10, 31), conditions=[]
    )
    event = status_moves(halloween_programme)[-1]
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        caseworker,
        ProgrammeStatus.AWAITING_CONTRACT,
        ProgrammeStatus.ACTIVE,
        "Contract signed",
    )
    entry = AccessLogEntry.objects.filter(
        record_type="cases.programme", record_id=halloween_programme.pk
    ).first()
    assert (entry.actor, entry.action, entry.detail) == (
        caseworker,
        Action.ALTERATION,
        "contract signed",
    )


def test_a_sixth_condition_is_refused_by_the_service(programme, caseworker):
    with pytest.raises(ProgrammeError, match="at most five conditions"):
        sign(programme, actor=caseworker, signed_on=today(), conditions=[INTERVENTION] * 5)
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.AWAITING_CONTRACT
    assert not Condition.objects.exists()
    assert not Milestone.objects.exists()


def test_five_conditions_are_allowed(programme, sign_contract):
    sign_contract(programme, conditions=[INTERVENTION] * 4)
    assert list(programme.conditions.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def test_a_sixth_condition_is_refused_by_the_database(active_programme):
    conditions_refused_by_database(
        "condition_at_most_five",
        Condition(programme=active_programme, number=6, kind=ConditionKind.INTERVENTION),
    )
    assert active_programme.conditions.count() == 2


def test_condition_one_of_another_kind_is_refused_by_the_database(programme):
    conditions_refused_by_database(
        "condition_first_is_no_reoffending",
        Condition(programme=programme, number=1, kind=ConditionKind.INTERVENTION),
    )


def test_not_reoffending_in_another_place_is_refused_by_the_database(active_programme):
    conditions_refused_by_database(
        "condition_first_is_no_reoffending",
        Condition(programme=active_programme, number=3, kind=ConditionKind.NO_REOFFENDING),
    )


def test_a_condition_number_is_used_once_per_programme(active_programme):
    conditions_refused_by_database(
        "condition_number_unique",
        Condition(programme=active_programme, number=2, kind=ConditionKind.RESTORATIVE),
    )


def test_the_service_refuses_not_reoffending_as_an_extra_condition(programme, sign_contract):
    with pytest.raises(ProgrammeError):
        sign_contract(programme, conditions=[{"kind": ConditionKind.NO_REOFFENDING}])
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.AWAITING_CONTRACT
    assert not Condition.objects.exists()


@pytest.mark.parametrize("hours", [17, 37, 0])
def test_voluntary_hours_outside_18_to_36_are_refused_by_the_database(programme, hours):
    conditions_refused_by_database(
        "condition_voluntary_hours_in_range",
        Condition(programme=programme, number=1, kind=ConditionKind.NO_REOFFENDING),
        Condition(
            programme=programme, number=2, kind=ConditionKind.VOLUNTARY_WORK, voluntary_hours=hours
        ),
    )
    assert not Condition.objects.exists()


@pytest.mark.parametrize("hours", [17, 37])
def test_voluntary_hours_outside_18_to_36_fail_model_validation(programme, hours):
    condition = Condition(
        programme=programme, number=2, kind=ConditionKind.VOLUNTARY_WORK, voluntary_hours=hours
    )
    with pytest.raises(ValidationError) as caught:
        condition.full_clean()
    assert "voluntary_hours" in caught.value.message_dict


@pytest.mark.parametrize("hours", [17, 37])
def test_the_service_refuses_voluntary_hours_outside_18_to_36(programme, sign_contract, hours):
    with pytest.raises(ProgrammeError, match="18|36"):
        sign_contract(
            programme,
            conditions=[{"kind": ConditionKind.VOLUNTARY_WORK, "voluntary_hours": hours}],
        )
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.AWAITING_CONTRACT
    assert not Condition.objects.exists()


@pytest.mark.parametrize("hours", [18, 36])
def test_voluntary_hours_of_18_and_36_are_accepted(programme, hours):
    condition = Condition(
        programme=programme, number=2, kind=ConditionKind.VOLUNTARY_WORK, voluntary_hours=hours
    )
    condition.full_clean()
    Condition.objects.bulk_create(
        [Condition(programme=programme, number=1, kind=ConditionKind.NO_REOFFENDING), condition]
    )
    assert programme.conditions.get(number=2).voluntary_hours == hours


@pytest.mark.parametrize("hours", [18, 36])
def test_the_service_accepts_voluntary_hours_of_18_and_36(programme, sign_contract, hours):
    sign_contract(
        programme, conditions=[{"kind": ConditionKind.VOLUNTARY_WORK, "voluntary_hours": hours}]
    )
    assert programme.conditions.get(number=2).voluntary_hours == hours


def test_only_voluntary_work_has_hours(active_programme):
    conditions_refused_by_database(
        "condition_voluntary_hours_in_range",
        Condition(programme=active_programme, number=3, kind=ConditionKind.TAG, voluntary_hours=20),
    )


def test_a_waived_condition_needs_a_reason_in_the_database(active_programme):
    with pytest.raises(IntegrityError, match="condition_waiver_has_reason"), transaction.atomic():
        active_programme.conditions.filter(number=2).update(status=ConditionStatus.WAIVED)
    active_programme.conditions.filter(number=2).update(
        status=ConditionStatus.WAIVED, status_reason="Service closed"
    )


@pytest.mark.parametrize("days", [1, -1, 30])
def test_an_end_date_other_than_four_months_after_signing_is_refused_by_the_database(
    active_programme, days
):
    wrong = active_programme.ends_on + datetime.timedelta(days=days)
    refused_by_database(active_programme, "programme_ends_four_months_after_signing", ends_on=wrong)


def test_moving_the_signing_date_without_the_end_date_is_refused_by_the_database(
    active_programme,
):
    refused_by_database(
        active_programme,
        "programme_ends_four_months_after_signing",
        signed_on=F("signed_on") - datetime.timedelta(days=1),
    )


def test_an_end_date_without_a_signing_date_is_refused_by_the_database(programme):
    refused_by_database(
        programme, "programme_ends_four_months_after_signing", ends_on=contract_end(today())
    )


def test_the_database_agrees_on_the_month_end_case(programme, sign_contract):
    # 31 October -> 28 February (29th in a leap year): the Python and SQL rules must agree,
    # or the service could not sign on a month end.
    for signed_on, ends_on in [
        (datetime.date(2024, 10, 31), datetime.date(2025, 2, 28)),
        (datetime.date(2023, 10, 31), datetime.date(2024, 2, 29)),
    ]:
        with transaction.atomic():
            Programme.objects.filter(pk=programme.pk).update(
                status=ProgrammeStatus.ACTIVE,
                signed_on=signed_on,
                ends_on=ends_on,
                signing_recorded_at=timezone.now(),
                signing_late_reason="Keyed in from the paper contract",
            )
            assert Programme.objects.filter(pk=programme.pk, ends_on=ends_on).exists()


def test_an_outcome_before_signing_is_refused_by_the_database(active_programme):
    refused_by_database(
        active_programme,
        "programme_outcome_not_before_signing",
        status=ProgrammeStatus.COMPLETED,
        outcome_on=active_programme.signed_on - datetime.timedelta(days=1),
    )


def test_an_outcome_before_signing_is_refused_by_the_service(active_programme, caseworker):
    active_programme.conditions.update(status=ConditionStatus.MET)
    active_programme.milestones.filter(code="final_review").update(
        status=MilestoneStatus.DONE, completed_on=active_programme.ends_on
    )
    with pytest.raises(services.ProgrammeError) as caught:
        services.complete(
            active_programme,
            actor=caseworker,
            outcome_on=active_programme.signed_on - datetime.timedelta(days=1),
        )
    assert "outcome date cannot be before" in str(caught.value)
    assert Programme.objects.get(pk=active_programme.pk).status == ProgrammeStatus.ACTIVE


def test_an_outcome_on_an_open_programme_is_refused_by_the_database(active_programme):
    refused_by_database(active_programme, "programme_outcome_only_when_closed", outcome_on=today())


def test_an_active_programme_must_have_been_signed(programme):
    refused_by_database(
        programme, "programme_signed_unless_awaiting_contract", status=ProgrammeStatus.ACTIVE
    )


def test_a_contract_cannot_be_signed_in_the_future(programme, caseworker):
    with pytest.raises(services.ProgrammeError, match="future"):
        sign(
            programme,
            actor=caseworker,
            signed_on=today() + datetime.timedelta(days=1),
            conditions=[],
        )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.AWAITING_CONTRACT


def test_a_contract_cannot_be_signed_before_the_offer_was_accepted(programme, caseworker):
    with pytest.raises(services.ProgrammeError, match="before the offer was accepted"):
        sign(
            programme,
            actor=caseworker,
            signed_on=today() - datetime.timedelta(days=1),
            conditions=[],
        )
    programme.refresh_from_db()
    assert programme.signed_on is None
