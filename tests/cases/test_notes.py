"""Case notes: newest first, and added by whoever may change the case."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import CaseNote, ProgrammeStatus
from diversion.cases.services import casework
from diversion.cases.services.casework import CaseworkError
from diversion.cases.services.programme import end
from diversion.lib.dates import today
from tests.factories import UserFactory

from .casework_helpers import assign, form, make_signed_case


@pytest.fixture
def own_case(programme, caseworker):
    return assign(programme, caseworker)


def post(client, user, programme, text):
    client.force_login(user)
    return client.post(f"/cases/{programme.pk}/notes/", form(programme, text=text))


def test_notes_are_listed_newest_first_with_who_and_when(client, caseworker, own_case):
    CaseNote.objects.create(
        programme=own_case,
        author=caseworker,
        text="First contact",
        at=timezone.now() - datetime.timedelta(days=2),
    )
    CaseNote.objects.create(programme=own_case, author=caseworker, text="Second contact")
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/notes/").content.decode()
    notes = html[html.index('data-testid="notes"') :]
    assert notes.index("Second contact") < notes.index("First contact")
    assert f"by {escape(str(caseworker))}" in notes
    assert 'data-testid="note-form"' in html


def test_adding_a_note(client, caseworker, own_case):
    response = post(client, caseworker, own_case, "  Called about the appointment.  ")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{own_case.pk}/notes/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Note added"]
    note = CaseNote.objects.get(programme=own_case)
    assert (note.author, note.text) == (caseworker, "Called about the appointment.")
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.COLLECTION,
        record_id=own_case.pk,
        detail=f"case note {note.pk} added",
    ).exists()
    html = client.get(f"/cases/{own_case.pk}/").content.decode()
    assert "Called about the appointment." in html


@pytest.mark.parametrize("text", ["", "   "])
def test_a_blank_note_is_refused(client, caseworker, own_case, text):
    response = post(client, caseworker, own_case, text)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the note" in html
    assert 'href="#id_text"' in html
    assert not CaseNote.objects.exists()
    with pytest.raises(CaseworkError, match="Enter the note"):
        casework.add_note(own_case, actor=caseworker, text=text)


def test_a_note_too_long_is_refused_and_kept(client, caseworker, own_case):
    response = post(client, caseworker, own_case, "x" * 5001)
    html = response.content.decode()
    assert "Note must be 5,000 characters or fewer" in html
    assert "x" * 5001 in html
    assert not CaseNote.objects.exists()


def test_notes_are_paginated(client, caseworker, own_case):
    CaseNote.objects.bulk_create(
        CaseNote(programme=own_case, author=caseworker, text=f"Note {n}") for n in range(30)
    )
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/notes/").content.decode()
    assert html.count('<h3 class="moj-timeline__title">Case note</h3>') == 25
    assert "Page 1 of 2" in html


def test_an_unassigned_case_is_read_only_for_a_caseworker(client, caseworker, programme):
    client.force_login(caseworker)
    html = client.get(f"/cases/{programme.pk}/notes/").content.decode()
    assert 'data-testid="note-form"' not in html
    assert 'data-testid="read-only"' in html
    assert post(client, caseworker, programme, "Hello").status_code == 404
    assert not CaseNote.objects.exists()


def test_another_caseworker_cannot_add_a_note(client, own_case):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert post(client, other, own_case, "Hello").status_code == 404


def test_a_manager_can_add_a_note_to_any_case(client, manager, programme):
    assert post(client, manager, programme, "Queue checked").status_code == 302
    assert CaseNote.objects.get().author == manager


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_other_roles_cannot_add_notes(client, own_case, role):
    assert post(client, UserFactory(roles=[role]), own_case, "Hello").status_code == 403


def test_notes_can_be_added_to_a_closed_case(client, manager, caseworker, make_referral):
    programme = make_signed_case(make_referral, caseworker)
    end(programme, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died")
    assert post(client, caseworker, programme, "Family informed").status_code == 302
    assert CaseNote.objects.filter(programme=programme).count() == 1


def test_the_notes_page_answers_only_get_and_post(client, caseworker, own_case):
    client.force_login(caseworker)
    assert client.delete(f"/cases/{own_case.pk}/notes/").status_code == 405
