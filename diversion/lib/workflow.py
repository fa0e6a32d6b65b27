"""Status changes as data plus one function.

Each workflow model declares a TextChoices `status` and `TRANSITIONS = {from_status:
{to_status, ...}}`. `transition()` is the only code that changes a status: it locks the row,
checks the move against the map and saves; the change history (lib.history) records who,
when, from, to and why, and `moves()` reads the moves back from it.
"""

from django.db import transaction

from diversion.lib.concurrency import lock_for_change
from diversion.lib.history import changes_by


class IllegalTransition(Exception):
    """A status move the workflow's transition map does not allow."""

    def __init__(self, obj, to_status):
        self.from_status, self.to_status = obj.status, to_status
        super().__init__(
            f"A {obj._meta.verbose_name} cannot move from "
            f"“{_label(obj, self.from_status)}” to “{_label(obj, to_status)}”."
        )


def _label(obj, value):
    return dict(obj._meta.get_field("status").choices).get(value, value)


def allowed(obj, to_status):
    return to_status in obj.TRANSITIONS.get(obj.status, set())


@transaction.atomic
def transition(
    obj, to_status, *, actor, reason="", from_statuses=None, expected_version=None, **changes
):
    """Move `obj` to `to_status`, applying `changes` to its fields in the same write, and
    record it in the history as done by `actor` for `reason`.

    The row is re-read under a lock so two people acting at once cannot both move it.
    A record with a `version` (see lib.concurrency) is checked against `expected_version`
    and its version raised. `from_statuses` narrows the map for an action that is one of
    several ways into the same status (signing a contract, unlike reopening, starts only
    from awaiting contract).
    """
    with changes_by(actor, reason):
        if hasattr(obj, "version"):
            locked = lock_for_change(obj, expected_version)
        else:
            locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        if not allowed(locked, to_status) or (
            from_statuses is not None and locked.status not in from_statuses
        ):
            raise IllegalTransition(locked, to_status)
        locked.status = to_status
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save()
    # Keep the caller's instance in step with the database.
    obj.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return obj


def moves(found):
    """The status moves among `found` (lib.history.changes of one workflow's history): each
    change that set or changed the status, with `from_status` ("" when it was created) and
    `to_status` added."""
    result = []
    for change in found:
        if change.kind == "delete" or not change.moved("status"):
            continue
        change.from_status = change.before["status"] if change.before else ""
        change.to_status = change.after["status"]
        result.append(change)
    return result
