"""The tables of the case and referral lists: their columns, how each cell reads and the
orders each can be sorted in (lib.lists). Every sort has an index (see the models)."""

import django_tables2 as tables
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from diversion.cases.models import ENDS_ASCENDING, ENDS_DESCENDING, STATUS_ORDER
from diversion.lib.lists import ListTable, Sort, UserTextColumn
from diversion.lib.templatetags.workflow import status_tag

NOWRAP = {"td": {"class": "app-nowrap"}}


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
    caseworker = tables.Column(verbose_name="Caseworker", default="Unassigned")
    ends = tables.Column(accessor="ends_on", verbose_name="Contract ends", default="Not signed")
    status = tables.Column(verbose_name="Status")
    actions = tables.TemplateColumn(
        template_name="cases/_caseload_actions.html",
        verbose_name=mark_safe('<span class="govuk-visually-hidden">Actions</span>'),  # noqa: S308 - constant markup
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
        if not record.overdue:
            return status_tag(record)
        return format_html(
            '{} <strong class="moj-badge moj-badge--red" data-testid="overdue">{} overdue</strong>',
            status_tag(record),
            record.overdue,
        )


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


class AuthorisationQueueTable(ListTable):
    """Referrals waiting for a manager's authorisation."""

    reference = tables.Column(accessor="pk", verbose_name="Reference", attrs=NOWRAP)
    person = UserTextColumn(verbose_name="Person")
    offence = tables.Column(accessor="offence_type", verbose_name="Offence")
    officer = tables.Column(accessor="created_by", verbose_name="Custody officer")
    referred = tables.DateTimeColumn(
        accessor="created_at", verbose_name="Referred", format="j M Y, H:i", attrs=NOWRAP
    )
    eligible = tables.Column(verbose_name="Eligible")
    ground = tables.TemplateColumn(
        template_name="cases/referrals/_authorisation_ground.html",
        verbose_name="Why it needs authorisation",
        context_object_name="referral",
    )

    caption = "Referrals awaiting authorisation"
    testid = "queue"
    sorts = {"referred": Sort("created_at")}

    def render_eligible(self, value):
        return "Yes" if value else "No"

    def render_reference(self, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">: '
            "authorise or refuse</span></a>",
            reverse("referrals:authorisation", args=[record.pk]),
            record.reference,
        )
