"""Access and change logging (DPA 2018 Part 3, s62)."""

from diversion.audit.models import AccessLogEntry, Action


def log(actor, action: Action, record, *, detail="", reason="", recipient=""):
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


def log_many(actor, action: Action, records, *, detail=""):
    """Record a list page's consultation of several records in one insert."""
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=actor,
            action=action,
            record_type=r._meta.label_lower,
            record_id=r.pk,
            detail=detail,
        )
        for r in records
    )
