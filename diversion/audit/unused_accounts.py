"""Deactivating accounts nobody has signed in to for a long time, so that a leaver's or a
forgotten account cannot be used (`manage.py deactivate_unused_accounts`)."""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from diversion.audit.models import SecurityEvent, SecurityEventKind

UNUSED_FOR = datetime.timedelta(days=90)


def deactivate_unused_accounts() -> int:
    """Deactivate every active account not signed in to for UNUSED_FOR (one never signed in
    to: UNUSED_FOR after it was made), superusers too, and log each in the security log.

    One UPDATE picks and changes the accounts, so a run that overlaps another waits for its
    rows and then finds them inactive already: each is deactivated and logged once. A user
    being deactivated is signed out at their next request (Django refuses inactive users)."""
    User = get_user_model()
    table, quote = User._meta.db_table, connection.ops.quote_name
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET is_active = FALSE"  # noqa: S608 - the model's own table
            " WHERE is_active AND COALESCE(last_login, date_joined) < %s RETURNING id",
            [now - UNUSED_FOR],
        )
        ids = [row[0] for row in cursor.fetchall()]
        SecurityEvent.objects.bulk_create(
            SecurityEvent(
                at=now,
                kind=SecurityEventKind.DEACTIVATED,
                user_id=pk,
                detail=f"not signed in for {UNUSED_FOR.days} days",
            )
            for pk in sorted(ids)
        )
    return len(ids)
