"""The forms of information governance: GOV.UK forms (lib.forms)."""

from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms

from diversion.lib.forms import GovukDateField, GovukForm, not_in_future
from diversion.lib.text import too_long

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
