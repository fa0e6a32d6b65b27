"""Status changes as data plus one function (style habit 1).

Each workflow model declares `TRANSITIONS = {from_status: {to_status, ...}}` and an event
model with the fields of `StatusEvent`. `transition()` is the only code that changes a
status: it locks the row, checks the move against the map, saves and records who, when,
from, to and why.
"""

from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from diversion.lib.concurrency import lock_for_change


class Workflow(Protocol):
    """A model whose status moves by transition(): a TRANSITIONS map, a status field, and
    an `events` relation to a model with StatusEvent's fields."""

    objects: ClassVar[models.Manager[Any]]
    _meta: ClassVar[Any]
    pk: Any
    status: str

    @property
    def TRANSITIONS(self) -> Mapping[Any, Collection[Any]]: ...

    @property
    def events(self) -> Any: ...

    def full_clean(self, *args: Any, **kwargs: Any) -> None: ...

    def save(self, *args: Any, **kwargs: Any) -> None: ...


W = TypeVar("W", bound=Workflow)


class IllegalTransition(Exception):
    """A status move the workflow's transition map does not allow."""

    def __init__(self, obj: Workflow, to_status: str) -> None:
        self.from_status, self.to_status = obj.status, to_status
        super().__init__(
            f"A {obj._meta.verbose_name} cannot move from "
            f"“{_label(obj, self.from_status)}” to “{_label(obj, to_status)}”."
        )


def _label(obj: Workflow, value: str) -> str:
    return dict(obj._meta.get_field("status").choices).get(value, value)


class StatusEvent(models.Model):
    """One status move, kept for the case timeline and the audit trail."""

    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


def allowed(obj: Workflow, to_status: str) -> bool:
    return to_status in obj.TRANSITIONS.get(obj.status, set())


@transaction.atomic
def transition(
    obj: W,
    to_status: str,
    *,
    actor: AbstractBaseUser,
    reason: str = "",
    from_statuses: Collection[str] | None = None,
    expected_version: int | str | None = None,
    **changes: Any,
) -> W:
    """Move `obj` to `to_status`, applying `changes` to its fields in the same write.

    The row is re-read under a lock so two people acting at once cannot both move it.
    A record with a `version` (see lib.concurrency) is checked against `expected_version`
    and its version raised. `from_statuses` narrows the map for an action that is one of
    several ways into the same status (signing a contract, unlike reopening, starts only
    from awaiting contract).
    """
    if hasattr(obj, "version"):
        # hasattr() tells mypy of a `version` but not that obj is then a Versioned record.
        locked = lock_for_change(obj, expected_version)  # type: ignore[type-var]
    else:
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if not allowed(locked, to_status) or (
        from_statuses is not None and locked.status not in from_statuses
    ):
        raise IllegalTransition(locked, to_status)
    from_status = locked.status
    locked.status = to_status
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    record_event(locked, from_status, to_status, actor=actor, reason=reason)
    # Keep the caller's instance in step with the database.
    obj.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return obj


def record_event(
    obj: Workflow, from_status: str, to_status: str, *, actor: AbstractBaseUser, reason: str = ""
) -> StatusEvent:
    return obj.events.create(
        from_status=from_status, to_status=to_status, actor=actor, reason=reason
    )
