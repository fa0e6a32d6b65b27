"""A custody officer's unfinished referral: the answers given so far, kept until the
referral is submitted, discarded, or left unchanged for DRAFT_KEPT."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast, Length
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils import timezone

# An unfinished referral is deleted this long after it was last saved (our design; HMPPS's
# Refer and monitor an intervention keeps its drafts for 90 days, but a referral from
# custody is decided within days of the arrest). purge_referral_drafts deletes them.
DRAFT_KEPT = datetime.timedelta(days=30)
# The stored answers, as JSON text: far more than every question's longest answers.
MAX_ANSWERS_LENGTH = 64_000


class IntakeStep(models.TextChoices):
    """The pages of the referral journey, in order (cases.views.intake), as far as a draft
    can reach."""

    CUSTODY = "custody", "Arrest and custody details"
    OFFENCE = "offence", "The offence"
    VICTIM = "victim", "The victim"
    CIRCUMSTANCES = "circumstances", "Circumstances that can exclude someone"
    DECISION = "decision", "Eligibility and your decision"
    OFFER = "offer", "The offer"
    CHECK = "check", "Check your answers"


class ReferralDraft(models.Model):
    """The answers an officer has given so far to a referral of `person`, page by page, as
    posted: `{page: {input name: [values]}}`, each page's checked again whenever the draft
    is read (cases.views.intake.replay). `step` is the page the officer reached; `token`
    becomes the referral's submission token, so a double submit finds the referral it made.

    Only its owner sees it (cases.access.get_draft_for). It is not a referral: reports read
    referrals only. It has no change history, as the records of the scheme do: a draft is a
    working copy, and a history would keep its answers after the draft is deleted.
    """

    # Found by the index of the owner's list (below), which starts with the owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="referral_drafts",
        db_index=False,
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="referral_drafts"
    )
    answers = models.JSONField(default=dict)
    step = models.CharField(max_length=20, choices=IntakeStep.choices)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="referral_draft_step_valid", condition=models.Q(step__in=IntakeStep.values)
            ),
            models.CheckConstraint(
                name="referral_draft_answers_by_page",
                condition=Exact(
                    models.Func(
                        "answers", function="jsonb_typeof", output_field=models.CharField()
                    ),
                    "object",
                ),
            ),
            models.CheckConstraint(
                name="referral_draft_answers_length",
                condition=LessThanOrEqual(
                    Length(Cast("answers", models.TextField())), MAX_ANSWERS_LENGTH
                ),
                violation_error_message=(
                    "Your answers are too long to save. Shorten the longest of them."
                ),
            ),
            models.CheckConstraint(
                name="referral_draft_saved_after_started",
                condition=models.Q(updated_at__gte=models.F("created_at")),
            ),
        ]
        indexes = [
            # "Your unfinished referrals" (cases.views.referral.mine): one officer's drafts,
            # last saved first, with the primary key that breaks ties in its keyset pages.
            models.Index(name="referral_draft_owner_saved", fields=["owner", "updated_at", "id"]),
            # purge_referral_drafts: the drafts last saved before the cut-off.
            models.Index(name="referral_draft_saved", fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"Unfinished referral of {self.person}"

    @property
    def deleted_after(self) -> datetime.datetime:
        """When the purge will delete the draft, unless it is saved again first."""
        return self.updated_at + DRAFT_KEPT


def expired_drafts(now: datetime.datetime) -> models.QuerySet[ReferralDraft]:
    """The drafts last saved more than DRAFT_KEPT before `now`."""
    return ReferralDraft.objects.filter(updated_at__lt=now - DRAFT_KEPT)
