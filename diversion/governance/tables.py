"""The retention review queue's table (lib.lists). It names cases by reference only: the
auditor reads it too, and sees no more personal data than that needs (domain.md)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from diversion.governance.models import RetentionReview
from diversion.lib.lists import ListTable, Sort

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
