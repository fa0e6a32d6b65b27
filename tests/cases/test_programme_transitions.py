"""The programme workflow: completion, breach, withdrawal and reopening, each recorded."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    CLOSED,
    ConditionStatus,
    MilestoneStatus,
    OutcomeReason,
    Pathway,
    Programme,
)
from diversion.cases.models import ProgrammeStatus as S
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as services
from diversion.cases.services.programme import ProgrammeError
from diversion.lib.dates import today
from diversion.lib.workflow import IllegalTransition, allowed
from diversion.policy.models import MilestoneKind, OffenceType
from tests.history import status_moves

# The workflow as the scheme runs it, written out independently of Programme.TRANSITIONS.
EXPECTED_MOVES = {
    (S.AWAITING_CONTRACT, S.ACTIVE),
    (S.AWAITING_CONTRACT, S.WITHDRAWN),
    (S.ACTIVE, S.COMPLETED),
    (S.ACTIVE, S.BREACHED),
    (S.ACTIVE, S.WITHDRAWN),
    (S.COMPLETED, S.ACTIVE),
    (S.BREACHED, S.ACTIVE),
    (S.WITHDRAWN, S.ACTIVE),
    (S.WITHDRAWN, S.AWAITING_CONTRACT),
}


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(S, S)))
def test_exactly_the_mapped_moves_are_allowed(from_status, to_status):
    programme = Programme(status=from_status)
    assert allowed(programme, to_status) is ((from_status, to_status) in EXPECTED_MOVES)


def test_the_transition_map_matches_the_scheme():
    mapped = {(f, t) for f, targets in Programme.TRANSITIONS.items() for t in targets}
    assert mapped == EXPECTED_MOVES


def refused_by_database(programme, constraint, **changes):
    """Write `changes` straight to the row, bypassing validation; the database must refuse."""
    before = Programme.objects.values().get(pk=programme.pk)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Programme.objects.filter(pk=programme.pk).update(**changes)
    assert Programme.objects.values().get(pk=programme.pk) == before


def meet_every_condition(programme):
    """No service records condition progress yet, so the test writes it directly."""
    programme.conditions.update(status=ConditionStatus.MET)
    programme.milestones.filter(code=MilestoneKind.FINAL_REVIEW).update(
        status=MilestoneStatus.DONE, completed_on=today()
    )


# --- Completion ---------------------------------------------------------------------------


def test_completion_is_refused_while_a_condition_is_pending(active_programme, caseworker):
    meet_every_condition(active_programme)
    active_programme.conditions.filter(number=2).update(status=ConditionStatus.PENDING)
    with pytest.raises(
        ProgrammeError, match=r"cannot be completed yet: condition 2 \(.*\) is pending"
    ):
        services.complete(active_programme, actor=caseworker, outcome_on=today())
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


def test_completion_is_refused_after_a_failed_condition(active_programme, caseworker):
    meet_every_condition(active_programme)
    active_programme.conditions.filter(number=2).update(status=ConditionStatus.FAILED)
    with pytest.raises(ProgrammeError):
        services.complete(active_programme, actor=caseworker, outcome_on=today())
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


@pytest.mark.parametrize("final_review", [MilestoneStatus.DUE, MilestoneStatus.MISSED])
def test_completion_is_refused_until_the_final_review_is_done(
    active_programme, caseworker, final_review
):
    meet_every_condition(active_programme)
    active_programme.milestones.filter(code=MilestoneKind.FINAL_REVIEW).update(
        status=final_review,
        completed_on=None,
        missed_reason="Moved away" if final_review == MilestoneStatus.MISSED else "",
    )
    with pytest.raises(ProgrammeError, match="the final review is not done"):
        services.complete(active_programme, actor=caseworker, outcome_on=today())
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE
    assert status_moves(active_programme)[-1].to_status == S.ACTIVE


def test_completion_is_refused_when_the_schedule_made_no_final_review(active_programme, caseworker):
    meet_every_condition(active_programme)
    active_programme.milestones.filter(code=MilestoneKind.FINAL_REVIEW).delete()
    with pytest.raises(ProgrammeError, match="has no final review in its milestone schedule"):
        services.complete(active_programme, actor=caseworker, outcome_on=today())
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


def test_completion_records_no_further_action_as_crime_outcome_22(active_programme, caseworker):
    meet_every_condition(active_programme)
    services.complete(active_programme, actor=caseworker, outcome_on=today())
    programme = Programme.objects.get(pk=active_programme.pk)
    assert programme.status == S.COMPLETED
    assert programme.crime_outcome == 22
    assert programme.outcome_on == today()
    assert programme.outcome_reason == ""


def test_waived_conditions_count_towards_completion(active_programme, caseworker):
    meet_every_condition(active_programme)
    active_programme.conditions.filter(number=2).update(
        status=ConditionStatus.WAIVED, status_reason="Treatment service closed"
    )
    services.complete(active_programme, actor=caseworker, outcome_on=today())
    assert Programme.objects.get(pk=active_programme.pk).status == S.COMPLETED


def test_an_open_programme_has_no_crime_outcome(active_programme):
    assert active_programme.crime_outcome is None


def test_completion_cannot_carry_a_reason_in_the_database(active_programme):
    refused_by_database(
        active_programme,
        "programme_completion_has_no_reason",
        status=S.COMPLETED,
        outcome_on=today(),
        outcome_reason=OutcomeReason.OTHER,
    )


# --- Breach and withdrawal ----------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [OutcomeReason.REOFFENDED, OutcomeReason.FAILED_CONDITION, OutcomeReason.NON_ATTENDANCE],
)
def test_a_breach_records_its_reason(active_programme, caseworker, reason):
    new_offence = None
    if reason == OutcomeReason.REOFFENDED:
        new_offence = {
            "offence_date": today(),
            "offence_type": OffenceType.objects.get(code="theft"),
            "source": "custody",
        }
    services.end(
        active_programme,
        S.BREACHED,
        actor=caseworker,
        outcome_on=today(),
        reason=reason,
        detail="Arrested for shoplifting",
        new_offence=new_offence,
    )
    programme = Programme.objects.get(pk=active_programme.pk)
    assert (programme.status, programme.outcome_reason, programme.outcome_detail) == (
        S.BREACHED,
        reason,
        "Arrested for shoplifting",
    )
    assert programme.crime_outcome is None


@pytest.mark.parametrize("reason", [OutcomeReason.MOVED_AWAY, ""])
def test_a_breach_without_a_breach_reason_is_refused_by_the_service(
    active_programme, caseworker, reason
):
    with pytest.raises(ValidationError):
        services.end(
            active_programme, S.BREACHED, actor=caseworker, outcome_on=today(), reason=reason
        )
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


@pytest.mark.parametrize("reason", [OutcomeReason.MOVED_AWAY, ""])
def test_a_breach_without_a_breach_reason_is_refused_by_the_database(active_programme, reason):
    refused_by_database(
        active_programme,
        "programme_breach_has_breach_reason",
        status=S.BREACHED,
        outcome_on=today(),
        outcome_reason=reason,
    )


@pytest.mark.parametrize(
    "reason",
    [OutcomeReason.MOVED_AWAY, OutcomeReason.DIED, OutcomeReason.EVIDENTIAL, OutcomeReason.OTHER],
)
def test_a_withdrawal_records_its_reason(active_programme, caseworker, reason):
    services.end(active_programme, S.WITHDRAWN, actor=caseworker, outcome_on=today(), reason=reason)
    programme = Programme.objects.get(pk=active_programme.pk)
    assert (programme.status, programme.outcome_reason) == (S.WITHDRAWN, reason)


@pytest.mark.parametrize("reason", [OutcomeReason.REOFFENDED, ""])
def test_a_withdrawal_without_a_withdrawal_reason_is_refused(active_programme, caseworker, reason):
    with pytest.raises(ValidationError):
        services.end(
            active_programme, S.WITHDRAWN, actor=caseworker, outcome_on=today(), reason=reason
        )
    refused_by_database(
        active_programme,
        "programme_withdrawal_has_reason",
        status=S.WITHDRAWN,
        outcome_on=today(),
        outcome_reason=reason,
    )
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


def test_a_closed_programme_needs_an_outcome_date_in_the_database(active_programme):
    refused_by_database(
        active_programme,
        "programme_outcome_only_when_closed",
        status=S.BREACHED,
        outcome_reason=OutcomeReason.REOFFENDED,
    )


def test_end_will_not_complete_a_programme(active_programme, caseworker):
    meet_every_condition(active_programme)
    with pytest.raises(ProgrammeError, match="complete"):
        services.end(active_programme, S.COMPLETED, actor=caseworker, outcome_on=today(), reason="")
    assert Programme.objects.get(pk=active_programme.pk).status == S.ACTIVE


def test_a_programme_can_be_withdrawn_before_the_contract_is_signed(programme, caseworker):
    services.end(
        programme, S.WITHDRAWN, actor=caseworker, outcome_on=today(), reason=OutcomeReason.DIED
    )
    programme = Programme.objects.get(pk=programme.pk)
    assert (programme.status, programme.signed_on) == (S.WITHDRAWN, None)


# --- Reopening ----------------------------------------------------------------------------


@pytest.fixture
def programme_in(programme, caseworker, sign_contract):
    """Bring the accepted referral's programme to `status` through the services only.

    "withdrawn_unsigned" is a programme withdrawn before its contract was signed. The case
    is taken by the caseworker first, as a contract is signed only on an assigned case.
    """

    def programme_in(status):
        allocation.take(programme, actor=caseworker)
        if status == "withdrawn_unsigned":
            return services.end(
                programme,
                S.WITHDRAWN,
                actor=caseworker,
                outcome_on=today(),
                reason=OutcomeReason.MOVED_AWAY,
            )
        if status == S.AWAITING_CONTRACT:
            return programme
        sign_contract(programme)
        if status == S.COMPLETED:
            meet_every_condition(programme)
            services.complete(programme, actor=caseworker, outcome_on=today())
        elif status == S.BREACHED:
            services.end(
                programme,
                S.BREACHED,
                actor=caseworker,
                outcome_on=today(),
                reason=OutcomeReason.NON_ATTENDANCE,
            )
        elif status == S.WITHDRAWN:
            services.end(
                programme,
                S.WITHDRAWN,
                actor=caseworker,
                outcome_on=today(),
                reason=OutcomeReason.EVIDENTIAL,
            )
        return programme

    return programme_in


@pytest.mark.parametrize(
    ("closed", "reopened"),
    [
        (S.COMPLETED, S.ACTIVE),
        (S.BREACHED, S.ACTIVE),
        (S.WITHDRAWN, S.ACTIVE),
        ("withdrawn_unsigned", S.AWAITING_CONTRACT),
    ],
)
def test_a_manager_can_reopen_a_closed_programme_clearing_the_outcome(
    programme_in, manager, closed, reopened
):
    programme = programme_in(closed)
    signed_on = programme.signed_on
    services.reopen(programme, actor=manager, reason="Closed in error")
    programme = Programme.objects.get(pk=programme.pk)
    assert programme.status == reopened
    assert (programme.outcome_on, programme.outcome_reason, programme.outcome_detail) == (
        None,
        "",
        "",
    )
    assert programme.signed_on == signed_on
    assert programme.crime_outcome is None
    event = status_moves(programme)[-1]
    assert (event.actor, event.to_status, event.reason) == (manager, reopened, "Closed in error")
    assert len(status_moves(programme)) >= 3


def test_reopening_keeps_the_history(programme_in, manager):
    programme = programme_in(S.BREACHED)
    services.reopen(programme, actor=manager, reason="Arrest was a mistaken identity")
    assert [(e.from_status, e.to_status) for e in status_moves(programme)] == [
        ("", S.AWAITING_CONTRACT),
        (S.AWAITING_CONTRACT, S.ACTIVE),
        (S.ACTIVE, S.BREACHED),
        (S.BREACHED, S.ACTIVE),
    ]


# --- Every move through the services ------------------------------------------------------


def sign(programme, actor, sign_contract):
    return sign_contract(programme, actor=actor)


def complete(programme, actor, sign_contract):
    meet_every_condition(programme)
    return services.complete(programme, actor=actor, outcome_on=today())


def breach(programme, actor, sign_contract):
    return services.end(
        programme,
        S.BREACHED,
        actor=actor,
        outcome_on=today(),
        reason=OutcomeReason.FAILED_CONDITION,
    )


def withdraw(programme, actor, sign_contract):
    return services.end(
        programme, S.WITHDRAWN, actor=actor, outcome_on=today(), reason=OutcomeReason.MOVED_AWAY
    )


def reopen(programme, actor, sign_contract):
    return services.reopen(programme, actor=actor, reason="Closed in error")


REASONS = {
    sign: "Contract signed",
    complete: "Completed",
    breach: OutcomeReason.FAILED_CONDITION.label,
    withdraw: OutcomeReason.MOVED_AWAY.label,
    reopen: "Closed in error",
}
# (starting state, action, status reached)
ALLOWED = [
    (S.AWAITING_CONTRACT, sign, S.ACTIVE),
    (S.AWAITING_CONTRACT, withdraw, S.WITHDRAWN),
    (S.ACTIVE, complete, S.COMPLETED),
    (S.ACTIVE, breach, S.BREACHED),
    (S.ACTIVE, withdraw, S.WITHDRAWN),
    (S.COMPLETED, reopen, S.ACTIVE),
    (S.BREACHED, reopen, S.ACTIVE),
    (S.WITHDRAWN, reopen, S.ACTIVE),
    ("withdrawn_unsigned", reopen, S.AWAITING_CONTRACT),
]
CLOSED_STATES = [S.COMPLETED, S.BREACHED, S.WITHDRAWN, "withdrawn_unsigned"]
# Every other service on every state.
FORBIDDEN = [
    (state, action)
    for state in [*S, "withdrawn_unsigned"]
    for action in REASONS
    if not any(state == s and action is a for s, a, _ in ALLOWED)
]


@pytest.mark.parametrize("state", CLOSED_STATES)
def test_a_closed_programme_cannot_be_signed_again(programme_in, sign_contract, state):
    programme = programme_in(state)
    row_before = Programme.objects.values().get(pk=programme.pk)
    conditions_before = list(programme.conditions.values_list("pk", flat=True))
    # The map lets a closed programme become active again only by reopening it.
    with pytest.raises(IllegalTransition):
        sign_contract(programme)
    assert Programme.objects.values().get(pk=programme.pk) == row_before
    assert list(programme.conditions.values_list("pk", flat=True)) == conditions_before


def test_every_allowed_move_is_covered():
    reached = {(str(s).replace("_unsigned", ""), t) for s, _, t in ALLOWED}
    assert reached == EXPECTED_MOVES


@pytest.mark.parametrize(
    ("state", "action", "to_status"), ALLOWED, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_every_allowed_move_works_through_its_service_and_is_recorded(
    programme_in, manager, sign_contract, state, action, to_status
):
    programme = programme_in(state)
    from_status = programme.status
    log_before = AccessLogEntry.objects.count()

    action(programme, manager, sign_contract)

    assert Programme.objects.get(pk=programme.pk).status == to_status
    assert programme.status == to_status
    event = status_moves(programme)[-1]
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        manager,
        from_status,
        to_status,
        REASONS[action],
    )
    entry = AccessLogEntry.objects.first()
    assert AccessLogEntry.objects.count() == log_before + 1
    assert (entry.actor, entry.action, entry.record_id) == (
        manager,
        Action.ALTERATION,
        programme.pk,
    )


@pytest.mark.parametrize(
    ("state", "action"), FORBIDDEN, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_every_forbidden_move_is_refused_and_changes_nothing(
    programme_in, manager, sign_contract, state, action
):
    programme = programme_in(state)
    meet_every_condition(programme)
    row_before = Programme.objects.values().get(pk=programme.pk)
    events_before = list(programme.history.values_list("pgh_id", flat=True))
    conditions_before = list(programme.conditions.values_list("pk", flat=True))
    log_before = AccessLogEntry.objects.count()

    with pytest.raises(IllegalTransition):
        action(programme, manager, sign_contract)

    assert programme.status == row_before["status"]
    assert Programme.objects.values().get(pk=programme.pk) == row_before
    assert list(programme.history.values_list("pgh_id", flat=True)) == events_before
    assert list(programme.conditions.values_list("pk", flat=True)) == conditions_before
    assert AccessLogEntry.objects.count() == log_before


def test_signing_twice_is_illegal(active_programme, sign_contract):
    with pytest.raises(IllegalTransition) as caught:
        sign_contract(active_programme)
    assert (caught.value.from_status, caught.value.to_status) == (S.ACTIVE, S.ACTIVE)
    assert active_programme.conditions.count() == 2
    assert active_programme.milestones.count() == 6


# --- Actions open in each status ---------------------------------------------------------

# Each status's open actions and whether the contract is running, written out
# independently of Programme.ACTIONS.
EXPECTED_ACTIONS = {
    S.AWAITING_CONTRACT: ({"sign", "withdraw"}, False),
    S.ACTIVE: ({"complete", "breach", "withdraw"}, True),
    S.COMPLETED: ({"reopen"}, False),
    S.BREACHED: ({"reopen"}, False),
    S.WITHDRAWN: ({"reopen"}, False),
}


@pytest.mark.parametrize("status", list(S))
def test_the_actions_open_in_each_status_follow_the_transition_map(status):
    programme = Programme(status=status)
    actions, running = EXPECTED_ACTIONS[status]
    assert {name for name, is_open in programme.open_actions.items() if is_open} == actions
    assert programme.is_running is running
    assert programme.is_closed is (status in CLOSED)


def test_signing_is_refused_on_an_unassigned_case(programme, caseworker):
    with pytest.raises(ProgrammeError, match="taken or assigned to a caseworker"):
        services.sign_contract(programme, actor=caseworker, signed_on=today(), conditions=[])
    assert Programme.objects.get(pk=programme.pk).status == S.AWAITING_CONTRACT


def test_an_entry_assessment_before_signing_completes_the_needs_milestone(
    programme, caseworker, sign_contract
):
    allocation.take(programme, actor=caseworker)
    casework.record_assessment(
        programme,
        actor=caseworker,
        stage="entry",
        scores=dict.fromkeys(Pathway.values, (1, "")),
    )
    sign_contract(programme)
    needs = programme.milestones.get(code=MilestoneKind.NEEDS_ASSESSMENT)
    assert (needs.status, needs.completed_on) == (MilestoneStatus.DONE, today())
