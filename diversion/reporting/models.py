"""Precomputed summaries for the manager's dashboard (style.md: dashboards read precomputed
summaries; domain.md: reports computed live on the main database hurt).

The figures are tallies, in the way Zulip's analytics keeps count tables: one row per
measure, key and cell, where a cell is a month of referral dates and a custody suite, an
offence group and a policy version, or all of any of these (NULL suite or version, empty
group). A dashboard filter then reads one index range of a few thousand rows, never the cases.
`reporting.refresh` fills the table again in one transaction, so readers keep the previous
figures until the new ones are complete.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from diversion.lib.text import DATA_TEXT, json_length_limit
from diversion.policy.models import PolicyVersion

ALL_GROUPS = ""
ALL_SUITES = 0
# The month of a tally over every month, for a dashboard with no dates chosen: it then reads
# a few hundred rows rather than one set per month since the scheme began.
ALL_MONTHS = datetime.date(1, 1, 1)


class Tally(models.Model):
    """How many of something (`measure`, broken down by `key`) in one cell, as worked out by
    one refresh. A refresh writes a whole new set beside the one readers use, so its inserts
    never meet the rows it replaces; the set before is kept for a reader that has just read
    which refresh is the latest, and older sets are deleted.

    A cell is a month (or all months, ALL_MONTHS), a policy version, and a custody suite
    and offence group, or all suites (ALL_SUITES) or all groups (ALL_GROUPS). Versions are
    not added up in advance: a month has one version, or two in the month a new one
    starts, so a read over all versions adds up at most twice the rows.

    The refresh and version are not foreign keys in the database, nor the suite a reference:
    tallies are derived, written in bulk by one function and replaced whole, so checking each
    row's references would only slow the refresh.
    """

    # One figure per refresh, cell, measure and key. The key's order is also the
    # dashboard's read (reporting.queries): one refresh's figures for one suite and group
    # (or all of them), any or one version, over a range of months.
    pk = models.CompositePrimaryKey(
        "refresh", "suite", "offence_group", "policy_version", "month", "measure", "key"
    )
    refresh = models.ForeignKey(
        "Refresh", on_delete=models.DO_NOTHING, related_name="tallies", db_constraint=False
    )
    suite = models.PositiveIntegerField(help_text="A custody suite's id, or 0 for all suites.")
    offence_group = models.CharField(max_length=30, blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    month = models.DateField(help_text="The first day of the month of the referral date.")
    measure = models.CharField(max_length=40)
    key = models.CharField(max_length=120, blank=True)
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="tally_month_starts_month", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.key} in {self.month:%b %Y}: {self.value}"


class RefreshStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Refresh(models.Model):
    """One working-out of the tallies. The latest done one says how current the figures are
    ("as of"); one requested or running says new figures are on their way."""

    Status = RefreshStatus

    status = models.CharField(
        max_length=10, choices=RefreshStatus.choices, default=RefreshStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The manager who asked for it; empty for a scheduled run.",
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    # The moment the figures describe: the start of the transaction that read the cases.
    as_of = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="refresh_status_valid", condition=Q(status__in=RefreshStatus.values)
            ),
            models.CheckConstraint(
                name="refresh_done_has_times",
                condition=~Q(status=RefreshStatus.DONE)
                | Q(as_of__isnull=False, finished_at__isnull=False),
            ),
        ]
        indexes = [
            # The dashboard's "as of": the latest finished refresh.
            models.Index(
                name="refresh_latest_done",
                fields=["finished_at"],
                condition=Q(status=RefreshStatus.DONE),
            ),
        ]

    def __str__(self) -> str:
        return f"Refresh {self.pk} ({self.get_status_display()})"


class ErasedReferralFacts(models.Model):
    """The dashboard's facts about one referral erased at its retention review
    (governance.retention), kept so that the figures stay as they were: erasing a case
    removes the person, not the count (DPA 2018 s39 limits how long personal data is kept,
    not anonymous statistics).

    One row is the referral's row of the refresh's facts (reporting.refresh.facts_sql),
    copied before the erasure, without any key that leads to a person or a record (the
    referral, person, programme and caseworker) and without the person's name, date of
    birth or PNC ID: the facts hold only bands and groups of those. Each refresh reads these
    rows beside the live referrals' (`keep_erased_facts`, `ERASED_SOURCES`). The measures of
    a referral closed this long are settled (its contract ended years ago, its reoffending
    windows have matured), except maturity, which the refresh works out again each time.

    `eligibility_reasons` keeps only each rule checked and whether it was met (not the
    detail); `needs`, each pathway's entry score and exit score.
    """

    month = models.DateField()
    suite = models.BigIntegerField()
    grp = models.CharField(max_length=30)
    version = models.BigIntegerField()
    status = models.CharField(max_length=30)
    eligible = models.BooleanField()
    offered = models.BooleanField()
    exception = models.BooleanField()
    needs_authorisation = models.BooleanField()
    victim = models.CharField(max_length=12)
    decline_reason = models.CharField(max_length=20)
    arrest_to_offer = models.IntegerField(null=True)
    authorisation_hours = models.IntegerField(null=True)
    programme_status = models.CharField(max_length=20, null=True)
    signed_on = models.DateField(null=True)
    ends_on = models.DateField(null=True)
    outcome_on = models.DateField(null=True)
    outcome_reason = models.CharField(max_length=20, null=True)
    offer_to_contract = models.IntegerField(null=True)
    contract_to_intervention = models.IntegerField(null=True)
    close_by = models.DateField(null=True)
    overdue = models.IntegerField()
    no_milestones_recorded = models.BooleanField(null=True)
    restorative_set = models.BooleanField()
    restorative_met = models.BooleanField()
    observed = models.CharField(max_length=40, null=True)
    self_defined = models.CharField(max_length=40, null=True)
    sex = models.CharField(max_length=40, null=True)
    age_band = models.CharField(max_length=40)
    no_pnc = models.BooleanField()
    index_date = models.DateField(null=True)
    offences_during = models.IntegerField()
    # One per reoffending window (reporting.groups.REOFFENDING_WINDOWS).
    offences_6 = models.IntegerField()
    offences_12 = models.IntegerField()
    offences_24 = models.IntegerField()
    eligibility_reasons = models.JSONField(default=list)
    needs = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "erased referrals' facts"
        # Copied from the referral's own, which are limited the same way.
        constraints = [
            json_length_limit(
                "erased_facts_eligibility_reasons_length", "eligibility_reasons", DATA_TEXT
            ),
            json_length_limit("erased_facts_needs_length", "needs", DATA_TEXT),
        ]

    def __str__(self) -> str:
        return f"Erased referral facts {self.pk} ({self.month:%b %Y})"
