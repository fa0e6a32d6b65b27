"""The manager's authorisation queue and the page to authorise or refuse an offer."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import OfficerDecision, Referral, ReferralStatus
from diversion.cases.services import referral as services
from diversion.lib.workflow import IllegalTransition
from diversion.policy.models import OffenceType
from tests.factories import UserFactory
from tests.history import status_moves


@pytest.fixture
def supply(db):
    return OffenceType.objects.get(code="supply-own-use")


@pytest.fixture
def supply_referral(make_referral, supply):
    return make_referral(offence_type=supply)


def queue(client, user, query=""):
    client.force_login(user)
    return client.get(f"/referrals/authorisations/{query}")


# --- The queue ---------------------------------------------------------------------------


def test_the_queue_lists_referrals_awaiting_authorisation_oldest_first(
    client, manager, make_referral, supply
):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)):
        older = make_referral(offence_type=supply)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)):
        newer = make_referral(officer_decision=OfficerDecision.EXCEPTION, gravity_score=4)
    make_referral()  # offered straight away: nothing for a manager to do
    response = queue(client, manager)
    assert response.status_code == 200
    assert list(response.context["listing"].rows) == [older, newer]


def test_the_queue_says_why_each_referral_needs_authorisation(
    client, manager, make_referral, supply_referral
):
    exception = make_referral(officer_decision=OfficerDecision.EXCEPTION, gravity_score=4)
    html = queue(client, manager).content.decode()
    assert "Drug supply linked to own use needs authorisation under the roll-out rules" in html
    assert "The officer's exception for a person who is not eligible" in html
    assert escape(supply_referral.created_by) in html
    assert exception.reference in html
    # Eligible: yes for the supply offence, no for the exception.
    assert html.count(">Yes</td>") == 1
    assert html.count(">No</td>") == 1


def test_each_row_links_to_its_authorisation_page(client, manager, supply_referral):
    html = queue(client, manager).content.decode()
    assert f'href="/referrals/{supply_referral.pk}/authorisation/"' in html


def test_an_empty_queue_says_so(client, manager):
    assert b"No referrals are waiting for authorisation" in queue(client, manager).content


def test_viewing_the_queue_is_logged_for_each_referral_shown(client, manager, supply_referral):
    queue(client, manager)
    assert AccessLogEntry.objects.filter(
        actor=manager, action=Action.CONSULTATION, record_id=supply_referral.pk
    ).exists()


def test_the_queue_is_paginated(client, manager, make_referral, supply):
    for _ in range(27):
        make_referral(offence_type=supply)
    assert len(queue(client, manager).context["listing"].rows) == 25
    last = queue(client, manager).context["listing"].rows[-1]
    assert len(queue(client, manager, f"?after={last.pk}").context["listing"].rows) == 2


def queries_for_queue(client, manager, django_assert_max_num_queries):
    client.force_login(manager)
    # Session, user and roles; the count and the page of rows; the queue's summary; the
    # access log; and the savepoint pair of the request's transaction.
    with django_assert_max_num_queries(9) as captured:
        client.get("/referrals/authorisations/")
    return len(captured)


def test_the_queue_costs_the_same_queries_for_3_or_30_rows(
    client, manager, make_referral, supply, django_assert_max_num_queries
):
    for _ in range(3):
        make_referral(offence_type=supply)
    few = queries_for_queue(client, manager, django_assert_max_num_queries)
    for _ in range(27):
        make_referral(officer_decision=OfficerDecision.EXCEPTION, gravity_score=4)
    many = queries_for_queue(client, manager, django_assert_max_num_queries)
    assert few == many


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
def test_only_managers_see_the_queue(client, db, role):
    assert queue(client, UserFactory(roles=[role])).status_code == 403


def test_the_queue_only_answers_get(client, manager):
    client.force_login(manager)
    assert client.post("/referrals/authorisations/").status_code == 405


# --- Authorising or refusing -------------------------------------------------------------


def post(client, user, referral, **data):
    client.force_login(user)
    return client.post(f"/referrals/{referral.pk}/authorisation/", data)


def test_the_page_shows_the_referral_and_its_eligibility(client, manager, supply_referral):
    client.force_login(manager)
    response = client.get(f"/referrals/{supply_referral.pk}/authorisation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert supply_referral.reference in html
    assert escape(supply_referral.person) in html
    assert "Possession with intent to supply" in html
    assert "Eligible</strong>" in html
    assert "Roll-out rules, in force from 1 April 2023" in html
    assert 'name="decision"' in html
    assert 'name="reason"' in html
    assert AccessLogEntry.objects.filter(
        actor=manager, action=Action.CONSULTATION, record_id=supply_referral.pk
    ).exists()


def test_a_manager_authorises_an_offer(client, manager, supply_referral):
    response = post(client, manager, supply_referral, decision="authorise", reason="Own use only")
    assert response.status_code == 302
    assert response["Location"] == "/referrals/authorisations/"
    supply_referral.refresh_from_db()
    assert supply_referral.status == ReferralStatus.OFFERED
    assert supply_referral.authorised_by == manager
    assert supply_referral.authorisation_reason == "Own use only"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{supply_referral.reference} is authorised: {supply_referral.created_by} "
        "can now record the person's answer"
    ]
    assert AccessLogEntry.objects.filter(
        actor=manager, action=Action.ALTERATION, record_id=supply_referral.pk, detail="authorised"
    ).exists()


def test_a_manager_refuses_an_offer(client, manager, supply_referral):
    response = post(
        client, manager, supply_referral, decision="refuse", reason="  Dealing at scale  "
    )
    assert response.status_code == 302
    supply_referral.refresh_from_db()
    assert supply_referral.status == ReferralStatus.AUTHORISATION_REFUSED
    assert supply_referral.authorisation_reason == "Dealing at scale"
    assert supply_referral.authorised_by is None
    event = status_moves(supply_referral)[-1]
    assert (event.actor, event.reason) == (manager, "Dealing at scale")


def test_the_queue_no_longer_lists_a_decided_referral(client, manager, supply_referral):
    response = post(client, manager, supply_referral, decision="authorise", reason="Fine")
    listed = client.get(response["Location"]).context["listing"].rows
    assert supply_referral not in listed


@pytest.mark.parametrize(
    "data,error",
    [
        ({"decision": "authorise", "reason": ""}, "Enter the reason for your decision"),
        ({"decision": "refuse", "reason": "   "}, "Enter the reason for your decision"),
        ({"reason": "Fine"}, "Select whether you authorise or refuse the offer"),
        ({"decision": "maybe", "reason": "Fine"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, manager, supply_referral, data, error):
    response = post(client, manager, supply_referral, **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Referral.objects.get(pk=supply_referral.pk).status == (
        ReferralStatus.AWAITING_AUTHORISATION
    )
    assert not AccessLogEntry.objects.filter(action=Action.ALTERATION, actor=manager).exists()


def test_the_error_summary_links_to_the_first_radio(client, manager, supply_referral):
    html = post(client, manager, supply_referral, reason="Fine").content.decode()
    assert 'href="#id_decision_1"' in html
    assert 'id="id_decision_1"' in html


def test_a_stale_form_says_who_decided_and_keeps_what_was_typed(client, manager, supply_referral):
    colleague = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    services.refuse(supply_referral, actor=colleague, reason="Previous supply conviction")
    response = post(
        client, manager, supply_referral, decision="authorise", reason="My careful reasoning"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This referral was already decided by Ada Price – it is now authorisation refused." in (
        html
    )
    assert "My careful reasoning" in html
    assert "What you entered has not been saved" in html
    assert 'name="reason"' not in html
    supply_referral.refresh_from_db()
    assert supply_referral.status == ReferralStatus.AUTHORISATION_REFUSED
    assert supply_referral.authorisation_reason == "Previous supply conviction"


def test_a_decision_made_at_the_same_moment_is_caught_as_stale(client, manager, supply_referral):
    colleague = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    real_authorise = services.authorise

    def colleague_first(referral, **kwargs):
        # The colleague's answer lands between this page's read and its write.
        real_authorise(Referral.objects.get(pk=referral.pk), actor=colleague, reason="Agreed")
        raise IllegalTransition(
            Referral.objects.get(pk=referral.pk), ReferralStatus.AUTHORISATION_REFUSED
        )

    with mock.patch.object(services, "refuse", side_effect=colleague_first):
        response = post(client, manager, supply_referral, decision="refuse", reason="No")
    html = response.content.decode()
    assert "already decided by Ada Price – it is now offered." in html
    assert not [m for m in status_moves(supply_referral) if m.actor == manager]


def test_a_referral_that_never_needed_authorisation_says_so(client, manager, make_referral):
    referral = make_referral()
    client.force_login(manager)
    html = client.get(f"/referrals/{referral.pk}/authorisation/").content.decode()
    assert "This referral does not need a manager&#x27;s authorisation – it is offered." in html
    assert 'name="reason"' not in html


def test_posting_to_a_referral_that_never_needed_authorisation_changes_nothing(
    client, manager, make_referral
):
    referral = make_referral()
    response = post(client, manager, referral, decision="refuse", reason="No")
    assert response.status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.OFFERED


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
def test_only_managers_may_authorise(client, supply_referral, role):
    user = UserFactory(roles=[role])
    assert post(client, user, supply_referral, decision="authorise", reason="x").status_code == (
        403
    )
    client.force_login(user)
    assert client.get(f"/referrals/{supply_referral.pk}/authorisation/").status_code == 403
    assert Referral.objects.get(pk=supply_referral.pk).status == (
        ReferralStatus.AWAITING_AUTHORISATION
    )


def test_an_unknown_referral_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get("/referrals/999999/authorisation/").status_code == 404
    assert client.post("/referrals/999999/authorisation/", {}).status_code == 404


def test_the_authorisation_page_answers_only_get_and_post(client, manager, supply_referral):
    client.force_login(manager)
    assert client.put(f"/referrals/{supply_referral.pk}/authorisation/").status_code == 405
