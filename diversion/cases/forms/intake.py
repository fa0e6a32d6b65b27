"""The custody desk's referral questions, one form per page (GOV.UK question pages)."""

import re

from crispy_forms_gds.layout import Field, Fixed, Layout, Size
from django import forms
from django.conf import settings
from django.utils import timezone

from diversion.cases.forms.decision import decline_reason_field, settle_decline_reason
from diversion.cases.forms.late_entry import check_late_entry, ignore_late_entry, late_reason_field
from diversion.cases.models import (
    MAX_DAYS_TO_DECIDE,
    OfficerDecision,
    PersonDecision,
    Referral,
    RiskBand,
    Victim,
    decide_by_problem,
)
from diversion.cases.services.referral import assessment_for, offer_date_problem
from diversion.lib.dates import local_datetime, today
from diversion.lib.forms import GovukDateField, GovukForm, TimeField, text_area
from diversion.lib.text import LONG_TEXT
from diversion.policy.models import Circumstance, CustodySuite, OffenceType


class QuestionForm(GovukForm):
    """A question page's form, with the draft of earlier answers to check this page's
    answers against."""

    def __init__(self, *args, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft

    def posted(self):
        """The posted values this page's inputs read, to keep in the draft and check again
        later: each input's name and its values (one, but for a group of checkboxes).
        Nothing else that was posted is kept."""
        kept = {}
        for name, field in self.fields.items():
            widget = field.widget
            names = (
                # The stubs do not know MultiWidget's names of its inputs.
                [name + suffix for suffix in widget.widgets_names]  # type: ignore[attr-defined]
                if isinstance(widget, forms.MultiWidget)
                else [name]
            )
            for key in names:
                if key in self.data:
                    many = getattr(widget, "allow_multiple_selected", False)
                    kept[key] = self.data.getlist(key) if many else [self.data[key]]
        return kept


class CustodyForm(QuestionForm):
    custody_suite = forms.ModelChoiceField(
        queryset=CustodySuite.objects.all(),
        empty_label="Choose a custody suite",
        error_messages={"required": "Choose the custody suite"},
    )
    custody_record_number = forms.CharField(
        max_length=30,
        help_text="For example, NG-00012345-26",
        error_messages={"required": "Enter the custody record number"},
    )
    crime_reference = forms.CharField(
        max_length=30,
        help_text="For example, CR-1234567-26",
        error_messages={"required": "Enter the crime reference"},
    )
    arrest_date = GovukDateField(
        name="date of arrest", label="Date of arrest", help_text="For example, 27 3 2026"
    )
    arrest_time = TimeField(
        name="time of arrest", label="Time of arrest", help_text="24-hour clock, for example 14:30"
    )
    layout = (
        Field.select("custody_suite"),
        Field.text("custody_record_number", field_width=Fixed.TWENTY),
        Field.text("crime_reference", field_width=Fixed.TWENTY),
        Field("arrest_date"),
        Field.text("arrest_time", field_width=Fixed.FIVE),
    )

    def clean_custody_record_number(self):
        value = self.cleaned_data["custody_record_number"].strip().upper()
        if not re.match(settings.CUSTODY_RECORD_PATTERN, value):
            raise forms.ValidationError(
                "Enter the custody record number in the force's format, like NG-00012345-26"
            )
        return value

    def clean_crime_reference(self):
        value = self.cleaned_data["crime_reference"].strip().upper()
        if not re.match(settings.CRIME_REFERENCE_PATTERN, value):
            raise forms.ValidationError(
                "Enter the crime reference in the force's format, like CR-1234567-26"
            )
        return value

    def clean(self):
        data = super().clean()
        suite, number = data.get("custody_suite"), data.get("custody_record_number")
        if suite and number:
            used = Referral.objects.filter(custody_suite=suite, custody_record_number=number)
            if used.exists():
                self.add_error(
                    "custody_record_number",
                    f"Custody record number {number} is already used at {suite}",
                )
        day, time = data.get("arrest_date"), data.get("arrest_time")
        if day and time:
            arrested_at = local_datetime(day, time)
            if arrested_at > timezone.now():
                self.add_error("arrest_date", "The arrest cannot be in the future")
            else:
                data["arrested_at"] = arrested_at
        return data


class OffenceForm(QuestionForm):
    offence_type = forms.ModelChoiceField(
        queryset=OffenceType.objects.all(),
        empty_label="Choose the offence",
        error_messages={"required": "Choose the offence"},
    )
    offence_date = GovukDateField(
        name="date of the offence", label="Date of the offence", help_text="For example, 27 3 2026"
    )
    gravity_score = forms.TypedChoiceField(
        label="Gravity score",
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="From the national gravity matrix",
        error_messages={"required": "Choose the gravity score"},
    )
    risk_band = forms.ChoiceField(
        label="Reoffending risk band",
        choices=RiskBand.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reoffending risk band"},
    )
    layout = (
        Field.select("offence_type"),
        Field("offence_date"),
        Field.radios("gravity_score", legend_size=Size.SMALL, inline=True),
        Field.radios("risk_band", legend_size=Size.SMALL, inline=True),
    )

    def clean(self):
        """The hard limits of the policy in force on the offence date: these cannot be
        referred even as an exception, so they are refused here with the reason."""
        data = super().clean()
        offence_date = data.get("offence_date")
        if not offence_date:
            return data
        if offence_date > timezone.localdate(self.draft["arrested_at"]):
            self.add_error("offence_date", "The offence date cannot be after the arrest")
            return data
        if not data.get("offence_type") or not data.get("gravity_score"):
            return data
        assessment = assessment_for(**{**self.draft, **data})
        if assessment is None:
            self.add_error(
                "offence_date",
                "No Checkpoint policy was in force on that date, so it cannot be referred",
            )
        elif assessment.refusal:
            self.add_error("offence_date", assessment.refusal)
        return data


class VictimForm(QuestionForm):
    victim = forms.ChoiceField(
        label="Is there a victim, and what do they want?",
        choices=Victim.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether there is a victim"},
    )
    victim_views = text_area(
        "The victim's views",
        LONG_TEXT,
        required=False,
        help_text="What the victim said when consulted. Needed if there is a victim.",
    )
    layout = (
        Field.radios("victim", legend_size=Size.MEDIUM),
        Field.textarea("victim_views", rows=4),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("victim") in (Victim.CONSULTED, Victim.RESTORATIVE)
            and "victim_views" not in self.errors
            and not data.get("victim_views", "").strip()
        ):
            self.add_error("victim_views", "Enter the victim's views")
        return data


NONE_APPLY = "none"


class CircumstancesForm(QuestionForm):
    circumstances = forms.MultipleChoiceField(
        label="Do any of these apply?",
        choices=[*Circumstance.choices, (NONE_APPLY, "None of these")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select the circumstances that apply, or “None of these”"},
    )
    layout = (Field.checkboxes("circumstances", legend_size=Size.MEDIUM),)

    def clean_circumstances(self):
        chosen = self.cleaned_data["circumstances"]
        if NONE_APPLY in chosen and len(chosen) > 1:
            raise forms.ValidationError(
                "Select the circumstances that apply, or “None of these”, not both"
            )
        return [c for c in chosen if c != NONE_APPLY]


class DecisionForm(QuestionForm):
    officer_decision = forms.ChoiceField(
        label="Your decision",
        choices=OfficerDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your decision"},
    )
    decision_rationale = text_area(
        "Your reasons",
        LONG_TEXT,
        help_text="Recorded with the referral and shown to managers and auditors.",
        missing="Enter the reasons for your decision",
    )
    layout = (
        Field.radios("officer_decision", legend_size=Size.MEDIUM),
        Field.textarea("decision_rationale", rows=5),
    )

    def clean(self):
        data = super().clean()
        decision, assessment = data.get("officer_decision"), self.draft["assessment"]
        if decision == OfficerDecision.OFFER and not assessment.eligible:
            self.add_error(
                "officer_decision",
                "This person is not eligible: you can offer the scheme only as an exception, "
                "which needs a manager's authorisation",
            )
        if decision == OfficerDecision.EXCEPTION and assessment.eligible:
            self.add_error(
                "officer_decision", "This person is eligible: choose to offer the scheme"
            )
        return data


class OfferForm(QuestionForm):
    person_decision = forms.ChoiceField(
        label="What did the person decide?",
        choices=PersonDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the person decided"},
    )
    decide_by = GovukDateField(
        name="decide-by date",
        label="If they asked for time, the date by which they will decide",
        required=False,
        help_text=f"Within {MAX_DAYS_TO_DECIDE} days. For example, 27 3 2026",
    )
    decline_reason = decline_reason_field()
    # Most answers are given as the referral is keyed in; one given on paper at the desk on
    # an earlier day is recorded with its date (the offer made the same day) and why.
    answered_on = GovukDateField(
        name="date of the answer",
        label="If they accepted or declined on an earlier day: the date of their answer",
        required=False,
        help_text="Leave this blank if they answered today. For example, 27 3 2026",
    )
    late_reason = late_reason_field("the date of their answer")
    layout = (
        Field.radios("person_decision", legend_size=Size.MEDIUM),
        Field("decide_by"),
        Field.radios("decline_reason"),
        Field("answered_on"),
        Field.textarea("late_reason", rows=2),
    )

    def clean(self):
        data = super().clean()
        decision = data.get("person_decision")
        if decision == PersonDecision.CONSIDERING:
            if "decide_by" not in self.errors:
                problem = decide_by_problem(data.get("decide_by"), today=today())
                if problem:
                    self.add_error("decide_by", problem)
            # Asking for time is not an answer: the offer is made as it is recorded.
            ignore_late_entry(self, data, "answered_on")
        else:
            data["decide_by"] = None
            if decision:
                self.check_answer_date(data)
        settle_decline_reason(self, data, decision)
        return data

    def check_answer_date(self, data):
        """An answer on an earlier day: the late-entry rules from the arrest
        (services.referral.offer_date_problem)."""
        day = today()
        if data.get("answered_on") is None:
            # Blank: answered today. A reason without a date has nothing to explain.
            self.errors.pop("late_reason", None)
            data["late_reason"] = ""
            return
        assessment = self.draft["assessment"]
        check_late_entry(
            self,
            data,
            "answered_on",
            lambda answered_on: offer_date_problem(
                answered_on, self.draft["arrested_at"], assessment.policy_version, today=day
            ),
            today=day,
        )


class CheckForm(QuestionForm):
    """The last page: a token against double submission, and an acknowledgement when the
    person already has an open programme."""

    token = forms.CharField(widget=forms.HiddenInput)
    open_programme_understood = forms.BooleanField(
        label="I understand they already have an open programme, and want to refer them again",
        required=False,
    )

    def __init__(self, *args, open_programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.open_programme = open_programme
        self.helper.layout = Layout(
            "token", *(["open_programme_understood"] if open_programme else [])
        )

    def clean(self):
        data = super().clean()
        if self.open_programme and not data.get("open_programme_understood"):
            self.add_error(
                "open_programme_understood",
                "Confirm you understand this person already has an open programme",
            )
        return data
