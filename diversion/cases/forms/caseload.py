"""Forms for the caseload: its search and filters, and a manager's assigning of one case or
moving of a whole caseload."""

import django_filters
from crispy_forms_gds.layout import Button, Field, Size
from django import forms

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles_of
from diversion.cases.caseload import Tab, search_filter, statuses_in
from diversion.cases.models import ProgrammeStatus
from diversion.cases.services import allocation
from diversion.lib.forms import GovukForm, form_helper, text_area
from diversion.lib.lists import ChoicesFilter, ListFilters
from diversion.lib.text import LONG_TEXT
from diversion.policy.models import CustodySuite, OffenceGroup


def select(name):
    return Field(name, context={"label_size": Size.for_label(Size.SMALL)})


class CaseloadFilters(ListFilters):
    """The caseload's search and MoJ filter panel. Every value is optional, and one that
    cannot be used (from an old bookmark or an edited address) is left out and named by
    the list, so no address can break the page."""

    q = django_filters.CharFilter(
        label="Search by name or case reference",
        method="search",
        max_length=100,
        help_text="For example, Smith, or CP-000123",
        error_messages={"max_length": "The search must be 100 characters or fewer"},
    )
    status = ChoicesFilter(label="Status")
    caseworker = ChoicesFilter(label="Caseworker")
    suite = ChoicesFilter(label="Custody suite", field_name="referral__custody_suite")
    offence = ChoicesFilter(
        label="Offence group",
        field_name="referral__offence_type__group",
        choices=OffenceGroup.choices,
    )

    def __init__(self, data, queryset, *, user, tab):
        super().__init__(data, queryset=queryset)
        # Caseworkers see only their own cases, and unassigned cases have no caseworker.
        managing = Role.MANAGER in roles_of(user) and tab != Tab.UNASSIGNED
        if not managing:
            del self.filters["caseworker"]
        fields = self.form.fields
        fields["status"].choices = [
            (status, ProgrammeStatus(status).label) for status in statuses_in(tab)
        ]
        fields["suite"].choices = [
            (str(pk), name) for pk, name in CustodySuite.objects.values_list("pk", "name")
        ]
        if managing:
            fields["caseworker"].choices = [
                (str(worker.pk), f"{worker}" if worker.is_active else f"{worker} (left)")
                for worker in User.objects.filter(groups__name=Role.CASEWORKER.value)
            ]

    def search(self, queryset, name, value):
        return queryset.filter(search_filter(value)) if value else queryset


class CaseworkerChoiceField(forms.TypedChoiceField):
    """A select of users; cleans to the User chosen."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)
        self.users = {}

    def set_users(self, users, *, empty_label, describe):
        self.users = {user.pk: user for user in users}
        self.choices = [("", empty_label)] + [
            (user.pk, describe(user)) for user in self.users.values()
        ]

    def clean(self, value):
        pk = super().clean(value)
        return self.users.get(pk) if pk not in (None, "") else None


def caseload_label(user):
    count = user.open_cases
    return f"{user} – {count} open case{'' if count == 1 else 's'}"


class AssignForm(GovukForm):
    """A manager chooses who should hold one case."""

    caseworker = CaseworkerChoiceField(
        label="Caseworker",
        help_text="Each caseworker's number of open cases is shown, to spread the work.",
        error_messages={
            "required": "Select the caseworker to give the case to",
            "invalid_choice": "Select a caseworker from the list",
        },
    )
    reason = text_area(
        "Reason (optional)",
        LONG_TEXT,
        help_text="For example, the caseworker knows the person from an earlier case.",
        required=False,
        subject="The reason",
    )
    # The case's version when the page was opened (lib.concurrency).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, programme, **kwargs):
        kwargs.setdefault("initial", {"version": programme.version})
        super().__init__(*args, **kwargs)
        self.programme = programme

        def describe(user):
            label = caseload_label(user)
            return f"{label} (has this case)" if user.pk == programme.caseworker_id else label

        self.fields["caseworker"].set_users(
            allocation.caseworkers(), empty_label="Choose a caseworker", describe=describe
        )
        self.helper = form_helper(
            select("caseworker"),
            Field.textarea("reason", label_size=Size.SMALL, rows=3),
            Field("version"),
            Button("submit", "Assign the case"),
        )

    def clean_caseworker(self):
        caseworker = self.cleaned_data["caseworker"]
        if caseworker is not None and caseworker.pk == self.programme.caseworker_id:
            raise forms.ValidationError(
                f"{caseworker} already has this case: choose a different caseworker"
            )
        return caseworker


class ReassignForm(GovukForm):
    """A manager moves every open case of one caseworker to another, for example when the
    first leaves. Shown again to confirm before anything moves."""

    from_caseworker = CaseworkerChoiceField(
        label="Move the open cases of",
        error_messages={
            "required": "Select the caseworker whose cases are to move",
            "invalid_choice": "Select a caseworker who has open cases",
        },
    )
    to_caseworker = CaseworkerChoiceField(
        label="To",
        error_messages={
            "required": "Select the caseworker to move the cases to",
            "invalid_choice": "Select a caseworker from the list",
        },
    )
    reason = text_area(
        "Reason",
        LONG_TEXT,
        help_text="Kept in the history of every case moved. For example, the caseworker has left.",
        subject="The reason",
        missing="Enter the reason for moving the cases",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_caseworker"].set_users(
            allocation.holders_of_open_cases(),
            empty_label="Choose a caseworker",
            describe=caseload_label,
        )
        self.fields["to_caseworker"].set_users(
            allocation.caseworkers(), empty_label="Choose a caseworker", describe=caseload_label
        )
        self.helper = form_helper(
            select("from_caseworker"),
            select("to_caseworker"),
            Field.textarea("reason", label_size=Size.SMALL, rows=3),
            Button("submit", "Continue"),
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Enter the reason for moving the cases")
        return reason

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("from_caseworker"), cleaned.get("to_caseworker")
        if source is not None and target is not None and source.pk == target.pk:
            self.add_error("to_caseworker", "Choose a different caseworker to move the cases to")
        return cleaned

    def hidden(self):
        """The answers, as (name, value) pairs for the confirmation page's form."""
        data = self.cleaned_data
        return [
            ("from_caseworker", data["from_caseworker"].pk),
            ("to_caseworker", data["to_caseworker"].pk),
            ("reason", data["reason"]),
        ]
