"""Every new person record, every correction of one, and every later offence, goes through
these functions."""

import datetime
from collections.abc import Collection
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
from diversion.people.access import people_visible_to
from diversion.people.models import LaterOffence, Person, PersonHistory
from diversion.people.search import Matches, likely_matches, swapped_day_and_month
from diversion.policy.models import OffenceType

# A second "add" of the same person by the same officer within this time is a double
# submit (a second click, a resent form), not a new person.
DOUBLE_SUBMIT_WINDOW = datetime.timedelta(minutes=1)
# The first key of the advisory locks that serialise additions of the same person.
ADD_PERSON_LOCK = 0x9E09_1E


class OffenceError(Exception):
    """A later offence the rules do not allow, with a message for the user."""


class AlreadyAdded(Exception):
    """The officer added this same person moments ago: `person` is that record."""

    def __init__(self, person: Person) -> None:
        self.person = person
        super().__init__(f"{person} was added moments ago")


class OnFile(Exception):
    """Someone on file has the PNC ID given: `person`."""

    def __init__(self, person: Person) -> None:
        self.person = person
        super().__init__("This PNC ID is already on file")


class PossibleMatches(Exception):
    """People on file likely to be the person being added, best first, some of them not yet
    ruled out by the officer."""

    def __init__(self, matches: Matches) -> None:
        self.matches = matches
        super().__init__(f"{len(matches)} people on file may be this person")


@transaction.atomic
@recorded
def create_person(*, actor: User, ruled_out: Collection[int] = (), **fields: Any) -> Person:
    """Record someone new, and log the collection (DPA 2018 s62): one record per person.

    Under a lock held to the end of the transaction (lock_same_person), so that two officers
    adding the same person at the same moment are taken one after the other, it raises:
    - OnFile if someone on file has the PNC ID given;
    - AlreadyAdded if the same officer added the same person (names and date of birth) in
      the last minute: a double submit then finds the first record instead of making two;
    - PossibleMatches if people likely to be them are on file (search.likely_matches) and
      not all are in `ruled_out`, the people the officer has seen and said are someone else.
    Raises ValidationError if the details break a rule of the person record.
    """
    person = Person(**fields)
    # The PNC ID's uniqueness is checked under the lock, below.
    person.full_clean(validate_unique=False)
    lock_same_person(person)
    on_file = person.pnc_id and Person.objects.filter(pnc_id=person.pnc_id).first()
    if on_file:
        raise OnFile(on_file)
    earlier = recently_added_by(actor, person)
    if earlier:
        raise AlreadyAdded(earlier)
    matches = likely_matches(
        people_visible_to(actor),
        given_names=person.given_names,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )
    if any(match.person.pk not in ruled_out for match in matches):
        raise PossibleMatches(matches)
    person.save()
    log(actor, Action.COLLECTION, person, detail="person added")
    return person


def lock_same_person(person: Person) -> None:
    """Wait for, and hold to the end of the transaction, a lock on each key that a record of
    the same person would share with `person`: its date of birth and that date with day and
    month swapped (every likely match has one of them: search.LIKELY_MATCH_SCORE), and its
    PNC ID. A concurrent addition of the same person, even spelt differently, then waits
    for this one to commit, and its checks find this record. Keys are locked in one order
    (sorted, and unnest reads an array in order), so two additions cannot wait for each
    other."""
    born = [person.date_of_birth, swapped_day_and_month(person.date_of_birth)]
    keys = sorted(
        [f"born {day.isoformat()}" for day in born if day]
        + ([f"pnc {person.pnc_id}"] if person.pnc_id else [])
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(key)) FROM unnest(%s::text[]) AS key",
            [ADD_PERSON_LOCK, keys],
        )


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
