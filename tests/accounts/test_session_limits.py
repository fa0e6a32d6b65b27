import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diversion.audit.models import SecurityEvent

START = datetime.datetime(2026, 3, 16, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def signed_in(client, manager, time_machine):
    time_machine.move_to(START, tick=False)
    client.force_login(manager)
    return client


def at(time_machine, **delta):
    time_machine.move_to(START + datetime.timedelta(**delta), tick=False)


def test_a_session_idle_for_30_minutes_is_signed_out_with_a_message(signed_in, time_machine):
    at(time_machine, minutes=29)
    assert signed_in.get("/dashboards/").status_code == 200
    at(time_machine, minutes=29 + 30)
    assert signed_in.get("/dashboards/").status_code == 200
    at(time_machine, minutes=29 + 30 + 31)
    response = signed_in.get("/dashboards/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fdashboards%2F"
    page = signed_in.get(response["Location"])
    assert b"Sign in to Checkpoint" in page.content
    assert b"You were signed out after 30 minutes without activity" in page.content
    assert "_auth_user_id" not in signed_in.session


def test_each_request_resets_the_idle_clock(signed_in, time_machine):
    for minutes in range(29, 9 * 60, 29):
        at(time_machine, minutes=minutes)
        assert signed_in.get("/dashboards/").status_code == 200


def test_a_busy_session_still_ends_10_hours_after_sign_in(signed_in, time_machine):
    for minutes in range(20, 10 * 60, 20):
        at(time_machine, minutes=minutes)
        assert signed_in.get("/dashboards/").status_code == 200
    at(time_machine, hours=10)
    response = signed_in.get("/dashboards/", follow=True)
    assert b"You were signed out 10 hours after signing in" in response.content


def test_the_limits_are_the_ones_the_service_is_set_to(signed_in, time_machine, settings):
    settings.SESSION_IDLE_SECONDS = 5 * 60
    at(time_machine, minutes=4)
    assert signed_in.get("/dashboards/").status_code == 200
    at(time_machine, minutes=4 + 6)
    assert signed_in.get("/dashboards/").status_code == 302


def test_a_session_that_runs_out_is_logged_as_signed_out_and_why(signed_in, manager, time_machine):
    at(time_machine, hours=1)
    signed_in.get("/dashboards/")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGNED_OUT)
    assert (event.user, event.detail) == (manager, "after 30 minutes without activity")


def test_a_form_posted_after_the_session_ran_out_goes_to_sign_in(signed_in, time_machine):
    at(time_machine, hours=1)
    response = signed_in.post("/accounts/password/", {})
    assert response["Location"] == "/accounts/login/"


def test_a_page_within_a_minute_of_the_last_writes_nothing_to_the_session(signed_in, time_machine):
    """So a page costs the same queries as before the limits (the idle clock moves on once
    a minute)."""
    signed_in.get("/dashboards/")
    at(time_machine, seconds=30)
    with CaptureQueriesContext(connection) as captured:
        signed_in.get("/dashboards/")
    assert not [q for q in captured if 'UPDATE "django_session"' in q["sql"]]
