"""Make sure the configured PostgreSQL server answers and the database exists."""

# The commands run are fixed names from the Debian PostgreSQL packages, found on PATH.
# ruff: noqa: S603, S607

import shutil
import subprocess
from typing import Any

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql


def _connect(db: dict[str, Any], dbname: str) -> Any:
    return psycopg2.connect(
        dbname=dbname,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        connect_timeout=5,
    )


def _start_stopped_debian_cluster() -> bool:
    """Where a Debian PostgreSQL cluster is installed but down, start it; say if we did."""
    if not shutil.which("pg_lsclusters"):
        return False
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    started = False
    for line in listing.stdout.splitlines():
        version, cluster, _port, status, *_ = line.split()
        if status == "down":
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
                check=False,
            )
            started = True
    return started


def how_to_start(db: dict[str, Any]) -> str:
    where = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return (
        f"No PostgreSQL server answers at {where}.\n"
        "Start one, for example on Debian:\n"
        "  pg_ctlcluster --skip-systemctl-redirect 15 main start\n"
        "or point DATABASE_URL at a running server (see .env.example)."
    )


def ensure(db: dict[str, Any]) -> bool:
    """Connect to the server of `db` (a DATABASES entry), starting a stopped local cluster
    if need be, and create its database if missing. Returns True if it was created."""
    try:
        connection = _connect(db, "postgres")
    except psycopg2.OperationalError:
        if not _start_stopped_debian_cluster():
            raise CommandError(how_to_start(db)) from None
        try:
            connection = _connect(db, "postgres")
        except psycopg2.OperationalError:
            raise CommandError(how_to_start(db)) from None
    # CREATE DATABASE cannot run in a transaction (and `with connection` would open one).
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cursor.fetchone() is not None:
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            return True
    finally:
        connection.close()


class Command(BaseCommand):
    help = (
        "Check the database server answers (starting a stopped local cluster) "
        "and create the database if it is missing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        if ensure(db):
            self.stdout.write(f"Created database {db['NAME']}")
