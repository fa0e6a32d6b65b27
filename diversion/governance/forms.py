"""The forms of information governance (GOV.UK forms, lib.forms): a subject access
request, and the retention review's two decisions (keep a case until a new review, or erase
it)."""

from typing import Any

from crispy_forms_gds.layout import Button, Field, Fluid, Size
from django import forms
from django.utils.formats import date_format

from diversion.governance.models import RetentionReview
from diversion.governance.retention import (
    DATE_MISSING,
    REASON_MISSING,
    latest_next_review,
    next_review_problem,
)
from diversion.lib.forms import GovukDateField, GovukForm, not_in_future, text_area
from diversion.lib.text import LONG_TEXT, too_long

# The access log holds the recipient in 200 characters (audit.models.AccessLogEntry), and
# the reference inside its 200-character detail, with the date and what was produced.
RECIPIENT_MAX_LENGTH = 200
REFERENCE_MAX_LENGTH = 50


class Produce:
    PAGE = "page"
    FILE = "file"
    CHOICES = [
        (PAGE, "A page to print"),
        (FILE, "A file to download (JSON), to keep, redact or send on"),
    ]


class SubjectAccessForm(GovukForm):
    """Who a subject access request's answer is for, and which request it answers: each
    record in it is logged as disclosed to them (DPA 2018 s62, with the recipient)."""

    recipient = forms.CharField(
        label="Who are the records for?",
        max_length=RECIPIENT_MAX_LENGTH,
        help_text="For example, the person themselves, or their solicitor and the firm",
        error_messages={
            "required": "Enter who the records are for",
            "max_length": too_long("The recipient", RECIPIENT_MAX_LENGTH),
        },
    )
    reference = forms.CharField(
        label="Request reference",
        max_length=REFERENCE_MAX_LENGTH,
        help_text="The reference the data protection team gave the request",
        error_messages={"required": "Enter the request reference"},
    )
    received_on = GovukDateField(
        name="date the request was received",
        label="Date the request was received",
        help_text="For example, 27 3 2026",
        validators=[not_in_future("date the request was received")],
    )
    produce = forms.ChoiceField(
        label="How do you want the records?",
        choices=Produce.CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want the records",
            "invalid_choice": "Select how you want the records",
        },
    )
    layout = (
        Field.text("recipient", field_width=Fluid.FULL),
        Field.text("reference", field_width=Fluid.ONE_THIRD, spellcheck="false"),
        Field("received_on", legend_size=Size.SMALL),
        Field.radios("produce", legend_size=Size.SMALL),
    )


INCOMPLETE = {
    "required": "This form is incomplete: open the page again",
    "invalid": "This form is incomplete: open the page again",
}


ISO_DATE = "%Y-%m-%d"


class HiddenDateInput(forms.DateInput):
    """A date carried in a hidden input, written the same way whatever the locale."""

    input_type = "hidden"


class DecisionForm(GovukForm):
    """A decision on a case at its review. `was_due_on`, the review date the page showed,
    travels with it, so a decision made on a page opened before someone else's is refused
    (governance.retention.RetentionError) rather than made twice."""

    was_due_on = forms.DateField(
        widget=HiddenDateInput(format=ISO_DATE), input_formats=[ISO_DATE], error_messages=INCOMPLETE
    )

    def __init__(self, *args: Any, review: RetentionReview, **kwargs: Any) -> None:
        self.review = review
        kwargs.setdefault("initial", {}).setdefault("was_due_on", review.review_on)
        super().__init__(*args, **kwargs)


class RetainForm(DecisionForm):
    reason = text_area(
        "Why is the case kept?",
        LONG_TEXT,
        help_text="The policing purpose it is still needed for. Kept with the decision.",
        subject="The reason",
        missing=REASON_MISSING,
    )
    next_review_on = GovukDateField(
        name="date of the next review", label="Date of the next review", missing=DATE_MISSING
    )
    layout = (
        Field("was_due_on"),
        Field.textarea("reason", label_size=Size.SMALL, rows=4),
        Field("next_review_on"),
        Button("retain", "Keep the case"),
    )

    def __init__(self, *args: Any, review: RetentionReview, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("next_review_on", latest_next_review(review))
        super().__init__(*args, review=review, **kwargs)
        latest = date_format(latest_next_review(review), "j F Y")
        self.fields[
            "next_review_on"
        ].help_text = (
            f"A date in the future, no later than {latest} (one review period from today)."
        )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_MISSING)
        return reason

    def clean_next_review_on(self) -> Any:
        day = self.cleaned_data["next_review_on"]
        problem = next_review_problem(day, self.review)
        if problem:
            raise forms.ValidationError(problem)
        return day


class EraseForm(DecisionForm):
    confirm = forms.BooleanField(
        label="I have checked that the case is no longer needed for a policing purpose",
        error_messages={"required": "Confirm that the case is no longer needed"},
    )
    layout = (
        Field("was_due_on"),
        Field.checkbox("confirm"),
        Button.warning("erase", "Erase the case"),
    )
