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
