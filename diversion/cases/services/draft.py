"""Unfinished referrals (ReferralDraft): made when the officer answers the first page, saved
page by page, and deleted when submitted, discarded or left unsaved for DRAFT_KEPT.

The answers are personal data, so each of these is logged (DPA 2018 s62: collection,
alteration and erasure must be logged); viewing them is logged by the pages that show them.
"""

import datetime
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log, log_many
from diversion.cases.models import DRAFT_KEPT, ReferralDraft, expired_drafts
from diversion.people.models import Person

# Answers as posted: each input's name and its values.
Answers = dict[str, list[str]]
PURGE_BATCH = 500
PURGED = f"referral draft deleted automatically, unsaved for {DRAFT_KEPT.days} days"


class DraftError(Exception):
    """Answers that cannot be saved to the draft, with a message for the officer."""


def _check(draft: ReferralDraft) -> None:
    """The database's rules for a draft (the answers' length, say), as a message."""
    try:
        draft.validate_constraints()
    except ValidationError as error:
        raise DraftError(" ".join(error.messages)) from None


@transaction.atomic
def start_draft(
    *, actor: User, person: Person, page: str, answers: Answers, reached: str
) -> ReferralDraft:
    """A new draft referral of `person` by `actor`, with the first page's answers; it
    touches no other draft, so an officer may have several under way."""
    now = timezone.now()
    draft = ReferralDraft(
        owner=actor,
        person=person,
        answers={page: answers},
        step=reached,
        created_at=now,
        updated_at=now,
    )
    _check(draft)
    draft.save()
    log(actor, Action.COLLECTION, draft, detail="referral draft started")
    return draft


@transaction.atomic
def save_answers(
    draft: ReferralDraft, *, actor: User, page: str, answers: Answers, reached: str
) -> ReferralDraft:
    """Keep one page's answers and the page reached. The draft is read again under its
    lock, so two pages saved at once (two tabs) both keep their answers. Raises
    ReferralDraft.DoesNotExist if the draft was deleted meanwhile."""
    locked = ReferralDraft.objects.select_for_update().get(pk=draft.pk)
    locked.answers = {**locked.answers, page: answers}
    locked.step = reached
    locked.updated_at = timezone.now()
    _check(locked)
    locked.save(update_fields=["answers", "step", "updated_at"])
    log(actor, Action.ALTERATION, locked, detail=f"referral draft: {page} answered")
    return locked


@transaction.atomic
def delete_draft(draft: ReferralDraft, *, actor: User, detail: str) -> None:
    """Delete the draft (discarded by its officer, or made into a referral), logging the
    erasure once even if two requests delete it at once."""
    pk = draft.pk
    deleted, _ = ReferralDraft.objects.filter(pk=pk).delete()
    if deleted:
        draft.pk = pk
        log(actor, Action.ERASURE, draft, detail=detail)


def purge_drafts(*, now: datetime.datetime | None = None) -> int:
    """Delete the drafts last saved more than DRAFT_KEPT before `now`; return how many.

    Safe to run at any time and more than once at a time (cron): each batch locks the
    drafts it deletes and skips any another run, or an officer saving one, holds. The log
    names who processed a record; nobody did here, so each erasure is logged against the
    draft's officer and says that it was automatic.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                expired_drafts(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("owner")
                .order_by("owner_id", "pk")[:PURGE_BATCH]
            )
            for owner, drafts in groupby(batch, key=lambda d: d.owner):
                log_many(
                    owner,
                    Action.ERASURE,
                    list(drafts),
                    detail=PURGED,
                )
            ReferralDraft.objects.filter(pk__in=[d.pk for d in batch]).delete()
        total += len(batch)
        if len(batch) < PURGE_BATCH:
            return total
