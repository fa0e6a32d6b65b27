"""Small SQL expressions shared by models, reading a record's key from an address,
connecting as the database's owner, and running PostgreSQL's client programs."""

import os
import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class LondonToday(models.Func):
    """Today's date in the service's time zone, for CHECK constraints: a bare date compared
    with now() would be judged by the UTC date, a day out in the first hour of summer days."""

    template = "(now() AT TIME ZONE 'Europe/London')::date"
    output_field = models.DateField()

    def __init__(self) -> None:
        super().__init__()


# PostgreSQL's bigint, the type of every primary key.
BIGINT_MAX = 2**63 - 1


def parse_pk(value: str) -> int | None:
    """A record's key as an address gives it (`?person=12`), or None if it cannot be one:
    ASCII digits only (str.isdigit also takes "²", which int() refuses), within a bigint."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= BIGINT_MAX else None


def use_owner(connection: BaseDatabaseWrapper) -> None:
    """Point `connection` at the owner role (settings.DATABASE_OWNER) for the rest of the
    process: for set-up work the service role may not do (migrations, ANALYZE). With no
    owner configured, or already connected as it, nothing changes. The database stays the
    one the connection names (a test's or the benchmarks' own)."""
    owner = settings.DATABASE_OWNER
    if owner is None or connection.settings_dict["USER"] == owner["USER"]:
        return
    connection.close()
    connection.settings_dict.update(
        {key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
    )


def run_pg_tool(tool: str, db: dict[str, Any], *args: str) -> None:
    """Run one of PostgreSQL's client programs (pg_dump, pg_restore) against the server of
    `db` (a DATABASES entry), as its role. A failure stops with the program's own message."""
    if shutil.which(tool) is None:
        raise CommandError(f"{tool} is not installed: install PostgreSQL's client programs.")
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    connection = [
        f"--host={db['HOST'] or 'localhost'}",
        f"--port={db['PORT'] or 5432}",
        f"--username={db['USER']}",
    ]
    done = subprocess.run(  # noqa: S603 - a fixed program, arguments as a list
        [tool, *connection, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise CommandError(f"{tool} failed: {done.stderr.strip()}")
