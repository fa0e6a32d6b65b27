"""With its database unreachable the service says it is unavailable (503) on every page,
sign-in included, with no trace of its workings, and comes back without a restart once the
database does.

Tried for real: a throwaway PostgreSQL cluster on a port of its own, made for this module,
stopped and started by the test, and the service run by gunicorn against it. The suite's own
server is never touched.
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
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not shutil.which("pg_createcluster"), reason="needs Debian's PostgreSQL cluster tools"
)

PASSWORD = "outage-test-password-2026"  # noqa: S105 - a throwaway database's only account
UNAVAILABLE = "Sorry, the service is unavailable"


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


class Cluster:
    def __init__(self) -> None:
        self.version = server_version()
        self.name = f"outage_{os.getpid()}"
        self.port = free_port()

    def ctl(self, action: str) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],  # noqa: S607
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster()
    subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_createcluster", cluster.version, cluster.name, "-p", str(cluster.port)]  # noqa: S607
        + ["--", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    try:
        cluster.ctl("start")
        yield cluster
    finally:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["pg_dropcluster", "--stop", cluster.version, cluster.name],  # noqa: S607
            check=False,
            capture_output=True,
        )


@pytest.fixture(scope="module")
def service(cluster):
    """The service on its own port, as `make serve` runs it, against the throwaway cluster
    (one role: the cluster's superuser), with a manager who can sign in."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{cluster.port}/checkpoint_outage",
        DATABASE_OWNER_URL="",
        DEBUG="false",
        HTTPS="false",
        REQUIRE_2FA="false",
        SECRET_KEY="outage-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
    )

    def manage(*args: str) -> None:
        subprocess.run(  # noqa: S603 - the project's own manage.py
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )

    manage("ensure_database")
    manage("migrate", "--no-input", "-v", "0")
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; from diversion.accounts.models import User;"
        f" u = User.objects.create_user('outage-manager', password='{PASSWORD}');"
        " u.groups.add(Group.objects.get(name='Manager'))",
    )
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


def opener():
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


def assert_unavailable(status: int, page: str) -> None:
    assert status == 503
    assert UNAVAILABLE in page
    assert "Traceback" not in page and "psycopg2" not in page and "postgres" not in page


def test_every_page_says_unavailable_while_the_database_is_down_and_recovers(cluster, service):
    signed_in, visitor = opener(), opener()
    fetch(signed_in, service + "/accounts/login/")
    fetch(
        signed_in,
        service + "/accounts/login/",
        {"username": "outage-manager", "password": PASSWORD},
    )
    assert fetch(signed_in, service + "/dashboards/")[0] == 200
    # A visitor with the sign-in form open when the database goes.
    assert fetch(visitor, service + "/accounts/login/")[0] == 200

    cluster.ctl("stop")
    try:
        assert_unavailable(*fetch(opener(), service + "/accounts/login/"))
        assert_unavailable(
            *fetch(visitor, service + "/accounts/login/", {"username": "x", "password": "y"})
        )
        assert_unavailable(*fetch(signed_in, service + "/dashboards/"))
        assert_unavailable(*fetch(signed_in, service + "/people/"))
        assert fetch(opener(), service + "/healthz")[0] == 503
    finally:
        cluster.ctl("start")

    # Back without restarting the service: the same session, the same pages.
    assert fetch(opener(), service + "/healthz")[0] == 200
    assert fetch(signed_in, service + "/dashboards/")[0] == 200
    assert fetch(opener(), service + "/accounts/login/")[0] == 200
