"""A record's status path, each move checked against its model's transition map.

The seed writes statuses and their events straight to the database, so nothing else would
stop it writing a path the service could never take. A Walk starts where the service starts
a record (a referral in one of `Referral.INITIAL`, a programme in its field default, as
`open_programme` makes it) and asks `lib.workflow.allowed` for every move.
"""

from diversion.lib.workflow import allowed


class IllegalDemoPath(Exception):
    """The seed tried a status move the model's TRANSITIONS map does not allow."""


class Walk:
    def __init__(self, model, status, *, actor, at, reason=""):
        initial = getattr(model, "INITIAL", {model._meta.get_field("status").default})
        if status not in initial:
            raise IllegalDemoPath(f"A {model.__name__} does not start as {status}")
        self.TRANSITIONS = model.TRANSITIONS
        self.model, self.status = model, status
        # (from status, to status, actor, at, reason), as StatusEvent records them.
        self.events = [("", status, actor, at, reason)]

    @property
    def at(self):
        """When the last move was made."""
        return self.events[-1][3]

    def can(self, to_status):
        return allowed(self, to_status)

    def to(self, to_status, *, actor, at, reason=""):
        """Move on; a move is never recorded before the one it follows."""
        if not self.can(to_status):
            raise IllegalDemoPath(
                f"A {self.model.__name__} cannot move from {self.status} to {to_status}"
            )
        at = max(at, self.at)
        self.events.append((self.status, to_status, actor, at, reason))
        self.status = to_status
        return at
