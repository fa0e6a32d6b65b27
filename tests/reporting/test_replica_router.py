"""Which database each read and write goes to when there is a reporting copy: the copy for
the dashboards' and downloads' reads inside `reading_reports()`, the main database for
everything else. The copy itself is tried for real in test_replica."""

import threading

import pytest
from django.db import DEFAULT_DB_ALIAS

from diversion.accounts.models import User
from diversion.cases.models import OutcomeReason, PersonDecision, ProgrammeStatus
from diversion.cases.services import programme as programme_services
from diversion.lib.dates import today
from diversion.reporting import refresh, replica
from diversion.reporting.replica import REPLICA, ReplicaRouter, reading_reports
from tests.reporting.test_sample import choices

router = ReplicaRouter()


@pytest.fixture
def with_copy(monkeypatch):
    """A reporting copy configured (settings: REPLICA_DATABASE_URL)."""
    monkeypatch.setattr(replica, "configured", lambda: True)


@pytest.fixture
def without_copy(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: False)


def from_the_copy() -> User:
    """A record as read from the copy."""
    user = User(username="read-from-the-copy")
    user._state.db = REPLICA
    return user


def test_reads_inside_reading_reports_go_to_the_copy(with_copy):
    with reading_reports():
        assert router.db_for_read(User) == REPLICA
        assert router.db_for_read(User, instance=User()) == REPLICA


def test_every_other_read_goes_to_the_main_database_even_of_a_record_from_the_copy(with_copy):
    assert router.db_for_read(User) == DEFAULT_DB_ALIAS
    assert router.db_for_read(User, instance=from_the_copy()) == DEFAULT_DB_ALIAS


def test_without_a_copy_reports_read_the_main_database(without_copy):
    with reading_reports():
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS


def test_every_write_goes_to_the_main_database_even_of_a_record_from_the_copy(with_copy):
    with reading_reports():
        assert router.db_for_write(User) == DEFAULT_DB_ALIAS
        assert router.db_for_write(User, instance=from_the_copy()) == DEFAULT_DB_ALIAS
    assert router.db_for_write(User, instance=from_the_copy()) == DEFAULT_DB_ALIAS


def test_the_copy_is_never_migrated_and_the_main_database_is_left_to_django():
    assert router.allow_migrate(REPLICA, "reporting", model_name="tally") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "reporting", model_name="tally") is None


def test_records_from_the_copy_and_the_main_database_may_be_related():
    assert router.allow_relation(from_the_copy(), User()) is True


def test_reading_reports_ends_with_its_block_even_on_an_error(with_copy):
    with pytest.raises(ValueError), reading_reports():
        raise ValueError
    assert router.db_for_read(User) == DEFAULT_DB_ALIAS


def test_reading_reports_holds_for_its_own_thread_alone(with_copy):
    seen = []
    with reading_reports():
        other = threading.Thread(target=lambda: seen.append(router.db_for_read(User)))
        other.start()
        other.join()
    assert seen == [DEFAULT_DB_ALIAS]


class RecordingRouter(ReplicaRouter):
    """Where each read would go, recorded; every read is then made on the test database,
    which is the main database (the copy is test_replica's)."""

    routed: list[tuple[str, str]] = []

    def db_for_read(self, model, **hints):
        RecordingRouter.routed.append((model._meta.label_lower, super().db_for_read(model)))
        return DEFAULT_DB_ALIAS


@pytest.fixture
def routed(settings, with_copy, monkeypatch):
    """The reads of the request the test makes, each with where it would go."""
    settings.DATABASE_ROUTERS = [f"{__name__}.RecordingRouter"]
    # The copy's lag is read on the copy itself, not through the router.
    monkeypatch.setattr(replica, "lag", lambda: replica.Lag(0.0))
    RecordingRouter.routed = []
    return RecordingRouter.routed


def copy_only(routed, label: str) -> bool:
    """Whether `label`'s records were read, from the copy alone."""
    return (label, REPLICA) in routed and (label, DEFAULT_DB_ALIAS) not in routed


@pytest.fixture
def figures(client, manager, make_referral):
    make_referral()
    refresh.refresh()
    client.force_login(manager)
    return client


def test_the_dashboard_reads_its_figures_from_the_copy_and_the_rest_from_the_main_database(
    figures, routed
):
    assert figures.get("/dashboards/").status_code == 200
    assert copy_only(routed, "reporting.tally")
    # The latest figures from the copy; whether new ones are being worked out from the
    # main database, with the session, the signed-in user and the work waiting.
    assert ("reporting.refresh", REPLICA) in routed
    assert ("reporting.refresh", DEFAULT_DB_ALIAS) in routed
    assert ("sessions.session", REPLICA) not in routed
    assert ("cases.referral", REPLICA) not in routed
    assert ("accounts.user", DEFAULT_DB_ALIAS) in routed


def test_a_panels_download_reads_its_figures_from_the_copy(figures, routed):
    response = figures.post("/dashboards/funnel/export/", {"recipient": "Scrutiny panel"})
    assert response.status_code == 200
    assert copy_only(routed, "reporting.tally")
    assert ("sessions.session", REPLICA) not in routed


def test_a_scrutiny_samples_download_reads_the_closed_cases_from_the_copy(
    client, manager, caseworker, make_referral, routed
):
    closed = make_referral(decision=PersonDecision.ACCEPTED).programme
    programme_services.end(
        closed,
        ProgrammeStatus.WITHDRAWN,
        actor=caseworker,
        outcome_on=today(),
        reason=OutcomeReason.MOVED_AWAY,
        detail="Moved away",
    )
    client.force_login(manager)
    this_month = (today().month, today().year)
    routed.clear()
    response = client.post(
        "/dashboards/sample/", {**choices(first=this_month, last=this_month), "download": "1"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert copy_only(routed, "cases.programme")
    assert copy_only(routed, "cases.referral")
    assert ("sessions.session", REPLICA) not in routed
