"""Who holds each case: a caseworker takes one from the unassigned queue, a manager assigns
or reassigns one, or moves someone's whole caseload when they leave.

Every change is one atomic function taking `actor=`: it locks the case (lib.concurrency),
changes the caseworker, with who and why recorded in the case's history (lib.history), and
writes an audit entry.
"""

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.roles import Role, has_role
from diversion.audit.models import Action
from diversion.audit.services import log, log_many
from diversion.cases.models import CLOSED, Programme
from diversion.lib.concurrency import lock_for_change
from diversion.lib.history import changes_by, recorded

# The allocation's reason when a caseworker takes a case themselves.
TAKEN_REASON = "Taken from the unassigned queue"


class AllocationError(Exception):
    """An allocation the rules do not allow, with a message for the user."""


class AlreadyTaken(AllocationError):
    """Someone took the case from the queue first."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self.caseworker = programme.caseworker
        super().__init__(
            f"{programme.referral.reference} was already taken by {programme.caseworker}"
        )


def open_cases() -> QuerySet[Programme]:
    return Programme.objects.exclude(status__in=CLOSED)


def caseworkers() -> QuerySet[User]:
    """Active staff in the Caseworker role, each with `open_cases`, their current caseload."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.CASEWORKER.value)
        .annotate(open_cases=Count("caseload", filter=~Q(caseload__status__in=CLOSED)))
        .order_by("last_name", "first_name", "pk")
    )


def holders_of_open_cases() -> QuerySet[User]:
    """Everyone holding open cases, each with `open_cases`, including people who have left
    or lost the Caseworker role: their cases are the ones to move."""
    return (
        User.objects.annotate(open_cases=Count("caseload", filter=~Q(caseload__status__in=CLOSED)))
        .filter(open_cases__gt=0)
        .order_by("last_name", "first_name", "pk")
    )


def is_caseworker(user: User) -> bool:
    return user.is_active and has_role(user, Role.CASEWORKER)


def _check_open(programme: Programme) -> None:
    if programme.status in CLOSED:
        raise AllocationError(
            f"{programme.referral.reference} is closed: a closed case is not allocated"
        )


def _allocate(
    programme: Programme,
    locked: Programme,
    caseworker: User,
    *,
    actor: User,
    reason: str,
    detail: str,
) -> Programme:
    locked.caseworker = caseworker
    with changes_by(actor, reason):
        locked.save(update_fields=["caseworker", "updated_at"])
    log(actor, Action.ALTERATION, locked, detail=detail)
    # Keep the caller's instance in step with the database.
    programme.caseworker = caseworker
    programme.version = locked.version
    programme.updated_at = locked.updated_at
    return programme


@transaction.atomic
@recorded
def take(programme: Programme, *, actor: User) -> Programme:
    """A caseworker takes an unassigned case. Two caseworkers taking the same case at once
    are served in turn under the row lock: the second is refused with AlreadyTaken."""
    if not is_caseworker(actor):
        raise AllocationError("Only a caseworker can take a case")
    locked = lock_for_change(programme)
    _check_open(locked)
    if locked.caseworker_id is not None:
        raise AlreadyTaken(locked)
    return _allocate(
        programme,
        locked,
        actor,
        actor=actor,
        reason=TAKEN_REASON,
        detail="taken",
    )


@transaction.atomic
@recorded
def assign(
    programme: Programme,
    *,
    actor: User,
    caseworker: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> Programme:
    """A manager gives a case to a caseworker, or moves it to another. With
    `expected_version`, a case that changed since the manager's form was opened is refused
    (lib.concurrency.StaleEdit), so nobody reassigns on out-of-date information."""
    if not has_role(actor, Role.MANAGER):
        raise AllocationError("Only a manager can assign a case")
    if not is_caseworker(caseworker):
        raise AllocationError(f"{caseworker} is not an active caseworker")
    locked = lock_for_change(programme, expected_version)
    _check_open(locked)
    if locked.caseworker_id == caseworker.pk:
        raise AllocationError(f"{locked.referral.reference} is already assigned to {caseworker}")
    detail = "reassigned" if locked.caseworker_id else "assigned"
    return _allocate(
        programme, locked, caseworker, actor=actor, reason=reason.strip(), detail=detail
    )


@transaction.atomic
@recorded
def reassign_caseload(
    *, actor: User, from_caseworker: User, to_caseworker: User, reason: str
) -> int:
    """A manager moves every open case of one caseworker (who is leaving, say) to another, in
    one transaction, each move in its case's history. Returns how many cases moved."""
    if not has_role(actor, Role.MANAGER):
        raise AllocationError("Only a manager can move a caseload")
    reason = reason.strip()
    if not reason:
        raise AllocationError("Enter the reason for moving the caseload")
    if from_caseworker.pk == to_caseworker.pk:
        raise AllocationError("Choose a different caseworker to move the cases to")
    if not is_caseworker(to_caseworker):
        raise AllocationError(f"{to_caseworker} is not an active caseworker")
    # Locked in primary-key order, as lock_for_change locks single cases, so two moves
    # touching the same cases cannot deadlock.
    cases = list(
        open_cases()
        .filter(caseworker=from_caseworker)
        .select_for_update()
        .order_by("pk")
        .only("pk", "caseworker")
    )
    if not cases:
        return 0
    ids = [case.pk for case in cases]
    # One statement for every case: the history's trigger records each row it changes.
    with changes_by(actor, reason):
        Programme.objects.filter(pk__in=ids).update(
            caseworker=to_caseworker, version=F("version") + 1, updated_at=timezone.now()
        )
    log_many(actor, Action.ALTERATION, cases, detail="caseload reassigned")
    return len(cases)
