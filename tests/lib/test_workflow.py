"""transition(): the one function that moves a status, safely under concurrent use."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from diversion.cases.models import (
    DeclineReason,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralStatus,
)
from diversion.lib.workflow import IllegalTransition, label, transition
from tests.history import status_moves


def test_a_stale_instance_cannot_overwrite_a_move_made_by_someone_else(
    make_referral, custody_officer
):
    referral = make_referral()
    mine = Referral.objects.get(pk=referral.pk)
    theirs = Referral.objects.get(pk=referral.pk)
    transition(
        theirs,
        ReferralStatus.DECLINED,
        actor=custody_officer,
        reason="Declined at the desk",
        person_decision=PersonDecision.DECLINED,
        decline_reason=DeclineReason.PREFERS_COURT,
        decided_at=referral.offered_at,
        decision_recorded_at=referral.offered_at,
    )
    assert mine.status == ReferralStatus.OFFERED  # stale: still "offered" in memory

    with pytest.raises(IllegalTransition) as caught:
        transition(
            mine,
            ReferralStatus.ACCEPTED,
            actor=custody_officer,
            person_decision=PersonDecision.ACCEPTED,
            decided_at=referral.offered_at,
        )

    assert caught.value.from_status == ReferralStatus.DECLINED
    row = Referral.objects.get(pk=referral.pk)
    assert (row.status, row.person_decision) == (ReferralStatus.DECLINED, PersonDecision.DECLINED)
    assert [e.to_status for e in status_moves(row)] == [
        ReferralStatus.OFFERED,
        ReferralStatus.DECLINED,
    ]
    assert not Programme.objects.filter(referral=referral).exists()


def test_the_row_is_locked_while_it_is_moved(make_referral, custody_officer):
    referral = make_referral()
    with CaptureQueriesContext(connection) as queries:
        transition(
            referral,
            ReferralStatus.CONSIDERING,
            actor=custody_officer,
            person_decision=PersonDecision.CONSIDERING,
            decide_by=referral.offered_at.date(),
        )
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1
    assert 'FROM "cases_referral"' in locking[0]


def test_the_callers_instance_is_brought_up_to_date(make_referral, custody_officer):
    referral = make_referral()
    transition(
        referral,
        ReferralStatus.CONSIDERING,
        actor=custody_officer,
        person_decision=PersonDecision.CONSIDERING,
        decide_by=referral.offered_at.date(),
    )
    assert referral.status == ReferralStatus.CONSIDERING
    assert referral.person_decision == PersonDecision.CONSIDERING


def test_a_move_and_its_changes_are_validated_before_saving(make_referral, custody_officer):
    referral = make_referral()
    # Considering needs a decide-by date (a model constraint), so nothing is written.
    with pytest.raises(ValidationError):
        transition(
            referral,
            ReferralStatus.CONSIDERING,
            actor=custody_officer,
            person_decision=PersonDecision.CONSIDERING,
        )
    row = Referral.objects.get(pk=referral.pk)
    assert row.status == ReferralStatus.OFFERED
    assert len(status_moves(row)) == 1


def test_the_illegal_transition_message_names_both_statuses_in_plain_words(
    make_referral, custody_officer
):
    referral = make_referral(decision=PersonDecision.ACCEPTED)
    with pytest.raises(IllegalTransition) as caught:
        transition(referral, ReferralStatus.DECLINED, actor=custody_officer)
    assert str(caught.value) == (
        "A referral cannot move from “Accepted” to “Declined by the person”."
    )
    assert (caught.value.from_status, caught.value.to_status) == (
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
    )


def test_the_message_uses_the_programme_status_labels(programme, caseworker):
    with pytest.raises(IllegalTransition) as caught:
        transition(programme, ProgrammeStatus.COMPLETED, actor=caseworker)
    message = str(caught.value)
    assert "programme" in message
    assert "“Awaiting contract”" in message
    assert "“Completed”" in message
    assert "awaiting_contract" not in message
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.AWAITING_CONTRACT


def test_a_move_is_recorded_in_the_history_with_who_and_why(make_referral, custody_officer):
    referral = make_referral()
    transition(
        referral,
        ReferralStatus.CONSIDERING,
        actor=custody_officer,
        reason="Wants to speak to a solicitor",
        person_decision=PersonDecision.CONSIDERING,
        decide_by=referral.offered_at.date(),
    )
    move = status_moves(referral)[-1]
    assert (move.from_status, move.to_status, move.actor, move.reason) == (
        ReferralStatus.OFFERED,
        ReferralStatus.CONSIDERING,
        custody_officer,
        "Wants to speak to a solicitor",
    )
    assert move.after["decide_by"] == referral.offered_at.date()


def test_a_refused_move_leaves_no_trace_in_the_history(make_referral, custody_officer):
    referral = make_referral(decision=PersonDecision.ACCEPTED)
    before = list(referral.history.values_list("pgh_id", flat=True))
    with pytest.raises(IllegalTransition):
        transition(referral, ReferralStatus.DECLINED, actor=custody_officer)
    assert list(referral.history.values_list("pgh_id", flat=True)) == before


def test_label_gives_the_words_for_any_status_of_a_workflow():
    programme = Programme(status=ProgrammeStatus.AWAITING_CONTRACT)
    assert label(programme) == "Awaiting contract"
    assert label(Programme, ProgrammeStatus.BREACHED) == "Breached"
    assert label(Referral, ReferralStatus.AUTHORISATION_REFUSED) == "Authorisation refused"
    assert label(Programme, "no_such_status") == "no_such_status"


def test_the_status_tag_shows_the_label_in_the_models_colour():
    template = Template("{% load workflow %}{% status_tag record %}")
    html = template.render(Context({"record": Referral(status=ReferralStatus.CONSIDERING)}))
    assert html == '<strong class="govuk-tag govuk-tag--yellow">Considering the offer</strong>'
    html = template.render(Context({"record": Programme(status=ProgrammeStatus.ACTIVE)}))
    assert html == '<strong class="govuk-tag govuk-tag--blue">Active</strong>'
