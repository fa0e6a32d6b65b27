"""Finding and adding a person: GOV.UK forms, with the Design System's error messages."""

import datetime
import re

from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Size
from django import forms
from django.core.exceptions import ValidationError

from diversion.lib.dates import today
from diversion.lib.forms import DIGITS, GovukDateField, GovukForm, not_in_future, text_area
from diversion.lib.text import LONG_TEXT
from diversion.people.models import (
    EARLIEST_BIRTH,
    POSTCODE_DISTRICT_REGEX,
    ObservedEthnicity,
    OffenceSource,
    Person,
    SelfDefinedEthnicity,
    Sex,
)
from diversion.people.names import NAME_MAX_LENGTH, check_name
from diversion.people.pnc import EXAMPLES, normalise_pnc
from diversion.people.search import NAME, PNC, parse_query
from diversion.policy.models import OffenceType

FIRST_BIRTHDAY = datetime.date.fromisoformat(EARLIEST_BIRTH)
# A full postcode, from which the district (its first part) can be taken.
FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^\+?[0-9 ()-]+$")


class DateOfBirthField(GovukDateField):
    """A GOV.UK date input for a date of birth: in the past, and not before 1900."""

    def __init__(self, *, label="Date of birth", required=True, **kwargs):
        kwargs.setdefault("help_text", "For example, 27 3 1990")
        super().__init__(
            name="date of birth",
            subject="Date of birth",
            missing="Enter their date of birth",
            label=label,
            required=required,
            **kwargs,
        )

    def clean(self, value):
        born = super().clean(value)
        if born is not None and born > today():
            raise ValidationError("Date of birth must be in the past", code="future")
        if born is not None and born < FIRST_BIRTHDAY:
            raise ValidationError(
                "Date of birth must be the same as or after 1 January 1900", code="too_early"
            )
        return born


class SearchForm(GovukForm):
    q = forms.CharField(
        label="Name, PNC ID or custody record number",
        required=False,
        max_length=100,
        help_text="For example, John Smith, SMITH John, Smith J, or a PNC ID such as 12/34567E",
        error_messages={
            "max_length": "Name, PNC ID or custody record number must be 100 characters or fewer"
        },
    )
    date_of_birth = DateOfBirthField(label="Date of birth (optional)", required=False)
    layout = (
        Field.text("q", field_width=Fluid.TWO_THIRDS, spellcheck="false"),
        Field("date_of_birth", legend_size=Size.SMALL),
    )

    def clean_q(self):
        text = self.cleaned_data["q"].strip()
        self.query = parse_query(text)
        return text

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("q") and not data.get("date_of_birth"):
            self.add_error("q", "Enter a name, PNC ID or custody record number, or a date of birth")
        return data


class PersonForm(GovukForm):
    """The details of someone new to the service, as the custody officer records them."""

    # The rest of the name rule is people.names.check_name's (clean_given_names).
    given_names = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="First name and any middle names",
        error_messages={"required": "Enter their given names"},
    )
    family_name = forms.CharField(
        max_length=NAME_MAX_LENGTH, error_messages={"required": "Enter their family name"}
    )
    date_of_birth = DateOfBirthField()
    sex = forms.ChoiceField(
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select their sex"},
    )
    observed_ethnicity = forms.ChoiceField(
        label="Officer-observed ethnicity",
        choices=ObservedEthnicity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the officer-observed ethnicity"},
    )
    self_defined_ethnicity = forms.ChoiceField(
        label="Self-defined ethnicity",
        choices=SelfDefinedEthnicity.choices,
        initial=SelfDefinedEthnicity.NS,
        help_text="How they describe their ethnicity. Choose “Not stated” if they do not say.",
        error_messages={"required": "Select their self-defined ethnicity, or Not stated"},
    )
    pnc_id = forms.CharField(
        label="PNC ID (optional)",
        required=False,
        max_length=20,
        help_text=f"For example, {EXAMPLES}",
    )
    postcode_district = forms.CharField(
        label="Postcode district (optional)",
        required=False,
        max_length=10,
        help_text="The first part of their postcode, for example CB1. Leave blank if they "
        "have no fixed address.",
    )
    phone = forms.CharField(
        label="Phone number (optional)",
        required=False,
        max_length=20,
        help_text="For example, 07700 900 982",
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        max_length=Person._meta.get_field("email").max_length,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    layout = (
        Field.text("given_names", field_width=Fluid.TWO_THIRDS, spellcheck="false"),
        Field.text("family_name", field_width=Fluid.TWO_THIRDS, spellcheck="false"),
        Field("date_of_birth", legend_size=Size.SMALL),
        Field.radios("sex", legend_size=Size.SMALL, inline=True),
        Field.radios("observed_ethnicity", legend_size=Size.SMALL),
        Field.select("self_defined_ethnicity"),
        Field.text("pnc_id", field_width=Fixed.TEN, spellcheck="false"),
        Field.text("postcode_district", field_width=Fixed.FIVE, spellcheck="false"),
        Field.text("phone", field_width=Fixed.TWENTY, type="tel", autocomplete="off"),
        Field.text("email", field_width=Fluid.TWO_THIRDS, spellcheck="false"),
        Button("continue", "Continue"),
    )

    def clean_given_names(self):
        return self._name("given_names", "Given names")

    def clean_family_name(self):
        return self._name("family_name", "Family name")

    def _name(self, field, label):
        value = " ".join(self.cleaned_data[field].split())
        check_name(value, label)
        return value

    def clean_pnc_id(self):
        value = self.cleaned_data["pnc_id"].strip()
        return normalise_pnc(value) if value else None

    def clean_postcode_district(self):
        value = " ".join(self.cleaned_data["postcode_district"].upper().split())
        full = FULL_POSTCODE.match(value)
        if full:
            return full.group(1)
        if value and not re.match(POSTCODE_DISTRICT_REGEX, value):
            raise ValidationError(
                "Enter the first part of a postcode, like CB1", code="postcode_district"
            )
        return value

    def clean_phone(self):
        value = " ".join(self.cleaned_data["phone"].split())
        digits = re.sub(r"\D", "", value)
        if value and not (PHONE.match(value) and 10 <= len(digits) <= 15):
            raise ValidationError(
                "Enter a phone number, like 01632 960 001 or 07700 900 982", code="phone"
            )
        return value

    def carried_values(self):
        """What was typed, as (name, value) pairs for hidden inputs, so it survives the
        "Is this one of these people?" page unchanged."""
        pairs = []
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.MultiWidget):
                # widgets_names is Django's (3.1+), missing from django-stubs 5.2.
                suffixes = widget.widgets_names  # type: ignore[attr-defined]
                names = [bound.html_name + suffix for suffix in suffixes]
            else:
                names = [bound.html_name]
            pairs += [(name, self.data.get(name, "")) for name in names]
        return pairs


class RecordIdsField(forms.Field):
    """The ids of records a page listed, carried in hidden inputs; anything else is left out
    (the page then lists them again)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [int(v) for v in value or [] if isinstance(v, str) and DIGITS.match(v)]


class ConfirmNewPersonForm(GovukForm):
    """The explicit choice that none of the possible matches is the person being added."""

    none_of_these = forms.BooleanField(
        label="None of these is the person: add them as someone new",
        error_messages={
            "required": "Confirm that none of these is the person, or open their record instead"
        },
    )
    # The people listed, whom the officer rules out by choosing none of these.
    ruled_out = RecordIdsField(required=False)
    layout = (Field.checkbox("none_of_these"),)

    def ruled_out_ids(self):
        """The people the officer has seen and said are not this person."""
        return self.cleaned_data["ruled_out"] if self.is_valid() else []


def typed_in_search(query):
    """What a search (its query string) held that the person form asks for: the name, read
    as the search reads it, the PNC ID and the date of birth. Nothing if the search could
    not be read."""
    search = SearchForm(query)
    if not search.is_valid():
        return {}
    typed = {"date_of_birth": search.cleaned_data["date_of_birth"]}
    if search.query.kind == NAME:
        name = search.query.names[0]
        typed |= {"given_names": name.typed_given, "family_name": name.typed_family}
    elif search.query.kind == PNC:
        typed["pnc_id"] = search.query.value
    return typed


class LaterOffenceForm(GovukForm):
    offence_date = GovukDateField(name="date of the offence", label="Date of the offence")
    offence_type = forms.ModelChoiceField(
        label="Offence",
        queryset=OffenceType.objects.all(),
        empty_label="Choose the offence",
        error_messages={"required": "Choose the offence"},
    )
    source = forms.ChoiceField(
        label="How you know",
        choices=[("", "Choose where this came from"), *OffenceSource.choices],
        error_messages={"required": "Choose how you know about the offence"},
    )
    notes = text_area("Notes (optional)", LONG_TEXT, required=False)
    layout = (
        Field("offence_date"),
        Field.select("offence_type"),
        Field.select("source"),
        Field.textarea("notes", rows=3),
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_offence_date(self):
        value = self.cleaned_data["offence_date"]
        not_in_future("date of the offence")(value)
        first = self.person.referrals.order_by("offence_date").first()
        if first and value <= first.offence_date:
            raise forms.ValidationError(
                "A later offence must be after the offence first referred on "
                f"{first.offence_date:%-d %B %Y}"
            )
        return value


# The details of a person's record that a correction may change: the person form's fields.
DETAILS = tuple(
    name for name in PersonForm.base_fields if name in {f.name for f in Person._meta.fields}
)


def reason_field(label, *, missing, help_text=""):
    """Why a person's record is changed: required, and kept in its history."""
    return text_area(label, LONG_TEXT, subject="The reason", missing=missing, help_text=help_text)


def reason_layout(name="reason"):
    return Field.textarea(name, rows=3, max_characters=LONG_TEXT)


class CorrectPersonForm(PersonForm):
    """A correction of someone's details: the person form's own fields and rules, with the
    reason for the history and the version of the record it was opened on, so a correction
    opened before someone else's is refused (lib.concurrency) rather than undoing it."""

    reason = reason_field(
        "Why are you correcting these details?",
        missing="Enter why you are correcting these details",
        help_text="For example, the date of birth was taken from the wrong document",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"), "This form is incomplete: open the page again"
        ),
    )
    layout = (
        *(item for item in PersonForm.layout if not isinstance(item, Button)),
        reason_layout(),
    )

    @classmethod
    def opened_on(cls, person):
        """The form for `person` as their record stands."""
        details = {name: getattr(person, name) for name in DETAILS}
        return cls(initial={**details, "version": person.version})

    def details(self):
        """The person's details as typed, without the reason and version."""
        return {name: self.cleaned_data[name] for name in DETAILS}
