"""Throwaway PostgreSQL clusters, and the service run against one by gunicorn as `make serve`
runs it, for the tests that must stop a database or replicate it
(tests/lib/test_database_outage.py, tests/reporting/test_replica.py).

Each cluster is made by Debian's cluster tools on a free port of its own and dropped
afterwards, trusting local connections (no password to keep); the suite's own server is
never touched.
"""

import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

needs_cluster_tools = pytest.mark.skipif(
    not shutil.which("pg_createcluster"), reason="needs Debian's PostgreSQL cluster tools"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_version() -> str:
    """The newest PostgreSQL server installed, as Debian's cluster tools name it."""
    return max(
        (p.name for p in Path("/usr/lib/postgresql").iterdir() if (p / "bin/postgres").exists()),
        key=int,
    )


def run(*args: str) -> subprocess.CompletedProcess:
    """Run a program of the cluster tools; its own message if it fails."""
    done = subprocess.run(args, check=False, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, f"{args[0]} failed: {done.stderr}"
    return done


class Cluster:
    """A cluster named `name` and this process's id, on a free port, its superuser
    `postgres`."""

    def __init__(self, name: str) -> None:
        self.version = server_version()
        self.name = f"{name}_{os.getpid()}"
        self.port = free_port()
        self.data = Path("/var/lib/postgresql") / self.version / self.name

    def create(self) -> None:
        run("pg_createcluster", self.version, self.name, "-p", str(self.port), "--", "--auth=trust")

    def ctl(self, action: str) -> None:
        run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action)

    def drop(self) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["pg_dropcluster", "--stop", self.version, self.name],  # noqa: S607
            check=False,
            capture_output=True,
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def tool(self, name: str) -> str:
        """One of this server version's own programs (pg_basebackup, psql)."""
        return str(Path("/usr/lib/postgresql") / self.version / "bin" / name)


@contextmanager
def cluster(name: str) -> Iterator[Cluster]:
    """A new cluster, started, and dropped afterwards whatever happens."""
    made = Cluster(name)
    try:
        made.create()
        made.ctl("start")
        yield made
    finally:
        made.drop()


@contextmanager
def replica_of(primary: Cluster, name: str) -> Iterator[Cluster]:
    """A streaming replica of `primary`, started, and dropped afterwards: a cluster made
    empty, then filled by `pg_basebackup -R` (which leaves it a standby, streaming from
    `primary`), run as the postgres user, whose files they are."""
    made = Cluster(name)
    try:
        made.create()
        # Emptied, not removed: the directory is the postgres user's, in one of root's.
        for entry in made.data.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        run(
            "runuser", "-u", "postgres", "--", made.tool("pg_basebackup"),
            "--pgdata", str(made.data), "--write-recovery-conf", "--wal-method=stream",
            "--checkpoint=fast",
            "--host", "127.0.0.1", "--port", str(primary.port), "--username", "postgres",
        )  # fmt: skip
        made.ctl("start")
        yield made
    finally:
        made.drop()


def query(cluster: Cluster, database: str, sql: str, params: tuple = ()) -> list[tuple]:
    """The rows of one statement on `cluster`, as its superuser, in autocommit."""
    connection = psycopg2.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", dbname=database
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def service_env(**values: str) -> dict[str, str]:
    """The environment the service runs in: this one, as a deployment (DEBUG off) over plain
    HTTP, with REQUIRE_2FA off, one database role and no reporting copy unless `values`
    (the databases' addresses) say otherwise."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_OWNER_URL="",
        REPLICA_DATABASE_URL="",
        DEBUG="false",
        HTTPS="false",
        REQUIRE_2FA="false",
        SECRET_KEY="throwaway-cluster-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
    )
    env.update(values)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run a manage.py command in `env`; its output is in the result."""
    return subprocess.run(  # noqa: S603 - the project's own manage.py
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """The service under gunicorn on its own port, in `env`: its address, once it answers."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the project's own WSGI application
        [sys.executable, "-m", "gunicorn", "diversion.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(opener(), base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)  # the server starting: not a test of timing
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def opener() -> urllib.request.OpenerDirector:
    """A browser of its own: its own cookies, so its own session."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def fetch(browser, url: str, data: dict | None = None) -> tuple[int, str]:
    """Status and page of a GET, or of a form POST with the CSRF cookie's token."""
    body = None
    if data is not None:
        jar = next(h.cookiejar for h in browser.handlers if hasattr(h, "cookiejar"))
        token = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    # Only ever the test's own http://127.0.0.1 address.
    request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
    try:
        with browser.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sign_in(base: str, username: str, password: str):
    """A browser signed in as `username`."""
    browser = opener()
    fetch(browser, base + "/accounts/login/")
    status, page = fetch(
        browser, base + "/accounts/login/", {"username": username, "password": password}
    )
    assert status == 200 and 'name="password"' not in page, "the sign-in was refused"
    return browser
