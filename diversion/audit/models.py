from django.conf import settings
from django.db import models
from django.utils import timezone

from diversion.lib.text import LONG_TEXT, length_limit


class Action(models.TextChoices):
    """DPA 2018 s62: the kinds of processing that must be logged."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation (viewed)"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class AccessLogEntry(models.Model):
    """Who did what to which record, and when. Holds identifiers, never personal data.

    DPA 2018 s62: logs of collection, alteration, consultation, disclosure, combination and
    erasure, with date, time and who did it. The reason is optional since the 2025 amendment.
    Entries are never edited or deleted through the service.
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=40)
    record_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    reason = models.TextField(max_length=LONG_TEXT, blank=True)
    recipient = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log entries"
        constraints = [
            models.CheckConstraint(
                name="access_log_action_valid", condition=models.Q(action__in=Action.values)
            ),
            length_limit("access_log_reason_length", "reason", LONG_TEXT),
        ]
        indexes = [
            # The auditor's log (audit.views.home), newest first, with the primary key that
            # breaks ties in its keyset pages.
            models.Index(name="access_log_newest", fields=["at", "id"]),
            # "Who saw this record?"
            models.Index(name="access_log_record", fields=["record_type", "record_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.record_type} {self.record_id} by {self.actor}"
