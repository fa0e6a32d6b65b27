"""Merging two records of the same person: a manager chooses the record kept, and the
other record's referrals and later offences move to it.

The record merged away is kept, marked as merged into the one kept, so its history and
its access log stay; it leaves search and its page sends you to the record kept. Both
records are locked for the merge, and a form opened before either changed is refused
(lib.concurrency). The merge is logged as a combination of the two records (DPA 2018 s62).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log, log_many
from diversion.cases.models import Programme, Referral, ReferralDraft, open_programmes
from diversion.lib.concurrency import lock_for_change
from diversion.lib.history import changes_by
from diversion.people.models import LaterOffence, Person


class MergeError(Exception):
    """A merge the rules do not allow, with a message for the manager."""


@dataclass
class MergePlan:
    """What merging `duplicate` into `kept` would do, for the check page."""

    kept: Person
    duplicate: Person
    # The duplicate's, which move; and the kept record's, for comparison.
    referrals: QuerySet[Referral]
    later_offences: QuerySet[LaterOffence]
    earlier_merges: QuerySet[Person]
    kept_referrals: QuerySet[Referral]
    kept_later_offences: QuerySet[LaterOffence]

    @property
    def moves_pnc_id(self) -> bool:
        return bool(self.duplicate.pnc_id) and not self.kept.pnc_id


def plan(duplicate: Person, *, kept: Person) -> MergePlan:
    """What would move to `kept` (querysets, read when shown)."""
    return MergePlan(
        kept=kept,
        duplicate=duplicate,
        referrals=Referral.objects.filter(person=duplicate),
        later_offences=LaterOffence.objects.filter(person=duplicate),
        earlier_merges=Person.objects.filter(merged_into=duplicate),
        kept_referrals=Referral.objects.filter(person=kept),
        kept_later_offences=LaterOffence.objects.filter(person=kept),
    )


def refusal(duplicate: Person, *, kept: Person) -> str | None:
    """Why `duplicate` cannot be merged into `kept`, or None if it can: the check page
    shows it, and merge_person enforces it with both records locked."""
    if duplicate.pk == kept.pk:
        return "A record cannot be merged into itself. Choose another record."
    for record in (duplicate, kept):
        if record.merged_into_id:
            return (
                f"{record.full_name}'s record was already merged into another record. "
                "Open that record to merge with it instead."
            )
    if duplicate.pnc_id and kept.pnc_id:
        return (
            f"These records have different PNC IDs ({kept.pnc_id} and {duplicate.pnc_id}), "
            "so the Police National Computer holds them as two people. If one PNC ID is "
            "wrong, correct it first."
        )
    running = [open_programmes(record).first() for record in (kept, duplicate)]
    if all(running):
        references = " and ".join(_reference(programme) for programme in running)
        return (
            f"Both records have a programme still open ({references}). A person can be on "
            "one programme at a time: these records can be merged once one of those is "
            "completed, breached or withdrawn."
        )
    return None


def _reference(programme: Programme | None) -> str:
    assert programme is not None
    return programme.referral.reference


@transaction.atomic
def merge_person(
    duplicate: Person,
    *,
    kept: Person,
    actor: User,
    reason: str,
    kept_version: int | None = None,
    duplicate_version: int | None = None,
) -> Person:
    """Merge `duplicate` into `kept`, for `reason`: its referrals, later offences, drafts, PNC ID
    (if `kept` has none) and any records merged into it before move to `kept`, and it is
    marked as merged into `kept`. Returns the record kept.

    Raises MergeError if `refusal` gives a reason, and StaleEdit if either record changed
    since the versions given.
    """
    if duplicate.pk == kept.pk:
        raise MergeError(refusal(duplicate, kept=kept))
    with changes_by(actor, reason):
        # Locked in primary-key order, so two merges sharing a record wait for each other
        # rather than deadlock.
        pairs = sorted([(kept, kept_version), (duplicate, duplicate_version)], key=_pk)
        locked = {record.pk: lock_for_change(record, version) for record, version in pairs}
        kept, duplicate = locked[kept.pk], locked[duplicate.pk]
        # Their referrals too: an offer accepted meanwhile waits for the merge.
        referrals = list(
            Referral.objects.select_for_update()
            .filter(person__in=[kept, duplicate])
            .values_list("pk", "person_id")
        )
        refused = refusal(duplicate, kept=kept)
        if refused:
            raise MergeError(refused)
        moved = [pk for pk, person_id in referrals if person_id == duplicate.pk]
        Referral.objects.filter(pk__in=moved).update(person=kept)
        offences = list(LaterOffence.objects.filter(person=duplicate).values_list("pk", flat=True))
        LaterOffence.objects.filter(pk__in=offences).update(person=kept)
        # An officer's unfinished referral of the duplicate carries on with the record kept.
        ReferralDraft.objects.filter(person=duplicate).update(person=kept)
        # Records merged into this one before now name the record kept (one step, always).
        Person.objects.filter(merged_into=duplicate).update(merged_into=kept)
        pnc_id, duplicate.pnc_id = duplicate.pnc_id, None
        duplicate.merged_into = kept
        duplicate.save(update_fields=["merged_into", "pnc_id", "updated_at"])
        if pnc_id:
            kept.pnc_id = pnc_id
            kept.save(update_fields=["pnc_id", "updated_at"])
    log(actor, Action.COMBINATION, kept, detail=f"person {duplicate.pk} merged into this record")
    log(actor, Action.COMBINATION, duplicate, detail=f"merged into person {kept.pk}")
    moved_detail = f"moved from person {duplicate.pk} to person {kept.pk} by a merge"
    log_many(actor, Action.ALTERATION, Referral.objects.filter(pk__in=moved), detail=moved_detail)
    log_many(
        actor, Action.ALTERATION, LaterOffence.objects.filter(pk__in=offences), detail=moved_detail
    )
    return kept


def _pk(pair: tuple[Person, int | None]) -> int:
    return pair[0].pk
