import uuid
from unittest import mock

import psycopg2
import pytest
from django.core.management import CommandError, call_command

from diversion.lib.management.commands import ensure_database


@pytest.fixture
def server_settings():
    """The configured server's connection details, for a database the test names itself."""
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def database_exists(db, name):
    connection = ensure_database._connect(db, "postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def test_a_missing_database_is_created_and_a_present_one_left_alone(server_settings):
    name = f"ensure_db_test_{uuid.uuid4().hex[:8]}"
    try:
        assert ensure_database.ensure({**server_settings, "NAME": name}) is True
        assert database_exists(server_settings, name)
        assert ensure_database.ensure({**server_settings, "NAME": name}) is False
    finally:
        connection = ensure_database._connect(server_settings, "postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.close()


def test_no_server_says_how_to_start_one(server_settings):
    with (
        mock.patch.object(ensure_database, "_start_stopped_debian_cluster", return_value=False),
        pytest.raises(CommandError, match="pg_ctlcluster --skip-systemctl-redirect"),
    ):
        ensure_database.ensure({**server_settings, "HOST": "127.0.0.1", "PORT": "1"})


def test_a_stopped_cluster_is_started_then_used(db):
    calls = []

    def fake_connect(db, dbname):
        calls.append(dbname)
        if len(calls) == 1:
            raise psycopg2.OperationalError("down")
        return real_connect(db, dbname)

    real_connect = ensure_database._connect
    with (
        mock.patch.object(ensure_database, "_connect", side_effect=fake_connect),
        mock.patch.object(
            ensure_database, "_start_stopped_debian_cluster", return_value=True
        ) as start,
    ):
        call_command("ensure_database")
    start.assert_called_once()
    assert len(calls) == 2
