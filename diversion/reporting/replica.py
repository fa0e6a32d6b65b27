"""The reporting copy: a streaming replica of the main database that the dashboards and
their downloads read, when one is configured (REPLICA_DATABASE_URL; README:
"Configuration"), so that managers' reports never load the database that custody suites
and caseworkers are writing to.

Only reads made inside `reading_reports()` go to the copy; everything else (sign-in,
sessions, the work queues, whether a refresh is running, every write, the disclosure log
of a download included) stays on the main database. The copy is always a little behind, so
each page that reads it says by how much (`lag`).

The copy's connection takes no part in the request's transaction (ATOMIC_REQUESTS is the
main database's), so a page's reads on it are separate statements, each seeing the copy as
it is then. They are still consistent: a refresh writes its whole set of tallies in one
transaction and keeps the set before it (reporting.models.Tally), so a page that has read
which refresh is the latest finds that refresh's tallies complete, on the copy as on the
main database, until two more refreshes have been replayed.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from diversion.lib.dates import duration_in_words

REPLICA = "replica"

_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


def configured() -> bool:
    """Whether there is a reporting copy to read (settings: REPLICA_DATABASE_URL)."""
    return REPLICA in settings.DATABASES


@contextmanager
def reading_reports() -> Iterator[None]:
    """Send the reads made inside to the reporting copy, if there is one. A context
    variable, so it holds for this request's thread alone."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


class ReplicaRouter:
    """Django's database router for the reporting copy (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        """The copy inside `reading_reports()`; the main database for every other read,
        even of a record first read from the copy (Django would otherwise follow it)."""
        return REPLICA if _reading_reports.get() and configured() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        """Always the main database. Named, not left to Django: for a record read from
        the copy Django would choose the copy, which refuses every write."""
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        """The copy holds the same rows as the main database."""
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """The copy takes its schema from the main database's changes, as it takes the rest."""
        return False if db == REPLICA else None


# How far the copy is behind the main database, in seconds, read on the copy:
# - 0 when it has replayed all it has received and is receiving (connected to the main
#   database, so its WAL receiver is listed; any role may see that row);
# - otherwise the time since the last change it replayed was committed on the main
#   database. That is never less than the true lag (every change it lacks came later),
#   though it may be more (if the main database was idle before the changes the copy
#   lacks); with replay paused it grows as it should;
# - NULL, said as not known, when it has replayed no change since it started and has more
#   to replay, or when it is not a copy at all (promoted, or the main database itself).
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN NULL
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
    AND EXISTS (SELECT FROM pg_stat_wal_receiver) THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


@dataclass(frozen=True)
class Lag:
    """How far behind the main database the reporting copy was, in seconds (None: not
    known), worded for a page: "As of 1 December 2026, 19:30, <lag>."."""

    seconds: float | None

    def __str__(self) -> str:
        copy = "read from the reporting copy"
        if self.seconds is None:
            return f"{copy}, which may be behind the main database by a time not known"
        if self.seconds == 0:
            return f"{copy}, up to date with the main database"
        return f"{copy}, up to {self.behind()} behind the main database"

    def behind(self) -> str:
        seconds = self.seconds or 0
        if seconds < 1:
            return "a second"
        if seconds < 60:
            whole = int(seconds)
            return f"{whole} second{'' if whole == 1 else 's'}"
        return duration_in_words(datetime.timedelta(seconds=seconds))


def lag() -> Lag | None:
    """How far behind the copy is, in one query on the copy; None, and no query, without
    one. Read before the figures: the copy only moves on, so what is read after is at
    least as recent."""
    if not configured():
        return None
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        (seconds,) = cursor.fetchone()
    if seconds is None:
        return Lag(None)
    if seconds == 0:
        return Lag(0.0)
    # Behind by some time: never said as up to date, however the two servers' clocks differ.
    return Lag(max(float(seconds), 0.1))
