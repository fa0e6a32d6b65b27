"""Milestones: marked done on the day they were done, or missed with why; overdue while
still due after their date."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import CaseNote, Milestone, MilestoneStatus, ProgrammeStatus
from diversion.cases.overdue import overdue_milestones
from diversion.cases.services import casework
from diversion.cases.services.casework import CaseworkError
from diversion.cases.services.programme import end
from diversion.lib.dates import today
from tests.factories import UserFactory, date_fields
from tests.history import status_moves
from tests.html import Page

from .casework_helpers import assign, days_ago, form, make_signed_case


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


@pytest.fixture
def first_review(signed_case):
    return signed_case.milestones.get(code="review_1")


def url(programme, milestone):
    return f"/cases/{programme.pk}/milestones/{milestone.pk}/"


def post(client, user, programme, milestone, **fields):
    client.force_login(user)
    data = {"status": "done", "reason": ""} | date_fields("completed_on", today()) | fields
    return client.post(url(programme, milestone), form(programme, **data))


def test_the_form_asks_done_or_missed(client, caseworker, signed_case, first_review):
    client.force_login(caseworker)
    html = client.get(url(signed_case, first_review)).content.decode()
    assert "Month 1 review" in html
    assert 'value="done"' in html and 'value="missed"' in html
    assert 'name="completed_on_0"' in html and 'name="reason"' in html
    assert f'name="version" value="{signed_case.version}"' in html


def test_marking_a_milestone_done(client, caseworker, signed_case, first_review):
    response = post(
        client,
        caseworker,
        signed_case,
        first_review,
        **date_fields("completed_on", days_ago(3)),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{signed_case.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Month 1 review recorded as done"
    ]
    first_review.refresh_from_db()
    assert (first_review.status, first_review.completed_on) == (MilestoneStatus.DONE, days_ago(3))
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.ALTERATION,
        record_id=signed_case.pk,
        detail="milestone review_1 marked done",
    ).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Month 1 review done" in html


def test_the_done_date_cannot_be_in_the_future(client, caseworker, signed_case, first_review):
    tomorrow = today() + datetime.timedelta(days=1)
    response = post(
        client, caseworker, signed_case, first_review, **date_fields("completed_on", tomorrow)
    )
    html = response.content.decode()
    assert "The date it was done cannot be in the future" in html
    assert 'href="#id_completed_on_0"' in html
    first_review.refresh_from_db()
    assert first_review.status == MilestoneStatus.DUE


def test_the_done_date_cannot_be_before_signing(client, caseworker, signed_case, first_review):
    before = signed_case.signed_on - datetime.timedelta(days=1)
    response = post(
        client, caseworker, signed_case, first_review, **date_fields("completed_on", before)
    )
    assert "cannot be before the contract was signed" in response.content.decode()
    first_review.refresh_from_db()
    assert first_review.status == MilestoneStatus.DUE


def test_the_form_asks_for_the_date_rather_than_assuming_today(
    client, caseworker, signed_case, first_review
):
    client.force_login(caseworker)
    page = Page(client.get(url(signed_case, first_review)).content.decode())
    for part in range(3):
        [box] = page.select(name=f"completed_on_{part}")
        assert box.attrs.get("value", "") == ""


def test_done_needs_a_date_and_saves_nothing_without_one(
    client, caseworker, signed_case, first_review
):
    version = signed_case.version
    response = post(
        client,
        caseworker,
        signed_case,
        first_review,
        completed_on_0="",
        completed_on_1="",
        completed_on_2="",
    )
    assert response.status_code == 200
    page = Page(response.content.decode())
    [link] = page.select(href="#id_completed_on_0")
    assert link.text == "Enter the date it was done"
    assert page.select(id="id_completed_on_0")
    assert "Enter the date it was done" in page.text_of(id="id_completed_on_1_error")
    first_review.refresh_from_db()
    signed_case.refresh_from_db()
    assert (first_review.status, first_review.completed_on) == (MilestoneStatus.DUE, None)
    assert signed_case.version == version


def test_the_service_refuses_done_without_a_date(caseworker, signed_case, first_review):
    with pytest.raises(CaseworkError, match="Enter the date it was done"):
        casework.record_milestone(
            signed_case, first_review, actor=caseworker, status=MilestoneStatus.DONE
        )


def test_missing_a_milestone_keeps_why_on_the_milestone_and_its_history(
    client, caseworker, signed_case, first_review
):
    response = post(
        client,
        caseworker,
        signed_case,
        first_review,
        status="missed",
        reason="In hospital that week",
    )
    assert response.status_code == 302
    first_review.refresh_from_db()
    assert (first_review.status, first_review.completed_on) == (MilestoneStatus.MISSED, None)
    assert first_review.missed_reason == "In hospital that week"
    assert not CaseNote.objects.exists()
    [move] = status_moves(first_review)[1:]
    assert (move.from_status, move.to_status, move.actor) == (
        MilestoneStatus.DUE,
        MilestoneStatus.MISSED,
        caseworker,
    )
    timeline = client.get(f"/cases/{signed_case.pk}/").content.decode()
    assert "Month 1 review missed" in timeline
    assert "In hospital that week" in timeline


def test_missed_needs_a_reason(client, caseworker, signed_case, first_review):
    response = post(client, caseworker, signed_case, first_review, status="missed", reason=" ")
    assert "Enter why it was missed" in response.content.decode()
    assert not CaseNote.objects.exists()
    with pytest.raises(CaseworkError, match="why it was missed"):
        casework.record_milestone(
            signed_case, first_review, actor=caseworker, status="missed", reason=""
        )


@pytest.mark.parametrize("status", ["", "due", "skipped"])
def test_an_unknown_outcome_is_refused(client, caseworker, signed_case, first_review, status):
    response = post(client, caseworker, signed_case, first_review, status=status)
    assert response.status_code == 200
    assert "Select whether it was done or missed" in response.content.decode()


def test_an_unknown_milestone_is_not_found(client, caseworker, signed_case, make_referral):
    client.force_login(caseworker)
    assert client.get(f"/cases/{signed_case.pk}/milestones/999999/").status_code == 404
    # Nor is another case's milestone reached through this one.
    other = make_signed_case(make_referral, caseworker)
    theirs = other.milestones.first()
    assert client.get(url(signed_case, theirs)).status_code == 404
    assert post(client, caseworker, signed_case, theirs).status_code == 404


def test_another_caseworker_cannot_record_it(client, signed_case, first_review):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert post(client, other, signed_case, first_review).status_code == 404


def test_a_manager_can_record_it(client, manager, signed_case, first_review):
    assert post(client, manager, signed_case, first_review).status_code == 302


def test_the_milestone_page_answers_only_get_and_post(
    client, caseworker, signed_case, first_review
):
    client.force_login(caseworker)
    assert client.patch(url(signed_case, first_review)).status_code == 405


def test_milestones_of_a_closed_case_cannot_be_recorded(client, manager, signed_case, first_review):
    end(signed_case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died")
    client.force_login(manager)
    html = client.get(url(signed_case, first_review)).content.decode()
    assert 'data-testid="milestone-form"' not in html
    with pytest.raises(CaseworkError, match="withdrawn"):
        casework.record_milestone(
            signed_case, first_review, actor=manager, status="done", completed_on=today()
        )


def test_an_unassigned_case_has_no_record_links(client, caseworker, signed_case):
    assign(signed_case, None)
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/").content.decode()
    assert "/milestones/" not in html


# --- Overdue -------------------------------------------------------------------------------


def test_overdue_means_still_due_after_the_due_date(caseworker, signed_case):
    # Signed 20 days ago: needs assessment due day 7, first intervention day 14.
    assert {m.code for m in overdue_milestones().filter(programme=signed_case)} == {
        "needs_assessment",
        "first_intervention",
    }
    casework.record_milestone(
        signed_case,
        signed_case.milestones.get(code="needs_assessment"),
        actor=caseworker,
        status="done",
        completed_on=days_ago(10),
    )
    casework.record_milestone(
        signed_case,
        signed_case.milestones.get(code="first_intervention"),
        actor=caseworker,
        status="missed",
        reason="Provider cancelled",
    )
    assert not overdue_milestones().filter(programme=signed_case).exists()


def test_a_milestone_due_today_is_not_yet_overdue(make_referral, caseworker):
    programme = make_signed_case(make_referral, caseworker, days=7)
    assert programme.milestones.get(code="needs_assessment").due_on == today()
    assert not overdue_milestones().filter(programme=programme).exists()


def test_a_milestone_of_no_known_kind_is_refused_by_the_database(signed_case):
    with pytest.raises(IntegrityError, match="milestone_code_valid"), transaction.atomic():
        Milestone.objects.create(
            programme=signed_case, code="home_visit", label="Home visit", due_on=today()
        )
