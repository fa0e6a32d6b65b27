"""The retention review: which closed cases are due, and the two decisions on one, keeping it
until a new review date or erasing it (DPA 2018 s39: personal data for law enforcement is
kept no longer than needed, with time limits for reviewing the need; domain.md, Data
protection: each decision to keep a record past its review is recorded).

When a case closed, and so when it is due, is the database's to say (RetentionReview and
the function governance_closures, migration 0002), whatever closes or reopens it.

Erasing a case removes every record about it that holds personal data, with their change
history: the referral, its programme and everything recorded under it, its returns for
prosecution, and, unless they have another referral or an unfinished one, the person, their
records merged into theirs, their later offences and any drafts left to expire (a draft
still being worked on is the person's live record too). What stays holds no personal
data: the access log's entries (record numbers and who did what), the erasure decision (who,
when, the referral's number) and the case's anonymous facts for the dashboard
(reporting.refresh.keep_erased_facts), so its figures do not change.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log, log_many
from diversion.cases.models import (
    Programme,
    ProsecutionReturn,
    Referral,
    ReferralDraft,
    expired_drafts,
)
from diversion.governance.models import Outcome, RetentionDecision, RetentionReview
from diversion.lib.dates import add_months, today
from diversion.people.models import LaterOffence, Person
from diversion.reporting.refresh import keep_erased_facts

REASON_MISSING = "Enter why the case is kept"
DATE_MISSING = "Enter the date of the next review"


class RetentionError(Exception):
    """A decision that can no longer be made as asked: the case was erased, kept or reopened
    since the page was opened. The message says what happened, for the page to show."""


def due(on: datetime.date | None = None) -> QuerySet[RetentionReview]:
    """The cases whose review date has come (by `on`, today by default), oldest due first."""
    return RetentionReview.objects.filter(review_on__lte=on or today()).order_by(
        "review_on", "referral"
    )


def latest_next_review(review: RetentionReview, on: datetime.date | None = None) -> datetime.date:
    """The latest date a kept case may next be reviewed, and the date offered: one review
    period (its policy version's retention_years) from `on` (today)."""
    years = review.referral.policy_version.retention_years
    return add_months(on or today(), 12 * years)


def next_review_problem(
    day: datetime.date | None, review: RetentionReview, on: datetime.date | None = None
) -> str | None:
    """Why `day` cannot be a kept case's next review date, or None if it can: after today,
    and no further off than one review period (latest_next_review)."""
    on = on or today()
    latest = latest_next_review(review, on)
    if day is None:
        return DATE_MISSING
    if day <= on:
        return "The next review must be in the future"
    if day > latest:
        years = review.referral.policy_version.retention_years
        return (
            f"The next review must be within {years} years, "
            f"no later than {date_format(latest, 'j F Y')}"
        )
    return None


def _locked_review(referral_id: int, was_due_on: datetime.date) -> RetentionReview:
    """The case's review, locked, if it is still due on the date the page showed: otherwise
    RetentionError saying what happened meanwhile."""
    review = (
        RetentionReview.objects.select_for_update(of=("self",))
        .select_related("referral__policy_version")
        .filter(pk=referral_id)
        .first()
    )
    if review is None:
        raise RetentionError(gone(referral_id))
    if review.review_on != was_due_on or review.review_on > today():
        raise RetentionError(not_due_message(review))
    return review


def erased(referral_id: int) -> RetentionDecision | None:
    """The erasure of a referral, if it was erased."""
    return (
        RetentionDecision.objects.filter(referral_id=referral_id, outcome=Outcome.ERASE)
        .select_related("decided_by")
        .first()
    )


def gone(referral_id: int) -> str:
    """Why a case opened for review has no review now: erased, or reopened."""
    erasure = erased(referral_id)
    if erasure is not None:
        return (
            f"{reference(referral_id)} was erased by {erasure.decided_by} on "
            f"{date_format(erasure.decided_at, 'j F Y')}."
        )
    return f"{reference(referral_id)} is no longer closed (it was reopened), so it is not due."


def not_due_message(review: RetentionReview) -> str:
    """Why there is no decision to make on a case not (or no longer) due."""
    if review.retained:
        return (
            f"{review.referral.reference} was kept: its next review is on "
            f"{date_format(review.review_on, 'j F Y')}."
        )
    return (
        f"{review.referral.reference} is not due for review until "
        f"{date_format(review.review_on, 'j F Y')}."
    )


def reference(referral_id: int) -> str:
    """A referral's reference, which outlives it in the decisions and the log."""
    return Referral(pk=referral_id).reference


@transaction.atomic
def retain(
    referral_id: int,
    *,
    actor: User,
    reason: str,
    next_review_on: datetime.date,
    was_due_on: datetime.date,
) -> RetentionDecision:
    """A manager keeps a case due for review until `next_review_on`, for `reason`."""
    reason = reason.strip()
    review = _locked_review(referral_id, was_due_on)
    problem = REASON_MISSING if not reason else next_review_problem(next_review_on, review)
    if problem:
        raise RetentionError(problem)
    decision = RetentionDecision.objects.create(
        referral_id=referral_id,
        outcome=Outcome.RETAIN,
        decided_by=actor,
        reason=reason,
        was_due_on=was_due_on,
        next_review_on=next_review_on,
    )
    review.review_on, review.retained = next_review_on, True
    review.save(update_fields=["review_on", "retained"])
    log(
        actor,
        Action.ALTERATION,
        review.referral,
        detail=f"kept at its retention review until {next_review_on:%d %b %Y}",
    )
    return decision


@dataclass
class Erasure:
    """What erasing a case removes: the records, by kind, and whether the person goes."""

    referral: Referral
    programme: Programme | None
    people: list[Person]
    person_erased: bool
    records: dict[type[Model], Sequence[Model]] = field(default_factory=dict)

    @property
    def returns(self) -> int:
        return len(self.records[ProsecutionReturn])

    @property
    def later_offences(self) -> int:
        return len(self.records.get(LaterOffence, []))

    @property
    def merged(self) -> int:
        """The records merged into the person's (cases.services.merge)."""
        return len(self.people) - 1


def erasure_of(referral: Referral) -> Erasure:
    """What erasing `referral` would remove (read, not locked: erase() reads it again)."""
    programme = Programme.objects.filter(referral=referral).first()
    person = referral.person
    people = list(person.records())
    others = Referral.objects.filter(person__in=people).exclude(pk=referral.pk).exists()
    drafts = ReferralDraft.objects.filter(person__in=people)
    expired = expired_drafts(timezone.now()).filter(person__in=people)
    person_erased = not others and not drafts.exclude(pk__in=expired.values("pk")).exists()
    records: dict[type[Model], Sequence[Model]] = {
        Referral: [referral],
        Programme: [programme] if programme else [],
        ProsecutionReturn: list(ProsecutionReturn.objects.filter(programme=programme))
        if programme
        else [],
    }
    if person_erased:
        records[LaterOffence] = list(LaterOffence.objects.filter(person__in=people))
        records[ReferralDraft] = list(drafts)
        records[Person] = people
    return Erasure(referral, programme, people, person_erased, records)


@transaction.atomic
def erase(referral_id: int, *, actor: User, was_due_on: datetime.date) -> RetentionDecision:
    """A manager erases a case due for review (see the module's docstring for what goes).

    Locks the case's records in the order the case's own services do (the programme, then
    the referral) and then its review, so a reopening at the same moment waits rather than
    deadlocks; a second manager erasing it meanwhile finds it gone (RetentionError)."""
    programme_id = (
        Programme.objects.filter(referral_id=referral_id).values_list("pk", flat=True).first()
    )
    if programme_id is not None:
        list(Programme.objects.select_for_update().filter(pk=programme_id))
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    review = _locked_review(referral_id, was_due_on)
    assert referral is not None  # a review's referral exists while the review does
    list(Person.objects.select_for_update().filter(pk=referral.person_id))
    erasure = erasure_of(referral)
    try:
        with transaction.atomic():
            decision = RetentionDecision.objects.create(
                referral_id=referral_id,
                outcome=Outcome.ERASE,
                decided_by=actor,
                was_due_on=review.review_on,
            )
    except IntegrityError:
        # Erased at this moment by someone else, whose transaction committed first.
        raise RetentionError(
            f"{reference(referral_id)} has just been erased by someone else."
        ) from None
    keep_erased_facts([referral_id], today())
    # DPA 2018 s62: the erasure of each record, logged by its number only.
    for records in erasure.records.values():
        log_many(actor, Action.ERASURE, records, detail="erased at its retention review")
    ids = {model: [r.pk for r in rows] for model, rows in erasure.records.items()}
    # Children first, as their keys protect what they point to.
    ProsecutionReturn.objects.filter(pk__in=ids[ProsecutionReturn]).delete()
    Programme.objects.filter(pk__in=ids[Programme]).delete()
    Referral.objects.filter(pk=referral_id).delete()
    if erasure.person_erased:
        LaterOffence.objects.filter(pk__in=ids[LaterOffence]).delete()
        ReferralDraft.objects.filter(pk__in=ids[ReferralDraft]).delete()
        people = Person.objects.filter(pk__in=ids[Person])
        # The records merged into the person's point at it, so they go first.
        people.filter(merged_into__isnull=False).delete()
        people.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT governance_erase_history(%s, %s, %s, %s, %s)",
            [
                ids.get(Person, []),
                [referral_id],
                ids[Programme],
                ids.get(LaterOffence, []),
                ids[ProsecutionReturn],
            ],
        )
    return decision
