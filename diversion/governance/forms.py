"""The retention review's two decisions: keep a case until a new review, or erase it."""

from typing import Any

from crispy_forms_gds.layout import Button, Field, Size
from django import forms
from django.utils.formats import date_format

from diversion.governance.models import RetentionReview
from diversion.governance.retention import (
    DATE_MISSING,
    REASON_MISSING,
    latest_next_review,
    next_review_problem,
)
from diversion.lib.forms import GovukDateField, GovukForm, text_area
from diversion.lib.text import LONG_TEXT

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
