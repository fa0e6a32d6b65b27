"""Forms for casework on the case page. Each carries the version of the case it was opened
on, and when, so a form left open while someone else changed the case is refused and shown
back with what changed (lib.concurrency), rather than overwriting their work."""

from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from diversion.cases.forms.late_entry import check_late_entry, late_reason_field
from diversion.cases.models import (
    MAX_CONDITIONS,
    PATHWAY_SCORE,
    VOLUNTARY_HOURS,
    AppointmentKind,
    AssessmentStage,
    Attendance,
    ConditionKind,
    ConditionStatus,
    MilestoneStatus,
    Pathway,
    RescheduleRequester,
)
from diversion.cases.services.programme import signing_problem
from diversion.lib.concurrency import refreshed
from diversion.lib.dates import local_datetime, today
from diversion.lib.forms import FreeTextField, GovukDateField, GovukForm, TimeField, text_area
from diversion.lib.text import LONG_TEXT, NOTE_TEXT, SHORT_TEXT

SCORE_LABELS = {
    0: "0 – no need",
    1: "1 – low need",
    2: "2 – moderate need",
    3: "3 – high need",
    4: "4 – severe need",
}
# A pathway scored this high at entry suggests an intervention condition.
HIGH_NEED = 3
INTERVENTIONS = {
    Pathway.ACCOMMODATION: "Housing advice sessions",
    Pathway.EDUCATION: "Education, training or employment support",
    Pathway.PHYSICAL_HEALTH: "Health check and follow-up with a health service",
    Pathway.MENTAL_HEALTH: "Mental health support sessions",
    Pathway.DRUGS: "Drug treatment sessions",
    Pathway.ALCOHOL: "Alcohol treatment sessions",
    Pathway.FINANCE: "Debt and benefits advice sessions",
    Pathway.FAMILY: "Family and relationships support sessions",
    Pathway.ATTITUDES: "Thinking skills course",
    Pathway.ABUSE: "Support sessions on abuse and exploitation",
}
INTERVENTION_FIELDS = ("intervention_1", "intervention_2")


def radios(label, choices, *, missing, required=True, help_text=""):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        required=required,
        help_text=help_text,
        error_messages={"required": missing, "invalid_choice": missing},
    )


class CaseForm(GovukForm):
    """A form that changes a case: every casework and outcome form. `version` travels in a
    hidden input (cases/case/_version.html): the service refuses the change if the case's
    version has moved on, and the page then lists what changed since
    (timeline.changes_since). A form with no `submit_label` leaves its buttons to the page."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form is incomplete: open the page again",
            "invalid": "This form is incomplete: open the page again",
            "min_value": "This form is incomplete: open the page again",
        },
    )

    submit_label: str | None = "Save"
    # Distinct per form, as two forms share the appointment page and ids must be unique.
    submit_name = "submit"

    def __init__(self, *args, case, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        # The page's <form> carries the CSRF token, with the version (_version.html).
        self.helper.disable_csrf = True
        self.helper.legend_size = Size.SMALL
        self.helper.label_size = Size.SMALL
        buttons = [Button(self.submit_name, self.submit_label)] if self.submit_label else []
        self.helper.layout = Layout(*self.fields_layout(), *buttons)

    def fields_layout(self):
        return [Field(name) for name in self.fields if name != "version"]

    def refresh(self, version):
        """Keep what the user typed but carry the case's current version (lib.concurrency)."""
        self.data = refreshed(self.data, version)

    def entered(self):
        """What was typed into the visible inputs, with a ticked box shown as "Yes"."""
        visible = {f.label for f in self.fields.values() if not f.widget.is_hidden}
        return [
            (label, "Yes" if value is True else value)
            for label, value in super().entered()
            if label in visible
        ]


# --- Needs ---------------------------------------------------------------------------------


class NeedsForm(CaseForm):
    """Every pathway scored 0 (no need) to 4 (severe need), with notes, at one stage."""

    assessed_on = GovukDateField(
        name="assessment date",
        label="Date of the assessment",
        help_text="For example, 27 3 2026",
    )

    def __init__(self, *args, case, stage, existing=(), **kwargs):
        self.stage = stage
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("assessed_on", today())
        for row in existing:
            initial.setdefault(f"{row.pathway}_score", str(row.score))
            initial.setdefault(f"{row.pathway}_notes", row.notes)
            initial["assessed_on"] = row.assessed_on
        self.submit_label = f"Save the {AssessmentStage(stage).label.lower()} assessment"
        super().__init__(*args, case=case, **kwargs)

    def fields_layout(self):
        rows = []
        for pathway in Pathway:
            rows.append(Field.radios(f"{pathway}_score", legend_size=Size.MEDIUM, inline=True))
            rows.append(Field.textarea(f"{pathway}_notes", rows=2))
        return [*rows, Field("assessed_on")]

    @classmethod
    def add_pathway_fields(cls):
        for pathway in Pathway:
            cls.base_fields[f"{pathway}_score"] = radios(
                pathway.label,
                [(str(s), SCORE_LABELS[s]) for s in range(PATHWAY_SCORE[0], PATHWAY_SCORE[1] + 1)],
                missing=f"Select a score for {pathway.label.lower()}",
            )
            cls.base_fields[f"{pathway}_notes"] = text_area(
                f"Notes on {pathway.label.lower()} (optional)", LONG_TEXT, required=False
            )
        # The date last, after the pathways.
        cls.base_fields["assessed_on"] = cls.base_fields.pop("assessed_on")

    def scores(self):
        data = self.cleaned_data
        return {
            pathway.value: (int(data[f"{pathway}_score"]), data[f"{pathway}_notes"])
            for pathway in Pathway
        }


NeedsForm.add_pathway_fields()


# --- The contract --------------------------------------------------------------------------


def suggested_interventions(entry_rows):
    """Interventions for the pathways of high or severe need at entry, greatest need first."""
    order = list(Pathway.values)
    high = [r for r in entry_rows if r.score >= HIGH_NEED]
    high.sort(key=lambda r: (-r.score, order.index(r.pathway)))
    return [(r, INTERVENTIONS[r.pathway]) for r in high]


class ContractForm(CaseForm):
    """The signing date and up to four conditions beyond "do not reoffend" (which is always
    condition 1): a restorative approach if the victim wants one, up to two interventions,
    and voluntary work or a tag. The form has no room for more, so a sixth condition cannot
    be asked for."""

    NEITHER, VOLUNTARY, TAG = "none", ConditionKind.VOLUNTARY_WORK, ConditionKind.TAG

    signed_on = GovukDateField(
        name="signing date",
        label="Date the contract was signed",
        help_text=(
            "The four months and the milestones run from this day, also for a paper contract "
            "signed before today. For example, 27 3 2026"
        ),
    )
    late_reason = late_reason_field("the signing date")
    restorative = forms.BooleanField(
        label="Include a restorative condition, as the victim asked",
        required=False,
    )
    restorative_description = FreeTextField(
        label="The restorative approach",
        help_text="For example, a letter of apology to the victim.",
        required=False,
        limit=SHORT_TEXT,
    )
    intervention_1 = FreeTextField(
        label="First intervention (optional)",
        required=False,
        limit=SHORT_TEXT,
        subject="The first intervention",
    )
    intervention_2 = FreeTextField(
        label="Second intervention (optional)",
        required=False,
        limit=SHORT_TEXT,
        subject="The second intervention",
    )
    last_condition = radios(
        "Voluntary work or an electronic tag",
        [
            (NEITHER, "Neither"),
            (VOLUNTARY, "Voluntary work"),
            (TAG, "Wear an electronic tag"),
        ],
        missing="Select voluntary work, an electronic tag or neither",
    )
    voluntary_hours = forms.IntegerField(
        label="If voluntary work: how many hours",
        help_text=f"From {VOLUNTARY_HOURS[0]} to {VOLUNTARY_HOURS[1]} hours.",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        min_value=VOLUNTARY_HOURS[0],
        max_value=VOLUNTARY_HOURS[1],
        error_messages={
            "invalid": "Enter the hours of voluntary work as a whole number, like 24",
            "min_value": f"Voluntary work is at least {VOLUNTARY_HOURS[0]} hours",
            "max_value": f"Voluntary work is at most {VOLUNTARY_HOURS[1]} hours",
        },
    )
    submit_label = "Sign the contract"

    def __init__(self, *args, case, restorative_wanted, suggestions=(), **kwargs):
        self.case = case
        self.restorative_wanted = restorative_wanted
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("signed_on", today())
        initial.setdefault("last_condition", self.NEITHER)
        initial.setdefault("restorative", restorative_wanted)
        for name, (_row, text) in zip(INTERVENTION_FIELDS, suggestions, strict=False):
            initial.setdefault(name, text)
        super().__init__(*args, case=case, **kwargs)
        if not restorative_wanted:
            # Domain: a restorative condition is added only if the victim wishes it.
            del self.fields["restorative"], self.fields["restorative_description"]
        if suggestions:
            named = "; ".join(
                f"{row.get_pathway_display()} scored {row.score}" for row, _ in suggestions
            )
            self.fields["intervention_1"].help_text = (
                f"Suggested from the entry needs assessment ({named}). "
                "Change it, or clear it for no intervention."
            )

    def fields_layout(self):
        rows = [Field("signed_on"), Field.textarea("late_reason", rows=2)]
        if self.restorative_wanted:
            rows += [Field.checkbox("restorative"), Field.text("restorative_description")]
        return [
            *rows,
            Field.text("intervention_1"),
            Field.text("intervention_2"),
            Field.radios("last_condition"),
            Field.text("voluntary_hours", field_width=3),
        ]

    def clean(self):
        cleaned = super().clean()
        check_late_entry(
            self,
            cleaned,
            "signed_on",
            lambda day: signing_problem(self.case, day),
            today=today(),
        )
        if cleaned.get("last_condition") != self.VOLUNTARY:
            self.errors.pop("voluntary_hours", None)
            cleaned["voluntary_hours"] = None
        elif "voluntary_hours" not in self.errors and cleaned.get("voluntary_hours") is None:
            self.add_error(
                "voluntary_hours",
                f"Enter the hours of voluntary work, from {VOLUNTARY_HOURS[0]} "
                f"to {VOLUNTARY_HOURS[1]}",
            )
        # A description refused as too long is not also called missing.
        if (
            cleaned.get("restorative")
            and "restorative_description" not in self.errors
            and not cleaned.get("restorative_description", "").strip()
        ):
            self.add_error(
                "restorative_description",
                "Enter the restorative approach, for example a letter of apology",
            )
        return cleaned

    def conditions(self):
        """The extra conditions, in contract order (numbers 2 to 5)."""
        data = self.cleaned_data
        conditions = []
        if data.get("restorative"):
            conditions.append(
                {
                    "kind": ConditionKind.RESTORATIVE,
                    "description": data["restorative_description"].strip(),
                }
            )
        for name in INTERVENTION_FIELDS:
            if data[name].strip():
                conditions.append(
                    {"kind": ConditionKind.INTERVENTION, "description": data[name].strip()}
                )
        if data["last_condition"] == self.VOLUNTARY:
            conditions.append(
                {"kind": ConditionKind.VOLUNTARY_WORK, "voluntary_hours": data["voluntary_hours"]}
            )
        elif data["last_condition"] == self.TAG:
            conditions.append({"kind": ConditionKind.TAG})
        assert len(conditions) <= MAX_CONDITIONS - 1
        return conditions


class ConditionForm(CaseForm):
    status = radios("Status", ConditionStatus.choices, missing="Select the status of the condition")
    reason = text_area(
        "Reason",
        LONG_TEXT,
        required=False,
        help_text="Needed to waive a condition. Say why, for example, if it failed.",
    )
    evidence = text_area(
        "Evidence (optional)",
        NOTE_TEXT,
        required=False,
        help_text="For example, attendance confirmed by the treatment service.",
    )
    submit_label = "Save the condition"

    def __init__(self, *args, case, condition, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": condition.status,
                "reason": condition.status_reason,
                "evidence": condition.evidence,
            },
        )
        super().__init__(*args, case=case, **kwargs)

    def fields_layout(self):
        return [
            Field.radios("status", legend_size=Size.MEDIUM),
            Field.textarea("reason", rows=3),
            Field.textarea("evidence", rows=3),
        ]

    def clean(self):
        cleaned = super().clean()
        waived = cleaned.get("status") == ConditionStatus.WAIVED
        if waived and "reason" not in self.errors and not cleaned.get("reason"):
            self.add_error("reason", "Enter the reason for waiving the condition")
        return cleaned


class MilestoneForm(CaseForm):
    """Done, on the day it was done, or missed, with why. The date starts empty and is
    required for a milestone done: one saved without looking would otherwise record
    today, whenever it was really done."""

    status = radios(
        "What happened?",
        [(MilestoneStatus.DONE, "Done"), (MilestoneStatus.MISSED, "Missed")],
        missing="Select whether it was done or missed",
    )
    completed_on = GovukDateField(
        name="date it was done",
        label="If done: the date it was done",
        help_text="For example, 27 3 2026",
    )
    reason = text_area(
        "If missed: why", LONG_TEXT, required=False, subject="The reason it was missed"
    )
    submit_label = "Save"

    def fields_layout(self):
        return [
            Field.radios("status", legend_size=Size.MEDIUM),
            Field("completed_on"),
            Field.textarea("reason", rows=3),
        ]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status != MilestoneStatus.DONE:
            # Asked for only when it was done.
            self.errors.pop("completed_on", None)
            cleaned["completed_on"] = None
        if (
            status == MilestoneStatus.MISSED
            and "reason" not in self.errors
            and not cleaned.get("reason")
        ):
            self.add_error("reason", "Enter why it was missed")
        return cleaned


# --- Appointments --------------------------------------------------------------------------


class AppointmentForm(CaseForm):
    kind = radios(
        "Kind of appointment", AppointmentKind.choices, missing="Select the kind of appointment"
    )
    date = GovukDateField(name="appointment date", label="Date", help_text="For example, 27 3 2026")
    time = TimeField(name="appointment time", label="Time")
    notes = text_area("Notes (optional)", LONG_TEXT, required=False)
    submit_label = "Add the appointment"

    def fields_layout(self):
        return [
            Field.radios("kind", legend_size=Size.SMALL),
            Field("date"),
            Field.text("time", field_width=5),
            Field.textarea("notes", rows=3),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = local_datetime(cleaned["date"], cleaned["time"])
        return cleaned


class AttendanceForm(CaseForm):
    YES, NO = "yes", "no"
    took_place = radios(
        "Did the appointment take place?",
        [(YES, "Yes"), (NO, "No, it did not take place")],
        missing="Select whether the appointment took place",
    )
    attendance = radios(
        "If it took place: did they attend?",
        Attendance.choices,
        missing="Select whether they attended, were late or did not attend",
        required=False,
    )
    submit_label = "Save what happened"
    submit_name = "save-attendance"

    def __init__(self, *args, case, appointment, **kwargs):
        if appointment.took_place is not None:
            kwargs.setdefault(
                "initial",
                {
                    "took_place": self.YES if appointment.took_place else self.NO,
                    "attendance": appointment.attendance,
                },
            )
        super().__init__(*args, case=case, **kwargs)

    def fields_layout(self):
        return [Field.radios("took_place"), Field.radios("attendance")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("took_place") == self.YES:
            if not cleaned.get("attendance") and "attendance" not in self.errors:
                self.add_error(
                    "attendance", "Select whether they attended, were late or did not attend"
                )
        else:
            self.errors.pop("attendance", None)
            cleaned["attendance"] = ""
        return cleaned


class RescheduleForm(CaseForm):
    new_date = GovukDateField(name="new date", label="New date", help_text="For example, 27 3 2026")
    new_time = TimeField(name="new time", label="New time")
    requested_by = radios(
        "Who asked for the change?",
        RescheduleRequester.choices,
        missing="Select who asked for the change",
    )
    reason = text_area(
        "Why was it rescheduled?",
        LONG_TEXT,
        subject="The reason",
        missing="Enter why it was rescheduled",
    )
    submit_label = "Reschedule the appointment"
    submit_name = "reschedule"

    def fields_layout(self):
        return [
            Field("new_date"),
            Field.text("new_time", field_width=5),
            Field.radios("requested_by"),
            Field.textarea("reason", rows=3),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_date") and cleaned.get("new_time"):
            cleaned["starts_at"] = local_datetime(cleaned["new_date"], cleaned["new_time"])
        return cleaned


# --- Notes ---------------------------------------------------------------------------------


class NoteForm(CaseForm):
    text = text_area("Note", NOTE_TEXT, missing="Enter the note")
    submit_label = "Add the note"

    def fields_layout(self):
        return [Field.textarea("text", label_size=Size.MEDIUM, rows=5)]

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Enter the note")
        return text
