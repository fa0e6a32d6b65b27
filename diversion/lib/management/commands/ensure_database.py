"""Make sure the configured PostgreSQL server answers, and that the database and its two
roles exist: the owner, which owns the schema and migrates it, and the service role the
running service connects as (settings: DATABASE_URL, DATABASE_OWNER_URL). They are made
through an administrator's connection (DATABASE_ADMIN_URL), for development and CI; in
production a database administrator makes them (.env.example)."""

from typing import Any

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql

from diversion.lib.database_server import Server


def _connect(db: dict[str, Any], dbname: str) -> Any:
    return psycopg2.connect(
        dbname=dbname,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        connect_timeout=5,
    )


def how_to_start(db: dict[str, Any]) -> str:
    server = Server(db["HOST"], int(db["PORT"] or 5432))
    return (
        f"No PostgreSQL server answers at {server}, or it refuses {db['USER']}.\n"
        "On this machine, `python -m diversion.lib.database_server` (run by `make run` and\n"
        "`make test`) starts a stopped server or installs one; or point DATABASE_URL and\n"
        "DATABASE_ADMIN_URL at a running server (see .env.example)."
    )


# What each role may do beyond signing in (README: "Two database roles"). The owner makes
# the test databases, so it may create databases; neither is a superuser.
OWNER_ATTRIBUTES = "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE"
SERVICE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"


def _admin_connection(admin: dict[str, Any]) -> Any:
    """A connection to the server as its administrator; autocommit, since CREATE DATABASE
    cannot run in a transaction. Starting the server is set-up's, before this runs
    (diversion.lib.database_server)."""
    try:
        connection = _connect(admin, "postgres")
    except psycopg2.OperationalError:
        raise CommandError(how_to_start(admin)) from None
    connection.autocommit = True
    return connection


def _ensure_role(cursor: Any, db: dict[str, Any], attributes: str) -> bool:
    """Create the role `db` signs in as, if missing; True if it was created."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [db["USER"]])
    if cursor.fetchone() is not None:
        return False
    statement = sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(db["USER"]))
    if db["PASSWORD"]:
        cursor.execute(statement + sql.SQL(" PASSWORD %s"), [db["PASSWORD"]])
    else:
        cursor.execute(statement)
    return True


def _refuse_a_privileged_service_role(cursor: Any, name: str) -> None:
    cursor.execute(
        "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = %s",
        [name],
    )
    if cursor.fetchone()[0]:
        raise CommandError(
            f"The service role {name} may create databases or roles, or is a superuser. "
            "The service must connect as a role that may not (see .env.example)."
        )


def ensure(
    name: str, *, admin: dict[str, Any], service: dict[str, Any], owner: dict[str, Any] | None
) -> list[str]:
    """Make what is missing of the database `name` and its roles, through the `admin`
    connection; return what was made. `service` and `owner` are the two roles' connection
    settings (DATABASES entries); with no `owner` the service's role owns the database, as
    one role. An existing role is left as it is, but a privileged service role is refused."""
    made = []
    connection = _admin_connection(admin)
    try:
        with connection.cursor() as cursor:
            if owner is not None:
                if _ensure_role(cursor, owner, OWNER_ATTRIBUTES):
                    made.append(f"role {owner['USER']}")
                if _ensure_role(cursor, service, SERVICE_ATTRIBUTES):
                    made.append(f"role {service['USER']}")
                _refuse_a_privileged_service_role(cursor, service["USER"])
                # So the test suite, connected as the owner, can act as the service role
                # (SET ROLE). Granting it again changes nothing.
                cursor.execute(
                    sql.SQL("GRANT {} TO {}").format(
                        sql.Identifier(service["USER"]), sql.Identifier(owner["USER"])
                    )
                )
            owner_role = (owner or service)["USER"]
            cursor.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]
            )
            found = cursor.fetchone()
            if found is None:
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(owner_role)
                    )
                )
                made.append(f"database {name}")
            elif owner is not None and found[0] != owner_role:
                raise CommandError(
                    f"Database {name} belongs to {found[0]}, not {owner_role}: it was made "
                    f"before the owner role. Drop it (dropdb {name}) to have it made afresh."
                )
            return made
    finally:
        connection.close()


class Command(BaseCommand):
    help = (
        "Check the database server answers, "
        "and create the database and its two roles if they are missing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for thing in ensure(
            settings.DATABASES["default"]["NAME"],
            admin=settings.DATABASE_ADMIN,
            service=settings.DATABASE_SERVICE,
            owner=settings.DATABASE_OWNER,
        ):
            self.stdout.write(f"Created {thing}")
