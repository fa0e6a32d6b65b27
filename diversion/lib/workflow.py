"""Status changes as data plus one function.

Each workflow model declares a TextChoices `status` and `TRANSITIONS = {from_status:
{to_status, ...}}`. `transition()` is the only code that changes a status: it locks the row,
checks the move against the map and saves; the change history (lib.history) records who,
when, from, to and why, and `moves()` reads the moves back from it.

The actions open in a status are derived from the same map, as django-oscar's
`available_statuses()` does: a model names its actions (`ACTIONS = {"complete":
Move(Status.COMPLETED), ...}`) and views and templates ask `obj.can("complete")` or
`obj.open_actions.complete`, never comparing a status to a string. `label()` and
`tag_colour()` give the words and the GOV.UK tag colour for any status.
"""

from collections.abc import Collection, Iterable, Mapping
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction

from diversion.lib.concurrency import lock_for_change
from diversion.lib.history import Change, changes_by


class StatusRecord(Protocol):
    """A record with a `status` that moves along a TRANSITIONS map."""

    status: str

    @property
    def TRANSITIONS(self) -> Mapping[Any, Collection[Any]]: ...


class ActionRecord(StatusRecord, Protocol):
    """A StatusRecord whose model names its actions (ACTIONS)."""

    @property
    def ACTIONS(self) -> Mapping[str, "Move"]: ...


class MovableRecord(StatusRecord, Protocol):
    """A StatusRecord that is a model's row, as transition() reads and saves it."""

    objects: ClassVar[models.Manager[Any]]
    _meta: ClassVar[Any]
    pk: Any

    def full_clean(self, *args: Any, **kwargs: Any) -> None: ...

    def save(self, *args: Any, **kwargs: Any) -> None: ...


M = TypeVar("M", bound=MovableRecord)


class IllegalTransition(Exception):
    """A status move the workflow's transition map does not allow."""

    def __init__(self, obj: MovableRecord, to_status: str) -> None:
        self.from_status, self.to_status = obj.status, to_status
        super().__init__(
            f"A {obj._meta.verbose_name} cannot move from "
            f"“{label(obj, self.from_status)}” to “{label(obj, to_status)}”."
        )


# `obj` is a workflow model or one of its records.
def label(obj: Any, status: str | None = None) -> str:
    """The words for `status` (by default the record's own) of a workflow model or record;
    an unknown value is shown as it is."""
    if status is None:
        status = obj.status
    return dict(obj._meta.get_field("status").choices).get(status, status)


def tag_colour(obj: Any, status: str | None = None) -> str:
    """The GOV.UK tag colour a model gives `status` (by default the record's own)."""
    if status is None:
        status = obj.status
    return getattr(obj, "STATUS_COLOURS", {}).get(status, "blue")


class Move(NamedTuple):
    """A named action that moves a record to status `to`. `only_from` narrows the map for
    an action that is one of several ways into the same status (signing a contract and
    reopening a case both lead to active)."""

    to: str
    only_from: frozenset[str] | None = None


def available(obj: StatusRecord) -> frozenset[str]:
    """The statuses the transition map lets `obj` move to from where it is now."""
    return frozenset(obj.TRANSITIONS.get(obj.status, ()))


def statuses_where(model: type["Workflow"], action: str) -> frozenset[str]:
    """The statuses in which the action named `action` is open, for queries and for
    checking a status without a record at hand."""
    move = model.ACTIONS[action]
    return frozenset(
        status
        for status, moves in model.TRANSITIONS.items()
        if move.to in moves and (move.only_from is None or status in move.only_from)
    )


def can(obj: ActionRecord, action: str) -> bool:
    """Whether the action named `action` in `obj.ACTIONS` is open in obj's status."""
    move = obj.ACTIONS[action]
    return move.to in available(obj) and (move.only_from is None or obj.status in move.only_from)


class Workflow:
    """For a model with a `status` and `TRANSITIONS` and `ACTIONS` maps."""

    TRANSITIONS: ClassVar[Mapping[Any, Collection[Any]]] = {}
    ACTIONS: ClassVar[Mapping[str, Move]] = {}
    STATUS_COLOURS: ClassVar[Mapping[Any, str]] = {}

    # Typed by what the mixin needs of the model it is mixed into: a status.
    def can(self: ActionRecord, action: str) -> bool:
        return can(self, action)

    @property
    def open_actions(self: ActionRecord) -> dict[str, bool]:
        """Each action, True where it is open, for templates: `case.open_actions.sign`."""
        return {name: can(self, name) for name in self.ACTIONS}


def allowed(obj: StatusRecord, to_status: str) -> bool:
    return to_status in obj.TRANSITIONS.get(obj.status, set())


@transaction.atomic
def transition(
    obj: M,
    to_status: str,
    *,
    actor: AbstractBaseUser,
    reason: str = "",
    from_statuses: Collection[str] | None = None,
    expected_version: int | str | None = None,
    **changes: Any,
) -> M:
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
            # hasattr() tells mypy of a `version` but not that obj is then a Versioned record.
            locked = lock_for_change(obj, expected_version)  # type: ignore[type-var]
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


def moves(found: Iterable[Change]) -> list[Change]:
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
