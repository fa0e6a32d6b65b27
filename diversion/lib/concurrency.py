"""Optimistic locking for records that several people edit.

A form carries the version of the record it was opened on; the change is made only if
the record is still at that version, under a row lock, and every change raises the
version. A stale form is refused with StaleEdit instead of overwriting someone's work.
"""

from typing import Any, ClassVar, Protocol, TypeVar

from django.db import models
from django.db.models import F
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


class Versioned(Protocol):
    """A model with a `version` field that every change raises."""

    objects: ClassVar[models.Manager[Any]]
    pk: Any
    version: int


V = TypeVar("V", bound=Versioned)


class StaleEdit(Exception):
    """The record changed since the form was opened."""

    def __init__(self, current: Versioned, seen_version: int) -> None:
        self.current, self.seen_version = current, seen_version
        super().__init__("This case changed since you opened it")


def lock_at_version(obj: V, expected_version: int | str | None = None) -> V:
    """Lock `obj`'s row and check it is still at `expected_version` (if given), without
    changing it. Returns the locked, current instance. Call inside a transaction."""
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != int(expected_version):
        raise StaleEdit(locked, int(expected_version))
    return locked


def lock_for_change(obj: V, expected_version: int | str | None = None) -> V:
    """Lock `obj`'s row, check it is still at `expected_version` (if given), and raise its
    version. Returns the locked, current instance. Call inside a transaction."""
    locked = lock_at_version(obj, expected_version)
    type(obj).objects.filter(pk=obj.pk).update(version=F("version") + 1)
    locked.version += 1
    obj.version = locked.version
    return locked


def refreshed(
    data: QueryDict | MultiValueDict[str, Any], version: int, field: str = "version"
) -> MultiValueDict[str, Any]:
    """A stale form's submitted `data` with the record's current version: what the user
    typed is kept, and saving it again is a deliberate choice made after seeing what
    changed."""
    data = data.copy()
    data[field] = str(version)
    return data
