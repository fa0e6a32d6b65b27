"""The retention review: when each closed case is due for review, and each decision made
on one. DPA 2018 s39: data for law enforcement is kept no longer than needed, with time
limits for a periodic review of the need to keep it; domain.md, Data protection: each
decision to keep a record past its review is recorded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from diversion.audit.models import append_only
from diversion.lib.text import LONG_TEXT, length_limit


class RetentionReview(models.Model):
    """When a closed case (a referral, with its programme if it had one) is next due for
    review. Kept by the database, not by the service: triggers on referrals, programmes and
    policy versions (migration 0002, `governance_sync_reviews`) write a row when a case
    closes, move it when the closing date changes and remove it when the case is reopened,
    whatever made the change. So the queue reads one index, never the cases.

    `closed_on` is the day the case closed: the programme's outcome date, or, for a referral
    that never became a case, the day it was decided (not offered, authorisation refused,
    declined by the person). That rule is the SQL function `governance_closures`, stated
    once there. `review_on` is `closed_on` plus the policy version's retention_years, until
    a manager keeps the case (`retained`), which sets a new date.
    """

    referral = models.OneToOneField(
        "cases.Referral", on_delete=models.CASCADE, primary_key=True, related_name="review"
    )
    closed_on = models.DateField()
    review_on = models.DateField()
    retained = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="review_after_closing", condition=Q(review_on__gt=models.F("closed_on"))
            ),
        ]
        indexes = [
            # The review queue (governance.views.retention.queue): the cases due, oldest
            # due first, with the key that breaks ties in its keyset pages.
            models.Index(name="review_due", fields=["review_on", "referral"]),
        ]

    def __str__(self) -> str:
        return f"Review of referral {self.referral_id} on {self.review_on}"

    @property
    def ending(self) -> str:
        """How the case ended: its programme's outcome, or the referral's own end."""
        programme = getattr(self.referral, "programme", None)
        return (programme or self.referral).get_status_display()


class Outcome(models.TextChoices):
    RETAIN = "retain", "Kept"
    ERASE = "erase", "Erased"


class RetentionDecision(models.Model):
    """One decision on a case at its review: keep it until a new review date, with the
    reason, or erase it. Appended and never changed (the append_only trigger).

    The referral is named by its number, not a key: an erased referral is gone, and its
    erasure stays as this row, with who and when and no personal data. One erasure per
    referral (`retention_one_erasure`), so two managers erasing at once cannot both.
    The decisions to keep an erased case (their reasons are text a person typed) are
    deleted with its history (`governance_erase_history`).
    """

    Outcome = Outcome

    referral_id = models.BigIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(max_length=LONG_TEXT, blank=True)
    # The review date the decision replaced, and (keeping) the new one.
    was_due_on = models.DateField()
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="retention_outcome_valid", condition=Q(outcome__in=Outcome.values)
            ),
            models.CheckConstraint(
                name="retention_keep_has_reason_and_date",
                condition=Q(outcome=Outcome.ERASE, reason="", next_review_on__isnull=True)
                | (
                    Q(outcome=Outcome.RETAIN, next_review_on__gt=models.F("was_due_on"))
                    & ~Q(reason="")
                ),
            ),
            models.UniqueConstraint(
                name="retention_one_erasure",
                fields=["referral_id"],
                condition=Q(outcome=Outcome.ERASE),
            ),
            length_limit("retention_reason_length", "reason", LONG_TEXT),
        ]
        indexes = [
            # A case's decisions, newest first (its decision page; the erased-meanwhile
            # message).
            models.Index(name="retention_decisions_of", fields=["referral_id", "decided_at"]),
        ]
        triggers = [
            append_only(),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: referral {self.referral_id}"
