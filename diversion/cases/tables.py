"""The tables of the case and referral lists: their columns, how each cell reads and the
orders each can be sorted in (lib.lists). Every sort has an index (see the models)."""

import django_tables2 as tables
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from diversion.cases.models import ENDS_ASCENDING, ENDS_DESCENDING, STATUS_ORDER
from diversion.cases.queues import AUTHORISATIONS, UNASSIGNED, Queue, wait_in_words
from diversion.lib.lists import USER_TEXT, ListTable, Sort, UserTextColumn
from diversion.lib.templatetags.workflow import status_tag

NOWRAP = {"td": {"class": "app-nowrap"}}
# A column of links to act on its row: a heading read out, not shown.
ACTIONS_HEADING = mark_safe('<span class="govuk-visually-hidden">Actions</span>')  # noqa: S308 - constant markup


class WaitColumn(tables.Column):
    """How long a row of `queue` has waited, with the moment it joined the queue. Sorted
    by the queue's own sort (Queue.sort), longest first as the queue's default."""

    def __init__(self, queue: Queue, **kwargs):
        self.queue = queue
        kwargs.setdefault("verbose_name", "Waiting")
        super().__init__(accessor=queue.since, **kwargs)

    def render(self, record):
        since = timezone.localtime(self.queue.waiting_since(record))
        return format_html(
            '{}<br><span class="govuk-hint govuk-!-font-size-16 govuk-!-margin-bottom-0">'
            'since <time datetime="{}">{}</time></span>',
            wait_in_words(since),
            since.isoformat(),
            date_format(since, "j M Y, H:i"),
        )


def days_left(days):
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "1 day left"
    if days == 0:
        return "ends today"
    if days == -1:
        return "ended yesterday"
    return f"ended {-days} days ago"


class CaseloadTable(ListTable):
    reference = tables.Column(accessor="referral_id", verbose_name="Reference", attrs=NOWRAP)
    name = UserTextColumn(accessor="referral__person", verbose_name="Person")
    offence = tables.Column(accessor="referral__offence_type", verbose_name="Offence")
    caseworker = tables.Column(verbose_name="Caseworker", default="Unassigned", attrs=USER_TEXT)
    ends = tables.Column(accessor="ends_on", verbose_name="Contract ends", default="Not signed")
    status = tables.Column(verbose_name="Status")
    actions = tables.TemplateColumn(
        template_name="cases/_caseload_actions.html",
        verbose_name=ACTIONS_HEADING,
        context_object_name="programme",
    )

    caption = "Cases"
    testid = "caseload"
    row_testid = "case"
    small = True
    sorts = {
        "reference": Sort("referral_id"),
        "name": Sort("referral__person__family_name_key", "referral__person__given_names_key"),
        "ends": Sort(ENDS_ASCENDING, descending=[ENDS_DESCENDING]),
        "status": Sort(STATUS_ORDER),
        # Unassigned cases last, whichever way the list runs.
        "caseworker": Sort(
            ExpressionWrapper(Q(caseworker__isnull=True), output_field=BooleanField()),
            Coalesce("caseworker__last_name", Value("")),
            Coalesce("caseworker__first_name", Value("")),
            Coalesce("caseworker_id", Value(0)),
            descending=[
                ExpressionWrapper(Q(caseworker__isnull=False), output_field=BooleanField()),
                Coalesce("caseworker__last_name", Value("")),
                Coalesce("caseworker__first_name", Value("")),
                Coalesce("caseworker_id", Value(0)),
            ],
        ),
    }

    def render_reference(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("cases:case", args=[record.pk]),
            record.referral.reference,
        )

    def render_ends(self, record, value):
        ends = date_format(value, "j M Y")
        if not record.is_open:
            return ends
        return f"{ends} ({days_left(record.days_left)})"

    def render_status(self, record):
        badges = [status_tag(record)]
        if record.overdue:
            badges.append(
                format_html(
                    '<strong class="moj-badge moj-badge--red" data-testid="overdue">'
                    "{} overdue</strong>",
                    record.overdue,
                )
            )
        if record.new_offences:
            badges.append(
                format_html(
                    '<strong class="moj-badge moj-badge--red" data-testid="new-offence">'
                    "{}</strong>",
                    "New offence"
                    if record.new_offences == 1
                    else f"{record.new_offences} new offences",
                )
            )
        return format_html_join(" ", "{}", ((badge,) for badge in badges))


class UnassignedTable(CaseloadTable):
    """The unassigned queue: every row has no caseworker, so the column says how long the
    case has waited for one instead."""

    waiting = WaitColumn(UNASSIGNED, attrs=NOWRAP)

    class Meta(ListTable.Meta):
        exclude = ("caseworker",)
        sequence = ("reference", "name", "offence", "waiting", "...")

    sorts = {
        **{name: sort for name, sort in CaseloadTable.sorts.items() if name != "caseworker"},
        "waiting": UNASSIGNED.sort,
    }


class ReferralsTable(ListTable):
    """A custody officer's own referrals."""

    reference = tables.Column(accessor="pk", verbose_name="Reference", attrs=NOWRAP)
    person = UserTextColumn(verbose_name="Person")
    offence = tables.Column(accessor="offence_type", verbose_name="Offence")
    suite = tables.Column(accessor="custody_suite", verbose_name="Custody suite")
    referred = tables.DateColumn(accessor="created_at", verbose_name="Referred", format="j M Y")
    status = tables.Column(verbose_name="Status")

    caption = "Your referrals"
    sorts = {"referred": Sort("created_at")}

    def render_reference(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("referrals:detail", args=[record.pk]),
            record.reference,
        )

    def render_status(self, record):
        return status_tag(record)


class DraftsTable(ListTable):
    """A custody officer's unfinished referrals, with links to resume or discard each."""

    person = tables.Column(verbose_name="Person")
    reached = tables.Column(accessor="step", verbose_name="Reached")
    saved = tables.DateTimeColumn(
        accessor="updated_at", verbose_name="Last saved", format="j M Y, H:i"
    )
    kept = tables.DateColumn(accessor="deleted_after", verbose_name="Kept until", format="j M Y")
    actions = tables.TemplateColumn(
        template_name="cases/referrals/_draft_actions.html",
        verbose_name=ACTIONS_HEADING,
        context_object_name="draft",
    )

    caption = "Your unfinished referrals"
    testid = "drafts"
    row_testid = "draft"
    small = True
    sorts = {"saved": Sort("updated_at")}

    def render_reached(self, record):
        return record.get_step_display()


class AuthorisationQueueTable(ListTable):
    """Referrals waiting for a manager's authorisation."""

    reference = tables.Column(accessor="pk", verbose_name="Reference", attrs=NOWRAP)
    person = UserTextColumn(verbose_name="Person")
    offence = tables.Column(accessor="offence_type", verbose_name="Offence")
    officer = tables.Column(accessor="created_by", verbose_name="Custody officer", attrs=USER_TEXT)
    waiting = WaitColumn(AUTHORISATIONS, attrs=NOWRAP)
    eligible = tables.Column(verbose_name="Eligible")
    ground = tables.TemplateColumn(
        template_name="cases/referrals/_authorisation_ground.html",
        verbose_name="Why it needs authorisation",
        context_object_name="referral",
    )

    caption = "Referrals awaiting authorisation"
    testid = "queue"
    sorts = {"waiting": AUTHORISATIONS.sort}

    def render_eligible(self, value):
        return "Yes" if value else "No"

    def render_reference(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">: '
            "authorise or refuse</span></a>",
            reverse("referrals:authorisation", args=[record.pk]),
            record.reference,
        )


class ReturnedCasesTable(ListTable):
    """Breached cases returned to the officer in the case for prosecution."""

    reference = tables.Column(
        accessor="programme__referral_id", verbose_name="Reference", attrs=NOWRAP
    )
    person = tables.Column(accessor="programme__referral__person", verbose_name="Person")
    offence = tables.Column(accessor="programme__referral__offence_type", verbose_name="Offence")
    returned = tables.DateColumn(
        accessor="returned_on", verbose_name="Breached on", format="j M Y", attrs=NOWRAP
    )
    why = tables.TemplateColumn(
        template_name="cases/referrals/_returned_why.html",
        verbose_name="Why",
        context_object_name="returned",
    )
    actions = tables.TemplateColumn(
        template_name="cases/referrals/_returned_actions.html",
        verbose_name="Actioned",
        context_object_name="returned",
    )

    caption = "Cases returned to you for prosecution"
    testid = "returned"
    row_testid = "return"
    sorts = {"returned": Sort("returned_on")}

    def render_reference(self, record):
        referral = record.programme.referral
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("referrals:detail", args=[referral.pk]),
            referral.reference,
        )
