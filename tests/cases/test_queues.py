"""The queues of work waiting for someone: referrals awaiting authorisation and cases awaiting
a caseworker. Each shows its size and its oldest wait, on the manager's home and on the
queue itself, and each can be sorted by wait, longest first by default."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diversion.accounts.roles import Role
from diversion.cases.models import PersonDecision, ProgrammeStatus
from diversion.cases.queues import AUTHORISATIONS, UNASSIGNED
from diversion.cases.services import allocation
from diversion.cases.services import programme as programme_services
from diversion.cases.services import referral as referral_services
from diversion.policy.models import OffenceType
from tests.factories import UserFactory
from tests.html import text_of

# 12:12 in London on a winter's day (London is on UTC).
NOW = datetime.datetime(2026, 1, 20, 12, 12, tzinfo=datetime.UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def ago(**kwargs):
    return NOW - datetime.timedelta(**kwargs)


@pytest.fixture
def supply(db):
    return OffenceType.objects.get(code="supply-own-use")


@pytest.fixture
def awaiting(make_referral, supply):
    """A referral awaiting authorisation, submitted at `submitted`."""

    def make(submitted, **details):
        with at(submitted):
            return make_referral(offence_type=supply, **details)

    return make


@pytest.fixture
def unassigned_case(make_referral):
    """A case opened, with no caseworker, when the acceptance was recorded at `recorded`."""

    def make(recorded, **details):
        with at(recorded):
            return make_referral(decision=PersonDecision.ACCEPTED, **details).programme

    return make


def get(client, user, address):
    client.force_login(user)
    with at(NOW):
        return client.get(address)


def text(response):
    """The page's main content as a person reads it."""
    return text_of(response, id="main-content")


def summary_text(response, testid="queue-summary"):
    return text_of(response, data_testid=testid)


# --- When an item joined its queue ----------------------------------------------------------


def test_a_referral_waits_from_its_submission_not_from_the_arrest(manager, awaiting):
    referral = awaiting(ago(hours=3, minutes=12), arrested_at=ago(days=2))
    with at(NOW):
        summary = AUTHORISATIONS.summary(manager)
        assert (summary.count, summary.oldest) == (1, referral.created_at)
        assert summary.oldest_wait() == "3 hours 12 minutes"


def test_a_case_waits_from_when_the_acceptance_was_recorded(
    manager, make_referral, custody_officer
):
    with at(ago(days=3)):
        referral = make_referral()
    with at(ago(hours=5)):
        referral_services.record_person_decision(
            referral, actor=custody_officer, decision=PersonDecision.ACCEPTED
        )
    with at(NOW):
        assert UNASSIGNED.summary(manager).oldest_wait() == "5 hours"


def test_a_case_reopened_after_closing_in_error_has_waited_since_it_was_opened(
    manager, unassigned_case
):
    case = unassigned_case(ago(days=2, hours=1))
    with at(ago(days=1)):
        programme_services.end(
            case,
            ProgrammeStatus.WITHDRAWN,
            actor=manager,
            outcome_on=ago(days=1).date(),
            reason="moved_away",
        )
    with at(NOW):
        assert UNASSIGNED.summary(manager).count == 0
    with at(ago(hours=1)):
        programme_services.reopen(case, actor=manager, reason="Withdrawn in error")
    with at(NOW):
        assert UNASSIGNED.summary(manager).oldest_wait() == "2 days 1 hour"


def test_only_what_still_waits_is_counted(manager, caseworker, awaiting, unassigned_case):
    decided = awaiting(ago(days=4))
    referral_services.authorise(decided, actor=manager, reason="Own use only")
    awaiting(ago(minutes=30))
    unassigned_case(ago(days=9))
    allocation.take(unassigned_case(ago(days=10)), actor=caseworker)
    with at(NOW):
        authorisations, cases = AUTHORISATIONS.summary(manager), UNASSIGNED.summary(manager)
        assert (authorisations.count, authorisations.oldest_wait()) == (1, "30 minutes")
        assert (cases.count, cases.oldest_wait()) == (1, "9 days")


def test_a_summary_counts_no_further_than_its_cap(manager, awaiting):
    for hours in (1, 2, 3):
        awaiting(ago(hours=hours))
    with at(NOW):
        summary = AUTHORISATIONS.summary(manager, cap=2)
        assert summary.count_text() == "More than 2 referrals"
        # Still the oldest of them all.
        assert summary.oldest_wait() == "3 hours"


# --- The authorisation queue ----------------------------------------------------------------


def test_the_authorisation_queue_shows_its_size_and_oldest_wait(client, manager, awaiting):
    awaiting(ago(hours=3, minutes=12))
    awaiting(ago(minutes=5))
    response = get(client, manager, "/referrals/authorisations/")
    assert summary_text(response) == (
        "2 referrals waiting. The oldest has waited 3 hours 12 minutes, since 20 January "
        "2026, 09:00. Each referral waits from when the custody officer submitted it."
    )


def test_each_referral_in_the_queue_shows_how_long_it_has_waited(client, manager, awaiting):
    awaiting(ago(hours=3, minutes=12))
    page = text(get(client, manager, "/referrals/authorisations/"))
    assert "3 hours 12 minutes since 20 Jan 2026, 09:00" in page


def test_an_empty_queue_says_nothing_is_waiting(client, manager):
    response = get(client, manager, "/referrals/authorisations/")
    assert summary_text(response) == "Nothing is waiting."


def headings(response):
    """Each sortable heading: its label, aria-sort and link."""
    found = re.findall(
        r'aria-sort="(\w+)"><a [^>]*href="([^"]*)">([A-Za-z ]+)', response.content.decode()
    )
    return {label.strip(): (aria, href.replace("&amp;", "&")) for aria, href, label in found}


def test_the_authorisation_queue_runs_longest_waiting_first_and_sorts_by_wait_both_ways(
    client, manager, awaiting
):
    newest, oldest, middle = (awaiting(ago(hours=h)) for h in (1, 9, 4))
    response = get(client, manager, "/referrals/authorisations/")
    assert response.context["listing"].rows == [oldest, middle, newest]
    assert headings(response) == {"Waiting": ("descending", "?sort=waiting")}
    response = get(client, manager, "/referrals/authorisations/?sort=waiting")
    assert response.context["listing"].rows == [newest, middle, oldest]
    assert headings(response) == {"Waiting": ("ascending", "?sort=-waiting")}


def test_paging_through_the_queue_keeps_the_order_of_waiting(client, manager, awaiting):
    made = [awaiting(ago(minutes=n)) for n in range(30, 0, -1)]
    first = get(client, manager, "/referrals/authorisations/").context["listing"]
    second = get(client, manager, f"/referrals/authorisations/{first.pages()['next']}")
    assert first.rows + second.context["listing"].rows == made


# --- The unassigned queue -------------------------------------------------------------------


UNASSIGNED_TAB = "/cases/?tab=unassigned"


def test_the_unassigned_queue_shows_its_size_and_oldest_wait(
    client, manager, caseworker, unassigned_case
):
    unassigned_case(ago(days=2, hours=4, minutes=20))
    unassigned_case(ago(minutes=10))
    for user in (manager, caseworker):
        assert summary_text(get(client, user, UNASSIGNED_TAB)) == (
            "2 cases waiting. The oldest has waited 2 days 4 hours, since 18 January 2026, "
            "07:52. Each case waits from when the person's acceptance was recorded."
        )


def test_the_summary_is_of_the_whole_queue_whatever_the_search(
    client, manager, unassigned_case, person
):
    unassigned_case(ago(hours=6))
    unassigned_case(ago(hours=2), person=person)
    response = get(client, manager, f"{UNASSIGNED_TAB}&q={person.family_name}")
    assert len(response.context["listing"].rows) == 1
    assert summary_text(response).startswith("2 cases waiting. The oldest has waited 6 hours")


def test_the_unassigned_queue_says_how_long_each_case_has_waited_not_its_caseworker(
    client, manager, unassigned_case
):
    unassigned_case(ago(hours=3, minutes=12))
    response = get(client, manager, UNASSIGNED_TAB)
    assert "3 hours 12 minutes since 20 Jan 2026, 09:00" in text(response)
    assert "Waiting" in headings(response)
    assert "Caseworker" not in headings(response)


def test_the_unassigned_queue_runs_longest_waiting_first_and_sorts_by_wait_both_ways(
    client, manager, unassigned_case
):
    newest, oldest, middle = (unassigned_case(ago(hours=h)) for h in (1, 9, 4))
    response = get(client, manager, UNASSIGNED_TAB)
    assert response.context["listing"].rows == [oldest, middle, newest]
    assert headings(response)["Waiting"] == ("descending", "?tab=unassigned&sort=waiting")
    response = get(client, manager, f"{UNASSIGNED_TAB}&sort=waiting")
    assert response.context["listing"].rows == [newest, middle, oldest]


def test_other_lists_of_cases_show_no_queue_summary(client, manager, unassigned_case):
    unassigned_case(ago(hours=1))
    for tab in ("open", "overdue", "closed"):
        response = get(client, manager, f"/cases/?tab={tab}")
        assert b'data-testid="queue-summary"' not in response.content, tab
    # Nor can they be sorted by wait.
    response = get(client, manager, "/cases/?tab=open&sort=-waiting")
    assert response.context["listing"].ignored == ["sort order"]


# --- The manager's home ---------------------------------------------------------------------


def test_the_managers_home_shows_both_queues_with_their_wait_and_a_link_to_each(
    client, manager, awaiting, unassigned_case
):
    awaiting(ago(hours=3, minutes=12))
    unassigned_case(ago(days=1, minutes=5))
    unassigned_case(ago(hours=2))
    response = get(client, manager, "/dashboards/")
    assert summary_text(response, "waiting-authorisations") == (
        "Referrals awaiting authorisation 1 referral waiting. The oldest has waited 3 hours 12 "
        "minutes, since 20 January 2026, 09:00. Each referral waits from when the custody "
        "officer submitted it. View the authorisation queue"
    )
    assert summary_text(response, "waiting-unassigned").startswith(
        "Cases awaiting a caseworker 2 cases waiting. The oldest has waited 1 day,"
    )
    html = response.content.decode()
    assert 'href="/referrals/authorisations/"' in html
    assert 'href="/cases/?tab=unassigned"' in html


def test_the_managers_home_says_when_nothing_waits_even_before_any_figures(client, manager):
    response = get(client, manager, "/dashboards/")
    assert "No figures have been worked out yet" in text(response)
    assert summary_text(response, "waiting-authorisations") == (
        "Referrals awaiting authorisation Nothing is waiting. View the authorisation queue"
    )
    assert summary_text(response, "waiting-unassigned") == (
        "Cases awaiting a caseworker Nothing is waiting. View the unassigned queue"
    )


def queries_for(client, address):
    with CaptureQueriesContext(connection) as captured, at(NOW):
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_managers_home_costs_the_same_queries_for_3_or_30_waiting(
    client, manager, awaiting, unassigned_case
):
    client.force_login(manager)

    def add(count):
        for n in range(count):
            awaiting(ago(minutes=n + 1))
            unassigned_case(ago(minutes=n + 1))

    add(3)
    few = queries_for(client, "/dashboards/")
    add(27)
    assert queries_for(client, "/dashboards/") == few


@pytest.mark.parametrize("address", ["/referrals/authorisations/", UNASSIGNED_TAB])
def test_a_queue_page_costs_the_same_queries_for_3_or_30_waiting(
    client, manager, awaiting, unassigned_case, address
):
    client.force_login(manager)
    for n in range(3):
        awaiting(ago(minutes=n + 1))
        unassigned_case(ago(minutes=n + 1))
    few = queries_for(client, address)
    for n in range(27):
        awaiting(ago(hours=n + 1))
        unassigned_case(ago(hours=n + 1))
    assert queries_for(client, address) == few


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_people_outside_the_queues_see_neither(client, db, role):
    user = UserFactory(roles=[role])
    assert get(client, user, "/referrals/authorisations/").status_code == 403
    assert get(client, user, UNASSIGNED_TAB).status_code == 403
    assert get(client, user, "/dashboards/").status_code == 403
