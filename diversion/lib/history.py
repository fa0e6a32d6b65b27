"""One change history: who changed what, when, from what to what, and why.

Database triggers (django-pghistory) copy each insert, update and delete of a tracked model
into its history table, whatever made the change: a service, a queryset.update(), raw SQL.
Each copy carries the context of the change: the user, the reason and the moment. A request
records its signed-in user (pghistory's middleware); a service names its actor with
`changes_by`, so a management command, the demo seed and a test are recorded with theirs.

`changes()` reads a history back as the changes between successive copies of each record.
"""

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

import pghistory
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models
from django.utils import timezone

from diversion.lib.text import LONG_TEXT, length_limit

P = ParamSpec("P")
R = TypeVar("R")


def history_model(model: type[models.Model], *, indexes: Sequence[models.Index] = ()) -> Any:
    """The base of `model`'s history model (pghistory's event model, abstract, for a class
    to subclass), with `indexes`. The reason for a change is typed by a person and kept only
    here, so the database limits it as it limits text in the records (lib.text); each
    record's own text is limited in its own table, from which the triggers copy it."""
    reason = length_limit(
        "%(app_label)s_%(class)s_reason_length", "pgh_context", LONG_TEXT, key="reason"
    )
    # Any: a model made at run time, which mypy cannot follow.
    return pghistory.create_event_model(
        model, meta={"indexes": list(indexes), "constraints": [reason]}
    )


@contextmanager
def changes_by(actor: AbstractBaseUser | None, reason: str = "") -> Iterator[None]:
    """Record every write inside the block as made by `actor`, now, for `reason`.

    Inside another block (a service calling another, a request), the inner actor and
    reason apply to the inner writes only: the outer ones are restored on leaving.
    """
    with pghistory.context() as context:
        outer = dict(context.metadata)
        context.metadata.update(
            user=actor.pk if actor is not None else None,
            reason=reason,
            # As text: the JSON encoder would round it to milliseconds.
            at=timezone.now().isoformat(),
        )
        try:
            yield
        finally:
            context.metadata.clear()
            context.metadata.update(outer)
        if not outer:
            _forget_context()


def _forget_context() -> None:
    """The context is kept in settings local to the transaction: clear them, so a later
    write in the same transaction, outside any block, is not put down to this actor. (On an
    error the transaction or savepoint is rolled back, which clears them too.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', '', true),"
            " set_config('pghistory.context_metadata', '', true)"
        )


def recorded(service: Callable[P, R]) -> Callable[P, R]:
    """A service whose writes are all recorded as made by its `actor=` argument."""
    # The wrapper takes the service's own arguments, `actor` among them; a ParamSpec cannot
    # name one keyword argument, so mypy is told so.
    call = cast(Callable[..., R], service)

    @functools.wraps(service)
    def wrapper(*args: Any, actor: AbstractBaseUser | None, **kwargs: Any) -> R:
        with changes_by(actor):
            return call(*args, actor=actor, **kwargs)

    return cast(Callable[P, R], wrapper)


@dataclass
class Change:
    """One copy of a record in its history, with the copy before it (None for an insert)."""

    record_id: Any
    kind: str  # "insert", "update" or "delete"
    at: Any
    user_id: Any
    reason: str
    context_id: Any
    before: dict[str, Any] | None
    after: dict[str, Any]
    actor: Any = None
    fields: set[str] = field(default_factory=set)
    # Filled in by the readers of a history: a status move's statuses (lib.workflow.moves)
    # and their words, and the users the changes name.
    from_status: str = ""
    to_status: str = ""
    from_label: str = ""
    to_label: str = ""
    users: dict[Any, Any] = field(default_factory=dict)

    def moved(self, name: str) -> bool:
        """True if `name` changed here (or was first set, for an insert)."""
        return name in self.fields


def _snapshot(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def tracked_fields(event_model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and not f.attname.startswith("pgh_")
    ]


def changes(rows: Iterable[Any], *, ignore: Collection[str] = ()) -> list[Change]:
    """The changes recorded in `rows` (one history table's rows, for any number of
    records), oldest first. An update that changed only fields in `ignore` is left out;
    it still counts as the copy the next change is compared with."""
    rows = list(rows)
    if not rows:
        return []
    names = tracked_fields(type(rows[0]))
    last: dict[Any, dict[str, Any]] = {}
    found = []
    for row in sorted(rows, key=lambda r: r.pgh_id):
        after = _snapshot(row, names)
        before = last.get(row.pgh_obj_id)
        last[row.pgh_obj_id] = after
        if before is None:
            changed = {name for name, value in after.items() if value not in (None, "", [])}
        else:
            changed = {name for name in names if before[name] != after[name]}
        if row.pgh_label == "update" and not changed - set(ignore):
            continue
        context = row.pgh_context or {}
        found.append(
            Change(
                record_id=row.pgh_obj_id,
                kind=row.pgh_label,
                at=row.pgh_created_at,
                user_id=context.get("user"),
                reason=context.get("reason") or "",
                context_id=row.pgh_context_id,
                before=before,
                after=after,
                fields=changed,
            )
        )
    return found


def with_actors(found: Collection[Change], *, also: Iterable[Any] = ()) -> dict[Any, Any]:
    """Fill in each change's `actor` (the user, or None for a change made outside the
    service) with one query, whatever the number of changes. Returns the users by id,
    with those in `also` (users the changes name, such as a new caseworker)."""
    ids = {change.user_id for change in found} | set(also)
    ids.discard(None)
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for change in found:
        change.actor = users.get(change.user_id)
    return users
