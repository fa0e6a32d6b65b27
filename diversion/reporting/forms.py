"""The dashboard's filters, kept in the URL (a GET form), and the scrutiny sample's choices."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms

from diversion.audit.models import AccessLogEntry
from diversion.lib.dates import today
from diversion.lib.forms import GovukForm, GovukMonthField, text_area
from diversion.lib.text import LONG_TEXT
from diversion.policy.models import CustodySuite, OffenceGroup, OffenceType, PolicyVersion

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


def month_in_range(form: GovukForm, name: str) -> datetime.date | None:
    """The month in `form`'s field `name`, refused if before the scheme's figures could
    start or after this month."""
    month = form.cleaned_data.get(name)
    latest = today().replace(day=1)
    if month is not None and not EARLIEST_MONTH <= month <= latest:
        raise forms.ValidationError(
            f"{form.fields[name].subject} must be between {EARLIEST_MONTH:%B %Y} and {latest:%B %Y}"
        )
    return month


def months_in_order(form: GovukForm, first: str, last: str) -> None:
    """A range of months must not end before it starts: the error goes on the last."""
    start, end = form.cleaned_data.get(first), form.cleaned_data.get(last)
    if start and end and end < start:
        earlier = form.fields[first].subject
        form.add_error(
            last,
            f"{form.fields[last].subject} must be the same as or after "
            f"{earlier[0].lower()}{earlier[1:]}",
        )


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

    def clean_start(self) -> datetime.date | None:
        return month_in_range(self, "start")

    def clean_end(self) -> datetime.date | None:
        return month_in_range(self, "end")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        months_in_order(self, "start", "end")
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


# What the access log holds of a recipient.
RECIPIENT_MAX = AccessLogEntry._meta.get_field("recipient").max_length or 200


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
    reason = text_area(
        "Why is it being shared? (optional)", LONG_TEXT, required=False, subject="The reason"
    )
    layout = [Field.text("recipient"), Field.textarea("reason", rows=3)]


SAMPLE_SIZE = (1, 200)
SEED_MAX = 999_999_999
SIZE_MESSAGE = f"Enter a sample size between {SAMPLE_SIZE[0]} and {SAMPLE_SIZE[1]}"


class SampleForm(DisclosureForm):
    """What a scrutiny panel asked for: how many closed cases, of which offence, closed in
    which months, and the seed that makes the draw repeatable."""

    size = forms.IntegerField(
        label="How many cases?",
        help_text=f"From {SAMPLE_SIZE[0]} to {SAMPLE_SIZE[1]}. Panels often review 10 to 46.",
        min_value=SAMPLE_SIZE[0],
        max_value=SAMPLE_SIZE[1],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": SIZE_MESSAGE,
            "invalid": (
                f"Enter the sample size as a whole number between {SAMPLE_SIZE[0]} and "
                f"{SAMPLE_SIZE[1]}, like 20"
            ),
            "min_value": SIZE_MESSAGE,
            "max_value": SIZE_MESSAGE,
        },
    )
    offence_type = forms.ModelChoiceField(
        OffenceType.objects.order_by("name"),
        required=False,
        empty_label="Any offence",
        label="Offence type",
        help_text="Panels often look at one kind of offence at a meeting.",
        error_messages={"invalid_choice": "Select an offence type from the list"},
    )
    closed_from = GovukMonthField(
        name="first month",
        label="Cases closed from",
        help_text="Month and year, for example 1 2025",
    )
    closed_to = GovukMonthField(
        name="last month",
        label="Cases closed up to the end of",
        help_text="Month and year, for example 3 2025",
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        help_text="To draw the same sample again, enter the seed printed on it. "
        "Leave it blank for a new sample.",
        required=False,
        min_value=0,
        max_value=SEED_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the seed as a whole number, like 482913",
            "min_value": f"Enter a seed from 0 to {SEED_MAX}",
            "max_value": f"Enter a seed from 0 to {SEED_MAX}",
        },
    )
    field_order = ["size", "offence_type", "closed_from", "closed_to", "seed", "recipient"]
    layout = [
        Field.text("size", field_width=3),
        Field.select("offence_type"),
        Field("closed_from"),
        Field("closed_to"),
        Field.text("seed", field_width=10),
        *DisclosureForm.layout,
    ]

    def clean_closed_from(self) -> datetime.date | None:
        return month_in_range(self, "closed_from")

    def clean_closed_to(self) -> datetime.date | None:
        return month_in_range(self, "closed_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        months_in_order(self, "closed_from", "closed_to")
        return data

    def resubmission(self, seed: int) -> list[tuple[str, str]]:
        """The choices as posted, with the seed the sample was drawn with, as hidden inputs:
        the download draws the very sample the manager was shown, and "change" shows the
        form again as they filled it in."""
        skipped = {"csrfmiddlewaretoken", "download", "change", "seed"}
        kept = [(k, v) for k, values in self.data.lists() if k not in skipped for v in values]
        return [*kept, ("seed", str(seed))]
