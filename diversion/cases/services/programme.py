"""Every change to a programme's status goes through these functions: opening it, signing
its contract, and ending or reopening it."""

import datetime
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.models import (
    CLOSED,
    MAX_CONDITIONS,
    AssessmentStage,
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    OutcomeReason,
    Programme,
    ProgrammeStatus,
    ProsecutionReturn,
    Referral,
    ReturnStatus,
    contract_end,
    entry_date_problem,
    late_reason_problem,
)
from diversion.lib.concurrency import lock_at_version, lock_for_change
from diversion.lib.dates import add_months, today
from diversion.lib.history import recorded
from diversion.lib.workflow import IllegalTransition, allowed, label, transition
from diversion.people import services as people_services
from diversion.people.models import LaterOffence
from diversion.policy.models import MilestoneKind


class ProgrammeError(Exception):
    """A programme action the rules do not allow, with a message for the user. `field` names
    the form input the message belongs beside, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# The reasons the history gives for signing and completing, which need no words of their
# own from the caseworker (the timeline and the demo seed use them too).
SIGNED_REASON = "Contract signed"
COMPLETED_REASON = "Completed"

# Condition statuses that let a programme complete.
CONDITION_SETTLED = (ConditionStatus.MET, ConditionStatus.WAIVED)


@transaction.atomic
@recorded
def open_programme(referral: Referral, *, actor: User) -> Programme:
    """An accepted offer becomes a programme awaiting its contract, with no caseworker yet:
    the caseworkers' unassigned queue."""
    programme = Programme.objects.create(referral=referral)
    log(actor, Action.COLLECTION, programme)
    return programme


def milestone_dates(
    schedule: Iterable[Mapping[str, Any]], signed_on: datetime.date
) -> Iterator[tuple[Mapping[str, Any], datetime.date]]:
    """Due dates from a policy version's schedule: each step is `days` or `months` after signing."""
    for step in schedule:
        if "months" in step:
            due = add_months(signed_on, step["months"])
        else:
            due = signed_on + datetime.timedelta(days=step["days"])
        yield step, due


@transaction.atomic
@recorded
def sign_contract(
    programme: Programme,
    *,
    actor: User,
    signed_on: datetime.date,
    conditions: Collection[Mapping[str, Any]],
    late_reason: str = "",
    expected_version: int | str | None = None,
) -> Programme:
    """Start the four months on `signed_on`: conditions agreed, milestones scheduled from
    the policy version's schedule.

    A paper contract keyed in on a later day keeps its real date, within the late-entry
    rules from the acceptance (signing_problem), with `late_reason` saying why; its end
    date and milestones follow from that date.

    `conditions` are the extra conditions as dicts of Condition fields; "do not reoffend"
    is always the first, so at most four more may be given (domain.md: up to five
    conditions). Our design: someone must own the case before its four months start, so an
    unassigned case is taken or assigned first. An entry needs assessment made before
    signing fulfils the needs-assessment milestone, on the day of the assessment or of the
    signing if that is later (a milestone is never done before the contract starts).

    The case is locked and its version checked first, so a case changed by someone else
    since the form was opened is reported as a change, not as a refusal.
    """
    current = lock_at_version(programme, expected_version)
    if not current.can("sign"):
        raise IllegalTransition(current, ProgrammeStatus.ACTIVE)
    if current.caseworker_id is None:
        raise ProgrammeError(
            "The case must be taken or assigned to a caseworker before the contract is signed"
        )
    problem = signing_problem(current, signed_on)
    if problem:
        raise ProgrammeError(problem, field="signed_on")
    problem = late_reason_problem(signed_on, late_reason, today=today())
    if problem:
        raise ProgrammeError(problem, field="late_reason")
    if len(conditions) > MAX_CONDITIONS - 1:
        raise ProgrammeError("A contract has at most five conditions, including not reoffending")
    rows = [Condition(programme=current, number=1, kind=ConditionKind.NO_REOFFENDING)]
    rows += [Condition(programme=current, number=n, **spec) for n, spec in enumerate(conditions, 2)]
    # Check the conditions before anything changes, so a refused contract leaves no trace.
    try:
        for row in rows:
            row.full_clean()
    except ValidationError as error:
        raise ProgrammeError(" ".join(error.messages)) from error
    transition(
        programme,
        ProgrammeStatus.ACTIVE,
        actor=actor,
        reason=SIGNED_REASON,
        from_statuses=programme.ACTIONS["sign"].only_from,
        expected_version=expected_version,
        signed_on=signed_on,
        ends_on=contract_end(signed_on),
        signing_recorded_at=timezone.now(),
        signing_late_reason=late_reason.strip() if signed_on < today() else "",
    )
    Condition.objects.bulk_create(rows)
    Milestone.objects.bulk_create(
        Milestone(programme=programme, code=step["code"], label=step["label"], due_on=due)
        for step, due in milestone_dates(
            programme.referral.policy_version.milestone_schedule, signed_on
        )
    )
    entry = programme.assessments.filter(stage=AssessmentStage.ENTRY).first()
    if entry is not None:
        complete_needs_milestone(programme, max(entry.assessed_on, signed_on), actor=actor)
    log(actor, Action.ALTERATION, programme, detail="contract signed")
    return programme


def signing_problem(programme: Programme, signed_on: datetime.date) -> str | None:
    """Why the contract of `programme` cannot be recorded as signed on `signed_on`, or None:
    not in the future, nor before the offer was accepted, nor further back than its policy
    version allows (late_entry)."""
    referral = programme.referral
    return entry_date_problem(
        signed_on,
        name="signing date",
        follows=timezone.localdate(referral.decided_at),
        follows_what="the offer was accepted",
        policy_version=referral.policy_version,
        today=today(),
    )


def complete_needs_milestone(programme: Programme, on: datetime.date, *, actor: User) -> None:
    """The entry needs assessment fulfils the schedule's needs-assessment milestone."""
    milestone = programme.milestones.filter(
        code=MilestoneKind.NEEDS_ASSESSMENT, status=MilestoneStatus.DUE
    ).first()
    if milestone is not None:
        transition(milestone, MilestoneStatus.DONE, actor=actor, completed_on=on)


def _check_outcome_date(programme: Programme, outcome_on: datetime.date) -> None:
    if outcome_on > today():
        raise ProgrammeError("The outcome date cannot be in the future")
    accepted_on = timezone.localdate(programme.referral.decided_at)
    if outcome_on < (programme.signed_on or accepted_on):
        start = "the contract was signed" if programme.signed_on else "the offer was accepted"
        raise ProgrammeError(f"The outcome date cannot be before {start}")


def completion_blockers(
    conditions: Iterable[tuple[str, str]], milestone_statuses: Mapping[str, str]
) -> list[str]:
    """What stands between a running programme and its completion, in plain words, or []
    when nothing does. `conditions` are each condition's name and status;
    `milestone_statuses` maps each milestone's kind to its status.

    Domain: completion means every condition met or waived and the final review done (at
    month 4). A case whose schedule made no final review cannot be completed at all.
    """
    waiting = [
        f"{name} is {label(Condition, status).lower()}"
        for name, status in conditions
        if status not in CONDITION_SETTLED
    ]
    final = milestone_statuses.get(MilestoneKind.FINAL_REVIEW)
    if final is None:
        waiting.append(
            "The case has no final review in its milestone schedule, so it cannot be "
            "completed: ask a manager to check the policy version"
        )
    elif final != MilestoneStatus.DONE:
        waiting.append("The final review is not done")
    return waiting


def still_to_do(programme: Programme) -> list[str]:
    """completion_blockers() for a programme as it is in the database."""
    return completion_blockers(
        (
            (f"Condition {c.number} ({c.get_kind_display().lower()})", c.status)
            for c in programme.conditions.all()
        ),
        dict(programme.milestones.values_list("code", "status")),
    )


def records_new_offence(status: str, reason: str) -> bool:
    """A breach by reoffending records the new offence on the person (see end())."""
    return status == ProgrammeStatus.BREACHED and reason == OutcomeReason.REOFFENDED


@transaction.atomic
@recorded
def complete(
    programme: Programme,
    *,
    actor: User,
    outcome_on: datetime.date,
    expected_version: int | str | None = None,
) -> Programme:
    """Domain: completion means every condition met or waived and the final review done;
    it records no further action (crime outcome 22)."""
    current = lock_for_change(programme, expected_version)
    if not allowed(current, ProgrammeStatus.COMPLETED):
        raise IllegalTransition(current, ProgrammeStatus.COMPLETED)
    _check_outcome_date(current, outcome_on)
    waiting = still_to_do(current)
    if waiting:
        items = "; ".join(item[0].lower() + item[1:] for item in waiting)
        raise ProgrammeError(f"The programme cannot be completed yet: {items}")
    transition(
        programme,
        ProgrammeStatus.COMPLETED,
        actor=actor,
        reason=COMPLETED_REASON,
        outcome_on=outcome_on,
    )
    log(actor, Action.ALTERATION, programme, detail="completed")
    return programme


@transaction.atomic
@recorded
def end(
    programme: Programme,
    status: ProgrammeStatus,
    *,
    actor: User,
    outcome_on: datetime.date,
    reason: str,
    detail: str = "",
    new_offence: Mapping[str, Any] | None = None,
    offence: LaterOffence | None = None,
    expected_version: int | str | None = None,
) -> Programme:
    """Breach (the case returns to the officer in the case for prosecution) or withdrawal,
    with its reason. A breach by reoffending names the new offence: `offence`, one already
    on the person's record, or else `new_offence`, a dict of LaterOffence fields
    (offence_date, offence_type, source) recorded on the person. Either must be dated
    during the contract, no later than the breach. The breach returns the case to the
    officer in the case (a ProsecutionReturn on their list)."""
    if status not in (ProgrammeStatus.BREACHED, ProgrammeStatus.WITHDRAWN):
        raise ProgrammeError("Use complete() to complete a programme")
    current = lock_for_change(programme, expected_version)
    if not allowed(current, status):
        raise IllegalTransition(current, status)
    _check_outcome_date(current, outcome_on)
    breach_offence = None
    if records_new_offence(status, reason):
        if offence is not None:
            offence_date = offence.offence_date
        elif new_offence:
            offence_date = new_offence["offence_date"]
        else:
            raise ProgrammeError("Give the date and type of the new offence")
        if not current.ran_on(offence_date, outcome_on=outcome_on):
            raise ProgrammeError(
                "The new offence must be during the contract and no later than the breach"
            )
        if offence is None:
            breach_offence = people_services.record_later_offence(
                current.referral.person, actor=actor, **(new_offence or {})
            )
        elif offence.person_id != current.referral.person_id:
            raise ProgrammeError("The new offence must be on this person's record")
        elif Programme.objects.filter(breach_offence=offence).exists():
            raise ProgrammeError("That offence has already breached another contract")
        else:
            breach_offence = offence
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
    if status == ProgrammeStatus.BREACHED:
        # Part of the breach, and logged with it.
        ProsecutionReturn.objects.create(
            programme=programme, officer_id=current.referral.created_by_id, returned_on=outcome_on
        )
    log(actor, Action.ALTERATION, programme, detail=status)
    return programme


@transaction.atomic
@recorded
def reopen(
    programme: Programme, *, actor: User, reason: str, expected_version: int | str | None = None
) -> Programme:
    """A manager reopens a case closed in error; the outcome is cleared, the history kept
    (a new offence recorded for a breach stays on the person: it still happened). A
    breached case is no longer for prosecution, so its return to the officer is cancelled."""
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
    # Part of the reopening, and logged with it.
    for returned in programme.returns.exclude(status=ReturnStatus.CANCELLED):
        transition(returned, ReturnStatus.CANCELLED, actor=actor, reason=reason)
    log(actor, Action.ALTERATION, programme, detail="reopened")
    return programme
