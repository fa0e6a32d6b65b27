import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from diversion.lib.text import LONG_TEXT, length_limit


def append_only() -> pgtrigger.Protect:
    """Refuses every update and delete, whoever connects (the owner too), as pghistory's
    trigger of the same name does for each history table. The service role is refused them
    by its privileges as well (audit.privileges). TRUNCATE is refused to the service role by
    privilege only: a trigger would refuse it to the test suite's flush too."""
    return pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class Action(models.TextChoices):
    """DPA 2018 s62: the kinds of processing that must be logged."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation (viewed)"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"
    # Not a processing: an attempt to reach a record outside the user's reach, answered
    # "not found". Kept beside the processings so an auditor sees probing where it happened.
    REFUSED = "refused", "Refused (outside the user's reach)"


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
        # DPA 2018 s62: the log must itself be protected.
        triggers = [append_only()]
        constraints = [
            models.CheckConstraint(
                name="access_log_action_valid", condition=models.Q(action__in=Action.values)
            ),
            length_limit("access_log_reason_length", "reason", LONG_TEXT),
            # DPA 2018 s62(2): a disclosure's log names its recipients.
            models.CheckConstraint(
                name="access_log_disclosure_has_recipient",
                condition=~models.Q(action=Action.DISCLOSURE) | ~models.Q(recipient=""),
            ),
        ]
        indexes = [
            # The auditor's log (governance.views.trail.general), newest first, with the
            # primary key that breaks ties in its keyset pages.
            models.Index(name="access_log_newest", fields=["at", "id"]),
            # "Who saw this record?", and a person's trail (governance.records
            # .log_entries_about), which asks it for each record about them.
            models.Index(name="access_log_record", fields=["record_type", "record_id"]),
            # What one member of staff did (governance.views.trail.staff_activity), newest
            # first, with the primary key that breaks ties in its keyset pages.
            models.Index(name="access_log_actor", fields=["actor", "at", "id"]),
            # The log filtered by action (governance.trail.LogFilters), newest first: a rare
            # action (a disclosure, an erasure, a refusal) is found without walking the log.
            models.Index(name="access_log_action", fields=["action", "at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.record_type} {self.record_id} by {self.actor}"


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    UNLOCKED = "unlocked", "Unlocked"
    SIGNED_OUT = "signed_out", "Signed out"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Second factor failed"
    DEACTIVATED = "deactivated", "Account deactivated"


class SecurityEvent(models.Model):
    """The security log: each sign-in, failed sign-in, lockout and sign-out, with when and
    the client's address. Like the access log it is appended to and never changed.

    A failed sign-in names the account only when the username typed is one: a stranger's
    guess (or a password typed into the username box) is never stored.
    """

    Kind = SecurityEventKind

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        triggers = [append_only()]
        constraints = [
            models.CheckConstraint(
                name="security_event_kind_valid",
                condition=models.Q(kind__in=SecurityEventKind.values),
            ),
        ]
        indexes = [
            # The auditor's security log, newest first, and one member of staff's events
            # (governance.views.trail.staff_activity), with the primary key that breaks
            # ties in its keyset pages.
            models.Index(name="security_event_newest", fields=["at", "id"]),
            models.Index(name="security_event_user", fields=["user", "at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user or 'unknown account'}) at {self.at}"
