"""The logs and the change history are protected in the database itself (DPA 2018 s62, s66):
the service role may only add to them, and a trigger refuses even the owner a change."""

import pghistory
import pghistory.models
import pgtrigger
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from diversion.audit import privileges, security
from diversion.audit.models import AccessLogEntry, Action, SecurityEvent
from diversion.people.models import PersonHistory
from tests.factories import PersonFactory, UserFactory

LOGS_AND_HISTORY = ["audit_accesslogentry", "audit_securityevent", "people_personhistory"]


@pytest.fixture
def rows(db):
    """A row in each protected table: an access, a sign-in and a person's history."""
    user = UserFactory()
    person = PersonFactory()
    AccessLogEntry.objects.create(
        actor=user, action=Action.CONSULTATION, record_type="people.person", record_id=person.pk
    )
    security.record(SecurityEvent.Kind.SIGNED_IN, None, user)
    assert PersonHistory.objects.filter(pgh_obj=person).exists()


def refused(statement):
    """The database error `statement` raises, in a savepoint so the test can go on."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(statement)
    return str(raised.value)


def current_user():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


def test_the_suite_runs_as_the_service_role(db):
    assert current_user() == settings.DATABASE_SERVICE["USER"]
    assert current_user() != settings.DATABASES["default"]["USER"]


@pytest.mark.parametrize("table", LOGS_AND_HISTORY)
@pytest.mark.parametrize(
    "statement", ["UPDATE {} SET id = id", "DELETE FROM {}", "TRUNCATE {} CASCADE"]
)
def test_the_service_role_may_not_change_a_log_or_a_history(rows, table, statement):
    assert "permission denied" in refused(statement.format(table))


def test_the_service_role_may_add_to_the_logs_and_history(rows):
    assert AccessLogEntry.objects.count() == 1
    assert SecurityEvent.objects.count() == 1


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE people_person ADD COLUMN intruder int",
        "DROP TABLE people_person CASCADE",
        "CREATE FUNCTION intruder() RETURNS int AS 'SELECT 1' LANGUAGE sql",
        "DROP TRIGGER pgtrigger_append_only_3e1fc ON audit_accesslogentry",
    ],
)
def test_the_service_role_may_not_change_the_schema(db, statement):
    message = refused(statement)
    assert "permission denied" in message or "must be owner" in message


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
        "UPDATE django_migrations SET name = name",
        "DELETE FROM django_migrations",
    ],
)
def test_the_service_role_may_not_change_the_migrations_applied(db, statement):
    assert "permission denied" in refused(statement)


def test_every_history_table_is_append_only_to_the_service_role(db):
    """Found from the models, so a new history table is covered without a change here."""
    histories = [
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.managed
    ]
    assert len(histories) >= 10
    role = settings.DATABASE_SERVICE["USER"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM unnest(%s::text[]) AS table_name"
            " WHERE NOT has_table_privilege(%s, table_name, 'INSERT')"
            " OR has_table_privilege(%s, table_name, 'UPDATE')"
            " OR has_table_privilege(%s, table_name, 'DELETE')"
            " OR has_table_privilege(%s, table_name, 'TRUNCATE')",
            [privileges.append_only_tables(), role, role, role, role],
        )
        assert cursor.fetchall() == []
    assert set(histories) <= set(privileges.append_only_tables())


def test_the_service_role_owns_nothing_and_the_owner_owns_every_function(db):
    """Functions the migrations made (the triggers') belong to the owner, so a function the
    owner makes later may rely on them; an extension's functions are the extension's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = %s::regrole",
            [settings.DATABASE_SERVICE["USER"]],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc p"
            " WHERE pronamespace = 'public'::regnamespace AND NOT EXISTS ("
            "  SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
            "  AND d.objid = p.oid AND d.deptype = 'e')"
        )
        assert cursor.fetchall() == [(settings.DATABASES["default"]["USER"],)]


@pytest.fixture
def as_the_owner(rows):
    """Back to the role the suite signed in as, the owner, for the rest of the test."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert current_user() == settings.DATABASES["default"]["USER"]


@pytest.mark.parametrize("table", LOGS_AND_HISTORY)
@pytest.mark.parametrize("statement", ["UPDATE {} SET id = id", "DELETE FROM {}"])
def test_even_the_owner_may_not_change_a_log_or_a_history(as_the_owner, table, statement):
    assert f"Cannot update or delete rows from {table} table" in refused(statement.format(table))


def test_the_owner_may_delete_history_with_the_trigger_ignored(as_the_owner):
    """How retention erasure removes a person's history: pgtrigger.ignore, which only the
    owner's privileges make useful."""
    with pgtrigger.ignore("people.PersonHistory:append_only"):
        deleted, _ = PersonHistory.objects.all().delete()
    assert deleted == 1
