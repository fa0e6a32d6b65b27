"""The one change history: every change to a case is recorded by the database, with who,
when, why and the values before and after, and the timeline and the stale-edit message are
read from it, never from the access log."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.html import escape

from diversion.cases.models import (
    Condition,
    ConditionHistory,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    Programme,
    ProgrammeHistory,
    ProgrammeStatus,
)
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as services
from diversion.cases.services import referral as referral_services
from diversion.cases.timeline import case_timeline, changes_since
from diversion.lib.history import changes, changes_by, with_actors
from diversion.lib.workflow import IllegalTransition, transition
from tests.history import access_log_unread, caseworker_changes, status_moves

from .casework_helpers import days_ago, make_signed_case


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


def condition_changes(programme):
    found = changes(ConditionHistory.objects.filter(programme=programme))
    with_actors(found)
    return [c for c in found if c.kind == "update"]


def timeline_of(programme):
    return case_timeline(
        programme,
        milestones=list(programme.milestones.all()),
        conditions=list(programme.conditions.all()),
    )


# --- What is recorded ----------------------------------------------------------------------


def test_a_service_write_is_recorded_with_its_actor_reason_and_both_values(
    manager, caseworker, other_caseworker, signed_case
):
    allocation.assign(
        signed_case, actor=manager, caseworker=other_caseworker, reason="Nearer his home"
    )
    assert caseworker_changes(signed_case)[-1] == (
        caseworker.pk,
        other_caseworker.pk,
        manager.pk,
        "Nearer his home",
    )


def test_a_status_transition_is_recorded_with_who_when_from_to_and_why(manager, signed_case):
    before = timezone.now()
    services.end(
        signed_case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=days_ago(0),
        reason="moved_away",
        detail="Moved to Leeds",
    )
    move = status_moves(signed_case)[-1]
    assert (move.from_status, move.to_status, move.actor, move.reason) == (
        ProgrammeStatus.ACTIVE,
        ProgrammeStatus.WITHDRAWN,
        manager,
        "Moved to Leeds",
    )
    assert move.at >= before
    assert move.after["outcome_reason"] == "moved_away"
    assert move.before["outcome_reason"] == ""


def test_a_queryset_update_is_recorded_with_the_actor_of_its_block(manager, signed_case):
    with changes_by(manager, "Corrected after a phone call"):
        Condition.objects.filter(programme=signed_case, number=2).update(
            status=ConditionStatus.MET, evidence="Letter from the provider"
        )
    [change] = condition_changes(signed_case)
    assert change.actor == manager
    assert change.reason == "Corrected after a phone call"
    assert (change.before["status"], change.after["status"]) == (
        ConditionStatus.PENDING,
        ConditionStatus.MET,
    )
    assert change.fields == {"status", "evidence"}


def test_a_raw_sql_update_is_recorded_even_outside_any_service(signed_case):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_condition SET evidence = %s WHERE programme_id = %s AND number = 2",
            ["Typed in by hand", signed_case.pk],
        )
    [change] = condition_changes(signed_case)
    assert change.after["evidence"] == "Typed in by hand"
    assert change.before["evidence"] == ""
    # Nobody signed in made it, and the history says so rather than guessing.
    assert change.actor is None


def test_a_raw_sql_update_inside_a_block_is_put_down_to_its_actor(manager, signed_case):
    with changes_by(manager, "Data fix"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_programme SET outcome_detail = %s WHERE id = %s",
            ["Fixed", signed_case.pk],
        )
    [change] = [c for c in changes(signed_case.history.all()) if c.moved("outcome_detail")]
    assert (change.user_id, change.reason) == (manager.pk, "Data fix")


def test_each_nested_service_keeps_its_own_reason(make_referral, custody_officer):
    referral = make_referral()
    referral_services.record_person_decision(
        referral, actor=custody_officer, decision="accepted", reason="Signed the form"
    )
    assert status_moves(referral)[-1].reason == "Signed the form"
    opened = status_moves(Programme.objects.get(referral=referral))[0]
    assert (opened.to_status, opened.reason, opened.actor) == (
        ProgrammeStatus.AWAITING_CONTRACT,
        "",
        custody_officer,
    )


def test_a_write_after_a_service_in_the_same_transaction_is_not_put_down_to_its_actor(
    manager, signed_case
):
    with transaction.atomic():
        casework.add_note(signed_case, actor=manager, text="Called")
        Programme.objects.filter(pk=signed_case.pk).update(outcome_detail="Later")
    [change] = [c for c in changes(signed_case.history.all()) if c.moved("outcome_detail")]
    assert change.user_id is None


def test_the_history_cannot_be_edited_or_deleted(signed_case):
    # The service role is refused by its privileges; the owner, by the append_only trigger
    # (tests/audit/test_protection.py).
    with pytest.raises(Exception, match="permission denied"), transaction.atomic():
        ProgrammeHistory.objects.filter(pgh_obj=signed_case).update(status="completed")
    with pytest.raises(Exception, match="permission denied"), transaction.atomic():
        ProgrammeHistory.objects.filter(pgh_obj=signed_case).delete()


# --- Conditions and milestones move through transition() -----------------------------------


def test_a_condition_result_is_a_recorded_move(caseworker, signed_case):
    casework.update_condition(
        signed_case, 2, actor=caseworker, status=ConditionStatus.WAIVED, reason="Course cancelled"
    )
    condition = signed_case.conditions.get(number=2)
    move = status_moves(condition)[-1]
    assert (move.from_status, move.to_status, move.actor, move.reason) == (
        ConditionStatus.PENDING,
        ConditionStatus.WAIVED,
        caseworker,
        "Course cancelled",
    )


def test_a_milestone_cannot_move_back_to_due(caseworker, signed_case):
    milestone = signed_case.milestones.get(code="needs_assessment")
    casework.record_milestone(
        signed_case,
        milestone,
        actor=caseworker,
        status=MilestoneStatus.DONE,
        completed_on=days_ago(1),
    )
    milestone.refresh_from_db()
    with pytest.raises(IllegalTransition, match="from “Done” to “Due”"):
        transition(milestone, MilestoneStatus.DUE, actor=caseworker, completed_on=None)


def test_the_database_refuses_a_missed_milestone_without_its_reason(signed_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.filter(programme=signed_case, code="needs_assessment").update(
            status=MilestoneStatus.MISSED
        )


# --- Read back: the timeline and the stale-edit message ------------------------------------


def test_the_timeline_shows_condition_and_milestone_changes_with_who_and_old_to_new(
    client, caseworker, signed_case
):
    casework.update_condition(
        signed_case, 2, actor=caseworker, status=ConditionStatus.MET, evidence="Attended all six"
    )
    casework.record_milestone(
        signed_case,
        signed_case.milestones.get(code="needs_assessment"),
        actor=caseworker,
        status=MilestoneStatus.MISSED,
        reason="In hospital",
    )
    items = {item.title: item for item in timeline_of(signed_case)}
    condition = items["Condition 2 (take part in an intervention): met"]
    assert condition.by == caseworker
    assert "From pending to met." in condition.lines
    assert "Evidence: Attended all six" in condition.lines
    milestone = items["Needs assessment missed"]
    assert milestone.by == caseworker
    assert milestone.lines[0].startswith("From due to missed.")
    assert "In hospital" in milestone.lines
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/").content.decode()
    assert "Condition 2 (take part in an intervention): met" in html
    assert f"by {escape(str(caseworker))}" in html


def test_the_stale_message_lists_each_change_since_the_version_seen(
    manager, caseworker, signed_case
):
    seen = Programme.objects.get(pk=signed_case.pk).version
    casework.add_note(signed_case, actor=manager, text="Called")
    casework.update_condition(signed_case, 2, actor=caseworker, status=ConditionStatus.FAILED)
    listed = [(c.detail, c.actor) for c in changes_since(signed_case, seen)]
    assert listed == [
        ("case note added", manager),
        ("condition 2 marked failed", caseworker),
    ]


def test_the_stale_message_lists_nothing_made_before_the_version_seen(manager, signed_case):
    casework.add_note(signed_case, actor=manager, text="Called")
    seen = Programme.objects.get(pk=signed_case.pk).version
    assert changes_since(signed_case, seen) == []


def test_the_access_log_is_not_read_back(client, manager, caseworker, signed_case):
    seen = Programme.objects.get(pk=signed_case.pk).version
    casework.update_condition(signed_case, 2, actor=caseworker, status=ConditionStatus.MET)
    with access_log_unread():
        timeline = timeline_of(signed_case)
        stale = changes_since(signed_case, seen)
    assert timeline
    assert stale


def test_the_stale_message_costs_the_same_queries_however_long_the_history(
    caseworker, make_referral, django_assert_num_queries
):
    few = make_signed_case(make_referral, caseworker)
    many = make_signed_case(make_referral, caseworker)
    for case, count in ((few, 1), (many, 20)):
        for n in range(count):
            status = ConditionStatus.MET if n % 2 == 0 else ConditionStatus.PENDING
            casework.update_condition(case, 2, actor=caseworker, status=status)
    with django_assert_num_queries(7):
        changes_since(few, 1)
    with django_assert_num_queries(7):
        assert len(changes_since(many, 1)) > 20
