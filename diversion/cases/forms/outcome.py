"""Forms for ending a programme, reopening it, and recording a later offence."""

from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils.formats import date_format

from diversion.cases.forms.case import CaseForm
from diversion.cases.models import BREACH_REASONS, WITHDRAWAL_REASONS, OutcomeReason
from diversion.cases.offences import offences_during
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
    # Offered when an offence during the contract is already on the person's record (an
    # officer who arrested them recorded it, say), so a breach does not record it twice.
    recorded_offence = forms.ChoiceField(
        label="If they reoffended: which offence?",
        widget=forms.RadioSelect,
        required=False,
    )
    ANOTHER = "another"
    NEW_OFFENCE_FIELDS = ("offence_date", "offence_type", "source")
    RECORDED = Field.radios("recorded_offence", legend_size=Size.SMALL)
    layout_fields = (
        Field.radios("reason", legend_size=Size.SMALL),
        Field("outcome_on"),
        Field.textarea("detail", rows=4),
        RECORDED,
        Field("offence_date"),
        Field.select("offence_type"),
        Field.select("source"),
    )

    def __init__(self, *args, case, **kwargs):
        # The offences a running case could be breached for, read before the layout is made.
        self.recorded = {str(o.pk): o for o in offences_during(case)} if case.is_running else {}
        super().__init__(*args, case=case, **kwargs)
        if not self.recorded:
            del self.fields["recorded_offence"]
            return
        self.fields["recorded_offence"].choices = [
            *(
                (pk, f"{o.offence_type} on {date_format(o.offence_date, 'j F Y')}")
                for pk, o in self.recorded.items()
            ),
            (self.ANOTHER, "Another offence: enter it below"),
        ]

    def fields_layout(self):
        return [f for f in self.layout_fields if self.recorded or f is not self.RECORDED]

    def clean(self):
        data = super().clean()
        not_in_future("date of the breach")(data.get("outcome_on"))
        if data.get("reason") == OutcomeReason.REOFFENDED:
            if self.recorded and not data.get("recorded_offence"):
                self.add_error("recorded_offence", "Choose the new offence, or another offence")
            elif self.chosen_offence() is None:
                for name, message in (
                    ("offence_date", "Enter the date of the new offence"),
                    ("offence_type", "Choose the new offence"),
                    ("source", "Choose how you know about the new offence"),
                ):
                    if not data.get(name) and name not in self.errors:
                        self.add_error(name, message)
        return data

    def answers(self):
        """Only what the breach records: for a breach by reoffending, the offence chosen
        from the record, or else the one entered."""
        chosen = self.chosen_offence()
        kept = set()
        if chosen is not None:
            kept = {"recorded_offence"}
        elif self.new_offence() is not None:
            kept = set(self.NEW_OFFENCE_FIELDS)
        left_out = {
            field.label
            for name, field in self.fields.items()
            if name in ("recorded_offence", *self.NEW_OFFENCE_FIELDS) and name not in kept
        }
        return [(label, value) for label, value in super().answers() if label not in left_out]

    def chosen_offence(self):
        """The offence on the record that breached the contract, if one was chosen."""
        data = self.cleaned_data
        if data.get("reason") != OutcomeReason.REOFFENDED:
            return None
        return self.recorded.get(data.get("recorded_offence") or "")

    def new_offence(self):
        """The new offence to record, for a breach by reoffending with none chosen."""
        data = self.cleaned_data
        if data["reason"] != OutcomeReason.REOFFENDED or self.chosen_offence() is not None:
            return None
        return {k: data[k] for k in self.NEW_OFFENCE_FIELDS}


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
