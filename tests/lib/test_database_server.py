"""Set-up gets a PostgreSQL server answering where the settings put the database: nothing
when one answers, a stopped local cluster started, a missing one made or installed, and
nothing done for a server on another machine (diversion.lib.database_server).

The decision is tried on every kind of machine without touching this one; then, for real,
on this machine's own server (left alone) and on throwaway clusters on free ports of their
own (started, or made). The suite's server is never touched.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from diversion.lib import database_server
from diversion.lib.database_server import (
    Cluster,
    Create,
    Install,
    Machine,
    Refuse,
    Reload,
    Server,
    SetupError,
    Start,
    Trust,
    Wait,
    configured_server,
    decide,
    ensure,
)

LOCAL = Server("127.0.0.1", 5432)


def cluster(name="main", port=5432, running=False, version="15"):
    return Cluster(version, name, port, running, f"/etc/postgresql/{version}/{name}/pg_hba.conf")


def refusal(plan):
    assert len(plan) == 1 and isinstance(plan[0], Refuse), plan
    return plan[0].message


# Where the server is.


def test_the_administrators_url_says_where_the_server_is():
    assert configured_server(
        {"DATABASE_ADMIN_URL": "postgres://postgres@10.1.2.3:6543/postgres"},
        {"DATABASE_URL": "postgres://checkpoint@127.0.0.1:5432/diversion"},
    ) == Server("10.1.2.3", 6543)


def test_without_an_administrators_url_it_is_the_databases_server():
    assert configured_server(
        {}, {"DATABASE_URL": "postgres://checkpoint:pw@db.example:5433/diversion"}
    ) == Server("db.example", 5433)


def test_the_environment_wins_over_the_env_file():
    assert configured_server(
        {"DATABASE_URL": "postgres://checkpoint@127.0.0.1:5544/diversion"},
        {"DATABASE_URL": "postgres://checkpoint@127.0.0.1:5433/diversion"},
    ) == Server("127.0.0.1", 5544)


def test_with_nothing_set_it_is_the_settings_default():
    assert configured_server({}, {}) == Server("127.0.0.1", 5432)


def test_an_empty_host_or_port_is_the_local_default_as_in_the_settings():
    assert configured_server({"DATABASE_URL": "postgres://checkpoint@/diversion"}, {}) == LOCAL


def test_an_ipv6_host_is_read():
    server = configured_server({"DATABASE_URL": "postgres://checkpoint@[::1]:5433/d"}, {})
    assert server == Server("::1", 5433)
    assert server.local
    assert str(server) == "[::1]:5433"


def test_the_settings_administrator_is_the_one_set_up_starts():
    db = settings.DATABASE_ADMIN
    assert configured_server(os.environ, {}) == Server(db["HOST"], int(db["PORT"]))


def test_the_env_file_is_read_as_the_settings_read_it():
    assert database_server.read_dotenv(
        "# DATABASE_ADMIN_URL=postgres://postgres@nowhere/postgres\n"
        "DATABASE_URL=postgres://checkpoint@127.0.0.1:5433/diversion\n"
        "export DEBUG='false'\n"
        'FORCE_NAME="Demo Constabulary"\n'
        "no equals sign here\n"
    ) == {
        "DATABASE_URL": "postgres://checkpoint@127.0.0.1:5433/diversion",
        "DEBUG": "false",
        "FORCE_NAME": "Demo Constabulary",
    }


# What is decided.


def test_a_server_that_answers_is_left_alone():
    machine = Machine(answers=True, clusters=(cluster(running=True),), versions=("15",), root=True)
    assert decide(LOCAL, machine) == []


def test_a_server_elsewhere_that_answers_is_left_alone():
    assert decide(Server("db.example", 5432), Machine(answers=True)) == []


def test_a_server_elsewhere_that_does_not_answer_is_never_installed():
    machine = Machine(answers=False, root=True, apt=True)
    message = refusal(decide(Server("db.example", 5432), machine))
    assert "db.example:5432" in message
    assert "not on this machine" in message


def test_a_stopped_cluster_on_the_port_is_started_and_awaited():
    stopped = cluster(port=5432)
    machine = Machine(
        answers=False, clusters=(cluster("other", 5433), stopped), versions=("15",), root=True
    )
    assert decide(LOCAL, machine) == [Start(stopped), Wait(stopped)]


def test_a_stopped_cluster_is_started_for_its_owner_too():
    stopped = cluster()
    machine = Machine(answers=False, clusters=(stopped,), versions=("15",), root=False)
    assert decide(LOCAL, machine) == [Start(stopped), Wait(stopped)]


def test_a_running_cluster_that_does_not_answer_is_reported():
    machine = Machine(answers=False, clusters=(cluster(running=True),), versions=("15",))
    assert "listen_addresses" in refusal(decide(LOCAL, machine))


def test_with_no_cluster_on_the_port_one_is_made_with_the_newest_server():
    machine = Machine(answers=False, versions=("13", "15", "9"), root=True)
    assert decide(LOCAL, machine) == [Create("15", "main", 5432)]


def test_a_cluster_made_beside_main_is_named_for_its_port():
    machine = Machine(answers=False, clusters=(cluster("main", 5432),), versions=("15",), root=True)
    assert decide(Server("127.0.0.1", 5433), machine) == [Create("15", "port5433", 5433)]


def test_not_as_root_it_says_how_to_make_the_cluster():
    machine = Machine(answers=False, versions=("15",), root=False)
    assert "Run `make database-server` as root to make one (15/main)" in refusal(
        decide(LOCAL, machine)
    )


def test_with_no_server_installed_debians_is_installed():
    assert decide(LOCAL, Machine(answers=False, root=True, apt=True)) == [Install()]


def test_not_as_root_it_says_how_to_install_debians_server():
    message = refusal(decide(LOCAL, Machine(answers=False, root=False, apt=True)))
    assert "as root to install Debian's postgresql package" in message
    assert "apt-get install -y -qq postgresql" in message


def test_without_apt_it_says_what_server_to_install():
    message = refusal(decide(LOCAL, Machine(answers=False, root=True, apt=False)))
    assert "Install PostgreSQL 15 or later" in message


def test_a_cluster_made_here_is_trusted_then_started():
    made = cluster()
    machine = Machine(answers=False, clusters=(made,), versions=("15",), root=True)
    assert decide(LOCAL, machine, frozenset({made})) == [Trust(made), Start(made), Wait(made)]


def test_a_cluster_made_here_and_running_is_trusted_though_it_answers():
    made = cluster(running=True)
    machine = Machine(answers=True, clusters=(made,), versions=("15",), root=True)
    assert decide(LOCAL, machine, frozenset({made})) == [Trust(made), Reload(made), Wait(made)]


def test_a_cluster_made_here_on_another_port_is_not_trusted():
    elsewhere = cluster("main", 5432)
    machine = Machine(answers=False, clusters=(elsewhere,), versions=("15",), root=True)
    plan = decide(Server("127.0.0.1", 5433), machine, frozenset({elsewhere}))
    assert plan == [Create("15", "port5433", 5433)]


# Deciding again after each step that makes something.


class FakeMachine:
    """A machine that an Install or a Create changes as Debian's tools would."""

    def __init__(self, machine: Machine, installs: tuple[Cluster, ...] = ()) -> None:
        self.machine = machine
        self.installs = installs
        self.done: list = []

    def observe(self, server: Server) -> Machine:
        return self.machine

    def perform(self, step, server: Server) -> None:
        self.done.append(step)
        m = self.machine
        if isinstance(step, Install):
            versions = ("15",) if self.installs else ()
            self.machine = Machine(False, m.clusters + self.installs, versions, m.root, m.apt)
        elif isinstance(step, Create):
            made = cluster(step.name, step.port, version=step.version)
            self.machine = Machine(False, (*m.clusters, made), m.versions, m.root, m.apt)


def test_on_a_bare_machine_the_server_is_installed_trusted_and_started():
    packaged = cluster("main", 5432)
    fake = FakeMachine(Machine(answers=False, root=True, apt=True), installs=(packaged,))

    ensure(LOCAL, fake.observe, fake.perform)

    assert fake.done == [Install(), Trust(packaged), Start(packaged), Wait(packaged)]


def test_on_a_bare_machine_with_another_port_a_cluster_is_made_for_it():
    packaged = cluster("main", 5432)
    fake = FakeMachine(Machine(answers=False, root=True, apt=True), installs=(packaged,))

    ensure(Server("127.0.0.1", 5433), fake.observe, fake.perform)

    made = cluster("port5433", 5433)
    assert fake.done == [
        Install(),
        Create("15", "port5433", 5433),
        Trust(made),
        Start(made),
        Wait(made),
    ]


def test_an_install_that_gives_no_server_stops_set_up():
    fake = FakeMachine(Machine(answers=False, root=True, apt=True), installs=())

    with pytest.raises(SetupError, match="to no effect"):
        ensure(LOCAL, fake.observe, fake.perform)
    assert fake.done == [Install()]


def test_a_refusal_stops_set_up_with_its_message():
    fake = FakeMachine(Machine(answers=False))

    with pytest.raises(SetupError, match="none is installed"):
        ensure(LOCAL, fake.observe, database_server.perform)


# Trusting connections from this machine.

DEBIAN_HBA = """\
# Database administrative login by Unix domain socket
local   all             postgres                                peer

# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     peer
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
hostssl all             all             10.0.0.0/8              scram-sha-256
"""


def test_connections_from_this_machine_are_trusted_and_no_others():
    rules = [
        line.split()
        for line in database_server.trust_this_machine(DEBIAN_HBA).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules == [
        ["local", "all", "postgres", "trust"],
        ["local", "all", "all", "trust"],
        ["host", "all", "all", "127.0.0.1/32", "trust"],
        ["host", "all", "all", "::1/128", "trust"],
        ["local", "replication", "all", "trust"],
        ["host", "replication", "all", "127.0.0.1/32", "trust"],
        ["host", "replication", "all", "::1/128", "trust"],
        ["hostssl", "all", "all", "10.0.0.0/8", "scram-sha-256"],
    ]


# For real, on this machine.


def run_set_up(**env: str) -> subprocess.CompletedProcess:
    """`make database-server`, with the system's Python as the Makefile runs it."""
    return subprocess.run(  # noqa: S603 - the project's own module
        [sys.executable, "-m", "diversion.lib.database_server"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_the_server_up_nothing_is_done():
    before = subprocess.run(["pg_lsclusters"], capture_output=True, text=True).stdout  # noqa: S607

    result = run_set_up()

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert subprocess.run(["pg_lsclusters"], capture_output=True, text=True).stdout == before  # noqa: S607


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_on(port: int) -> Cluster | None:
    machine = database_server.observe(Server("127.0.0.1", port))
    return next((c for c in machine.clusters if c.port == port), None)


@pytest.fixture
def port():
    """A free port, and whatever cluster a test put on it dropped afterwards."""
    port = free_port()
    yield port
    if (left := cluster_on(port)) is not None:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["pg_dropcluster", "--stop", left.version, left.name],  # noqa: S607
            check=True,
            capture_output=True,
        )


def newest_server() -> str:
    return max((p.name for p in Path("/usr/lib/postgresql").iterdir()), key=int)


def test_an_installed_but_stopped_cluster_is_started_its_authentication_untouched(port):
    name = f"stopped_{os.getpid()}"
    subprocess.run(  # noqa: S603 - fixed arguments, Debian's defaults (peer, scram)
        ["pg_createcluster", newest_server(), name, "--port", str(port)],  # noqa: S607
        check=True,
        capture_output=True,
    )
    stopped = cluster_on(port)
    assert stopped is not None and not stopped.running
    hba = Path(stopped.hba_file).read_text()

    result = run_set_up(DATABASE_ADMIN_URL=f"postgres://postgres@127.0.0.1:{port}/postgres")

    assert result.returncode == 0, result.stderr
    assert f"Starting PostgreSQL cluster {stopped}" in result.stdout
    started = cluster_on(port)
    assert started is not None and started.running
    assert Path(stopped.hba_file).read_text() == hba


def test_with_no_cluster_on_the_port_one_is_made_that_this_machine_may_use(port):
    assert cluster_on(port) is None

    result = run_set_up(
        DATABASE_URL=f"postgres://checkpoint@127.0.0.1:{port}/diversion", DATABASE_ADMIN_URL=""
    )

    assert result.returncode == 0, result.stderr
    made = cluster_on(port)
    assert made is not None and made.running and made.name == f"port{port}"
    # As ensure_database connects: the superuser, over TCP, with no password.
    psycopg2.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=5
    ).close()
