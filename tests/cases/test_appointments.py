"""Appointments within the contract: adding them, recording whether they took place and who
attended, and rescheduling them with who asked and why."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import Appointment, AppointmentKind, Attendance, ProgrammeStatus
from diversion.cases.services import casework
from diversion.cases.services.casework import CaseworkError
from diversion.cases.services.programme import end
from diversion.lib.dates import today
from tests.factories import UserFactory, date_fields

from .casework_helpers import assign, days_ago, form, make_signed_case


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


def at(day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def appointment_fields(day, time="10:30", kind="intervention", notes=""):
    return {"kind": kind, "time": time, "notes": notes} | date_fields("date", day)


def post(client, user, programme, data, suffix="appointments/"):
    client.force_login(user)
    return client.post(f"/cases/{programme.pk}/{suffix}", form(programme, **data))


@pytest.fixture
def past(signed_case, caseworker):
    return casework.add_appointment(
        signed_case, actor=caseworker, kind=AppointmentKind.REVIEW, starts_at=at(days_ago(3))
    )


@pytest.fixture
def upcoming(signed_case, caseworker):
    return casework.add_appointment(
        signed_case,
        actor=caseworker,
        kind=AppointmentKind.INTERVENTION,
        starts_at=at(today() + datetime.timedelta(days=5)),
    )


# --- Adding --------------------------------------------------------------------------------


def test_the_page_lists_appointments_and_offers_the_form(
    client, caseworker, signed_case, past, upcoming
):
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/appointments/").content.decode()
    table = html[html.index('data-testid="appointments"') :]
    assert table.index("Review") < table.index("Intervention")
    assert "Not recorded" in table and "Scheduled" in table
    assert 'data-testid="appointment-form"' in html
    assert f"from {signed_case.signed_on:%-d %B %Y} to {signed_case.ends_on:%-d %B %Y}" in html


def test_adding_an_appointment_within_the_contract(client, caseworker, signed_case):
    day = today() + datetime.timedelta(days=3)
    response = post(
        client, caseworker, signed_case, appointment_fields(day, "14:30", notes="At the hub")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{signed_case.pk}/appointments/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Appointment added for {day:%-d %B %Y}, 14:30"
    ]
    appointment = Appointment.objects.get(programme=signed_case)
    assert appointment.kind == AppointmentKind.INTERVENTION
    assert timezone.localtime(appointment.starts_at) == at(day, 14, 30)
    assert appointment.notes == "At the hub"
    assert appointment.took_place is None
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.COLLECTION,
        record_id=signed_case.pk,
        detail=f"appointment {appointment.pk} added",
    ).exists()


def test_appointments_on_the_first_and_last_day_of_the_contract_are_allowed(
    caseworker, signed_case
):
    for day in (signed_case.signed_on, signed_case.ends_on):
        casework.add_appointment(signed_case, actor=caseworker, kind="review", starts_at=at(day))
    assert signed_case.appointments.count() == 2


def test_an_appointment_before_signing_is_refused(client, caseworker, signed_case):
    before = signed_case.signed_on - datetime.timedelta(days=1)
    response = post(client, caseworker, signed_case, appointment_fields(before))
    html = response.content.decode()
    assert response.status_code == 200
    assert "The appointment must be on or after the contract was signed" in html
    assert 'href="#id_date_0"' in html
    assert not Appointment.objects.exists()


def test_an_appointment_after_the_contract_ends_is_refused(client, caseworker, signed_case):
    after = signed_case.ends_on + datetime.timedelta(days=1)
    response = post(client, caseworker, signed_case, appointment_fields(after))
    assert "The appointment must be on or before the contract ends" in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("time", ["25:00", "2pm", "", "10:75"])
def test_a_bad_time_is_refused_beside_the_time(client, caseworker, signed_case, time):
    response = post(client, caseworker, signed_case, appointment_fields(today(), time))
    html = response.content.decode()
    assert response.status_code == 200
    assert "appointment time" in html
    assert 'href="#id_time"' in html
    assert not Appointment.objects.exists()


def test_the_time_is_taken_in_london_time_across_the_clock_change(caseworker, make_referral):
    with time_machine.travel(datetime.datetime(2026, 3, 27, 12, tzinfo=datetime.UTC)):
        programme = make_signed_case(make_referral, caseworker, days=0, conditions=[])
        data = appointment_fields(datetime.date(2026, 3, 30), "09:00")
        from diversion.cases.forms.case import AppointmentForm

        bound = AppointmentForm(form(programme, **data), case=programme)
        assert bound.is_valid(), bound.errors
        # 9am BST is 8am UTC.
        assert bound.cleaned_data["starts_at"].astimezone(datetime.UTC).hour == 8


def test_an_unknown_kind_is_refused(client, caseworker, signed_case):
    response = post(client, caseworker, signed_case, appointment_fields(today(), kind="party"))
    assert "Select the kind of appointment" in response.content.decode()


def test_appointments_wait_for_the_contract(client, caseworker, programme):
    own = assign(programme, caseworker)
    client.force_login(caseworker)
    html = client.get(f"/cases/{own.pk}/appointments/").content.decode()
    assert 'data-testid="appointment-form"' not in html
    assert "Appointments can be added once the contract is signed." in html
    with pytest.raises(CaseworkError, match="awaiting contract"):
        casework.add_appointment(own, actor=caseworker, kind="review", starts_at=timezone.now())


def test_another_caseworker_cannot_add_one(client, signed_case):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert post(client, other, signed_case, appointment_fields(today())).status_code == 404


# --- Recording what happened ---------------------------------------------------------------


def record(client, user, programme, appointment, **fields):
    data = {"action": "record", "took_place": "yes", "attendance": "attended"} | fields
    return post(client, user, programme, data, f"appointments/{appointment.pk}/")


@pytest.mark.parametrize("attendance", list(Attendance))
def test_recording_attendance(client, caseworker, signed_case, past, attendance):
    response = record(client, caseworker, signed_case, past, attendance=attendance.value)
    assert response.status_code == 302
    past.refresh_from_db()
    assert (past.took_place, past.attendance) == (True, attendance.value)
    assert AccessLogEntry.objects.filter(
        action=Action.ALTERATION, detail=f"appointment {past.pk} recorded"
    ).exists()


def test_recording_that_it_did_not_take_place(client, caseworker, signed_case, past):
    response = record(client, caseworker, signed_case, past, took_place="no", attendance="attended")
    assert response.status_code == 302
    past.refresh_from_db()
    assert (past.took_place, past.attendance) == (False, "")


def test_taking_place_needs_the_attendance(client, caseworker, signed_case, past):
    response = record(client, caseworker, signed_case, past, attendance="")
    html = response.content.decode()
    assert "Select whether they attended, were late or did not attend" in html
    assert 'href="#id_attendance_1"' in html
    past.refresh_from_db()
    assert past.took_place is None


def test_a_future_appointment_cannot_be_recorded_yet(client, caseworker, signed_case, upcoming):
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/appointments/{upcoming.pk}/").content.decode()
    assert 'data-testid="record-form"' not in html
    assert "once the appointment time has passed" in html
    assert 'data-testid="reschedule-form"' in html
    with pytest.raises(CaseworkError, match="has not happened yet"):
        casework.record_attendance(
            signed_case, upcoming, actor=caseworker, took_place=True, attendance="attended"
        )


# --- Rescheduling --------------------------------------------------------------------------


def reschedule(client, user, programme, appointment, day, **fields):
    data = {
        "action": "reschedule",
        "new_time": "15:00",
        "requested_by": "person",
        "reason": "Job interview",
    }
    data |= date_fields("new_date", day) | fields
    return post(client, user, programme, data, f"appointments/{appointment.pk}/")


def test_rescheduling_makes_a_new_appointment_linked_from_the_old(
    client, caseworker, signed_case, upcoming
):
    day = today() + datetime.timedelta(days=8)
    response = reschedule(client, caseworker, signed_case, upcoming, day)
    assert response.status_code == 302
    upcoming.refresh_from_db()
    new = upcoming.rescheduled_to
    assert timezone.localtime(new.starts_at) == at(day, 15)
    assert new.kind == upcoming.kind
    assert (upcoming.reschedule_requested_by, upcoming.reschedule_reason) == (
        "person",
        "Job interview",
    )
    html = client.get(f"/cases/{signed_case.pk}/appointments/").content.decode()
    assert "at the request of the person on the programme: Job interview" in html


def test_rescheduling_needs_who_asked_and_why(client, caseworker, signed_case, upcoming):
    response = reschedule(
        client, caseworker, signed_case, upcoming, today(), requested_by="", reason=""
    )
    html = response.content.decode()
    assert "Select who asked for the change" in html
    assert "Enter why it was rescheduled" in html
    upcoming.refresh_from_db()
    assert upcoming.rescheduled_to is None


def test_rescheduling_outside_the_contract_is_refused(client, caseworker, signed_case, upcoming):
    after = signed_case.ends_on + datetime.timedelta(days=1)
    response = reschedule(client, caseworker, signed_case, upcoming, after)
    html = response.content.decode()
    assert "on or before the contract ends" in html
    assert 'href="#id_new_date_0"' in html
    assert Appointment.objects.filter(programme=signed_case).count() == 1


def test_a_rescheduled_appointment_is_not_recorded_or_moved_again(
    client, caseworker, signed_case, past
):
    new = casework.reschedule_appointment(
        signed_case,
        past,
        actor=caseworker,
        starts_at=at(today()),
        requested_by="caseworker",
        reason="Clash",
    )
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/appointments/{past.pk}/").content.decode()
    assert 'data-testid="record-form"' not in html
    assert 'data-testid="reschedule-form"' not in html
    assert f'href="/cases/{signed_case.pk}/appointments/{new.pk}/"' in html
    response = record(client, caseworker, signed_case, past)
    assert "was rescheduled: record the new one instead" in response.content.decode()


def test_an_appointment_that_took_place_cannot_be_rescheduled(caseworker, signed_case, past):
    casework.record_attendance(
        signed_case, past, actor=caseworker, took_place=True, attendance="attended"
    )
    with pytest.raises(CaseworkError, match="took place"):
        casework.reschedule_appointment(
            signed_case,
            past,
            actor=caseworker,
            starts_at=at(today()),
            requested_by="person",
            reason="x",
        )


# --- Bad input and access ------------------------------------------------------------------


def test_an_unknown_appointment_is_not_found(client, caseworker, signed_case, make_referral):
    client.force_login(caseworker)
    assert client.get(f"/cases/{signed_case.pk}/appointments/999999/").status_code == 404
    other = make_signed_case(make_referral, caseworker)
    theirs = casework.add_appointment(other, actor=caseworker, kind="review", starts_at=at(today()))
    assert client.get(f"/cases/{signed_case.pk}/appointments/{theirs.pk}/").status_code == 404


def test_an_unknown_action_is_a_bad_request(client, caseworker, signed_case, past):
    response = record(client, caseworker, signed_case, past, action="delete")
    assert response.status_code == 400
    past.refresh_from_db()
    assert past.took_place is None


def test_the_appointment_page_answers_only_get_and_post(client, caseworker, signed_case, past):
    client.force_login(caseworker)
    assert client.put(f"/cases/{signed_case.pk}/appointments/{past.pk}/").status_code == 405


def test_another_caseworker_cannot_record_it(client, signed_case, past):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert record(client, other, signed_case, past).status_code == 404


def test_appointments_of_a_closed_case_are_read_only(client, manager, signed_case, past):
    end(signed_case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died")
    client.force_login(manager)
    html = client.get(f"/cases/{signed_case.pk}/appointments/{past.pk}/").content.decode()
    assert 'data-testid="record-form"' not in html
    assert 'data-testid="reschedule-form"' not in html
    response = record(client, manager, signed_case, past)
    assert response.status_code == 200
    past.refresh_from_db()
    assert past.took_place is None
