"""Reading the change history in tests, as the service reads it (lib.history)."""

from diversion.lib.history import changes, with_actors
from diversion.lib.workflow import moves


def status_moves(obj):
    """Each status move recorded for `obj`, oldest first, with its actor and reason."""
    found = moves(changes(obj.history.all()))
    with_actors(found)
    return found


def caseworker_changes(programme):
    """(previous caseworker id, caseworker id, actor id, reason) for each change of the
    case's caseworker, oldest first."""
    return [
        (c.before["caseworker_id"], c.after["caseworker_id"], c.user_id, c.reason)
        for c in changes(programme.history.all())
        if c.kind == "update" and c.moved("caseworker_id")
    ]


def only(found):
    """The one change in `found`."""
    [change] = found
    return change


def written():
    """What the service has stored: the number of copies in every change history (the
    triggers copy each insert, update and delete of case and personal data) and of access
    log entries that record a change or a disclosure. A refused post leaves both as they
    were."""
    from django.apps import apps

    from diversion.audit.models import AccessLogEntry, Action

    copies = sum(
        model.objects.count() for model in apps.get_models() if hasattr(model, "pgh_tracked_model")
    )
    return copies, AccessLogEntry.objects.exclude(action=Action.CONSULTATION).count()
