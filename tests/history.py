"""Reading the change history in tests, as the service reads it (lib.history)."""

import re
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

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


@contextmanager
def access_log_unread():
    """Fail if the block reads the access log: what changed is read from the change history,
    and no code reads the log back (it may only be added to, so a test cannot empty it)."""
    with CaptureQueriesContext(connection) as queries:
        yield
    reads = [
        q["sql"] for q in queries if re.search(r'(FROM|JOIN) "audit_accesslogentry"', q["sql"])
    ]
    assert reads == []
