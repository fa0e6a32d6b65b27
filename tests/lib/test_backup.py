"""`manage.py backup` and `manage.py restore`: a round trip gives back every table with the
same rows, proved by row counts and a checksum of each table's rows.

Run against databases of their own on the suite's server, made with the service's two roles
as `make run` makes them, and dropped afterwards.
"""

import os
import subprocess
import sys
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql


@contextmanager
def admin_cursor(dbname: str = "postgres"):
    """A cursor as the server's administrator, in autocommit (DROP DATABASE needs it)."""
    admin = settings.DATABASE_ADMIN
    connection = psycopg2.connect(
        dbname=dbname, user=admin["USER"], host=admin["HOST"], port=admin["PORT"] or None
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def drop(*names: str) -> None:
    with admin_cursor() as cursor:
        for name in names:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def url(db: dict, name: str) -> str:
    return f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def databases():
    source = f"checkpoint_backup_{os.getpid()}"
    restored = f"{source}_restored"
    drop(source, restored)
    yield source, restored
    drop(source, restored)


def manage(source: str, *args: str) -> subprocess.CompletedProcess:
    service, owner = settings.DATABASE_SERVICE, settings.DATABASE_OWNER or settings.DATABASE_SERVICE
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=url(service, source), DATABASE_OWNER_URL=url(owner, source), DEMO="true"
    )
    return subprocess.run(  # noqa: S603 - the project's own manage.py
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def tables_and_checksums(name: str) -> dict[str, tuple[int, str]]:
    """Each table of the database: its number of rows, and an MD5 of all of them in order."""
    with admin_cursor(name) as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        found = {}
        for (table,) in cursor.fetchall():
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} AS t"
                ).format(sql.Identifier(table))
            )
            found[table] = cursor.fetchone()
        return found


def test_a_backup_restores_every_table_with_the_same_rows(databases, tmp_path):
    source, restored = databases
    for step in (("ensure_database",), ("migrate", "-v", "0"), ("seed_demo", "--referrals", "40")):
        done = manage(source, *step)
        assert done.returncode == 0, done.stderr
    backup = tmp_path / "checkpoint.dump"

    done = manage(source, "backup", "--output", str(backup))
    assert done.returncode == 0, done.stderr
    assert backup.stat().st_size > 0
    done = manage(source, "restore", str(backup), "--into", restored)
    assert done.returncode == 0, done.stderr

    before, after = tables_and_checksums(source), tables_and_checksums(restored)
    assert before == after
    assert before["cases_referral"][0] == 40
    # The change history comes back too, though the service may only add to it.
    assert before["people_personhistory"][0] > 0
    # And the service role's privileges with it: it reads the records, not alters the log.
    service = settings.DATABASE_SERVICE
    connection = psycopg2.connect(
        dbname=restored, user=service["USER"], host=service["HOST"], port=service["PORT"] or None
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_referral")
            assert cursor.fetchone() == (40,)
            if settings.DATABASE_OWNER is not None:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute("DELETE FROM audit_accesslogentry")
    finally:
        connection.close()


def test_a_restore_never_writes_over_a_database_that_exists(databases, tmp_path):
    source, _ = databases
    manage(source, "ensure_database")
    backup = tmp_path / "checkpoint.dump"
    backup.write_bytes(b"not used")
    done = manage(source, "restore", str(backup), "--into", source)
    assert done.returncode != 0
    assert "the database in use" in done.stderr
