"""The dashboard page: who may see it, its filters in the address, its "as of" and its
requests for new figures. The figures themselves are tested in test_measures."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import PersonDecision
from diversion.policy.models import CustodySuite
from diversion.reporting import refresh
from diversion.reporting.models import Refresh, RefreshStatus
from tests.factories import PersonFactory, UserFactory

PANELS = [
    "funnel",
    "volumes",
    "outcomes",
    "timeliness",
    "authorisations",
    "needs",
    "victims",
    "reoffending",
    "versions",
    "fairness",
    "quality",
]


@pytest.fixture
def figures(db):
    """Work the figures out from whatever the test has made."""

    def work_out():
        return refresh.refresh().refresh

    return work_out


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
@pytest.mark.parametrize(
    "address", ["/dashboards/", "/dashboards/methodology/", "/dashboards/refresh"]
)
def test_only_managers_see_the_dashboard(client, db, role, address):
    client.force_login(UserFactory(roles=[role]))
    method = client.post if address.endswith("refresh") else client.get
    assert method(address).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/dashboards/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_dashboard_refuses_a_post_and_the_refresh_a_get(client, manager):
    client.force_login(manager)
    assert client.post("/dashboards/").status_code == 405
    assert client.get("/dashboards/refresh").status_code == 405
    assert client.post("/dashboards/methodology/").status_code == 405


def test_before_any_figures_the_page_says_so_and_offers_to_work_them_out(client, manager):
    client.force_login(manager)
    response = client.get("/dashboards/")
    assert response.status_code == 200
    assert b"No figures have been worked out yet" in response.content
    assert b"Work out new figures" in response.content


def test_every_panel_shows_and_names_no_one(client, manager, make_referral, figures):
    # A name no page could contain by chance.
    declined = make_referral(
        person=PersonFactory(given_names="Zebedee", family_name="Quarrendon-Vaux"),
        decision=PersonDecision.DECLINED,
    )
    make_referral(decision=PersonDecision.ACCEPTED)
    figures()
    client.force_login(manager)
    response = client.get("/dashboards/")
    assert response.status_code == 200
    page = response.content.decode()
    for slug in PANELS:
        assert f'data-testid="panel-{slug}"' in page
        assert f"/dashboards/methodology/#{slug}" in page
    assert declined.person.family_name not in page
    assert "Figures as of" in page
    assert page.count("<svg") >= len(PANELS)


def test_the_page_says_what_the_figures_cover(client, manager, make_referral, figures):
    make_referral()
    figures()
    suite = CustodySuite.objects.get(code="RS")
    client.force_login(manager)
    response = client.get(
        "/dashboards/",
        {"start_0": "4", "start_1": "2024", "end_0": "3", "end_1": "2025", "suite": suite.pk},
    )
    covered = dict(response.context["dashboard"].filters.describe())
    assert covered["Referral date"] == "April 2024 to March 2025"
    assert covered["Custody suite"] == suite.name
    assert covered["Offence group"] == "All offence groups"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"start_0": "6", "start_1": "2025", "end_0": "1", "end_1": "2025"},
            "end",
            "The end month must be the same as or after the start month",
        ),
        ({"start_0": "13", "start_1": "2025"}, "start", "The start month must be a real date"),
        ({"start_0": "1", "start_1": "1066"}, "start", "The start month must be between"),
        ({"end_0": "1", "end_1": "9999"}, "end", "The end month must be between"),
        ({"start_0": "1", "start_1": "25"}, "start", "Year must include 4 numbers"),
        ({"start_1": "2025"}, "start", "The start month must include a month"),
        ({"suite": "999999"}, "suite", "Select a custody suite from the list"),
        ({"suite": "north"}, "suite", "Select a custody suite from the list"),
        ({"group": "jaywalking"}, "group", "Select an offence group from the list"),
        ({"version": "0"}, "version", "Select a policy version from the list"),
    ],
)
def test_a_bad_filter_is_named_next_to_its_field_and_the_others_still_apply(
    client, manager, make_referral, figures, query, field, message
):
    make_referral()
    figures()
    suite = CustodySuite.objects.get(code="NG")
    other = {"suite": suite.pk} if field != "suite" else {"group": "drug_possession"}
    client.force_login(manager)
    response = client.get("/dashboards/", {**query, **other})
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in response.content.decode()
    filters = response.context["dashboard"].filters
    assert filters.left_out == [str(form.fields[field].label)]
    assert b"leave out the filters in error" in response.content
    if field != "suite":
        assert filters.suite == suite
    else:
        assert filters.group == "drug_possession"
    # The figures are still there, for the filters that could be used.
    assert b'data-testid="panel-funnel"' in response.content


def test_a_manager_asks_for_new_figures_and_is_told_they_are_coming(client, manager, monkeypatch):
    started = []
    monkeypatch.setattr(refresh, "start_in_background", lambda: started.append(True))
    client.force_login(manager)
    response = client.post("/dashboards/refresh", {"query": "suite=1"}, follow=True)
    assert started == [True]
    assert response.redirect_chain[-1][0] == "/dashboards/?suite=1"
    assert b"New figures are being worked out" in response.content
    assert b'data-testid="refresh-pending"' in response.content
    assert Refresh.objects.get().requested_by == manager


def test_a_second_request_while_one_runs_starts_nothing_more(client, manager, monkeypatch):
    started = []
    monkeypatch.setattr(refresh, "start_in_background", lambda: started.append(True))
    client.force_login(manager)
    client.post("/dashboards/refresh")
    response = client.post("/dashboards/refresh", follow=True)
    assert started == [True]
    assert b"already being worked out" in response.content
    assert Refresh.objects.count() == 1


def test_the_request_is_answered_by_the_next_run(manager, monkeypatch, figures):
    monkeypatch.setattr(refresh, "start_in_background", lambda: None)
    asked, _ = refresh.request(manager)
    done = figures()
    assert done.pk == asked.pk
    asked.refresh_from_db()
    assert asked.status == RefreshStatus.DONE
    assert refresh.in_progress() is None


def test_a_refresh_stuck_for_long_is_no_longer_shown_as_running(manager, monkeypatch, time_machine):
    monkeypatch.setattr(refresh, "start_in_background", lambda: None)
    time_machine.move_to(timezone.now(), tick=False)
    refresh.request(manager)
    time_machine.shift(datetime.timedelta(minutes=16))
    assert refresh.in_progress() is None


def _queries_for_dashboard(client):
    suite = CustodySuite.objects.first().pk
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboards/", {"suite": suite})
    assert response.status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_10_or_10000_referrals(
    client, manager, figures, time_machine
):
    # The clock stands still while the referrals are made, so the session's idle clock
    # (moved on once a minute, accounts.sessions) costs neither page a write.
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(manager)
    call_command("seed_demo", referrals=10, stdout=io.StringIO())
    figures()
    few = _queries_for_dashboard(client)
    call_command("seed_demo", referrals=10_000, stdout=io.StringIO())
    figures()
    many = _queries_for_dashboard(client)
    assert few == many
    # Sign-in and roles (4), the request's savepoint (2), the filters (1), the latest
    # refresh, the figures, the versions, the months, the caseworkers, the figures by
    # version and any refresh running (7), the filter form's two lists (2), and the two
    # queues of work waiting (2).
    assert few <= 18


def test_a_refresh_that_cannot_start_says_so_and_leaves_the_figures(client, manager, monkeypatch):
    def cannot_start():
        raise OSError("Cannot allocate memory")

    monkeypatch.setattr(refresh, "start_in_background", cannot_start)
    client.force_login(manager)
    response = client.post("/dashboards/refresh", follow=True)
    assert response.status_code == 200
    assert b"New figures could not be started" in response.content
    assert Refresh.objects.get().status == RefreshStatus.FAILED
    assert refresh.in_progress() is None


def panels_of(response):
    page = response.content.decode()
    return page[page.index('<section class="app-panel"') : page.rindex("</section>")]


def test_panels_are_drawn_once_for_the_same_figures_and_afresh_for_new_ones(
    client, manager, make_referral, figures
):
    make_referral()
    # Figures dated long ago, so the next figures' "as of" reads differently.
    Refresh.objects.filter(pk=figures().pk).update(
        as_of=datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
    )
    client.force_login(manager)
    drawn = panels_of(client.get("/dashboards/"))
    assert "As of 1 June 2026, 10:00" in drawn
    assert panels_of(client.get("/dashboards/")) == drawn
    filtered = panels_of(client.get("/dashboards/", {"group": "possession"}))
    assert 'href="/dashboards/funnel/export/?group=possession"' in filtered
    assert 'href="/dashboards/funnel/export/?group=possession"' not in drawn
    figures()
    fresh = panels_of(client.get("/dashboards/"))
    assert "As of 1 June 2026" not in fresh
    assert f"As of {timezone.localtime():%-d %B %Y}" in fresh
