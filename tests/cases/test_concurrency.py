"""Concurrent edits: a form opened before someone else changed the case is refused, shown
back exactly as typed with what changed since, and can then be saved on purpose."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from diversion.cases.models import (
    AppointmentKind,
    CaseNote,
    ConditionStatus,
    MilestoneStatus,
    PathwayAssessment,
    Programme,
    ProgrammeStatus,
)
from diversion.cases.services import casework
from diversion.lib.concurrency import StaleEdit
from diversion.lib.dates import today
from tests.factories import date_fields, sign
from tests.history import access_log_unread

from .casework_helpers import (
    all_scores,
    assign,
    checked,
    make_signed_case,
    needs_fields,
    version_of,
)


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


@pytest.fixture
def two_people(caseworker, manager):
    """The caseworker and a manager, each in their own browser."""
    mine, theirs = Client(), Client()
    mine.force_login(caseworker)
    theirs.force_login(manager)
    return mine, theirs


def opened(client, url):
    """Open a page and read its form's hidden version, as a browser would."""
    html = client.get(url).content.decode()
    return {"version": html.split('name="version" value="')[1].split('"')[0]}


def test_a_stale_note_is_kept_with_what_changed(two_people, signed_case, manager):
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/notes/"
    my_form = opened(mine, url)
    # The manager adds a note while the caseworker is still typing.
    their_form = opened(theirs, url)
    assert theirs.post(url, their_form | {"text": "Manager's note"}).status_code == 302

    response = mine.post(url, my_form | {"text": "My long note about the visit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert "– Error – Checkpoint" in html
    changes = html[html.index('data-testid="changes"') :][:600]
    assert f"by {escape(str(manager))}" in changes
    assert "Case note" in changes and "added" in changes
    # What was typed is still in the form, now carrying the case's current version.
    assert "My long note about the visit</textarea>" in html
    assert f'name="version" value="{version_of(signed_case)}"' in html
    assert list(CaseNote.objects.values_list("text", flat=True)) == ["Manager's note"]

    # Saving again, having seen the change, works.
    again = {
        "version": html.split('name="version" value="')[1].split('"')[0],
        "text": "My long note about the visit",
    }
    assert mine.post(url, again).status_code == 302
    assert CaseNote.objects.count() == 2


def test_a_stale_needs_assessment_keeps_every_score(two_people, signed_case, caseworker):
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/needs/?stage=entry"
    my_form = opened(mine, url)
    theirs.post(
        f"/cases/{signed_case.pk}/notes/",
        opened(theirs, f"/cases/{signed_case.pk}/notes/") | {"text": "x"},
    )
    typed = needs_fields({"drugs": 4, "alcohol": 0}, {"drugs": "Heroin, daily"})
    response = mine.post(url, my_form | typed)
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert checked(html, "drugs_score") == ["4"]
    assert checked(html, "alcohol_score") == ["0"]
    assert "Heroin, daily</textarea>" in html
    assert not PathwayAssessment.objects.exists()


def test_a_contract_signed_meanwhile_shows_back_what_was_typed(
    two_people, programme, caseworker, manager
):
    own = assign(programme, caseworker)
    mine, theirs = two_people
    url = f"/cases/{own.pk}/contract/"
    signing = {
        "intervention_1": "Alcohol treatment sessions",
        "intervention_2": "",
        "last_condition": "voluntary_work",
        "voluntary_hours": "24",
    } | date_fields("signed_on", today())
    my_form, their_form = opened(mine, url), opened(theirs, url)
    assert theirs.post(url, their_form | signing | {"voluntary_hours": "30"}).status_code == 302

    response = mine.post(url, my_form | signing)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This case changed since you opened it" in html
    assert "Contract signed by" in html
    # The contract is signed now, so the form is gone; what was typed is shown back.
    assert 'data-testid="contract-form"' not in html
    not_saved = html[html.index('data-testid="not-saved"') :]
    assert "Alcohol treatment sessions" in not_saved
    assert "24" in not_saved
    assert own.conditions.get(number=3).voluntary_hours == 30


def test_a_stale_condition_update_is_refused(two_people, signed_case):
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/conditions/2/"
    my_form, their_form = opened(mine, url), opened(theirs, url)
    theirs.post(url, their_form | {"status": "met", "reason": "", "evidence": "Attended"})
    response = mine.post(url, my_form | {"status": "failed", "reason": "Stopped", "evidence": ""})
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert "Condition 2 marked met" in html
    assert checked(html, "status") == ["failed"]
    assert signed_case.conditions.get(number=2).status == ConditionStatus.MET


def test_a_stale_appointment_record_keeps_both_forms(two_people, signed_case, caseworker):
    at = timezone.now() - datetime.timedelta(hours=2)
    appointment = casework.add_appointment(
        signed_case, actor=caseworker, kind=AppointmentKind.REVIEW, starts_at=at
    )
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/appointments/{appointment.pk}/"
    my_form = opened(mine, url)
    theirs.post(
        f"/cases/{signed_case.pk}/notes/",
        opened(theirs, f"/cases/{signed_case.pk}/notes/") | {"text": "x"},
    )
    response = mine.post(
        url, my_form | {"action": "record", "took_place": "yes", "attendance": "late"}
    )
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert checked(html, "attendance") == ["late"]
    assert 'data-testid="reschedule-form"' in html
    appointment.refresh_from_db()
    assert appointment.took_place is None


def test_a_stale_milestone_is_refused(two_people, signed_case):
    milestone = signed_case.milestones.get(code="review_1")
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/milestones/{milestone.pk}/"
    my_form, their_form = opened(mine, url), opened(theirs, url)
    done = {"status": "done", "reason": ""} | date_fields("completed_on", today())
    assert theirs.post(url, their_form | done).status_code == 302
    response = mine.post(url, my_form | {"status": "missed", "reason": "Did not answer"})
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert "Month 1 review marked done by" in html
    assert "Did not answer</textarea>" in html
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE
    assert not CaseNote.objects.exists()


def test_a_case_closed_meanwhile_refuses_the_form_as_stale(two_people, signed_case, manager):
    from diversion.cases.services.programme import end

    mine, _ = two_people
    url = f"/cases/{signed_case.pk}/appointments/"
    my_form = opened(mine, url)
    end(signed_case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died")
    data = {"kind": "review", "time": "10:00", "notes": "Bring ID"} | date_fields("date", today())
    html = mine.post(url, my_form | data).content.decode()
    assert "This case changed since you opened it" in html
    assert "Status changed from active to withdrawn by" in html
    not_saved = html[html.index('data-testid="not-saved"') :]
    assert "Bring ID" in not_saved


@pytest.mark.parametrize(
    "suffix",
    ["notes/", "needs/?stage=entry", "appointments/", "conditions/2/"],
)
def test_every_casework_form_carries_the_version(client, caseworker, signed_case, suffix):
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/{suffix}").content.decode()
    assert f'name="version" value="{signed_case.version}"' in html


def test_every_change_raises_the_version(caseworker, signed_case):
    before = version_of(signed_case)
    casework.add_note(signed_case, actor=caseworker, text="x")
    casework.record_assessment(signed_case, actor=caseworker, stage="entry", scores=all_scores())
    casework.update_condition(signed_case, 2, actor=caseworker, status="met")
    assert version_of(signed_case) == before + 3


@pytest.mark.parametrize(
    "change",
    [
        lambda case, user: casework.add_note(case, actor=user, text="x", expected_version=1),
        lambda case, user: casework.record_assessment(
            case, actor=user, stage="entry", scores=all_scores(), expected_version=1
        ),
        lambda case, user: casework.update_condition(
            case, 2, actor=user, status="met", expected_version=1
        ),
        lambda case, user: casework.record_milestone(
            case,
            case.milestones.first(),
            actor=user,
            status="done",
            completed_on=today(),
            expected_version=1,
        ),
        lambda case, user: casework.add_appointment(
            case, actor=user, kind="review", starts_at=timezone.now(), expected_version=1
        ),
    ],
    ids=["note", "assessment", "condition", "milestone", "appointment"],
)
def test_each_service_refuses_a_stale_version_and_changes_nothing(caseworker, signed_case, change):
    current = version_of(signed_case)
    assert current > 1
    with pytest.raises(StaleEdit):
        change(Programme.objects.get(pk=signed_case.pk), caseworker)
    assert version_of(signed_case) == current
    assert not CaseNote.objects.exists()
    assert not PathwayAssessment.objects.exists()
    assert signed_case.conditions.get(number=2).status == ConditionStatus.PENDING


def test_signing_refuses_a_stale_version(caseworker, programme):
    own = assign(programme, caseworker)
    casework.add_note(own, actor=caseworker, text="x")
    with pytest.raises(StaleEdit):
        sign(own, actor=caseworker, signed_on=today(), conditions=[], expected_version=1)
    assert Programme.objects.get(pk=own.pk).status == ProgrammeStatus.AWAITING_CONTRACT


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_missing_or_broken_version_is_refused_without_error(
    client, caseworker, signed_case, version
):
    client.force_login(caseworker)
    response = client.post(f"/cases/{signed_case.pk}/notes/", {"version": version, "text": "Hello"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This form is incomplete: open the page again" in html
    assert "Hello</textarea>" in html
    assert not CaseNote.objects.exists()


def test_the_changes_are_read_from_the_history_not_the_access_log(two_people, signed_case, manager):
    mine, theirs = two_people
    url = f"/cases/{signed_case.pk}/notes/"
    my_form = opened(mine, url)
    theirs.post(url, opened(theirs, url) | {"text": "x"})
    with access_log_unread():
        html = mine.post(url, my_form | {"text": "Mine"}).content.decode()
    assert "This case changed since you opened it" in html
    changes = html[html.index('data-testid="changes"') :][:600]
    assert f"Case note added by {escape(str(manager))}" in changes
