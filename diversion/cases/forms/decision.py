"""Forms for deciding on a referral: a manager's authorisation and the person's answer.

Each form owns its input rules and knows where its error summary links go, because the
GOV.UK radios and date inputs that crispy-forms-gds renders give their inputs their own ids.
"""

from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from diversion.cases.forms.late_entry import (
    check_late_entry,
    ignore_late_entry,
    late_reason_field,
)
from diversion.cases.models import (
    MAX_DAYS_TO_DECIDE,
    DeclineReason,
    PersonDecision,
    decide_by_problem,
    decline_reason_problem,
)
from diversion.cases.services.referral import decision_date_problem
from diversion.lib.dates import today
from diversion.lib.forms import GovukDateField, GovukForm, form_helper, text_area
from diversion.lib.text import LONG_TEXT


class AuthorisationForm(GovukForm):
    """A manager's answer to a referral that needs authorisation before the offer."""

    AUTHORISE, REFUSE = "authorise", "refuse"

    decision = forms.ChoiceField(
        label="Do you authorise the offer?",
        choices=[
            (AUTHORISE, "Authorise: the custody officer can make the offer"),
            (REFUSE, "Refuse: the person is not offered the scheme"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you authorise or refuse the offer"},
    )
    reason = text_area(
        "Your reason",
        LONG_TEXT,
        help_text="The custody officer sees this, and it is kept with the referral.",
        subject="The reason",
        missing="Enter the reason for your decision",
    )
    layout = (
        Field.radios("decision", legend_size=Size.MEDIUM),
        Field.textarea("reason", label_size=Size.SMALL, rows=5),
        Button("submit", "Save decision"),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for your decision")
        return reason


class AnswerField(forms.ChoiceField):
    """The person's answer. Every answer is valid input even when not offered as a choice, so
    a form left open from before is refused by the workflow as stale, not as a bad answer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Django keeps a field's choices as a list; django-stubs types them as any input form.
        self.all_choices = list(self.choices)  # type: ignore[arg-type]

    def valid_value(self, value):
        return value in dict(self.all_choices)


def decline_reason_field():
    """Why the person declined, asked as its own question like the decide-by date (see
    PersonDecisionForm) and needed only for a decline (settle_decline_reason)."""
    return forms.ChoiceField(
        label="Why did they decline?",
        choices=DeclineReason.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Answer this only if they declined.",
    )


def settle_decline_reason(form, cleaned, decision):
    """A decline needs its reason; with any other answer a reason chosen is ignored, not an
    error, since a radio once chosen cannot be unchosen without JavaScript."""
    if decision != PersonDecision.DECLINED:
        form.errors.pop("decline_reason", None)
        cleaned["decline_reason"] = ""
    elif "decline_reason" not in form.errors:
        problem = decline_reason_problem(cleaned.get("decline_reason"))
        if problem:
            form.add_error("decline_reason", problem)


class PersonDecisionForm(GovukForm):
    """The person's answer to the offer, recorded by the custody officer who made it."""

    ACCEPTED = ("accepted", "Accepted the offer")
    DECLINED = ("declined", "Declined the offer")
    CONSIDERING = ("considering", "Asked for time to consider")

    decision = AnswerField(
        label="What did the person decide?",
        choices=[ACCEPTED, DECLINED, CONSIDERING],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's decision"},
    )
    # The follow-up questions (the decide-by date, why they declined) are asked on their own
    # rather than revealed under their radio: GOV.UK Frontend marks revealing radios with
    # aria-expanded, which ARIA does not allow on a radio (axe reports it).
    decide_by = GovukDateField(
        name="decide-by date",
        label="If they asked for time: the date they must decide by",
        required=False,
        help_text=(
            f"Leave this blank if they accepted or declined. No more than "
            f"{MAX_DAYS_TO_DECIDE} days from today. For example, 27 3 2026"
        ),
    )
    decline_reason = decline_reason_field()
    decided_on = GovukDateField(
        name="decision date",
        label="Date of the decision",
        help_text="The day the person gave their answer. For example, 27 3 2026",
    )
    late_reason = late_reason_field("the decision date")
    note = text_area(
        "Note (optional)",
        LONG_TEXT,
        help_text="For example, what the person said about their decision.",
        required=False,
        subject="The note",
    )

    def __init__(self, *args, referral, **kwargs):
        self.referral = referral
        self.today = today()
        kwargs.setdefault("initial", {"decided_on": self.today})
        super().__init__(*args, **kwargs)
        layout = [Field.radios("decision", legend_size=Size.MEDIUM), Field("decide_by")]
        # Someone already thinking it over gives a final answer next.
        if not referral.can("consider"):
            self.fields["decision"].choices = [self.ACCEPTED, self.DECLINED]
            layout.pop()
        layout.append(Field.radios("decline_reason"))
        self.helper = form_helper(
            *layout,
            Field("decided_on"),
            Field.textarea("late_reason", rows=2),
            Field.textarea("note", label_size=Size.SMALL, rows=4),
            Button("submit", "Save decision"),
        )
        self.helper.legend_size = Size.SMALL

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") != PersonDecision.CONSIDERING:
            # A deadline only means something while the person is considering.
            self.errors.pop("decide_by", None)
            cleaned["decide_by"] = None
        elif "decide_by" not in self.errors:
            problem = decide_by_problem(cleaned.get("decide_by"), today=self.today)
            if problem:
                self.add_error("decide_by", problem)
        if cleaned.get("decision") == PersonDecision.CONSIDERING:
            # Asking for time is not an answer, so it has no date (services.referral).
            ignore_late_entry(self, cleaned, "decided_on")
        else:
            check_late_entry(
                self,
                cleaned,
                "decided_on",
                lambda day: decision_date_problem(self.referral, day, today=self.today),
                today=self.today,
            )
        settle_decline_reason(self, cleaned, cleaned.get("decision"))
        return cleaned
