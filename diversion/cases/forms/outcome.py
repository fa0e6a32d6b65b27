"""Forms for ending a programme, reopening it, and recording a later offence."""

from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms

from diversion.cases.forms.case import CaseForm
from diversion.cases.models import BREACH_REASONS, WITHDRAWAL_REASONS, OutcomeReason
from diversion.lib.forms import GovukDateField, not_in_future, text_area
from diversion.lib.text import LONG_TEXT
from diversion.people.models import OffenceSource
from diversion.policy.models import OffenceType


def _choices(reasons):
    return [(r.value, r.label) for r in reasons]


class OutcomeForm(CaseForm):
    """An outcome form: the outcome tab shows several, each with its own button."""

    submit_label = None
    layout_fields: tuple[Any, ...] = ()

    def fields_layout(self):
        return list(self.layout_fields)


class CompleteForm(OutcomeForm):
    outcome_on = GovukDateField(name="date of completion", label="Date of completion")
    layout_fields = (Field("outcome_on"),)

    def clean_outcome_on(self):
        value = self.cleaned_data["outcome_on"]
        not_in_future("date of completion")(value)
        return value


class BreachForm(OutcomeForm):
    reason = forms.ChoiceField(
        label="Why is the contract breached?",
        choices=_choices(BREACH_REASONS),
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the contract is breached"},
    )
    outcome_on = GovukDateField(name="date of the breach", label="Date of the breach")
    detail = text_area(
        "What happened",
        LONG_TEXT,
        help_text="The officer in the case reads this when the case returns for prosecution.",
        missing="Enter what happened",
    )
    offence_date = GovukDateField(
        name="date of the new offence",
        label="If they reoffended: date of the new offence",
        required=False,
    )
    offence_type = forms.ModelChoiceField(
        label="If they reoffended: the new offence",
        queryset=OffenceType.objects.all(),
        required=False,
        empty_label="Choose the offence",
    )
    source = forms.ChoiceField(
        label="If they reoffended: how you know",
        choices=[("", "Choose where this came from"), *OffenceSource.choices],
        required=False,
    )
    layout_fields = (
        Field.radios("reason", legend_size=Size.SMALL),
        Field("outcome_on"),
        Field.textarea("detail", rows=4),
        Field("offence_date"),
        Field.select("offence_type"),
        Field.select("source"),
    )

    def clean(self):
        data = super().clean()
        not_in_future("date of the breach")(data.get("outcome_on"))
        if data.get("reason") == OutcomeReason.REOFFENDED:
            for name, message in (
                ("offence_date", "Enter the date of the new offence"),
                ("offence_type", "Choose the new offence"),
                ("source", "Choose how you know about the new offence"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def new_offence(self):
        data = self.cleaned_data
        if data["reason"] != OutcomeReason.REOFFENDED:
            return None
        return {k: data[k] for k in ("offence_date", "offence_type", "source")}


class WithdrawForm(OutcomeForm):
    reason = forms.ChoiceField(
        label="Why is the programme withdrawn?",
        choices=_choices(WITHDRAWAL_REASONS),
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the programme is withdrawn"},
    )
    outcome_on = GovukDateField(name="date of withdrawal", label="Date of withdrawal")
    detail = text_area(
        "Details",
        LONG_TEXT,
        required=False,
        help_text="Needed when the reason is “Other”.",
    )
    layout_fields = (
        Field.radios("reason", legend_size=Size.SMALL),
        Field("outcome_on"),
        Field.textarea("detail", rows=3),
    )

    def clean(self):
        data = super().clean()
        not_in_future("date of withdrawal")(data.get("outcome_on"))
        other = data.get("reason") == OutcomeReason.OTHER
        if other and "detail" not in self.errors and not data.get("detail", "").strip():
            self.add_error("detail", "Enter why the programme is withdrawn")
        return data


class ReopenForm(OutcomeForm):
    reason = text_area(
        "Why reopen this case?",
        LONG_TEXT,
        help_text="For example, the outcome was recorded on the wrong case.",
        subject="The reason",
        missing="Enter why the case is being reopened",
    )
    layout_fields = (Field.textarea("reason", rows=3),)
