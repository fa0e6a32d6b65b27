"""A record's status path, each move checked against its model's transition map and
recorded in its history as `lib.workflow.transition` records it.

The seed writes statuses straight to the database, so nothing else would stop it writing a
path the service could never take. A Walk starts where the service starts a record (a
referral in one of `Referral.INITIAL`, a programme in its field default, as
`open_programme` makes it) and asks `lib.workflow.allowed` for every move.
"""

from diversion.lib.workflow import allowed


class IllegalDemoPath(Exception):
    """The seed tried a status move the model's TRANSITIONS map does not allow."""


class Walk:
    """The status path of `record` (a copy.Record), from its insert by `action`."""

    def __init__(self, record, action):
        model = record.layout.model
        status = record["status"]
        initial = getattr(model, "INITIAL", {model._meta.get_field("status").default})
        if status not in initial:
            raise IllegalDemoPath(f"A {model.__name__} does not start as {status}")
        self.TRANSITIONS = model.TRANSITIONS
        self.model, self.record, self.status = model, record, status
        self.at = action.at  # when the last change was made
        record.insert(action)

    def can(self, to_status):
        return allowed(self, to_status)

    def after(self, moment):
        """`moment`, or the last change's if that was later: a change is never recorded
        before the one it follows."""
        return max(moment, self.at)

    def change(self, action, **changes):
        """A change that is not a move (a caseworker allocated, say)."""
        if action.at < self.at:
            raise IllegalDemoPath(f"A {self.model.__name__} change recorded before the last")
        self.record.update(action, **changes)
        self.at = action.at

    def to(self, to_status, action, **changes):
        """Move on, applying `changes` in the same write, as transition() does."""
        if not self.can(to_status):
            raise IllegalDemoPath(
                f"A {self.model.__name__} cannot move from {self.status} to {to_status}"
            )
        self.change(action, status=to_status, **changes)
        self.status = to_status
        return action.at
