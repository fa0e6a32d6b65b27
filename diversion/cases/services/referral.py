"""Every change to a referral goes through these functions, each one atomic action by `actor`."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.models import (
    OfficerDecision,
    PersonDecision,
    Referral,
    ReferralStatus,
    decide_by_problem,
    decline_reason_problem,
    entry_date_problem,
    entry_time,
    late_reason_problem,
)
from diversion.cases.services.programme import open_programme
from diversion.lib.history import changes_by, recorded
from diversion.lib.workflow import transition
from diversion.people.models import Person
from diversion.policy.eligibility import Assessment, Facts, Rules, assess
from diversion.policy.models import OffenceType, PolicyVersion


class ReferralError(Exception):
    """A referral action the rules do not allow, with a message for the user."""


# The referral's status once the person has given each answer to the offer.
STATUS_AFTER_DECISION = {
    PersonDecision.ACCEPTED: ReferralStatus.ACCEPTED,
    PersonDecision.DECLINED: ReferralStatus.DECLINED,
    PersonDecision.CONSIDERING: ReferralStatus.CONSIDERING,
}


def initial_status(*, officer_decision: str, needs_authorisation: bool) -> ReferralStatus:
    if officer_decision == OfficerDecision.DECLINE:
        return ReferralStatus.NOT_OFFERED
    if needs_authorisation:
        return ReferralStatus.AWAITING_AUTHORISATION
    return ReferralStatus.OFFERED


def custody_decision(assessment: Assessment, officer_decision: str) -> tuple[bool, ReferralStatus]:
    """What the custody officer's decision leads to under an assessment: whether it needs a
    manager's authorisation, and the status the referral starts in.

    Someone outside a hard limit cannot be referred at all; an ineligible person can be
    offered the scheme only as an exception; an exception, like any offence the policy marks
    for it, needs authorisation before the offer.
    """
    if assessment.refusal:
        raise ReferralError(assessment.refusal)
    if officer_decision == OfficerDecision.OFFER and not assessment.eligible:
        raise ReferralError(
            "This person is not eligible: offer the scheme only as an exception, "
            "which needs a manager's authorisation"
        )
    needs_authorisation = assessment.needs_authorisation or (
        officer_decision == OfficerDecision.EXCEPTION
    )
    status = initial_status(
        officer_decision=officer_decision, needs_authorisation=needs_authorisation
    )
    return needs_authorisation, status


def assessment_for(
    person: Person,
    *,
    offence_type: OffenceType,
    offence_date: datetime.date,
    arrested_at: datetime.datetime,
    gravity_score: int,
    circumstances: Iterable[str] = (),
    **_other: Any,
) -> Assessment | None:
    """The referral's eligibility under the policy version in force on the offence date, or
    None when no version covers that date."""
    rules = Rules.in_force_on(offence_date)
    if rules is None:
        return None
    return assess(
        rules,
        Facts(
            date_of_birth=person.date_of_birth,
            offence_date=offence_date,
            arrested_on=timezone.localdate(arrested_at),
            offence_type_id=offence_type.pk,
            offence_type_name=offence_type.name,
            gravity_score=gravity_score,
            circumstances=circumstances,
            person_name=str(person),
        ),
    )


@transaction.atomic
@recorded
def create_referral(
    *,
    actor: User,
    person: Person,
    officer_decision: str,
    decision_rationale: str,
    offered_on: datetime.date | None = None,
    **details: Any,
) -> Referral:
    """Record a custody officer's referral with its eligibility result and decision.

    The referral is assessed here, under the policy in force on the offence date. Someone
    outside a hard limit (age, time since the offence) cannot be referred at all; an
    ineligible person can be referred only as an exception, and an exception, like any
    offence the policy marks for it, needs a manager's authorisation before the offer.

    An offer made at once is made now, or on `offered_on` when the desk's paperwork is keyed
    in on a later day: then with the person's answer given at the desk, whose reason says
    why (record_person_decision), and within the late-entry rules from the arrest.
    """
    assessment = assessment_for(person, **details)
    if assessment is None:
        raise ReferralError("No Checkpoint policy was in force on the offence date")
    needs_authorisation, status = custody_decision(assessment, officer_decision)
    offered_at = None
    if status == ReferralStatus.OFFERED:
        arrested_at = details["arrested_at"]
        offered_on = offered_on or timezone.localdate()
        problem = offer_date_problem(
            offered_on, arrested_at, assessment.policy_version, today=timezone.localdate()
        )
        if problem:
            raise ReferralError(problem)
        offered_at = entry_time(offered_on, not_before=arrested_at)
    referral = Referral(
        person=person,
        policy_version=assessment.policy_version,
        eligible=assessment.eligible,
        eligibility_reasons=assessment.rules,
        officer_decision=officer_decision,
        decision_rationale=decision_rationale,
        needs_authorisation=needs_authorisation,
        status=status,
        created_by=actor,
        offered_at=offered_at,
        **details,
    )
    referral.full_clean()
    # The history's first entry for the referral: its starting status, and why.
    with changes_by(actor, decision_rationale):
        referral.save()
    log(actor, Action.COLLECTION, referral)
    return referral


@transaction.atomic
@recorded
def authorise(referral: Referral, *, actor: User, reason: str) -> Referral:
    """A manager authorises the offer; the custody officer can then make it."""
    now = timezone.now()
    transition(
        referral,
        ReferralStatus.OFFERED,
        actor=actor,
        reason=reason,
        authorised_by=actor,
        authorised_at=now,
        authorisation_reason=reason,
        offered_at=now,
    )
    log(actor, Action.ALTERATION, referral, detail="authorised")
    return referral


@transaction.atomic
@recorded
def refuse(referral: Referral, *, actor: User, reason: str) -> Referral:
    transition(
        referral,
        ReferralStatus.AUTHORISATION_REFUSED,
        actor=actor,
        reason=reason,
        authorisation_reason=reason,
    )
    log(actor, Action.ALTERATION, referral, detail="authorisation refused")
    return referral


@transaction.atomic
@recorded
def record_person_decision(
    referral: Referral,
    *,
    actor: User,
    decision: PersonDecision,
    decide_by: datetime.date | None = None,
    decline_reason: str = "",
    reason: str = "",
    decided_on: datetime.date | None = None,
    late_reason: str = "",
) -> Referral:
    """The person's answer to the offer. Acceptance puts the case in the unassigned queue.

    `decided_on` is the day the person answered, when the officer records it on a later
    day, with `late_reason` saying why (see decision_time). Asking for time to consider is
    not an answer, so it sets no decision time; it needs a decide-by date within the window
    (decide_by_problem). A decline needs the `decline_reason` the managers' dashboard counts
    (decline_reason_problem); any other answer records none.
    """
    to_status = STATUS_AFTER_DECISION[decision]
    if decision == PersonDecision.DECLINED:
        problem = decline_reason_problem(decline_reason)
        if problem:
            raise ReferralError(problem)
    else:
        decline_reason = ""
    if decision == PersonDecision.CONSIDERING:
        problem = decide_by_problem(decide_by, today=timezone.localdate())
        if problem:
            raise ReferralError(problem)
        changes: dict[str, Any] = {
            "decide_by": decide_by,
            "decided_at": None,
            "decision_recorded_at": None,
            "decision_late_reason": "",
        }
    else:
        # The deadline the person was given, if any, stays on record.
        decided_at, late_reason = decision_time(referral, decided_on, late_reason)
        changes = {
            "decided_at": decided_at,
            "decision_recorded_at": timezone.now(),
            "decision_late_reason": late_reason,
        }
    transition(
        referral,
        to_status,
        actor=actor,
        reason=reason,
        person_decision=decision,
        decline_reason=decline_reason,
        **changes,
    )
    log(actor, Action.ALTERATION, referral, detail=f"person {decision}")
    if to_status == ReferralStatus.ACCEPTED:
        open_programme(referral, actor=actor)
    return referral


def decision_time(
    referral: Referral, decided_on: datetime.date | None, late_reason: str
) -> tuple[datetime.datetime, str]:
    """When the person answered, and why it is recorded later (blank if it is not): now if
    `decided_on` is today (or not given); an earlier day within the late-entry rules
    (late_entry) from the offer, with a reason, and then noon that day but never before
    the offer was made."""
    today = timezone.localdate()
    decided_on = decided_on or today
    offered_at = referral.offered_at
    if offered_at is None:
        # Not offered: the transition refuses the move with its own message.
        return timezone.now(), ""
    problem = decision_date_problem(referral, decided_on, today=today) or late_reason_problem(
        decided_on, late_reason, today=today
    )
    if problem:
        raise ReferralError(problem)
    late_reason = late_reason.strip() if decided_on < today else ""
    return entry_time(decided_on, not_before=offered_at), late_reason


def offer_date_problem(
    offered_on: datetime.date,
    arrested_at: datetime.datetime,
    policy_version: PolicyVersion,
    *,
    today: datetime.date,
) -> str | None:
    """Why an offer made at the custody desk cannot be recorded as made on `offered_on`, or
    None: the late-entry rules (late_entry) from the day of the arrest."""
    return entry_date_problem(
        offered_on,
        name="date of the answer",
        follows=timezone.localdate(arrested_at),
        follows_what="the arrest",
        policy_version=policy_version,
        today=today,
    )


def decision_date_problem(
    referral: Referral, decided_on: datetime.date, *, today: datetime.date
) -> str | None:
    """Why the person's answer cannot be recorded as given on `decided_on`, or None: the
    late-entry rules (late_entry) from the day of the offer."""
    offered_at = referral.offered_at
    return entry_date_problem(
        decided_on,
        name="decision date",
        follows=timezone.localdate(offered_at) if offered_at else today,
        follows_what="the offer",
        policy_version=referral.policy_version,
        today=today,
    )
