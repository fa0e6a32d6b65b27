"""Every new person record, every correction of one, and every later offence, goes through
these functions."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.lib.concurrency import lock_for_change
from diversion.lib.dates import today
from diversion.lib.history import changes_by, recorded
from diversion.people.models import LaterOffence, Person, PersonHistory
from diversion.policy.models import OffenceType

# A second "add" of the same person by the same officer within this time is a double
# submit (a second click, a resent form), not a new person.
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(minutes=1)
# The first key of the advisory lock that serialises one officer's additions.
ADD_PERSON_LOCK = 0x9E09_1E


class OffenceError(Exception):
    """A later offence the rules do not allow, with a message for the user."""


class AlreadyAdded(Exception):
    """The officer added this same person moments ago: `person` is that record."""

    def __init__(self, person: Person) -> None:
        self.person = person
        super().__init__(f"{person} was added moments ago")


@transaction.atomic
@recorded
def create_person(*, actor: User, **fields: Any) -> Person:
    """Record someone new, and log the collection (DPA 2018 s62).

    Raises ValidationError if the details break a rule of the person record, and
    AlreadyAdded if the same officer added the same person (names and date of birth) in
    the last minute: a double submit then finds the first record instead of making two.
    """
    person = Person(**fields)
    person.full_clean()
    with connection.cursor() as cursor:
        # Held to the end of the transaction, so a concurrent second submit waits for the
        # first to commit and then finds its record.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADD_PERSON_LOCK, actor.pk])
    earlier = recently_added_by(actor, person)
    if earlier:
        raise AlreadyAdded(earlier)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another officer saved the same PNC ID between our check and this write.
        raise ValidationError(
            {"pnc_id": "This PNC ID was added moments ago by someone else"}
        ) from None
    log(actor, Action.COLLECTION, person, detail="person added")
    return person


def recently_added_by(actor: User, person: Person) -> Person | None:
    """The same person (names and date of birth), if `actor` added them within the
    double-submit window, else None. Read from the person's history: who added them, when."""
    person.refresh_name_keys()
    since = timezone.now() - DOUBLE_SUBMIT_WINDOW
    added_by_actor = PersonHistory.objects.filter(
        pgh_obj=OuterRef("pk"),
        pgh_label="insert",
        pgh_created_at__gte=since,
        pgh_context__user=actor.pk,
    )
    return Person.objects.filter(
        Exists(added_by_actor),
        given_names_key=person.given_names_key,
        family_name_key=person.family_name_key,
        date_of_birth=person.date_of_birth,
    ).first()


@transaction.atomic
@recorded
def record_later_offence(
    person: Person,
    *,
    actor: User,
    offence_date: datetime.date,
    offence_type: OffenceType,
    source: str,
    notes: str = "",
) -> LaterOffence:
    """An offence after referral, kept on the person for breach and reoffending figures."""
    if offence_date > today():
        raise OffenceError("The offence date cannot be in the future")
    offence = LaterOffence(
        person=person,
        offence_date=offence_date,
        offence_type=offence_type,
        source=source,
        notes=notes,
        recorded_by=actor,
    )
    offence.full_clean()
    offence.save()
    log(actor, Action.COLLECTION, offence, detail="later offence")
    return offence


PNC_ID_TAKEN = (
    "This PNC ID is on another person's record. If they are the same person, ask a manager "
    "to merge the two records"
)


@transaction.atomic
def correct_person(
    person: Person, *, actor: User, reason: str, expected_version: int, **details: Any
) -> Person:
    """Correct a person's details, for `reason`: the history records who, when, what
    changed from what to what, and why; the alteration is logged (DPA 2018 s62).

    Raises StaleEdit if the record changed since `expected_version` (lib.concurrency),
    and ValidationError if nothing was changed or the details break a rule of the record.
    """
    with changes_by(actor, reason):
        current = lock_for_change(person, expected_version)
        if all(getattr(current, name) == value for name, value in details.items()):
            raise ValidationError("Change at least one detail, or go back to the record")
        for name, value in details.items():
            setattr(current, name, value)
        pnc_id = details.get("pnc_id")
        if pnc_id and Person.objects.filter(pnc_id=pnc_id).exclude(pk=current.pk).exists():
            raise ValidationError({"pnc_id": PNC_ID_TAKEN})
        current.full_clean()
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            if not pnc_id:
                raise
            # Someone else gave another record this PNC ID between the check and this write.
            raise ValidationError({"pnc_id": PNC_ID_TAKEN}) from None
    log(actor, Action.ALTERATION, current, detail="details corrected")
    return current
