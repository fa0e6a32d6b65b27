"""Make sure a PostgreSQL server answers where the settings put the database, before the rest
of set-up (`make setup` runs `python -m diversion.lib.database_server`).

Where that is this machine and nothing answers: a stopped Debian cluster on the port is
started; with no cluster on the port one is made (`pg_createcluster`); with no PostgreSQL
server installed at all, Debian's `postgresql` package is (as root, through apt), as `make
test` installs Chromium. A server on another machine is never installed or started: set-up
stops and says so.

A cluster made here, whether by `pg_createcluster` or by the package's own set-up, has its
rules for connections from this machine (the Unix socket, TCP from 127.0.0.1 and ::1) set to
`trust` in pg_hba.conf, since the local roles in `.env.example` have no passwords. That lets
in anyone with an account on the machine, so it is only ever done to a cluster that did not
exist when set-up began: an existing server's authentication is never changed.

The standard library only: it runs under the system Python, before the virtualenv exists
and without Django. The decision (`decide`) is a pure function of what was found on the
machine; the rest finds that (`observe`) and does what was decided (`perform`).
"""

# The commands run are fixed names from Debian's PostgreSQL and apt packages, on PATH.
# ruff: noqa: S603, S607

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Where the database is when DATABASE_URL is not set (settings.DATABASES).
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/diversion"
ENV_FILE = Path(__file__).resolve().parents[2] / ".env"
# Hosts meaning this machine; an empty host is libpq's Unix socket, in Debian's directory.
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
SOCKET_DIRECTORY = "/var/run/postgresql"
SERVERS = Path("/usr/lib/postgresql")
# How long a started cluster has to answer; pg_ctl itself waits for it to be ready.
START_SECONDS = 60
INSTALL = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql"


class SetupError(Exception):
    """A step could not be done; its message says what to do instead."""


@dataclass(frozen=True)
class Server:
    """Where the database server should answer."""

    host: str
    port: int

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    def __str__(self) -> str:
        host = self.host or SOCKET_DIRECTORY
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


@dataclass(frozen=True)
class Cluster:
    """A Debian PostgreSQL cluster, as `pg_lsclusters` lists it."""

    version: str
    name: str
    port: int
    running: bool
    hba_file: str

    def __str__(self) -> str:
        return f"{self.version}/{self.name}"


@dataclass(frozen=True)
class Machine:
    """What set-up found: whether the server answers, Debian's clusters, the PostgreSQL
    server versions installed with Debian's cluster tools, and what set-up may do."""

    answers: bool
    clusters: tuple[Cluster, ...] = ()
    versions: tuple[str, ...] = ()
    root: bool = False
    apt: bool = False


@dataclass(frozen=True)
class Install:
    """Install Debian's PostgreSQL server, which makes a cluster of its own."""


@dataclass(frozen=True)
class Create:
    version: str
    name: str
    port: int


@dataclass(frozen=True)
class Trust:
    """Trust connections from this machine: only ever a cluster made by this set-up."""

    cluster: Cluster


@dataclass(frozen=True)
class Reload:
    cluster: Cluster


@dataclass(frozen=True)
class Start:
    cluster: Cluster


@dataclass(frozen=True)
class Wait:
    """Wait for the server to answer where the settings say."""

    cluster: Cluster


@dataclass(frozen=True)
class Refuse:
    """Stop set-up, saying why and what to do."""

    message: str


Step = Install | Create | Trust | Reload | Start | Wait | Refuse


def decide(server: Server, machine: Machine, made: frozenset[Cluster] = frozenset()) -> list[Step]:
    """The steps that get a server answering at `server`, given what is on the `machine`
    and the clusters this set-up has `made` so far. A plan ending in Install or Create is
    decided again once it is done, on what it made."""
    if not server.local:
        if machine.answers:
            return []
        return [
            Refuse(
                f"No PostgreSQL server answers at {server}. It is not on this machine, so "
                "nothing is installed or started: start that server, or point DATABASE_URL "
                "(and DATABASE_ADMIN_URL) at one that runs (see .env.example)."
            )
        ]
    cluster = next((c for c in machine.clusters if c.port == server.port), None)
    if cluster is not None and cluster in made:
        return [
            Trust(cluster),
            Reload(cluster) if cluster.running else Start(cluster),
            Wait(cluster),
        ]
    if machine.answers:
        return []
    if cluster is not None:
        if cluster.running:
            return [
                Refuse(
                    f"PostgreSQL cluster {cluster} runs on port {server.port} but does not "
                    f"answer at {server}: see its listen_addresses and its log "
                    f"(/var/log/postgresql/postgresql-{cluster.version}-{cluster.name}.log)."
                )
            ]
        return [Start(cluster), Wait(cluster)]
    if machine.versions:
        version = max(machine.versions, key=int)
        names = {c.name for c in machine.clusters if c.version == version}
        name = "main" if "main" not in names else f"port{server.port}"
        if not machine.root:
            return [
                Refuse(
                    f"No PostgreSQL cluster listens on port {server.port}. Run `make "
                    f"database-server` as root to make one ({version}/{name}) that this "
                    "machine may connect to, or point DATABASE_URL at a running server "
                    "(see .env.example)."
                )
            ]
        return [Create(version, name, server.port)]
    if not machine.apt:
        return [
            Refuse(
                f"No PostgreSQL server answers at {server}, and none is installed. Install "
                "PostgreSQL 15 or later and start a server there whose superuser postgres "
                "this machine may connect as (or give its password in DATABASE_ADMIN_URL), "
                "or point DATABASE_URL at a running server (see .env.example)."
            )
        ]
    if not machine.root:
        return [
            Refuse(
                f"No PostgreSQL server answers at {server}, and none is installed. Run `make "
                "database-server` as root to install Debian's postgresql package and let "
                f"this machine connect to it ({INSTALL}), or point DATABASE_URL at a running "
                "server (see .env.example)."
            )
        ]
    return [Install()]


def configured_server(environ: Mapping[str, str], dotenv: Mapping[str, str]) -> Server:
    """The server the administrator connects to (DATABASE_ADMIN_URL, by default that of
    DATABASE_URL), each from the environment, else from `.env`, as the settings read it."""

    def setting(name: str) -> str:
        return environ[name] if name in environ else dotenv.get(name, "")

    url = setting("DATABASE_ADMIN_URL") or default_admin_url(
        *_host_and_port(setting("DATABASE_URL") or DEFAULT_DATABASE_URL)
    )
    return Server(*_host_and_port(url))


def default_admin_url(host: str, port: int | str | None) -> str:
    """The administrator when DATABASE_ADMIN_URL is not set: `postgres`, on DATABASE_URL's
    server (127.0.0.1 for an empty host, as for the settings' other connections)."""
    host = host or "127.0.0.1"
    return f"postgres://postgres@{f'[{host}]' if ':' in host else host}:{port or 5432}/postgres"


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "", parts.port or 5432


def read_dotenv(text: str) -> dict[str, str]:
    """The settings in a `.env` file, read as django-environ reads it: KEY=value lines,
    `export ` allowed, one pair of quotes around a value removed."""
    values = {}
    for line in text.splitlines():
        found = re.match(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z", line)
        if found:
            key, value = found.groups()
            quoted = re.match(r"""\A(['"])(.*)\1\Z""", value)
            values[key] = quoted.group(2) if quoted else value
    return values


def trust_this_machine(hba: str) -> str:
    """pg_hba.conf with each rule for connections from this machine (the Unix socket, TCP
    from 127.0.0.1/32 and ::1/128) set to trust; every other line as it was."""
    lines = [
        "# Connections from this machine trusted by `make setup`, which made this cluster\n"
        "# for local development (diversion.lib.database_server).\n"
    ]
    for line in hba.splitlines(keepends=True):
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] == "local" and len(fields) >= 4:
            line = " ".join([*fields[:3], "trust"]) + "\n"
        elif (
            fields
            and fields[0].startswith("host")
            and len(fields) >= 5
            and fields[3] in {"127.0.0.1/32", "::1/128"}
        ):
            line = " ".join([*fields[:4], "trust"]) + "\n"
        lines.append(line)
    return "".join(lines)


def answers(server: Server) -> bool:
    """Whether something accepts connections at `server` (its port or Unix socket)."""
    try:
        if server.host:
            socket.create_connection((server.host, server.port), timeout=3).close()
        else:
            with socket.socket(socket.AF_UNIX) as unix:
                unix.settimeout(3)
                unix.connect(f"{SOCKET_DIRECTORY}/.s.PGSQL.{server.port}")
    except OSError:
        return False
    return True


def observe(server: Server) -> Machine:
    """What is on this machine, as `decide` needs it."""
    clusters: tuple[Cluster, ...] = ()
    if shutil.which("pg_lsclusters"):
        listing = subprocess.run(["pg_lsclusters", "--json"], capture_output=True, text=True)
        if listing.returncode != 0:
            raise SetupError(f"pg_lsclusters --json failed: {listing.stderr.strip()}")
        clusters = tuple(
            Cluster(
                version=str(c["version"]),
                name=c["cluster"],
                port=int(c["port"]),
                running=bool(c["running"]),
                hba_file=c["config"].get("hba_file", f"{c['configdir']}/pg_hba.conf"),
            )
            for c in json.loads(listing.stdout)
        )
    versions: tuple[str, ...] = ()
    if shutil.which("pg_createcluster") and SERVERS.is_dir():
        versions = tuple(
            sorted(p.name for p in SERVERS.iterdir() if (p / "bin" / "postgres").exists())
        )
    return Machine(
        answers=answers(server),
        clusters=clusters,
        versions=versions,
        root=os.geteuid() == 0,
        apt=shutil.which("apt-get") is not None,
    )


def _run(command: list[str], failure: str) -> None:
    if subprocess.run(command).returncode != 0:
        raise SetupError(failure)


def perform(step: Step, server: Server) -> None:
    """Do one step of a plan on this machine."""
    match step:
        case Install():
            print("No PostgreSQL server is installed: installing Debian's postgresql.")
            _run(["sh", "-c", INSTALL], "Installing postgresql failed (see above).")
        case Create(version, name, port):
            print(f"Making PostgreSQL cluster {version}/{name} on port {port}.")
            _run(
                ["pg_createcluster", version, name, "--port", str(port)],
                f"Making PostgreSQL cluster {version}/{name} failed (see above).",
            )
        case Trust(cluster):
            print(f"Trusting connections from this machine to cluster {cluster}, made here.")
            hba = Path(cluster.hba_file)
            hba.write_text(trust_this_machine(hba.read_text()))
        case Reload(cluster):
            _run(
                ["pg_ctlcluster", cluster.version, cluster.name, "reload"],
                f"Reloading PostgreSQL cluster {cluster} failed (see above).",
            )
        case Start(cluster):
            print(f"Starting PostgreSQL cluster {cluster}.")
            # Also where systemd is not running, as in a container.
            _run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", cluster.version, cluster.name]
                + ["start"],
                f"Starting PostgreSQL cluster {cluster} failed (see above; as root: "
                f"pg_ctlcluster {cluster.version} {cluster.name} start).",
            )
        case Wait(cluster):
            deadline = time.monotonic() + START_SECONDS
            while not answers(server):
                if time.monotonic() > deadline:
                    raise SetupError(
                        f"PostgreSQL cluster {cluster} does not answer at {server} after "
                        f"{START_SECONDS} s: see its log (/var/log/postgresql/"
                        f"postgresql-{cluster.version}-{cluster.name}.log)."
                    )
                time.sleep(0.2)  # polling for the server to come up
        case Refuse(message):
            raise SetupError(message)


def ensure(
    server: Server,
    observe: Callable[[Server], Machine] = observe,
    perform: Callable[[Step, Server], None] = perform,
) -> None:
    """Decide and do, deciding again after each Install or Create on what it made, until
    the server answers; SetupError if it cannot."""
    machine = observe(server)
    before = {(c.version, c.name) for c in machine.clusters}
    done: set[Step] = set()
    while plan := decide(
        server, machine, frozenset(c for c in machine.clusters if (c.version, c.name) not in before)
    ):
        for step in plan:
            if step in done:
                raise SetupError(f"Done once already, to no effect: {step}.")
            perform(step, server)
            done.add(step)
        if not isinstance(plan[-1], Install | Create):
            return
        machine = observe(server)


def main() -> int:
    dotenv = read_dotenv(ENV_FILE.read_text()) if ENV_FILE.exists() else {}
    try:
        ensure(configured_server(os.environ, dotenv))
    except SetupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
