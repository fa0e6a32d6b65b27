"""What the service role may do in the database, granted by the owner after every migrate.

DPA 2018 s62(1) and s66: the logs of processing, and the change history, must themselves be
protected. The running service connects as the service role (settings.DATABASE_SERVICE),
which may read and write the records but may only add to the access log, the security log
and every change-history table, may only read django_migrations, and owns nothing, so cannot
change the schema. Triggers on the same tables refuse updates and deletes even to the owner
(audit.models; pghistory's `append_only`), except where pgtrigger.ignore is set by a
function the owner made (retention erasure).
"""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections


def append_only_tables() -> list[str]:
    """The tables the service role may only read and add to: those whose rows a trigger keeps
    unchangeable (a pgtrigger Protect named `append_only`), so the privileges and the trigger
    say the same: the two logs, every change history (pghistory gives each event model the
    trigger) and the retention decisions. A new such table is covered unasked."""
    return [
        model._meta.db_table
        for model in apps.get_models()
        if any(trigger.name == "append_only" for trigger in getattr(model._meta, "triggers", []))
    ]


def grant(using: str = "default", **kwargs: Any) -> None:
    """Give the service role its privileges in the database of `using` (a post_migrate
    receiver, so they follow every new table). Nothing to do when the service role is the
    one migrating (a single role, as with no DATABASE_OWNER_URL)."""
    service = settings.DATABASE_SERVICE["USER"]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if not service or cursor.fetchone()[0] == service:
            return
        existing = set(connection.introspection.table_names(cursor))
        role = connection.ops.quote_name(service)
        statements = [
            # No object belongs to the service role, and it may create none in the schema.
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {role}",
        ]
        statements += [
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {connection.ops.quote_name(table)} FROM {role}"
            for table in append_only_tables()
            if table in existing
        ]
        for statement in statements:
            cursor.execute(statement)
