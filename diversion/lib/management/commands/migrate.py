"""`manage.py migrate`, run as the database's owner role.

The schema belongs to the owner, so only it may change it; the running service connects as
the service role, which may not (settings: DATABASE_OWNER_URL). After migrating, the
service role's grants are applied again (diversion.audit.privileges, on post_migrate).
"""

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

from diversion.lib.db import use_owner


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        use_owner(connections[options["database"]])
        super().handle(*args, **options)
