"""`manage.py loadtest` (`make loadtest`): the service under load from simulated staff, at
national scale, as an operations team would try it before going live.

On a database of its own (the main database's name plus `_load`, made with the same two roles
and kept between runs, since seeding a million referrals takes a while), it:
1. seeds the demo data up to `--referrals` (a million) and works out the dashboards;
2. gives each simulated user an account of its own (`manage.py load_accounts`);
3. starts `make serve` on a free loopback port, as the service role;
4. runs locust (`diversion/demo/load/locustfile.py`, from its own virtualenv) headless once
   for each number of users in `--users`: each user signs in, then does its role's journeys
   with 1 to 5 seconds between pages; figures count from when all have signed in;
5. prints, for each run, throughput, errors and latencies (p50, p95, p99) overall, and by page
   for the first; how busy the machine's cores were and with what (the service's workers,
   the database, the load generator); and the most users that stayed within the targets.

Targets (issue: production): no errors, and a p95 under 500 ms over all pages.
"""

import csv
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diversion.demo.databases import connect, database_url

LOAD_SUFFIX = "_load"
LOCUSTFILE = Path(__file__).resolve().parents[2] / "load" / "locustfile.py"
P95_TARGET_MS = 500


@dataclass
class Stage:
    users: int
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    pages: list[dict[str, str]]
    cpu: dict[str, float]
    errors: list[str]

    @property
    def within_targets(self) -> bool:
        return self.failures == 0 and self.p95 < P95_TARGET_MS


class Command(BaseCommand):
    help = "Load-test `make serve` with simulated staff on a million-referral database."

    def add_arguments(self, parser):
        parser.add_argument("--locust", required=True, help="The locust program to run.")
        parser.add_argument(
            "--users",
            default="50,75,100,125,150",
            help="Simulated users for each run, comma separated; the first is the target load.",
        )
        parser.add_argument("--seconds", type=int, default=120, help="Length of each run.")
        parser.add_argument("--referrals", type=int, default=1_000_000)

    def handle(self, *args, locust, users, seconds, referrals, **options):
        counts = [int(n) for n in users.split(",")]
        name = f"{settings.DATABASES['default']['NAME']}{LOAD_SUFFIX}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(settings.DATABASE_SERVICE, name),
            "DATABASE_OWNER_URL": database_url(
                settings.DATABASE_OWNER or settings.DATABASE_SERVICE, name
            ),
            "DEMO": "true",
        }
        self.prepare(env, name, referrals, max(counts))
        accounts = Path(tempfile.gettempdir()) / f"{name}-accounts.json"
        self.manage(env, "load_accounts", "--users", str(max(counts)), "--out", str(accounts))
        port = free_port()
        # The service as production runs it; DEMO is a set-up matter, not the server's.
        served = {**env, "DEMO": "false", "BIND": f"127.0.0.1:{port}"}
        server = subprocess.Popen(  # noqa: S603 - the project's own Makefile target
            ["make", "--no-print-directory", "serve"],  # noqa: S607
            cwd=settings.BASE_DIR,
            env=served,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
            stages = [self.run_stage(locust, port, n, seconds, accounts) for n in counts]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
        self.report(stages, seconds)

    def manage(self, env, *args):
        self.stdout.write(f"  manage.py {' '.join(args)}")
        subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *args], env=env, check=True
        )

    def prepare(self, env, name, referrals, users):
        """The load database, migrated, seeded to `referrals` and with fresh dashboards."""
        self.stdout.write(f"Preparing {name} ({referrals:,} referrals; kept between runs):")
        self.manage(env, "ensure_database")
        self.manage(env, "migrate", "--no-input", "-v", "0")
        if referral_count(name) < referrals:
            self.manage(env, "seed_demo", "--referrals", str(referrals))
        self.manage(env, "refresh_dashboards")

    def run_stage(self, locust, port, users, seconds, accounts) -> Stage:
        self.stdout.write(f"Running {users} users for {seconds} s ...")
        prefix = Path(tempfile.mkdtemp()) / "stage"
        before, machine_before = cpu_seconds(), machine_busy_seconds()
        started = time.monotonic()
        locust_run = subprocess.Popen(  # noqa: S603 - the locust program given, fixed arguments
            [
                locust,
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(users),
                # Sign-ins are spread over about 10 s, as a shift starting, not all at once.
                "--spawn-rate",
                str(max(1, users // 10)),
                "--run-time",
                f"{seconds}s",
                "--reset-stats",
                "--only-summary",
                "--csv",
                str(prefix),
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "LOAD_ACCOUNTS": str(accounts)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert locust_run.stderr is not None  # piped above
        stderr = locust_run.stderr.read()
        # wait4 gives the load generator's own CPU time, which /proc no longer holds once
        # it has ended.
        _, _, usage = os.wait4(locust_run.pid, 0)
        elapsed = time.monotonic() - started
        used = cpu_delta(before, cpu_seconds())
        used["machine"] = machine_busy_seconds() - machine_before
        used["load generator"] = usage.ru_utime + usage.ru_stime
        cpu = {part: spent / elapsed for part, spent in used.items()}
        rows = read_csv(f"{prefix}_stats.csv")
        if not rows:
            raise CommandError(f"locust gave no figures:\n{stderr[-2000:]}")
        total = next(row for row in rows if row["Name"] == "Aggregated")
        errors = [
            f"{row['Occurrences']} × {row['Name']}: {row['Error']}"
            for row in read_csv(f"{prefix}_failures.csv")
        ]
        return Stage(
            users=users,
            requests=int(total["Request Count"]),
            failures=int(total["Failure Count"]),
            per_second=float(total["Requests/s"]),
            p50=float(total["50%"]),
            p95=float(total["95%"]),
            p99=float(total["99%"]),
            pages=[row for row in rows if row["Name"] != "Aggregated"],
            cpu=cpu,
            errors=errors,
        )

    def report(self, stages: list[Stage], seconds: int):
        out = self.stdout.write
        first = stages[0]
        out("")
        out(f"Load test: {seconds} s for each number of users, 1-5 s between pages")
        out(f"Targets: 0 errors and p95 under {P95_TARGET_MS} ms")
        out("")
        out(f"{first.users} users, by page (ms):")
        out(f"  {'page':<28} {'requests':>9} {'errors':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
        for row in sorted(first.pages, key=lambda r: -float(r["95%"])):
            page = f"{row['Name']} ({row['Type']})"
            out(
                f"  {page:<28} {row['Request Count']:>9} {row['Failure Count']:>7} "
                f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            )
        out("")
        out("By number of users:")
        out(
            f"  {'users':>5} {'req/s':>7} {'requests':>9} {'errors':>7} {'p50':>6} {'p95':>6} "
            f"{'p99':>6}  {'cores busy: all / service / database / load generator':<54} targets"
        )
        for stage in stages:
            cpu = " / ".join(f"{stage.cpu.get(p, 0):.2f}" for p in ("machine", *CPU_PARTS))
            out(
                f"  {stage.users:>5} {stage.per_second:>7.1f} {stage.requests:>9} "
                f"{stage.failures:>7} {stage.p50:>6.0f} {stage.p95:>6.0f} {stage.p99:>6.0f}  "
                f"{cpu:<54} {'met' if stage.within_targets else 'MISSED'}"
            )
        for stage in stages:
            for error in stage.errors:
                out(f"  error at {stage.users} users: {error}")
        out("")
        for line in verdict(stages, os.cpu_count() or 1):
            out(line)


def verdict(stages: list[Stage], cores: int) -> list[str]:
    """The most users held within the targets (each run up to it met them), and what was
    busiest at the first run that did not."""
    ordered = sorted(stages, key=lambda stage: stage.users)
    missed = next((stage for stage in ordered if not stage.within_targets), None)
    held = [stage.users for stage in ordered if missed is None or stage.users < missed.users]
    lines = [f"Most users within the targets: {held[-1]}" if held else "No run met the targets."]
    if missed is None:
        lines.append("Every run met them: try more users (USERS=) to find the limit.")
        return lines
    busy = missed.cpu.get("machine", sum(missed.cpu.get(part, 0) for part in CPU_PARTS))
    busiest = max(CPU_PARTS, key=lambda part: missed.cpu.get(part, 0))
    shares = ", ".join(f"{part} {missed.cpu.get(part, 0):.2f}" for part in CPU_PARTS)
    limit = (
        f"the processors, {busiest} the busiest: busy most of the time on average, so pages "
        "arriving together queue for them"
        if busy >= 0.6 * cores
        else "not the processors, which had room: look at waits (locks, the database, workers)"
    )
    lines.append(
        f"At {missed.users} users {busy:.2f} of {cores} cores were busy ({shares}): "
        f"the limit is {limit}."
    )
    return lines


CPU_PARTS = ("service", "database", "load generator")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (everything but idle and waiting for
    disks), from /proc/stat: what the parts above used, and the kernel's work for them."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the service's workers and the database server, from /proc:
    each process's user and system time, and that of its children that have ended (the
    database server's, above all: it starts a process for each connection)."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        program = Path(command[0].decode(errors="replace").split(" ")[0]).name
        arguments = b" ".join(command).decode(errors="replace")
        part = (
            "service"
            if "gunicorn" in arguments
            else "database"
            if program.startswith("postgres")
            else None
        )
        if part:
            # utime, stime, cutime, cstime: fields 14 to 17 of stat, counted from 1.
            used[f"{part}:{proc.name}"] = sum(int(f) for f in fields[11:15]) / tick
    return used


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for key, seconds in after.items():
        part = key.split(":")[0]
        totals[part] = totals.get(part, 0) + seconds - before.get(key, 0)
    return totals


def read_csv(path: str) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as file:
            return list(csv.DictReader(file))
    except FileNotFoundError:
        return []


def referral_count(name: str) -> int:
    """Referrals already in the load database, to know whether it needs seeding."""
    db = settings.DATABASE_OWNER or settings.DATABASE_SERVICE
    with connect(db, name) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_referral")
        (count,) = cursor.fetchone()
    conn.close()
    return count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise CommandError(f"The service did not start within {timeout:.0f} s ({url}).")
