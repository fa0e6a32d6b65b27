"""The retention review's pages: the queue, the decision to keep a case, the check before
erasing one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import Referral
from diversion.governance.models import Outcome, RetentionDecision, RetentionReview
from diversion.lib.dates import add_months, today
from tests.factories import PersonFactory, UserFactory, date_fields
from tests.governance.conftest import years_ago

QUEUE = "/audit/retention/"
DAY = datetime.timedelta(days=1)


def case_page(referral):
    return f"/audit/retention/{referral.pk}/"


def erase_page(referral):
    return f"/audit/retention/{referral.pk}/erase/"


def retain_data(referral, *, reason="Linked to an open investigation.", day=None):
    review = RetentionReview.objects.get(pk=referral.pk)
    return {
        "was_due_on": review.review_on.isoformat(),
        "reason": reason,
        **date_fields("next_review_on", day or today() + 30 * DAY),
    }


def erase_data(referral, **more):
    review = RetentionReview.objects.get(pk=referral.pk)
    return {"was_due_on": review.review_on.isoformat(), **more}


# --- Who may see and decide ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER])
def test_only_managers_and_auditors_see_the_queue(client, db, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(QUEUE).status_code == 403


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
def test_only_managers_decide(client, due_case, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(case_page(due_case)).status_code == 403
    assert client.post(case_page(due_case), retain_data(due_case)).status_code == 403
    assert client.post(erase_page(due_case), erase_data(due_case, confirm="on")).status_code == 403
    assert Referral.objects.filter(pk=due_case.pk).exists()


def test_signed_out_people_are_sent_to_sign_in(client, due_case):
    for address in (QUEUE, case_page(due_case), erase_page(due_case)):
        response = client.get(address)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_queue_refuses_a_post_and_the_decisions_other_methods(client, manager, due_case):
    client.force_login(manager)
    assert client.post(QUEUE).status_code == 405
    assert client.put(case_page(due_case)).status_code == 405
    assert client.delete(erase_page(due_case)).status_code == 405


def test_a_case_not_closed_or_not_there_is_not_found(client, manager, make_referral):
    client.force_login(manager)
    open_referral = make_referral()
    for address in (
        case_page(open_referral),
        erase_page(open_referral),
        "/audit/retention/999999/",
        "/audit/retention/999999/erase/",
        "/audit/retention/99999999999999999999/",
    ):
        assert client.get(address).status_code == 404


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_lists_the_cases_due_oldest_first_and_names_no_one(client, auditor, cases):
    older = cases.declined(years_ago(9), person=PersonFactory(family_name="Quorntwistle"))
    newer = cases.declined(years_ago(7))
    cases.declined(years_ago(5))  # not yet due
    client.force_login(auditor)
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(older.reference) < page.index(newer.reference)
    assert "2 cases" in page
    assert "Quorntwistle" not in page
    # The auditor sees the queue, not the cases.
    assert case_page(older) not in page


def test_a_manager_opens_each_case_from_the_queue(client, manager, due_case):
    client.force_login(manager)
    page = client.get(QUEUE).content.decode()
    assert case_page(due_case) in page


def _queue_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_for_3_or_30_cases(client, manager, cases):
    client.force_login(manager)
    for _ in range(3):
        cases.declined(years_ago(7))
    few = _queue_queries(client)
    for _ in range(27):
        cases.declined(years_ago(7))
    assert few == _queue_queries(client)


# --- Keeping a case ---------------------------------------------------------------------------


def test_the_case_page_shows_the_case_and_what_keeping_it_does(client, manager, due_case):
    client.force_login(manager)
    response = client.get(case_page(due_case))
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(due_case.person.family_name) in page
    assert "Declined by the person" in page
    latest = add_months(today(), 72)
    assert f"{latest:%-d %B %Y}" in page
    assert AccessLogEntry.objects.filter(
        action=Action.CONSULTATION, record_id=due_case.pk, detail="governance:retention_case"
    ).exists()


def test_a_manager_keeps_a_case_with_a_reason_and_a_new_review_date(client, manager, due_case):
    client.force_login(manager)
    day = today() + 100 * DAY
    response = client.post(case_page(due_case), retain_data(due_case, day=day))
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    decision = RetentionDecision.objects.get()
    assert (decision.outcome, decision.decided_by, decision.next_review_on) == (
        Outcome.RETAIN,
        manager,
        day,
    )
    assert RetentionReview.objects.get(pk=due_case.pk).review_on == day
    assert AccessLogEntry.objects.filter(
        action=Action.ALTERATION, record_type="cases.referral", record_id=due_case.pk
    ).exists()
    page = client.get(QUEUE).content.decode()
    assert "is kept. Its next review is on" in page
    assert case_page(due_case) not in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "  "}, "Enter why the case is kept"),
        ({"reason": "x" * 2001}, "The reason must be 2,000 characters or fewer"),
        ({"day": today()}, "The next review must be in the future"),
        ({"day": add_months(today(), 73)}, "The next review must be within 6 years"),
    ],
)
def test_a_bad_decision_to_keep_is_explained_next_to_its_field(
    client, manager, due_case, data, message
):
    client.force_login(manager)
    response = client.post(case_page(due_case), retain_data(due_case, **data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not RetentionDecision.objects.exists()


def test_an_incomplete_or_bad_date_is_explained(client, manager, due_case):
    client.force_login(manager)
    data = retain_data(due_case)
    data["next_review_on_1"] = "13"
    response = client.post(case_page(due_case), data)
    assert response.status_code == 200
    assert "must be a real date" in response.content.decode()
    data = retain_data(due_case)
    del data["was_due_on"]
    response = client.post(case_page(due_case), data)
    assert "This form is incomplete: open the page again" in response.content.decode()


def test_a_decision_on_a_page_opened_before_anothers_says_so_and_keeps_what_was_typed(
    client, manager, due_case
):
    stale = retain_data(due_case, reason="Still needed for court.")
    client.force_login(UserFactory(roles=[Role.MANAGER]))
    assert client.post(case_page(due_case), retain_data(due_case)).status_code == 302
    client.force_login(manager)
    response = client.post(case_page(due_case), stale)
    page = response.content.decode()
    assert response.status_code == 200
    assert "was kept: its next review is on" in page
    assert "What you entered has not been saved" in page
    assert "Still needed for court." in page
    assert RetentionDecision.objects.count() == 1
    # Nor can it be erased from a page opened before.
    response = client.post(erase_page(due_case), erase_data(due_case, confirm="on") | stale)
    assert "was kept" in response.content.decode()
    assert Referral.objects.filter(pk=due_case.pk).exists()


# --- Erasing a case ---------------------------------------------------------------------------


def test_the_check_page_says_what_goes_and_what_stays(client, manager, due_case):
    client.force_login(manager)
    response = client.get(erase_page(due_case))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Erasing cannot be undone" in page
    assert escape(due_case.person) in page
    assert "the access log" in page
    assert Referral.objects.filter(pk=due_case.pk).exists()


def test_erasing_needs_the_confirmation(client, manager, due_case):
    client.force_login(manager)
    response = client.post(erase_page(due_case), erase_data(due_case))
    assert response.status_code == 200
    assert "Confirm that the case is no longer needed" in response.content.decode()
    assert Referral.objects.filter(pk=due_case.pk).exists()


def test_a_confirmed_erasure_removes_the_case_and_a_second_manager_is_told(
    client, manager, due_case
):
    data = erase_data(due_case, confirm="on")
    client.force_login(manager)
    response = client.post(erase_page(due_case), data)
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert not Referral.objects.filter(pk=due_case.pk).exists()
    assert "is erased" in client.get(QUEUE).content.decode()
    # Another manager, on the page opened before, erases it too.
    client.force_login(UserFactory(roles=[Role.MANAGER]))
    response = client.post(erase_page(due_case), data, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert f"{due_case.reference} was erased by {escape(manager)}" in response.content.decode()
    assert RetentionDecision.objects.filter(outcome=Outcome.ERASE).count() == 1


def test_a_case_not_yet_due_has_no_decision_to_make(client, manager, cases):
    referral = cases.declined(years_ago(2))
    client.force_login(manager)
    page = client.get(case_page(referral)).content.decode()
    assert "is not due for review until" in page
    assert 'data-testid="retain-form"' not in page
    response = client.post(case_page(referral), retain_data(referral))
    assert response.status_code == 200
    assert not RetentionDecision.objects.exists()
