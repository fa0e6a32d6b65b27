"""Working the figures out again: one run at a time, readers never wait, the figures
replaced whole."""

import io

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from diversion.reporting import refresh
from diversion.reporting.models import Refresh, RefreshStatus, Tally
from tests.conftest import restore_reference_data


def _other_connection():
    """A second session on the test database, as another web worker would have."""
    params = connection.get_connection_params()
    return psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})


def test_the_command_works_the_figures_out_and_says_how_many(make_referral):
    make_referral()
    out = io.StringIO()
    call_command("refresh_dashboards", stdout=out)
    assert "figures in" in out.getvalue()
    run = Refresh.objects.get()
    assert run.status == RefreshStatus.DONE
    assert run.as_of is not None and run.rows == Tally.objects.filter(refresh=run).count() > 0


def test_a_run_started_while_another_holds_the_lock_does_nothing(make_referral):
    make_referral()
    other = _other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [refresh.ADVISORY_LOCK_KEY])
        outcome = refresh.refresh()
        assert outcome.ran is False
        assert outcome.message == "A refresh is already running."
        assert not Refresh.objects.exists()
        # Released here, not by closing: the server ends a closed session, and frees its
        # locks, only after the close returns.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [refresh.ADVISORY_LOCK_KEY])
    finally:
        other.close()
    assert refresh.refresh().ran is True


def test_each_run_keeps_the_figures_in_use_and_drops_older_ones(make_referral):
    make_referral()
    first = refresh.refresh().refresh
    second = refresh.refresh().refresh
    third = refresh.refresh().refresh
    kept = set(Tally.objects.values_list("refresh", flat=True).distinct())
    assert kept == {second.pk, third.pk}
    assert first.pk not in kept


def test_a_failed_run_is_marked_failed_and_leaves_the_figures_as_they_were(
    make_referral, monkeypatch
):
    make_referral()
    good = refresh.refresh().refresh

    def broken(today):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(refresh, "_families", broken)
    with pytest.raises(RuntimeError):
        refresh.refresh()
    assert Refresh.objects.filter(status=RefreshStatus.FAILED).count() == 1
    assert Tally.objects.filter(refresh=good).exists()
    from diversion.reporting.queries import latest_refresh

    assert latest_refresh() == good


@pytest.fixture
def reference_data(transactional_db):
    """An earlier transactional test's flush may have emptied every table, including what
    the data migrations made: put it back before the referral's users are made (as the
    browser tests do)."""
    restore_reference_data()


@pytest.mark.django_db(transaction=True)
def test_readers_keep_the_previous_figures_while_a_run_works_and_never_wait(
    reference_data, make_referral, monkeypatch
):
    """The run writes in one transaction; another session reads meanwhile, refusing to
    wait for any lock, and sees the previous figures whole."""
    try:
        make_referral()
        previous = refresh.refresh().refresh
        before = Tally.objects.filter(refresh=previous).count()
        seen = []
        families = refresh._families

        def read_meanwhile(today):
            other = _other_connection()
            try:
                with other.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '100ms'")
                    cursor.execute(
                        "SELECT count(*) FROM reporting_tally WHERE refresh_id = %s",
                        [previous.pk],
                    )
                    seen.append(cursor.fetchone()[0])
                    cursor.execute("SELECT count(*) FROM reporting_refresh WHERE status = 'done'")
                    seen.append(cursor.fetchone()[0])
            finally:
                other.close()
            return families(today)

        monkeypatch.setattr(refresh, "_families", read_meanwhile)
        assert refresh.refresh().ran
        assert seen == [before, 1]
    finally:
        restore_reference_data()
