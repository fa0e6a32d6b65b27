"""Every change to a programme goes through these functions (style habit 2)."""

import datetime
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.models import (
    CLOSED,
    MAX_CONDITIONS,
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    OutcomeReason,
    Programme,
    ProgrammeStatus,
)
from diversion.lib.concurrency import lock_for_change
from diversion.lib.dates import add_months, contract_end, today
from diversion.lib.workflow import IllegalTransition, allowed, record_event, transition
from diversion.people import services as people_services


class ProgrammeError(Exception):
    """A programme action the rules do not allow, with a message for the user."""


# Condition statuses that let a programme complete, and the milestone it needs done.
CONDITION_SETTLED = (ConditionStatus.MET, ConditionStatus.WAIVED)
FINAL_REVIEW = "final_review"


@transaction.atomic
def open_programme(referral, *, actor):
    """An accepted offer becomes a programme awaiting its contract, with no caseworker yet:
    the caseworkers' unassigned queue."""
    programme = Programme.objects.create(referral=referral)
    record_event(programme, "", ProgrammeStatus.AWAITING_CONTRACT, actor=actor)
    log(actor, Action.COLLECTION, programme)
    return programme


def milestone_dates(schedule, signed_on):
    """Due dates from a policy version's schedule: each step is `days` or `months` after signing."""
    for step in schedule:
        if "months" in step:
            due = add_months(signed_on, step["months"])
        else:
            due = signed_on + datetime.timedelta(days=step["days"])
        yield step, due


@transaction.atomic
def sign_contract(programme, *, actor, signed_on, conditions, expected_version=None):
    """Start the four months: conditions agreed, milestones scheduled.

    `conditions` are the extra conditions as dicts of Condition fields; "do not reoffend"
    is always the first, so at most four more may be given.
    """
    if programme.status != ProgrammeStatus.AWAITING_CONTRACT:
        raise IllegalTransition(programme, ProgrammeStatus.ACTIVE)
    if signed_on > today():
        raise ProgrammeError("The contract cannot be signed on a date in the future")
    accepted_on = timezone.localdate(programme.referral.decided_at)
    if signed_on < accepted_on:
        raise ProgrammeError("The contract cannot be signed before the offer was accepted")
    if len(conditions) > MAX_CONDITIONS - 1:
        raise ProgrammeError("A contract has at most five conditions, including not reoffending")
    rows = [Condition(programme=programme, number=1, kind=ConditionKind.NO_REOFFENDING)]
    rows += [
        Condition(programme=programme, number=n, **spec) for n, spec in enumerate(conditions, 2)
    ]
    # Check the conditions before anything changes, so a refused contract leaves no trace.
    for row in rows:
        row.full_clean()
    transition(
        programme,
        ProgrammeStatus.ACTIVE,
        actor=actor,
        reason="Contract signed",
        from_statuses={ProgrammeStatus.AWAITING_CONTRACT},
        expected_version=expected_version,
        signed_on=signed_on,
        ends_on=contract_end(signed_on),
    )
    Condition.objects.bulk_create(rows)
    Milestone.objects.bulk_create(
        Milestone(programme=programme, code=step["code"], label=step["label"], due_on=due)
        for step, due in milestone_dates(
            programme.referral.policy_version.milestone_schedule, signed_on
        )
    )
    log(actor, Action.ALTERATION, programme, detail="contract signed")
    return programme


def _check_outcome_date(programme, outcome_on):
    if outcome_on > today():
        raise ProgrammeError("The outcome date cannot be in the future")
    accepted_on = timezone.localdate(programme.referral.decided_at)
    if outcome_on < (programme.signed_on or accepted_on):
        start = "the contract was signed" if programme.signed_on else "the offer was accepted"
        raise ProgrammeError(f"The outcome date cannot be before {start}")


def completion_problem(
    condition_statuses: Iterable[str], milestone_statuses: Mapping[str, str]
) -> str | None:
    """Why a programme cannot be completed yet, or None. `condition_statuses` are its
    conditions' statuses; `milestone_statuses` maps each milestone's code to its status.

    Domain: completion means every condition met or waived and the final review done.
    """
    if any(status not in CONDITION_SETTLED for status in condition_statuses):
        return "Every condition must be met or waived before the programme is completed"
    if milestone_statuses.get(FINAL_REVIEW, MilestoneStatus.DONE) != MilestoneStatus.DONE:
        return "The final review must be done before the programme is completed"
    return None


def records_new_offence(status: str, reason: str) -> bool:
    """A breach by reoffending records the new offence on the person (see end())."""
    return status == ProgrammeStatus.BREACHED and reason == OutcomeReason.REOFFENDED


@transaction.atomic
def complete(programme, *, actor, outcome_on, expected_version=None):
    """Domain: completion means every condition met or waived and the final review done;
    it records no further action (crime outcome 22)."""
    current = lock_for_change(programme, expected_version)
    if not allowed(current, ProgrammeStatus.COMPLETED):
        raise IllegalTransition(current, ProgrammeStatus.COMPLETED)
    _check_outcome_date(current, outcome_on)
    problem = completion_problem(
        current.conditions.values_list("status", flat=True),
        dict(current.milestones.values_list("code", "status")),
    )
    if problem:
        raise ProgrammeError(problem)
    transition(
        programme, ProgrammeStatus.COMPLETED, actor=actor, reason="Completed", outcome_on=outcome_on
    )
    log(actor, Action.ALTERATION, programme, detail="completed")
    return programme


@transaction.atomic
def end(
    programme,
    status,
    *,
    actor,
    outcome_on,
    reason,
    detail="",
    new_offence=None,
    expected_version=None,
):
    """Breach (the case returns to the officer in the case for prosecution) or withdrawal,
    with its reason. A breach by reoffending records the new offence on the person:
    `new_offence` is a dict of LaterOffence fields (offence_date, offence_type, source)."""
    if status not in (ProgrammeStatus.BREACHED, ProgrammeStatus.WITHDRAWN):
        raise ProgrammeError("Use complete() to complete a programme")
    current = lock_for_change(programme, expected_version)
    if not allowed(current, status):
        raise IllegalTransition(current, status)
    _check_outcome_date(current, outcome_on)
    breach_offence = None
    if records_new_offence(status, reason):
        if not new_offence:
            raise ProgrammeError("Give the date and type of the new offence")
        if not current.signed_on <= new_offence["offence_date"] <= outcome_on:
            raise ProgrammeError(
                "The new offence must be during the contract and no later than the breach"
            )
        breach_offence = people_services.record_later_offence(
            current.referral.person, actor=actor, **new_offence
        )
    transition(
        programme,
        status,
        actor=actor,
        reason=detail or dict(OutcomeReason.choices).get(reason, reason),
        outcome_on=outcome_on,
        outcome_reason=reason,
        outcome_detail=detail,
        breach_offence=breach_offence,
    )
    log(actor, Action.ALTERATION, programme, detail=status)
    return programme


@transaction.atomic
def reopen(programme, *, actor, reason, expected_version=None):
    """A manager reopens a case closed in error; the outcome is cleared, the history kept
    (a new offence recorded for a breach stays on the person: it still happened)."""
    to_status = ProgrammeStatus.ACTIVE if programme.signed_on else ProgrammeStatus.AWAITING_CONTRACT
    transition(
        programme,
        to_status,
        actor=actor,
        reason=reason,
        from_statuses=CLOSED,
        expected_version=expected_version,
        outcome_on=None,
        outcome_reason="",
        outcome_detail="",
        breach_offence=None,
    )
    log(actor, Action.ALTERATION, programme, detail="reopened")
    return programme
