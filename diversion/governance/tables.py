"""The governance pages' tables (lib.lists): the auditor's trails and the retention review queue."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from diversion.audit.models import AccessLogEntry
from diversion.governance.models import RetentionReview
from diversion.lib.lists import USER_TEXT, ListTable, Sort
from diversion.lib.text import isolated

WHEN_FORMAT = "j M Y H:i:s"


class LogTable(ListTable):
    """Entries of the access log, each with `name` (governance.trail.named)."""

    when = tables.DateTimeColumn(accessor="at", verbose_name="When", format=WHEN_FORMAT)
    actor = tables.Column(verbose_name="Who", attrs=USER_TEXT)
    action = tables.Column(verbose_name="Action")
    record = tables.Column(accessor="record_type", verbose_name="Record", attrs=USER_TEXT)
    detail = tables.Column(verbose_name="Detail", empty_values=(), attrs=USER_TEXT)

    caption = "Access log"
    sorts = {"when": Sort("at")}
    small = True

    def render_actor(self, record: AccessLogEntry) -> SafeString:
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("governance:staff_activity", args=[record.actor_id]),
            isolated(record.actor),
        )

    def render_record(self, record: AccessLogEntry) -> SafeString:
        return record.name.html()  # type: ignore[attr-defined]

    def render_detail(self, record: AccessLogEntry) -> str:
        parts = [record.detail, record.reason]
        if record.recipient:
            parts.append(f"to {record.recipient}")
        return " – ".join(part for part in parts if part)


class StaffLogTable(LogTable):
    """One member of staff's entries: who did them is the page's heading."""

    caption = "What they did to records"

    class Meta(LogTable.Meta):
        exclude = ("actor",)


class SecurityTable(ListTable):
    when = tables.DateTimeColumn(accessor="at", verbose_name="When", format=WHEN_FORMAT)
    kind = tables.Column(verbose_name="Event")
    address = tables.Column(verbose_name="Address", default="Not known")
    detail = tables.Column(verbose_name="Detail", attrs=USER_TEXT)

    caption = "Sign-ins and other security events"
    sorts = {"when": Sort("at")}


NOWRAP = {"td": {"class": "app-nowrap"}}


class ReviewQueueTable(ListTable):
    reference = tables.Column(accessor="referral_id", verbose_name="Reference", attrs=NOWRAP)
    ending = tables.Column(accessor="referral_id", verbose_name="How it ended", orderable=False)
    closed = tables.DateColumn(accessor="closed_on", verbose_name="Closed", format="j M Y")
    due = tables.DateColumn(accessor="review_on", verbose_name="Due for review", format="j M Y")
    kept = tables.Column(accessor="retained", verbose_name="Kept before")

    caption = "Cases due for review"
    row_testid = "review"
    # Oldest due first (the default), by the index review_due.
    sorts = {"due": Sort("review_on")}

    def render_reference(self, record: RetentionReview) -> str:
        return record.referral.reference

    def render_ending(self, record: RetentionReview) -> str:
        return record.ending

    def render_kept(self, value: bool) -> str:
        return "Yes" if value else "No"


class DecisionQueueTable(ReviewQueueTable):
    """The queue as a manager sees it: each reference opens the case's decision page."""

    def render_reference(self, record: RetentionReview) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("governance:retention_case", args=[record.pk]),
            record.referral.reference,
        )
