"""The dashboard's filters, kept in the URL (a GET form), and the scrutiny sample's choices."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms

from diversion.audit.models import AccessLogEntry
from diversion.lib.dates import today
from diversion.lib.forms import GovukForm, GovukMonthField
from diversion.policy.models import CustodySuite, OffenceGroup, PolicyVersion

# The scheme's figures start in this century; a year before it is a typing slip.
EARLIEST_MONTH = datetime.date(2000, 1, 1)


@dataclass(frozen=True)
class Filters:
    """The cell a dashboard reads: a range of referral months (None: open-ended) and one
    custody suite, offence group or policy version, or all of them (None)."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    suite: CustodySuite | None = None
    group: str | None = None
    version: PolicyVersion | None = None
    # Filters given but not valid, by label: the figures leave them out, and say so.
    left_out: list[str] = field(default_factory=list)

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) for each filter, in words, for headings and export headers."""
        months = "All referral dates"
        if self.start or self.end:
            start = f"{self.start:%B %Y}" if self.start else "the first referral"
            end = f"{self.end:%B %Y}" if self.end else "the latest"
            months = f"{start} to {end}"
        return [
            ("Referral date", months),
            ("Custody suite", self.suite.name if self.suite else "All custody suites"),
            (
                "Offence group",
                OffenceGroup(self.group).label if self.group else "All offence groups",
            ),
            ("Policy version", self.version.name if self.version else "All policy versions"),
        ]

    def slug(self) -> str:
        """The filters in a file name: ``2024-04_2025-03_northgate_all-groups_pilot``."""
        parts = [
            f"{self.start:%Y-%m}" if self.start else "start",
            f"{self.end:%Y-%m}" if self.end else "latest",
            self.suite.code.lower() if self.suite else "all-suites",
            self.group or "all-groups",
            f"v{self.version.pk}" if self.version else "all-versions",
        ]
        return "_".join(part.replace("_", "-") for part in parts)


class DashboardFilterForm(GovukForm):
    """Filters every panel obeys. An invalid one is named next to its field and left out of
    the figures; the others still apply."""

    start = GovukMonthField(
        name="start month",
        label="Referred from",
        required=False,
        help_text="Month and year, for example 4 2024",
    )
    end = GovukMonthField(
        name="end month",
        label="Referred up to the end of",
        required=False,
        help_text="Month and year, for example 3 2025",
    )
    suite = forms.ModelChoiceField(
        CustodySuite.objects.order_by("name"),
        required=False,
        empty_label="All custody suites",
        label="Custody suite",
        error_messages={"invalid_choice": "Select a custody suite from the list"},
    )
    group = forms.ChoiceField(
        choices=[("", "All offence groups"), *OffenceGroup.choices],
        required=False,
        label="Offence group",
        error_messages={"invalid_choice": "Select an offence group from the list"},
    )
    version = forms.ModelChoiceField(
        PolicyVersion.objects.order_by("effective_from"),
        required=False,
        empty_label="All policy versions",
        label="Policy version",
        error_messages={"invalid_choice": "Select a policy version from the list"},
    )
    layout = [
        Field("start", legend_size=Size.SMALL),
        Field("end", legend_size=Size.SMALL),
        Field.select("suite", label_size=Size.SMALL),
        Field.select("group", label_size=Size.SMALL),
        Field.select("version", label_size=Size.SMALL),
    ]

    def _month_in_range(self, name: str) -> datetime.date | None:
        month = self.cleaned_data.get(name)
        latest = today().replace(day=1)
        if month is not None and not EARLIEST_MONTH <= month <= latest:
            raise forms.ValidationError(
                f"{self.fields[name].subject} must be between "
                f"{EARLIEST_MONTH:%B %Y} and {latest:%B %Y}"
            )
        return month

    def clean_start(self) -> datetime.date | None:
        return self._month_in_range("start")

    def clean_end(self) -> datetime.date | None:
        return self._month_in_range("end")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end month must be the same as or after the start month")
        return data

    def filters(self) -> Filters:
        """The valid filters; each one in error is left out and named."""
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            start=data.get("start"),
            end=data.get("end"),
            suite=data.get("suite"),
            group=data.get("group") or None,
            version=data.get("version"),
            left_out=[str(self.fields[name].label) for name in self.errors],
        )


# What the access log holds of a recipient; a reason is a sentence or two, and the limit
# stops a whole document pasted in by mistake.
RECIPIENT_MAX = AccessLogEntry._meta.get_field("recipient").max_length or 200
REASON_MAX = 1000


class DisclosureForm(GovukForm):
    """Who a download is for, and why: DPA 2018 s62 asks that a disclosure's log names its
    recipients. The reason is optional since the 2025 amendment."""

    recipient = forms.CharField(
        label="Who is this for?",
        help_text="For example, Police and Crime Commissioner's office",
        max_length=RECIPIENT_MAX,
        error_messages={
            "required": "Enter who this is for",
            "max_length": f"Who this is for must be {RECIPIENT_MAX} characters or fewer",
        },
    )
    reason = forms.CharField(
        label="Why is it being shared? (optional)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": f"The reason must be {REASON_MAX} characters or fewer"},
    )
    layout = [Field.text("recipient"), Field.textarea("reason", rows=3)]
