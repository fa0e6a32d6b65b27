"""Access and change logging (DPA 2018 Part 3, s62)."""

from collections.abc import Iterable

from django.db.models import Model

from diversion.accounts.models import User
from diversion.audit.models import AccessLogEntry, Action


def log(
    actor: User,
    action: Action,
    record: Model,
    *,
    detail: str = "",
    reason: str = "",
    recipient: str = "",
) -> AccessLogEntry:
    """Record one processing of `record` (a model instance) by `actor`."""
    return AccessLogEntry.objects.create(
        actor=actor,
        action=action,
        record_type=record._meta.label_lower,
        record_id=record.pk,
        detail=detail,
        reason=reason,
        recipient=recipient,
    )


def log_many(
    actor: User,
    action: Action,
    records: Iterable[Model],
    *,
    detail: str = "",
    reason: str = "",
    recipient: str = "",
) -> None:
    """Record one processing of several records in one insert: a list page's consultation,
    or a disclosure of many records to one recipient."""
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=actor,
            action=action,
            record_type=r._meta.label_lower,
            record_id=r.pk,
            detail=detail,
            reason=reason,
            recipient=recipient,
        )
        for r in records
    )
