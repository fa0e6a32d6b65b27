"""Free text over its limit, on every casework and referral page: the page comes back with
the GOV.UK message beside the field and the text still in it, and nothing is stored."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.cases.models import (
    AppointmentKind,
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
    Victim,
)
from diversion.cases.services import casework
from diversion.cases.services import programme as programme_services
from diversion.lib.dates import today
from diversion.lib.text import LONG_TEXT, NOTE_TEXT, SHORT_TEXT
from diversion.policy.models import OffenceType
from tests.factories import UserFactory, date_fields
from tests.history import written

from .casework_helpers import assign, form, make_signed_case, needs_fields
from .intake_helpers import Journey, custody, offence
from .test_intake import NOW


def over(limit):
    """Text one character over `limit`, with a line break, which counts as one."""
    return "A line\r\n" + "x" * (limit - len("A line\n") + 1)


def refused(response, field, message, text, *, extra_errors=0):
    """The page came back with `message` beside the input whose id is `field`, as the only
    error (unless `extra_errors` are expected), and with what was typed still in it."""
    assert response.status_code == 200
    html = response.content.decode()
    beside = re.search(
        rf'id="{field}_1_error" class="govuk-error-message">(.*?)</span>', html, re.S
    )
    assert beside, f"no error beside {field}"
    assert escape(message) in html[beside.end() : beside.end() + 200]
    assert len(re.findall(r'class="govuk-error-message"', html)) == 1 + extra_errors
    assert text[-100:] in html
    return html


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


def post(client, user, url, data):
    client.force_login(user)
    before = written()
    response = client.post(url, data)
    assert written() == before, "an over-long post stored something"
    return response


# --- The custody desk ----------------------------------------------------------------------


@pytest.fixture
def journey(client, custody_officer, person):
    """The referral journey up to the victim question."""
    with time_machine.travel(NOW, tick=False):
        client.force_login(custody_officer)
        journey = Journey(client, person)
        journey.answer("custody", custody(), "offence")
        journey.answer("offence", offence(), "victim")
        yield journey


def test_victim_views_over_the_limit_are_refused(journey, custody_officer):
    text = over(LONG_TEXT)
    response = post(
        journey.client,
        custody_officer,
        journey.url("victim"),
        {"victim": Victim.CONSULTED, "victim_views": text},
    )
    html = refused(response, "id_victim_views", "The victim's views must be 2,000 characters", text)
    assert 'href="#id_victim_views"' in html


def test_a_rationale_over_the_limit_is_refused(journey, custody_officer):
    journey.answer("victim", {"victim": "none"}, "circumstances")
    journey.answer("circumstances", {"circumstances": ["none"]}, "decision")
    text = over(LONG_TEXT)
    response = post(
        journey.client,
        custody_officer,
        journey.url("decision"),
        {"officer_decision": "offer", "decision_rationale": text},
    )
    refused(response, "id_decision_rationale", "Your reasons must be 2,000 characters", text)


def test_an_authorisation_reason_over_the_limit_is_refused(client, manager, make_referral):
    referral = make_referral(offence_type=OffenceType.objects.get(code="supply-own-use"))
    text = over(LONG_TEXT)
    response = post(
        client,
        manager,
        f"/referrals/{referral.pk}/authorisation/",
        {"decision": "authorise", "reason": text},
    )
    refused(response, "id_reason", "The reason must be 2,000 characters or fewer", text)


def test_a_note_on_the_persons_answer_over_the_limit_is_refused(
    client, custody_officer, make_referral
):
    referral = make_referral()
    text = over(LONG_TEXT)
    data = {"decision": PersonDecision.ACCEPTED, "note": text} | date_fields(
        "decided_on", timezone.localdate()
    )
    response = post(client, custody_officer, f"/referrals/{referral.pk}/decision/", data)
    refused(response, "id_note", "The note must be 2,000 characters or fewer", text)


# --- Casework ------------------------------------------------------------------------------


def test_needs_notes_over_the_limit_are_refused(client, caseworker, programme):
    case = assign(programme, caseworker)
    text = over(LONG_TEXT)
    data = form(case, **needs_fields(notes={"drugs": text}))
    response = post(client, caseworker, f"/cases/{case.pk}/needs/?stage=entry", data)
    refused(response, "id_drugs_notes", "Notes on drugs must be 2,000 characters", text)


def test_a_contract_condition_over_the_limit_is_refused(client, caseworker, make_referral):
    case = assign(
        make_referral(decision="accepted", victim=Victim.RESTORATIVE).programme, caseworker
    )
    text = over(SHORT_TEXT).replace("\r\n", " ")
    data = form(
        case,
        restorative="on",
        restorative_description=text,
        intervention_1="",
        intervention_2=text,
        last_condition="none",
        **date_fields("signed_on", today()),
    )
    response = post(client, caseworker, f"/cases/{case.pk}/contract/", data)
    message = "The restorative approach must be 500 characters or fewer"
    refused(response, "id_restorative_description", message, text, extra_errors=1)
    message = "The second intervention must be 500 characters or fewer"
    refused(response, "id_intervention_2", message, text, extra_errors=1)


def test_evidence_for_a_condition_over_the_limit_is_refused(client, caseworker, signed_case):
    text = over(NOTE_TEXT)
    data = form(signed_case, status="met", reason="", evidence=text)
    response = post(client, caseworker, f"/cases/{signed_case.pk}/conditions/2/", data)
    refused(response, "id_evidence", "Evidence must be 5,000 characters or fewer", text)


def test_why_a_milestone_was_missed_over_the_limit_is_refused(client, caseworker, signed_case):
    milestone = signed_case.milestones.get(code="review_1")
    text = over(LONG_TEXT)
    data = form(signed_case, status="missed", reason=text)
    response = post(client, caseworker, f"/cases/{signed_case.pk}/milestones/{milestone.pk}/", data)
    refused(response, "id_reason", "The reason it was missed must be 2,000 characters", text)


def test_appointment_notes_over_the_limit_are_refused(client, caseworker, signed_case):
    text = over(LONG_TEXT)
    day = today() + datetime.timedelta(days=3)
    data = form(signed_case, kind="review", time="10:30", notes=text, **date_fields("date", day))
    response = post(client, caseworker, f"/cases/{signed_case.pk}/appointments/", data)
    refused(response, "id_notes", "Notes must be 2,000 characters or fewer", text)


def test_a_reschedule_reason_over_the_limit_is_refused(client, caseworker, signed_case):
    starts = timezone.now() + datetime.timedelta(days=5)
    appointment = casework.add_appointment(
        signed_case, actor=caseworker, kind=AppointmentKind.REVIEW, starts_at=starts
    )
    signed_case.refresh_from_db()
    text = over(LONG_TEXT)
    data = form(
        signed_case,
        action="reschedule",
        new_time="15:00",
        requested_by="person",
        reason=text,
        **date_fields("new_date", today() + datetime.timedelta(days=8)),
    )
    url = f"/cases/{signed_case.pk}/appointments/{appointment.pk}/"
    response = post(client, caseworker, url, data)
    refused(response, "id_reason", "The reason must be 2,000 characters or fewer", text)


def test_a_case_note_over_the_limit_is_refused(client, caseworker, signed_case):
    text = over(NOTE_TEXT)
    response = post(
        client, caseworker, f"/cases/{signed_case.pk}/notes/", form(signed_case, text=text)
    )
    refused(response, "id_text", "Note must be 5,000 characters or fewer", text)


# --- Outcomes ------------------------------------------------------------------------------


def end_with(client, caseworker, case, action, **fields):
    data = {"action": action, f"{action}-version": case.version}
    data |= {f"{action}-{name}": value for name, value in fields.items()}
    data |= date_fields(f"{action}-outcome_on", today())
    return post(client, caseworker, f"/cases/{case.pk}/outcome/", data)


def test_what_happened_in_a_breach_over_the_limit_is_refused(client, caseworker, signed_case):
    text = over(LONG_TEXT)
    response = end_with(
        client, caseworker, signed_case, "breach", reason="failed_condition", detail=text
    )
    refused(response, "id_breach-detail", "What happened must be 2,000 characters", text)


def test_withdrawal_details_over_the_limit_are_refused(client, caseworker, signed_case):
    text = over(LONG_TEXT)
    response = end_with(
        client, caseworker, signed_case, "withdraw", reason=OutcomeReason.OTHER, detail=text
    )
    refused(response, "id_withdraw-detail", "Details must be 2,000 characters or fewer", text)


def test_a_reason_to_reopen_over_the_limit_is_refused(client, manager, signed_case):
    programme_services.end(
        signed_case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason=OutcomeReason.MOVED_AWAY,
    )
    text = over(LONG_TEXT)
    data = {"reopen-version": signed_case.version, "reopen-reason": text}
    response = post(client, manager, f"/cases/{signed_case.pk}/reopen/", data)
    refused(response, "id_reopen-reason", "The reason must be 2,000 characters or fewer", text)


# --- Allocation ----------------------------------------------------------------------------


def test_a_reason_to_assign_over_the_limit_is_refused(client, manager, caseworker, programme):
    text = over(LONG_TEXT)
    data = {"caseworker": caseworker.pk, "reason": text, "version": programme.version}
    response = post(client, manager, f"/cases/{programme.pk}/assign/", data)
    refused(response, "id_reason", "The reason must be 2,000 characters or fewer", text)


def test_a_reason_to_move_a_caseload_over_the_limit_is_refused(
    client, manager, caseworker, programme
):
    assign(programme, caseworker)
    other = UserFactory(roles=[Role.CASEWORKER])
    text = over(LONG_TEXT)
    data = {"from_caseworker": caseworker.pk, "to_caseworker": other.pk, "reason": text}
    response = post(client, manager, "/cases/reassign/", {**data, "confirmed": "True"})
    refused(response, "id_reason", "The reason must be 2,000 characters or fewer", text)


def test_a_note_at_the_limit_is_saved_with_each_line_break_as_one_character(
    client, caseworker, signed_case
):
    """The character count counts a line break as one, though the browser sends two."""
    text = over(NOTE_TEXT)[:-1]
    client.force_login(caseworker)
    response = client.post(f"/cases/{signed_case.pk}/notes/", form(signed_case, text=text))
    assert response.status_code == 302
    note = signed_case.notes.get()
    assert len(note.text) == NOTE_TEXT
    assert note.text.startswith("A line\nxx")
