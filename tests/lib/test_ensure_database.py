import uuid

import pytest
from django.core.management import CommandError

from diversion.lib.management.commands import ensure_database


@pytest.fixture
def admin():
    """The server's administrator, as ensure_database connects."""
    from django.conf import settings

    return dict(settings.DATABASE_ADMIN)


def run_sql(admin, statement, params=()):
    connection = ensure_database._connect(admin, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


@pytest.fixture
def names(admin):
    """A database and two roles of the test's own, removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    made = {
        "database": f"ensure_db_test_{tag}",
        "owner": f"ensure_owner_{tag}",
        "service": f"ensure_service_{tag}",
    }
    yield made
    run_sql(admin, f'DROP DATABASE IF EXISTS "{made["database"]}"')
    run_sql(admin, f'DROP ROLE IF EXISTS "{made["service"]}"')
    run_sql(admin, f'DROP ROLE IF EXISTS "{made["owner"]}"')


def role(name, password=""):
    return {"USER": name, "PASSWORD": password}


def test_the_database_and_both_roles_are_made_once(admin, names):
    owner, service = role(names["owner"]), role(names["service"], "not-used-locally")

    made = ensure_database.ensure(names["database"], admin=admin, service=service, owner=owner)
    again = ensure_database.ensure(names["database"], admin=admin, service=service, owner=owner)

    assert made == [
        f"role {names['owner']}",
        f"role {names['service']}",
        f"database {names['database']}",
    ]
    assert again == []
    roles = run_sql(
        admin,
        "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole,"
        " rolpassword IS NOT NULL FROM pg_authid WHERE rolname = ANY(%s) ORDER BY rolname",
        [[names["owner"], names["service"]]],
    )
    assert roles == [
        (names["owner"], True, False, True, False, False),
        (names["service"], True, False, False, False, True),
    ]
    assert run_sql(
        admin,
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
        [names["database"]],
    ) == [(names["owner"],)]
    # The owner may act as the service role (the test suite does, with SET ROLE).
    assert run_sql(
        admin, "SELECT pg_has_role(%s, %s, 'MEMBER')", [names["owner"], names["service"]]
    )[0][0]


def test_with_one_role_no_role_is_made_and_it_owns_the_database(admin, names):
    run_sql(admin, f'CREATE ROLE "{names["service"]}" LOGIN')
    service = role(names["service"])

    made = ensure_database.ensure(names["database"], admin=admin, service=service, owner=None)

    assert made == [f"database {names['database']}"]
    assert run_sql(
        admin,
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
        [names["database"]],
    ) == [(names["service"],)]


def test_a_service_role_that_may_create_databases_is_refused(admin, names):
    run_sql(admin, f'CREATE ROLE "{names["service"]}" LOGIN CREATEDB')

    with pytest.raises(CommandError, match="may create databases or roles"):
        ensure_database.ensure(
            names["database"],
            admin=admin,
            service=role(names["service"]),
            owner=role(names["owner"]),
        )
    assert run_sql(admin, "SELECT 1 FROM pg_database WHERE datname = %s", [names["database"]]) == []


def test_a_database_made_before_the_owner_role_is_refused(admin, names):
    run_sql(admin, f'CREATE DATABASE "{names["database"]}"')

    with pytest.raises(CommandError, match=f"belongs to {admin['USER']}, not {names['owner']}"):
        ensure_database.ensure(
            names["database"],
            admin=admin,
            service=role(names["service"]),
            owner=role(names["owner"]),
        )


def test_no_server_says_how_to_start_one(admin):
    with pytest.raises(CommandError, match="python -m diversion.lib.database_server"):
        ensure_database.ensure(
            "any",
            admin={**admin, "HOST": "127.0.0.1", "PORT": "1"},
            service=role("any"),
            owner=None,
        )
