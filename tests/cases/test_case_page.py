"""The case page: who may see it, its identity bar and sub-navigation, overdue work, the
referral's key facts and the timeline of everything that happened."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    Appointment,
    AppointmentKind,
    Attendance,
    CaseNote,
    Condition,
    ConditionStatus,
    MilestoneStatus,
    Programme,
    ProgrammeStatus,
)
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as services
from diversion.cases.timeline import case_timeline
from diversion.lib.dates import today
from diversion.lib.history import changes_by
from tests.factories import UserFactory, sign

from .casework_helpers import assign, days_ago, make_signed_case

CASE_PAGES = ["", "needs/", "contract/", "appointments/", "notes/"]


def html_of(client, user, programme, suffix=""):
    client.force_login(user)
    response = client.get(f"/cases/{programme.pk}/{suffix}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def own_case(programme, caseworker):
    return assign(programme, caseworker)


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


# --- Who may see it ------------------------------------------------------------------------


def test_a_caseworker_sees_their_case_with_its_identity_bar(client, caseworker, own_case):
    html = html_of(client, caseworker, own_case)
    person = own_case.referral.person
    bar = html[html.index('data-testid="identity-bar"') :][:1500]
    for text in [
        escape(str(person)),
        own_case.referral.reference,
        ">Awaiting contract</strong>",
        "Not signed",
        f"Caseworker: {escape(str(caseworker))}",
    ]:
        assert text in bar, text
    heading = html[html.index("<h1") : html.index("</h1>")]
    assert heading.endswith(f"><bdi>{escape(str(person))}</bdi>")
    assert html.count("<h1") == 1
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.CONSULTATION,
        record_type="cases.programme",
        record_id=own_case.pk,
    ).exists()


def test_the_sub_navigation_links_every_tab_and_marks_the_current_one(client, caseworker, own_case):
    html = html_of(client, caseworker, own_case, "notes/")
    pk = own_case.pk
    for label, href in [
        ("Overview", f"/cases/{pk}/"),
        ("Needs", f"/cases/{pk}/needs/"),
        ("Contract", f"/cases/{pk}/contract/"),
        ("Appointments", f"/cases/{pk}/appointments/"),
        ("Notes", f"/cases/{pk}/notes/"),
        ("Outcome", f"/cases/{pk}/outcome/"),
    ]:
        assert f'href="{href}">{label}</a>' in html, label
    assert f'aria-current="page" href="/cases/{pk}/notes/">Notes</a>' in html
    assert html.count('aria-current="page"') == 1


def test_a_signed_case_shows_the_days_left(client, caseworker, signed_case):
    html = html_of(client, caseworker, signed_case)
    days = (signed_case.ends_on - today()).days
    assert f"{days} days left" in html
    assert ">Active</strong>" in html


def test_an_unassigned_case_is_shown_unassigned_and_read_only(client, caseworker, programme):
    html = html_of(client, caseworker, programme)
    assert "Caseworker: Unassigned" in html
    assert 'data-testid="read-only"' in html
    assert "Take it from the unassigned queue" in html


def test_a_manager_sees_any_case_and_may_change_it(client, manager, own_case):
    html = html_of(client, manager, own_case)
    assert 'data-testid="read-only"' not in html


def test_another_caseworkers_case_is_not_found(client, own_case):
    other = UserFactory(roles=[Role.CASEWORKER])
    client.force_login(other)
    for suffix in CASE_PAGES:
        assert client.get(f"/cases/{own_case.pk}/{suffix}").status_code == 404, suffix


def test_an_unknown_case_is_not_found(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/cases/999999/").status_code == 404


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.AUDITOR])
@pytest.mark.parametrize(
    "suffix", [*CASE_PAGES, "conditions/1/", "milestones/1/", "appointments/1/"]
)
def test_custody_officers_and_auditors_are_refused(client, own_case, role, suffix):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(f"/cases/{own_case.pk}/{suffix}").status_code == 403
    assert client.post(f"/cases/{own_case.pk}/{suffix}", {}).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client, own_case):
    response = client.get(f"/cases/{own_case.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_overview_answers_only_get(client, caseworker, own_case):
    client.force_login(caseworker)
    assert client.post(f"/cases/{own_case.pk}/").status_code == 405
    for suffix in CASE_PAGES[1:]:
        assert client.put(f"/cases/{own_case.pk}/{suffix}").status_code == 405, suffix


# --- Key facts, milestones and conditions --------------------------------------------------


def test_the_overview_shows_the_referrals_key_facts_and_links_to_it(client, caseworker, own_case):
    html = html_of(client, caseworker, own_case)
    referral = own_case.referral
    assert "Possession of a controlled drug – Class B" in html
    assert f"{referral.created_at:%-d %B %Y}" in html
    assert f'href="/referrals/{referral.pk}/">See referral {referral.reference}</a>' in html


def test_the_overview_lists_milestones_and_conditions(client, caseworker, signed_case):
    html = html_of(client, caseworker, signed_case)
    milestones = html[html.index('data-testid="milestones"') :]
    for label in ["Needs assessment", "First intervention", "Month 1 review", "Final review"]:
        assert label in milestones
    conditions = html[html.index('data-testid="conditions"') :]
    assert "1. Do not reoffend" in conditions
    assert "2. Take part in an intervention: Drug treatment sessions" in conditions
    first = signed_case.milestones.get(code="first_intervention")
    assert f'href="/cases/{signed_case.pk}/milestones/{first.pk}/"' in html


# --- Overdue work --------------------------------------------------------------------------


def test_overdue_milestones_are_flagged(client, caseworker, signed_case):
    # Signed 20 days ago: the needs assessment (7 days) and first intervention (14) are late.
    html = html_of(client, caseworker, signed_case)
    assert '<strong class="moj-badge moj-badge--red" data-testid="overdue-badge">2 overdue' in html
    warning = html[html.index('data-testid="overdue"') :][:800]
    assert "2 milestones overdue" in warning
    assert "Needs assessment" in warning and "First intervention" in warning
    assert html.count('<strong class="moj-badge moj-badge--red">Overdue</strong>') == 2


def test_a_milestone_done_or_not_yet_due_is_not_overdue(client, caseworker, signed_case):
    signed_case.milestones.filter(code__in=["needs_assessment", "first_intervention"]).update(
        status=MilestoneStatus.DONE, completed_on=days_ago(1)
    )
    html = html_of(client, caseworker, signed_case)
    assert "overdue-badge" not in html
    assert 'data-testid="overdue"' not in html


def test_a_closed_case_has_no_overdue_work(client, manager, signed_case):
    services.end(
        signed_case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason="moved_away",
    )
    assert "overdue-badge" not in html_of(client, manager, signed_case)


def test_overdue_shows_on_every_tab(client, caseworker, signed_case):
    for suffix in CASE_PAGES:
        assert "2 overdue" in html_of(client, caseworker, signed_case, suffix), suffix


# --- The timeline --------------------------------------------------------------------------


def titles(client, user, programme):
    html = html_of(client, user, programme)
    timeline = html[html.index('data-testid="timeline"') :]
    return timeline


def test_the_timeline_shows_status_moves_with_who_and_the_contract_with_its_conditions(
    client, caseworker, signed_case
):
    timeline = titles(client, caseworker, signed_case)
    assert "Case opened" in timeline
    assert "Contract signed" in timeline
    assert f"by {escape(str(caseworker))}" in timeline
    assert f"Signed on {signed_case.signed_on:%-d %B %Y}" in timeline
    assert "Take part in an intervention: Drug treatment sessions" in timeline
    # Newest first.
    assert timeline.index("Contract signed") < timeline.index("Case opened")


def test_the_timeline_shows_each_allocation(client, manager, caseworker, signed_case):
    other = UserFactory(roles=[Role.CASEWORKER], first_name="Priya", last_name="Shah")
    allocation.assign(signed_case, actor=manager, caseworker=other, reason="Caseload balancing")
    # No service hands a case back to the queue: a change made outside one is kept too.
    with changes_by(manager, "Leaving the team"):
        Programme.objects.filter(pk=signed_case.pk).update(caseworker=None)
    timeline = titles(client, manager, signed_case)
    for text in [
        f"Given to {escape(str(caseworker))}",
        f"Moved from {escape(str(caseworker))} to Priya Shah",
        "Taken from Priya Shah: back to the unassigned queue",
        "Caseload balancing",
        "Leaving the team",
        f"by {escape(str(manager))}",
    ]:
        assert text in timeline, text
    assert timeline.index("Leaving the team") < timeline.index("Caseload balancing")


def test_the_timeline_shows_appointments_notes_and_milestones(client, caseworker, signed_case):
    version = signed_case.version
    at = timezone.make_aware(datetime.datetime.combine(days_ago(5), datetime.time(10)))
    attended = casework.add_appointment(
        signed_case, actor=caseworker, kind=AppointmentKind.INTERVENTION, starts_at=at
    )
    casework.record_attendance(
        signed_case, attended, actor=caseworker, took_place=True, attendance=Attendance.LATE
    )
    missed = casework.add_appointment(
        signed_case,
        actor=caseworker,
        kind=AppointmentKind.REVIEW,
        starts_at=at - datetime.timedelta(days=2),
    )
    casework.record_attendance(
        signed_case,
        missed,
        actor=caseworker,
        took_place=True,
        attendance=Attendance.DID_NOT_ATTEND,
    )
    moved = casework.add_appointment(
        signed_case, actor=caseworker, kind=AppointmentKind.OTHER, starts_at=at
    )
    casework.reschedule_appointment(
        signed_case,
        moved,
        actor=caseworker,
        starts_at=at + datetime.timedelta(days=1),
        requested_by="provider",
        reason="Room unavailable",
    )
    casework.add_note(signed_case, actor=caseworker, text="Phoned about housing.")
    casework.record_milestone(
        signed_case,
        signed_case.milestones.get(code="needs_assessment"),
        actor=caseworker,
        status=MilestoneStatus.DONE,
        completed_on=days_ago(15),
    )
    casework.record_milestone(
        signed_case,
        signed_case.milestones.get(code="first_intervention"),
        actor=caseworker,
        status=MilestoneStatus.MISSED,
        reason="In hospital",
    )
    assert signed_case.version > version
    timeline = titles(client, caseworker, signed_case)
    for text in [
        "Intervention appointment: late",
        "Review appointment: did not attend",
        "Other appointment rescheduled",
        "at the request of the service provider: Room unavailable",
        "Other appointment: attendance not recorded yet",
        "Phoned about housing.",
        "Needs assessment done",
        "First intervention missed",
        "In hospital",
    ]:
        assert text in timeline, text
    # In the order they happened: the milestone missed was recorded after today's note; the
    # one done was done 15 days ago, so it sits below the note.
    assert timeline.index("First intervention missed") < timeline.index("Phoned about housing.")
    assert timeline.index("Phoned about housing.") < timeline.index("Needs assessment done")


def test_timeline_items_are_newest_first(caseworker, signed_case):
    CaseNote.objects.create(
        programme=signed_case,
        author=caseworker,
        text="Old",
        at=timezone.now() - datetime.timedelta(days=3),
    )
    CaseNote.objects.create(programme=signed_case, author=caseworker, text="New")
    items = case_timeline(
        signed_case,
        milestones=list(signed_case.milestones.all()),
        conditions=list(signed_case.conditions.all()),
    )
    moments = [item.placed for item in items]
    assert moments == sorted(moments, reverse=True)
    texts = [item.lines[0] for item in items if item.kind == "note"]
    assert texts == ["New", "Old"]


def add_history(programme, user, count):
    start = timezone.make_aware(datetime.datetime.combine(days_ago(10), datetime.time(9)))
    CaseNote.objects.bulk_create(
        CaseNote(programme=programme, author=user, text=f"Note {n}") for n in range(count)
    )
    Appointment.objects.bulk_create(
        Appointment(
            programme=programme,
            kind=AppointmentKind.INTERVENTION,
            starts_at=start + datetime.timedelta(hours=n),
            took_place=True,
            attendance=Attendance.ATTENDED,
        )
        for n in range(count)
    )
    # A condition's result recorded `count` times, each a change in the history.
    with changes_by(user):
        for n in range(count):
            status = ConditionStatus.MET if n % 2 == 0 else ConditionStatus.PENDING
            Condition.objects.filter(programme=programme, number=1).update(status=status)


def test_the_overview_costs_the_same_queries_for_3_or_30_notes_and_appointments(
    client, caseworker, make_referral, django_assert_max_num_queries
):
    few = make_signed_case(make_referral, caseworker)
    many = make_signed_case(make_referral, caseworker)
    add_history(few, caseworker, 3)
    add_history(many, caseworker, 30)
    client.force_login(caseworker)
    client.get(f"/cases/{few.pk}/")  # Warm the session and the user's roles.
    with CaptureQueriesContext(connection) as few_queries:
        assert client.get(f"/cases/{few.pk}/").status_code == 200
    with django_assert_max_num_queries(len(few_queries)):
        response = client.get(f"/cases/{many.pk}/")
    assert response.content.decode().count("Intervention appointment: attended") == 30
    assert len(few_queries) <= 18


def test_a_closed_and_reopened_case_shows_both_moves(client, manager, signed_case):
    services.end(
        signed_case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason="moved_away",
        detail="Moved to Leeds",
    )
    services.reopen(signed_case, actor=manager, reason="Closed in error")
    timeline = titles(client, manager, signed_case)
    assert "From active to withdrawn." in timeline
    assert "Moved to Leeds" in timeline
    assert "Reopened" in timeline
    assert "Closed in error" in timeline


@pytest.fixture
def halloween(make_referral, caseworker):
    with time_machine.travel(datetime.datetime(2025, 10, 30, 14, tzinfo=datetime.UTC)):
        referral = make_referral(
            arrested_at=datetime.datetime(2025, 10, 30, 11, tzinfo=datetime.UTC),
            decision="accepted",
        )
    return assign(referral.programme, caseworker)


def test_a_milestone_done_is_placed_on_its_day_saying_who_recorded_it_and_when(
    halloween, caseworker
):
    sign(halloween, actor=caseworker, signed_on=datetime.date(2025, 10, 31), conditions=[])
    recorded_at = timezone.make_aware(datetime.datetime(2025, 11, 4, 10, 30))
    with time_machine.travel(recorded_at, tick=False):
        casework.record_milestone(
            halloween,
            halloween.milestones.get(code="needs_assessment"),
            actor=caseworker,
            status=MilestoneStatus.DONE,
            completed_on=datetime.date(2025, 11, 3),
        )
    items = case_timeline(
        halloween,
        milestones=list(halloween.milestones.all()),
        conditions=list(halloween.conditions.all()),
    )
    done = next(item for item in items if item.title == "Needs assessment done")
    assert (done.date_only, timezone.localdate(done.at)) == (True, datetime.date(2025, 11, 3))
    assert (done.recorded_at, done.by, done.recorded_later) == (recorded_at, caseworker, True)
    assert "Done on 3 November 2025." in done.lines


# --- A later offence during the contract ---------------------------------------------------


def record_offence(programme, actor, day, code="theft"):
    from diversion.people import services as people_services
    from diversion.policy.models import OffenceType

    return people_services.record_later_offence(
        programme.referral.person,
        actor=actor,
        offence_date=day,
        offence_type=OffenceType.objects.get(code=code),
        source="custody",
        notes="Arrested in the town centre.",
    )


def test_an_offence_recorded_during_the_contract_reaches_the_caseworker(
    client, caseworker, custody_officer, signed_case
):
    record_offence(signed_case, custody_officer, days_ago(3))
    html = html_of(client, caseworker, signed_case)
    warning = html[html.index('data-testid="new-offences"') :][:600]
    assert "A later offence was recorded during the contract" in warning
    assert "condition 1 (do not reoffend)" in warning
    offences = html[html.index('data-testid="new-offence-list"') :][:800]
    assert "Theft, including shoplifting on" in offences
    assert f"recorded by {escape(str(custody_officer))}" in offences
    assert "Arrested in the town centre." in offences
    assert f'href="/cases/{signed_case.pk}/outcome/">record the breach' in html
    # The identity bar carries it on every tab.
    for suffix in CASE_PAGES:
        assert 'data-testid="offence-badge">New offence</strong>' in html_of(
            client, caseworker, signed_case, suffix
        )


def test_an_offence_before_the_contract_is_not_reoffending_during_it(
    client, caseworker, custody_officer, signed_case
):
    record_offence(signed_case, custody_officer, signed_case.signed_on - datetime.timedelta(1))
    html = html_of(client, caseworker, signed_case)
    assert 'data-testid="new-offences"' not in html
    assert 'data-testid="offence-badge"' not in html


def test_a_closed_case_no_longer_asks_for_a_decision_on_an_offence(
    client, manager, custody_officer, signed_case
):
    record_offence(signed_case, custody_officer, days_ago(3))
    services.end(
        signed_case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died"
    )
    html = html_of(client, manager, signed_case)
    assert 'data-testid="new-offences"' not in html
    assert 'data-testid="offence-badge"' not in html


def test_someone_who_cannot_change_the_case_sees_the_offence_but_no_outcome_link(
    client, caseworker, custody_officer, signed_case
):
    record_offence(signed_case, custody_officer, days_ago(3))
    Programme.objects.filter(pk=signed_case.pk).update(caseworker=None)
    html = html_of(client, caseworker, signed_case)
    assert "A later offence was recorded during the contract" in html
    assert f'href="/cases/{signed_case.pk}/outcome/">record the breach' not in html
