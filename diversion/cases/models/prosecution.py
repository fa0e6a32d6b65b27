"""A breached case returned to the officer in the case for prosecution."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from diversion.lib.history import history_model
from diversion.lib.workflow import Move, Workflow


class ReturnStatus(models.TextChoices):
    TO_ACTION = "to_action", "To action"
    ACTIONED = "actioned", "Actioned"
    CANCELLED = "cancelled", "Cancelled: the case was reopened"


# The plugin cannot see `history`, the reverse manager of this model's event model.
class ProsecutionReturn(Workflow, models.Model):  # type: ignore[django-manager-missing]
    """A breached case back with the officer in the case (domain: a breach returns the
    original case to the officer in the case for prosecution). Made by the breach
    (services.programme.end), it stays on the officer's list of returned cases until they
    mark it actioned; a manager reopening the case cancels it. Its history
    (`prosecution_return.history`) holds who marked it and when."""

    Status = ReturnStatus
    TRANSITIONS = {
        Status.TO_ACTION: {Status.ACTIONED, Status.CANCELLED},
        Status.ACTIONED: {Status.CANCELLED},
    }
    ACTIONS = {"action": Move(Status.ACTIONED), "cancel": Move(Status.CANCELLED)}
    STATUS_COLOURS = {
        Status.TO_ACTION: "red",
        Status.ACTIONED: "green",
        Status.CANCELLED: "grey",
    }

    programme = models.ForeignKey(
        "cases.Programme", on_delete=models.PROTECT, related_name="returns"
    )
    # The officer in the case: the custody officer who made the referral (referral.created_by,
    # which never changes), kept here so that each officer's list reads one index range.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The breach's date: the day the case came back.
    returned_on = models.DateField()
    returned_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TO_ACTION)
    actioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actioned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="return_status_valid", condition=Q(status__in=ReturnStatus.values)
            ),
            models.CheckConstraint(
                name="return_actioned_by_whom_and_when",
                condition=Q(status=ReturnStatus.TO_ACTION, actioned_by__isnull=True)
                | Q(status=ReturnStatus.ACTIONED, actioned_by__isnull=False)
                | Q(status=ReturnStatus.CANCELLED),
            ),
            models.CheckConstraint(
                name="return_actioned_by_and_at_together",
                condition=Q(actioned_by__isnull=True, actioned_at__isnull=True)
                | Q(actioned_by__isnull=False, actioned_at__isnull=False),
            ),
            # A breach returns a case once; a reopened case breached again comes back anew.
            models.UniqueConstraint(
                name="return_one_live_per_case",
                fields=["programme"],
                condition=~Q(status=ReturnStatus.CANCELLED),
            ),
        ]
        indexes = [
            # The officer's returned cases to action, oldest first, and the latest of them
            # with their count on the referrals page (cases.returned.returned_to,
            # latest_to_action).
            models.Index(
                fields=["officer", "returned_on", "id"],
                name="return_officer_to_action",
                condition=Q(status=ReturnStatus.TO_ACTION),
            ),
            # The officer's actioned returns, most recent first (cases.returned.returned_to,
            # the "Actioned" list).
            models.Index(
                fields=["officer", "returned_on", "id"],
                name="return_officer_actioned",
                condition=Q(status=ReturnStatus.ACTIONED),
            ),
        ]

    def __str__(self):
        return f"Return for prosecution of programme {self.programme_id}"

    @property
    def is_actioned(self):
        return self.status == ReturnStatus.ACTIONED


# mypy cannot follow a base class made at run time by pghistory.
class ProsecutionReturnHistory(history_model(ProsecutionReturn)):  # type: ignore[misc]
    """Every copy of a return (lib.history): who marked it actioned, and when."""
