"""The referral workflow: creation at the custody desk, authorisation and the person's answer."""

import datetime
import itertools

import pytest
from django.utils import timezone

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    MAX_DAYS_TO_DECIDE,
    DeclineReason,
    OfficerDecision,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralHistory,
)
from diversion.cases.models import ReferralStatus as S
from diversion.cases.services import referral as services
from diversion.cases.services.referral import ReferralError
from diversion.lib.workflow import IllegalTransition, allowed
from diversion.policy.models import OffenceType
from tests.factories import PersonFactory, refer
from tests.history import only, status_moves

# The workflow as the scheme runs it, written out independently of Referral.TRANSITIONS.
EXPECTED_MOVES = {
    (S.AWAITING_AUTHORISATION, S.OFFERED),
    (S.AWAITING_AUTHORISATION, S.AUTHORISATION_REFUSED),
    (S.OFFERED, S.ACCEPTED),
    (S.OFFERED, S.DECLINED),
    (S.OFFERED, S.CONSIDERING),
    (S.CONSIDERING, S.ACCEPTED),
    (S.CONSIDERING, S.DECLINED),
}
# Within the 28 days a person may be given to decide.
DECIDE_BY = datetime.date.today() + datetime.timedelta(days=10)


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(S, S)))
def test_exactly_the_mapped_moves_are_allowed(from_status, to_status):
    referral = Referral(status=from_status)
    assert allowed(referral, to_status) is ((from_status, to_status) in EXPECTED_MOVES)


def test_the_transition_map_matches_the_scheme():
    mapped = {(f, t) for f, targets in Referral.TRANSITIONS.items() for t in targets}
    assert mapped == EXPECTED_MOVES


@pytest.fixture
def referral_in(make_referral, manager):
    """Bring a new referral to `status` through the services only."""

    def referral_in(status):
        if status == S.NOT_OFFERED:
            return make_referral(officer_decision=OfficerDecision.DECLINE)
        if status in (S.AWAITING_AUTHORISATION, S.AUTHORISATION_REFUSED):
            referral = make_referral(officer_decision=OfficerDecision.EXCEPTION)
            if status == S.AUTHORISATION_REFUSED:
                services.refuse(referral, actor=manager, reason="Not suitable")
            return referral
        if status == S.CONSIDERING:
            referral = make_referral()
            return services.record_person_decision(
                referral,
                actor=referral.created_by,
                decision=PersonDecision.CONSIDERING,
                decide_by=DECIDE_BY,
            )
        decision = {S.ACCEPTED: PersonDecision.ACCEPTED, S.DECLINED: PersonDecision.DECLINED}
        return make_referral(decision=decision.get(status))

    return referral_in


@pytest.mark.parametrize("status", list(S))
def test_a_referral_can_be_brought_to_every_status_through_the_services(referral_in, status):
    referral = referral_in(status)
    assert Referral.objects.get(pk=referral.pk).status == status


def authorise(referral, actor):
    return services.authorise(
        referral, actor=actor, reason="Supply linked to own use; first arrest"
    )


def refuse(referral, actor):
    return services.refuse(referral, actor=actor, reason="Recent similar offence")


def accept(referral, actor):
    return services.record_person_decision(
        referral, actor=actor, decision=PersonDecision.ACCEPTED, reason="Signed the offer form"
    )


def decline(referral, actor):
    return services.record_person_decision(
        referral,
        actor=actor,
        decision=PersonDecision.DECLINED,
        decline_reason=DeclineReason.PREFERS_COURT,
        reason="Wants to go to court",
    )


def consider(referral, actor):
    return services.record_person_decision(
        referral,
        actor=actor,
        decision=PersonDecision.CONSIDERING,
        decide_by=DECIDE_BY,
        reason="Wants to speak to a solicitor",
    )


ACTIONS = {
    S.OFFERED: authorise,
    S.AUTHORISATION_REFUSED: refuse,
    S.ACCEPTED: accept,
    S.DECLINED: decline,
    S.CONSIDERING: consider,
}
REASONS = {
    authorise: "Supply linked to own use; first arrest",
    refuse: "Recent similar offence",
    accept: "Signed the offer form",
    decline: "Wants to go to court",
    consider: "Wants to speak to a solicitor",
}


@pytest.mark.parametrize(("from_status", "to_status"), sorted(EXPECTED_MOVES))
def test_every_allowed_move_works_through_its_service_and_is_recorded(
    referral_in, manager, from_status, to_status
):
    referral = referral_in(from_status)
    action = ACTIONS[to_status]
    before = timezone.now()

    action(referral, manager)

    assert referral.status == to_status
    assert Referral.objects.get(pk=referral.pk).status == to_status
    event = status_moves(referral)[-1]
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        manager,
        from_status,
        to_status,
        REASONS[action],
    )
    assert event.at >= before
    entry = AccessLogEntry.objects.filter(record_type="cases.referral", record_id=referral.pk)
    assert entry.first().action == Action.ALTERATION
    assert entry.first().actor == manager


FORBIDDEN = [
    (status, to_status)
    for status, to_status in itertools.product(S, ACTIONS)
    if (status, to_status) not in EXPECTED_MOVES
]


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_every_forbidden_move_is_refused_and_changes_nothing(
    referral_in, manager, from_status, to_status
):
    referral = referral_in(from_status)
    row_before = Referral.objects.values().get(pk=referral.pk)
    events_before = list(referral.history.values_list("pgh_id", flat=True))
    log_before = AccessLogEntry.objects.count()
    programmes_before = Programme.objects.count()

    with pytest.raises(IllegalTransition):
        ACTIONS[to_status](referral, manager)

    assert referral.status == from_status
    assert Referral.objects.values().get(pk=referral.pk) == row_before
    assert list(referral.history.values_list("pgh_id", flat=True)) == events_before
    assert AccessLogEntry.objects.count() == log_before
    assert Programme.objects.count() == programmes_before


def test_accepting_a_referral_awaiting_authorisation_is_illegal(referral_in, custody_officer):
    referral = referral_in(S.AWAITING_AUTHORISATION)
    with pytest.raises(IllegalTransition) as caught:
        accept(referral, custody_officer)
    assert (caught.value.from_status, caught.value.to_status) == (
        S.AWAITING_AUTHORISATION,
        S.ACCEPTED,
    )
    assert not Programme.objects.filter(referral=referral).exists()


def test_deciding_twice_is_illegal(referral_in, custody_officer):
    referral = referral_in(S.ACCEPTED)
    with pytest.raises(IllegalTransition):
        decline(referral, custody_officer)
    referral.refresh_from_db()
    assert referral.person_decision == PersonDecision.ACCEPTED


def test_authorising_records_the_manager_and_makes_the_offer(referral_in, manager):
    referral = referral_in(S.AWAITING_AUTHORISATION)
    assert referral.offered_at is None
    authorise(referral, manager)
    referral.refresh_from_db()
    assert referral.status == S.OFFERED
    assert referral.authorised_by == manager
    assert referral.authorised_at is not None
    assert referral.offered_at == referral.authorised_at
    assert referral.authorisation_reason == "Supply linked to own use; first arrest"


def test_refusing_authorisation_records_the_reason_and_no_offer(referral_in, manager):
    referral = referral_in(S.AWAITING_AUTHORISATION)
    refuse(referral, manager)
    referral.refresh_from_db()
    assert referral.status == S.AUTHORISATION_REFUSED
    assert referral.authorisation_reason == "Recent similar offence"
    assert referral.authorised_by is None
    assert referral.offered_at is None


def test_considering_keeps_the_decide_by_date_and_no_decision_time(referral_in):
    referral = referral_in(S.CONSIDERING)
    referral.refresh_from_db()
    assert referral.person_decision == PersonDecision.CONSIDERING
    assert referral.decide_by == DECIDE_BY
    assert referral.decided_at is None


def test_a_person_who_considered_can_then_accept(referral_in, custody_officer):
    referral = referral_in(S.CONSIDERING)
    accept(referral, custody_officer)
    referral.refresh_from_db()
    assert referral.person_decision == PersonDecision.ACCEPTED
    assert referral.decided_at >= referral.offered_at
    assert [(e.from_status, e.to_status) for e in status_moves(referral)] == [
        ("", S.OFFERED),
        (S.OFFERED, S.CONSIDERING),
        (S.CONSIDERING, S.ACCEPTED),
    ]


def test_acceptance_opens_a_programme_awaiting_contract_with_no_caseworker(
    referral_in, custody_officer
):
    referral = referral_in(S.OFFERED)
    accept(referral, custody_officer)
    programme = Programme.objects.get(referral=referral)
    assert programme.status == ProgrammeStatus.AWAITING_CONTRACT
    assert programme.caseworker is None
    assert programme.signed_on is None
    event = only(status_moves(programme))
    assert (event.actor, event.from_status, event.to_status) == (
        custody_officer,
        "",
        ProgrammeStatus.AWAITING_CONTRACT,
    )
    assert AccessLogEntry.objects.filter(
        action=Action.COLLECTION, record_type="cases.programme", record_id=programme.pk
    ).exists()


@pytest.mark.parametrize(
    "decision",
    [PersonDecision.DECLINED, PersonDecision.CONSIDERING],
)
def test_no_programme_is_opened_unless_the_offer_is_accepted(
    referral_in, custody_officer, decision
):
    referral = referral_in(S.OFFERED)
    services.record_person_decision(
        referral,
        actor=custody_officer,
        decision=decision,
        decide_by=DECIDE_BY,
        decline_reason=DeclineReason.CONDITIONS,
    )
    assert not Programme.objects.exists()


create = refer


def test_creating_an_eligible_offer_records_the_offer_event_and_log(person, custody_officer):
    referral = create(person, custody_officer, OfficerDecision.OFFER)
    assert referral.status == S.OFFERED
    assert referral.eligible
    assert not referral.needs_authorisation
    assert referral.offered_at is not None
    assert referral.eligibility_reasons and all(r["met"] for r in referral.eligibility_reasons)
    event = only(status_moves(referral))
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        custody_officer,
        "",
        S.OFFERED,
        "Admitted the offence in interview.",
    )
    entry = AccessLogEntry.objects.get(record_type="cases.referral", record_id=referral.pk)
    assert (entry.actor, entry.action) == (custody_officer, Action.COLLECTION)


def test_declining_to_offer_records_not_offered(person, custody_officer):
    referral = create(person, custody_officer, OfficerDecision.DECLINE)
    assert referral.status == S.NOT_OFFERED
    assert referral.offered_at is None
    assert only(status_moves(referral)).to_status == S.NOT_OFFERED


def test_an_ineligible_person_cannot_simply_be_offered_the_scheme(person, custody_officer):
    with pytest.raises(ReferralError, match="only as an exception"):
        create(person, custody_officer, OfficerDecision.OFFER, gravity_score=4)
    assert not Referral.objects.exists()
    assert not ReferralHistory.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_the_service_refuses_a_referral_outside_a_hard_limit_even_as_an_exception(
    person, custody_officer
):
    arrested = timezone.now()
    with pytest.raises(ReferralError, match="days before the arrest"):
        create(
            person,
            custody_officer,
            OfficerDecision.EXCEPTION,
            arrested_at=arrested,
            offence_date=timezone.localdate(arrested) - datetime.timedelta(days=120),
        )
    assert not Referral.objects.exists()


def test_an_ineligible_person_can_be_offered_as_an_exception_awaiting_authorisation(
    person, custody_officer
):
    referral = create(person, custody_officer, OfficerDecision.EXCEPTION, gravity_score=4)
    referral.refresh_from_db()
    assert not referral.eligible
    assert referral.needs_authorisation
    assert referral.status == S.AWAITING_AUTHORISATION
    assert referral.offered_at is None


def test_an_ineligible_person_can_be_declined_without_an_exception(person, custody_officer):
    referral = create(person, custody_officer, OfficerDecision.DECLINE, gravity_score=4)
    assert referral.status == S.NOT_OFFERED
    assert not referral.needs_authorisation


@pytest.mark.parametrize("code", ["supply-own-use", "concerned-in-supply-own-use"])
def test_supply_offences_under_the_rollout_start_awaiting_authorisation(
    person, custody_officer, rollout_rules, code
):
    referral = create(
        person,
        custody_officer,
        OfficerDecision.OFFER,
        offence_type=OffenceType.objects.get(code=code),
    )
    assert referral.policy_version == rollout_rules
    assert referral.eligible
    assert referral.needs_authorisation
    assert referral.status == S.AWAITING_AUTHORISATION
    assert referral.offered_at is None


def test_a_pilot_era_referral_records_the_pilot_policy(person, custody_officer, pilot_rules):
    arrested_at = datetime.datetime(2020, 6, 1, 12, tzinfo=datetime.UTC)
    referral = create(person, custody_officer, OfficerDecision.OFFER, arrested_at=arrested_at)
    referral.refresh_from_db()
    assert referral.policy_version == pilot_rules
    assert referral.status == S.OFFERED


def test_a_pilot_era_supply_offence_cannot_be_offered(person, custody_officer):
    arrested_at = datetime.datetime(2020, 6, 1, 12, tzinfo=datetime.UTC)
    with pytest.raises(ReferralError):
        create(
            person,
            custody_officer,
            OfficerDecision.OFFER,
            arrested_at=arrested_at,
            offence_type=OffenceType.objects.get(code="supply-own-use"),
        )


def test_each_person_decision_is_logged_as_an_alteration(referral_in, custody_officer):
    referral = referral_in(S.OFFERED)
    decline(referral, custody_officer)
    entry = AccessLogEntry.objects.filter(
        record_type="cases.referral", record_id=referral.pk
    ).first()
    assert (entry.actor, entry.action, entry.detail) == (
        custody_officer,
        Action.ALTERATION,
        "person declined",
    )


def test_the_same_person_may_be_referred_more_than_once(make_referral):
    someone = PersonFactory()
    make_referral(person=someone)
    make_referral(person=someone, decision=PersonDecision.DECLINED)
    assert someone.referrals.count() == 2


# --- The decide-by window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "must be in the future"),
        (-3, "must be in the future"),
        (29, "must be within 28 days"),
    ],
)
def test_the_service_refuses_a_decide_by_date_outside_the_window(
    make_referral, custody_officer, days, message
):
    referral = make_referral()
    with pytest.raises(ReferralError, match=message):
        services.record_person_decision(
            referral,
            actor=custody_officer,
            decision=PersonDecision.CONSIDERING,
            decide_by=timezone.localdate() + datetime.timedelta(days=days),
        )
    assert Referral.objects.get(pk=referral.pk).status == S.OFFERED


def test_the_service_refuses_considering_without_a_decide_by_date(make_referral, custody_officer):
    referral = make_referral()
    with pytest.raises(ReferralError, match="Enter the decide-by date"):
        services.record_person_decision(
            referral, actor=custody_officer, decision=PersonDecision.CONSIDERING
        )


def test_the_last_day_of_the_window_is_allowed(make_referral, custody_officer):
    referral = make_referral()
    last = timezone.localdate() + datetime.timedelta(days=MAX_DAYS_TO_DECIDE)
    services.record_person_decision(
        referral, actor=custody_officer, decision=PersonDecision.CONSIDERING, decide_by=last
    )
    assert (referral.status, referral.decide_by) == (S.CONSIDERING, last)


# --- Actions open in each status ---------------------------------------------------------

# Each status's open actions, written out independently of Referral.ACTIONS.
EXPECTED_ACTIONS = {
    S.AWAITING_AUTHORISATION: {"authorise", "refuse"},
    S.AUTHORISATION_REFUSED: set(),
    S.NOT_OFFERED: set(),
    S.OFFERED: {"answer", "consider"},
    S.CONSIDERING: {"answer"},
    S.ACCEPTED: set(),
    S.DECLINED: set(),
}


@pytest.mark.parametrize("status", list(S))
def test_the_actions_open_in_each_status_follow_the_transition_map(status):
    referral = Referral(status=status)
    open_now = {name for name, is_open in referral.open_actions.items() if is_open}
    assert open_now == EXPECTED_ACTIONS[status]
    assert {name for name in Referral.ACTIONS if referral.can(name)} == open_now
