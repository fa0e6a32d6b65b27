"""With a reporting copy configured (REPLICA_DATABASE_URL), the dashboards and their
downloads read it, and say how far behind the main database it is; everything else reads
and writes the main database; and the copy's connection refuses every write.

Tried for real: a throwaway main database (a PostgreSQL cluster on a port of its own) with
demo data and figures, a streaming replica of it made by `pg_basebackup`, and the service
run by gunicorn against the two. Pausing the replica's replay shows which database each
page reads. The suite's own server is never touched.
"""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest

from diversion.audit.models import AccessLogEntry, Action
from diversion.reporting.exports import moment_text
from diversion.reporting.replica import LAG_SQL
from tests.clusters import (
    Cluster,
    cluster,
    fetch,
    manage,
    needs_cluster_tools,
    query,
    replica_of,
    served,
    service_env,
    sign_in,
)

pytestmark = needs_cluster_tools

PASSWORD = "replica-test-password-2026"  # noqa: S105 - a throwaway database's only accounts
DATABASE = "checkpoint_replica"
PANELS = 11
BEHIND = re.compile(r"read from the reporting copy, up to [\w ]+ behind the main database")
UP_TO_DATE = "read from the reporting copy, up to date with the main database"

T = TypeVar("T")


def add_manager(username: str) -> str:
    return (
        "from django.contrib.auth.models import Group; from diversion.accounts.models import User;"
        f" User.objects.create_user({username!r}, password={PASSWORD!r})"
        ".groups.add(Group.objects.get(name='Manager'));"
    )


@pytest.fixture(scope="module")
def primary():
    """The main database: migrated, with a manager, 200 demo referrals and their figures,
    made to look a day old so that new figures are told from them on the page."""
    with cluster("replica_primary") as made:
        env = service_env(DATABASE_URL=made.url(DATABASE), DEMO="true")
        query(made, "postgres", f"CREATE DATABASE {DATABASE}")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(
            env,
            "shell",
            "-c",
            add_manager("replica-manager") + "from django.core.management import call_command;"
            " call_command('seed_demo', referrals=200); call_command('refresh_dashboards');"
            " from datetime import timedelta; from diversion.reporting.models import Refresh;"
            " Refresh.objects.update(as_of=Refresh.objects.get().as_of - timedelta(days=1))",
        )
        yield made


@pytest.fixture(scope="module")
def copy(primary):
    with replica_of(primary, "replica_copy") as made:
        yield made


@pytest.fixture(scope="module")
def service(primary, copy):
    env = service_env(DATABASE_URL=primary.url(DATABASE), REPLICA_DATABASE_URL=copy.url(DATABASE))
    with served(env) as base:
        yield base


def latest_as_of(database: Cluster) -> str:
    """The "as of" of the latest figures in `database`, as the pages write it."""
    [(as_of,)] = query(
        database,
        DATABASE,
        "SELECT as_of FROM reporting_refresh WHERE status = 'done' ORDER BY finished_at DESC"
        " LIMIT 1",
    )
    return moment_text(as_of)


def disclosures(database: Cluster) -> int:
    [(count,)] = query(
        database,
        DATABASE,
        f"SELECT count(*) FROM {AccessLogEntry._meta.db_table} WHERE action = %s",  # noqa: S608
        (Action.DISCLOSURE.value,),
    )
    return count


@contextmanager
def paused(copy: Cluster) -> Iterator[None]:
    """The copy's replay paused (it still receives the main database's changes)."""
    query(copy, DATABASE, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        query(copy, DATABASE, "SELECT pg_wal_replay_resume()")


def until(check: Callable[[], T], seconds: float = 20) -> T:
    """`check()` once it is true: the replica replaying, or its WAL receiver stopping."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "gave up waiting for the replica"
        time.sleep(0.2)  # another process's progress: not a test of timing
    return result


def test_reports_read_the_copy_and_everything_else_the_main_database(primary, copy, service):
    manager = sign_in(service, "replica-manager", PASSWORD)
    old, disclosed = latest_as_of(primary), disclosures(primary)
    status, page = fetch(manager, service + "/dashboards/")
    assert status == 200
    assert f"Figures as of <strong>{old}</strong>, <span" in page
    assert page.count(f"As of {old}, read from the reporting copy") == PANELS

    with paused(copy):
        # New figures on the main database; and, for the pages that read it, a new manager
        # and a request for figures still to come.
        manage(
            service_env(DATABASE_URL=primary.url(DATABASE)),
            "shell",
            "-v",
            "0",
            "-c",
            add_manager("late-manager") + "from django.core.management import call_command;"
            " call_command('refresh_dashboards'); from django.utils import timezone;"
            " from diversion.reporting.models import Refresh;"
            " Refresh.objects.create(requested_at=timezone.now())",
        )
        new = latest_as_of(primary)
        assert new != old

        # The copy, paused, still has the old figures, and says it is behind.
        page = fetch(manager, service + "/dashboards/")[1]
        assert f"As of {old}, read from the reporting copy, up to " in page
        assert new not in page
        assert len(BEHIND.findall(page)) == PANELS + 1
        # The rest is read from the main database: the new manager signs in at once, and the
        # request for figures shows.
        late = sign_in(service, "late-manager", PASSWORD)
        page = fetch(late, service + "/dashboards/")[1]
        assert 'data-testid="refresh-pending"' in page
        assert old in page and new not in page

        # A download reads the copy's figures, and is logged on the main database.
        page = fetch(manager, service + "/dashboards/funnel/export/")[1]
        assert BEHIND.search(page) and old in page
        status, file = fetch(
            manager, service + "/dashboards/funnel/export/", {"recipient": "Scrutiny panel"}
        )
        assert status == 200
        assert f"Figures as of {old}" in file
        assert disclosures(primary) == disclosed + 1
        assert disclosures(copy) == disclosed

    # Replay resumed, the copy catches up: the new figures, up to date.
    def caught_up() -> str:
        page = fetch(manager, service + "/dashboards/")[1]
        return page if new in page and UP_TO_DATE in page else ""

    assert until(caught_up).count(f"As of {new}, {UP_TO_DATE}") == PANELS
    assert disclosures(copy) == disclosed + 1

    # With the copy down, the pages that read it are unavailable; the rest works on.
    copy.ctl("stop")
    try:
        status, page = fetch(manager, service + "/dashboards/")
        assert status == 503 and "Sorry, the service is unavailable" in page
        assert fetch(manager, service + "/dashboards/funnel/export/")[0] == 503
        assert fetch(manager, service + "/people/")[0] == 200
        assert fetch(manager, service + "/dashboards/methodology/")[0] == 200
    finally:
        copy.ctl("start")
    assert fetch(manager, service + "/dashboards/")[0] == 200


def test_the_copys_connection_refuses_every_write_and_keeps_its_own_options():
    """Even when the address given is a server that takes writes: every transaction on the
    copy's connection is read-only."""
    with cluster("replica_writes") as server:
        replica_url = server.url("postgres") + "?options=-c%20statement_timeout%3D4321"
        done = manage(
            service_env(DATABASE_URL=server.url("postgres"), REPLICA_DATABASE_URL=replica_url),
            "shell",
            "-v",
            "0",
            "-c",
            "from django.db import connections; cursor = connections['replica'].cursor();"
            " cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0]);\n"
            "try: cursor.execute('CREATE TABLE written_through_the_copy ()')\n"
            "except Exception as error: print(error)",
        )
        assert done.stdout.splitlines()[0] == "4321ms"
        assert "cannot execute CREATE TABLE in a read-only transaction" in done.stdout
        assert query(server, "postgres", "SELECT to_regclass('written_through_the_copy')") == [
            (None,)
        ]


def test_a_copy_cut_off_from_the_main_database_is_never_said_to_be_up_to_date():
    with cluster("replica_cut_off") as main, replica_of(main, "replica_cut_off_copy") as copy:
        query(main, "postgres", "CREATE TABLE a_change_to_replay ()")
        until(lambda: query(copy, "postgres", LAG_SQL) == [(0,)])
        main.ctl("stop")
        # Once its WAL receiver has gone: the time since the last change it replayed.
        [(seconds,)] = until(lambda: [row for row in query(copy, "postgres", LAG_SQL) if row[0]])
        assert seconds > 0
