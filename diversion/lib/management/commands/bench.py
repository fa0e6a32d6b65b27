"""`manage.py bench` (`make bench`): timings on a throwaway database, never the main one.

The benchmark database is the main database's name plus `_bench`, dropped and made afresh
on each run and migrated; it is left in place afterwards for a closer look. Each benchmark
is a function in BENCHMARKS taking a Bench and returning (label, value) figures; add new ones
there (person search, dashboards, ...).

Work under test runs in a child process pointed at the benchmark database through
DATABASE_URL, so its peak memory is its own (the database server's is not counted).
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql

BENCH_SUFFIX = "_bench"


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mb: float
    output: str


@dataclass
class Bench:
    """The benchmark database and how to run manage.py against it."""

    db: dict
    name: str
    referrals: int
    env: dict = field(init=False)

    def __post_init__(self):
        self.env = {**os.environ, "DATABASE_URL": database_url(self.db, self.name)}

    def connect(self):
        return connect(self.db, self.name)

    def manage(self, *args):
        """Run `manage.py ARGS` on the benchmark database; time it and read its peak memory."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        started = time.perf_counter()
        # Progress bars go to our stderr; the output is kept for the report.
        # Our own interpreter and manage.py, with arguments from this module.
        child = subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        output = child.stdout.read()
        # wait4 gives this child's own resource use, not the sum over every child so far.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
        if child.returncode:
            raise CommandError(f"{' '.join(args)} failed (exit {child.returncode}):\n{output}")
        # Linux reports ru_maxrss in kilobytes.
        return ChildRun(seconds, usage.ru_maxrss / 1024, output)

    def table_rows(self):
        """Exact row counts of every table in the benchmark database."""
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            tables = [name for (name,) in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
        conn.close()
        return counts


def bench_seed_demo(bench):
    """seed_demo at scale: the target is 100,000 referrals in under 60 s and 1 GB."""
    before = bench.table_rows()
    run = bench.manage("seed_demo", "--referrals", str(bench.referrals))
    after = bench.table_rows()
    added = {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
    rows = sum(added.values())
    figures = [
        ("referrals", f"{bench.referrals:,}"),
        ("time", f"{run.seconds:.1f} s"),
        ("rows added", f"{rows:,}"),
        ("rows per second", f"{rows / run.seconds:,.0f}"),
        ("referrals per second", f"{bench.referrals / run.seconds:,.0f}"),
        ("peak memory (seed process)", f"{run.peak_rss_mb:,.0f} MB"),
    ]
    if bench.referrals == 100_000:
        met = run.seconds < 60 and run.peak_rss_mb < 1024
        figures.append(("target: under 60 s and 1 GB", "met" if met else "MISSED"))
    figures += [(f"  {table}", f"{count:,}") for table, count in sorted(added.items())]
    return figures


BENCHMARKS = [
    ("seed_demo", bench_seed_demo),
]


def connect(db, name):
    return psycopg2.connect(
        dbname=name,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        connect_timeout=5,
    )


def database_url(db, name):
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or ""
    if host.startswith("/"):  # a Unix socket directory
        host = quote(host, safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(name, safe='')}"


class Command(BaseCommand):
    help = "Run the benchmarks on a fresh throwaway database (the main database's name + _bench)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--referrals", type=int, default=100_000, help="Demo referrals to seed (100,000)."
        )
        parser.add_argument(
            "--only",
            choices=[name for name, _ in BENCHMARKS],
            action="append",
            help="Run only this benchmark (may be repeated).",
        )

    def handle(self, *args, referrals, only, **options):
        db = settings.DATABASES["default"]
        name = f"{db['NAME']}{BENCH_SUFFIX}"
        if name == db["NAME"]:  # a guard against editing mistakes
            raise CommandError("The benchmark database must not be the main database.")
        self.recreate(db, name)
        bench = Bench(db=db, name=name, referrals=referrals)
        run = bench.manage("migrate", "--no-input", "-v", "0")
        self.stdout.write(
            f"Benchmark database {name}: made afresh, migrated in {run.seconds:.1f} s"
        )
        for bench_name, function in BENCHMARKS:
            if only and bench_name not in only:
                continue
            self.stdout.write(f"\n{bench_name}")
            for label, value in function(bench):
                self.stdout.write(f"  {label:<44} {value:>14}")

    def recreate(self, db, name):
        try:
            conn = connect(db, "postgres")
        except psycopg2.OperationalError as error:
            raise CommandError(f"Cannot reach the database server: {error}") from None
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.close()
