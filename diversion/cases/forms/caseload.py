"""Forms for the caseload: the page's query string (tab, search, sort, filters), and a
manager's assigning of one case or moving of a whole caseload."""

from urllib.parse import urlencode

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles_of
from diversion.cases.caseload import SORTS, Tab, default_sort, default_tab, statuses_in, tabs_for
from diversion.cases.models import ProgrammeStatus
from diversion.cases.services import allocation
from diversion.lib.forms import GovukForm
from diversion.policy.models import CustodySuite, OffenceGroup

REASON_MAX = 2000
# The caseload table's columns; those named in caseload.SORTS can be sorted by.
COLUMNS = [
    ("reference", "Reference"),
    ("name", "Person"),
    ("offence", "Offence"),
    ("caseworker", "Caseworker"),
    ("ends", "Contract ends"),
    ("status", "Status"),
]
EMPTY = {
    Tab.MINE: "There are no open cases assigned to you.",
    Tab.UNASSIGNED: "No cases are waiting for a caseworker.",
    Tab.OVERDUE: "No open cases have overdue milestones.",
    Tab.OPEN: "There are no open cases.",
    Tab.CLOSED: "There are no closed cases.",
}
FILTERS = ("status", "caseworker", "suite", "offence")


def select(name):
    return Field(name, context={"label_size": Size.for_label(Size.SMALL)})


def helper(*fields):
    form_helper = FormHelper()
    form_helper.form_tag = False
    form_helper.layout = Layout(*fields)
    return form_helper


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes for a filter: the values that are choices, without the ones that are not
    (the form names those as ignored)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        values = self.to_python(value)
        return list(dict.fromkeys(v for v in values if self.valid_value(v)))


class CaseloadForm(GovukForm):
    """The caseload page's query string. Every value is optional, and one that cannot be used
    (an unknown tab, sort or filter value, from an old bookmark or an edited address) is
    left out and named in `ignored`, so no address can break the page."""

    tab = forms.ChoiceField(label="List", required=False)
    q = forms.CharField(
        label="Search by name or case reference",
        required=False,
        max_length=100,
        help_text="For example, Smith, or CP-000123",
        error_messages={"max_length": "The search must be 100 characters or fewer"},
    )
    sort = forms.ChoiceField(
        label="Sort order",
        required=False,
        choices=[(s, s) for key in SORTS for s in (key, f"-{key}")],
    )
    status = LenientMultipleChoiceField(label="Status")
    caseworker = LenientMultipleChoiceField(label="Caseworker")
    suite = LenientMultipleChoiceField(label="Custody suite")
    offence = LenientMultipleChoiceField(label="Offence group", choices=OffenceGroup.choices)

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        self.tabs = tabs_for(user)
        # The tab decides which other filters apply, so it is read first.
        asked = data.get("tab") or ""
        # The tab in use. The `tab` field declared on the class is moved into base_fields.
        self.tab = asked if asked in self.tabs else default_tab(user)  # type: ignore[assignment]
        self.fields["tab"].choices = [(tab, tab) for tab in self.tabs]
        self.fields["status"].choices = [
            (status, ProgrammeStatus(status).label) for status in statuses_in(self.tab)
        ]
        self.fields["suite"].choices = [
            (str(pk), name) for pk, name in CustodySuite.objects.values_list("pk", "name")
        ]
        # Caseworkers see only their own cases, and unassigned cases have no caseworker.
        if Role.MANAGER in roles_of(user) and self.tab != Tab.UNASSIGNED:
            self.fields["caseworker"].choices = [
                (str(worker.pk), f"{worker}" if worker.is_active else f"{worker} (left)")
                for worker in User.objects.filter(groups__name=Role.CASEWORKER.value)
            ]
        else:
            del self.fields["caseworker"]
        self.search_helper = helper(
            Field.text("q", label_size=Size.SMALL, field_width=Fluid.TWO_THIRDS, spellcheck="false")
        )
        self.filter_helper = helper(
            *(
                Field.checkboxes(name, legend_size=Size.SMALL, small=True)
                for name in FILTERS
                if name in self.fields
            ),
        )
        self.ignored = ["list"] if asked and asked != self.tab else []
        self.is_valid()
        # A value that cannot be used is dropped rather than shown as an error: only what
        # someone typed (the search) is theirs to correct.
        for name in list(self.errors):
            if name != "q":
                del self.errors[name]
                if name != "tab":
                    self.ignored.append(self.fields[name].label.lower())
        for name in FILTERS:
            if name in self.fields and set(self.data.getlist(name)) - set(self.value(name)):
                self.ignored.append(self.fields[name].label.lower())

    def value(self, name):
        return self.cleaned_data.get(name) or ([] if name in FILTERS else "")

    @property
    def sort_key(self):
        return self.value("sort") or default_sort(self.tab)

    def criteria(self):
        """Keyword arguments for caseload.caseload()."""
        return {
            "tab": self.tab,
            "search": self.value("q"),
            "statuses": self.value("status"),
            "caseworkers": [int(pk) for pk in self.value("caseworker")],
            "suites": [int(pk) for pk in self.value("suite")],
            "offence_groups": self.value("offence"),
            "sort": self.sort_key,
        }

    # Links: every one built from the values in use, so a bad value is not passed on.

    def params(self, **changes):
        params = {
            "tab": self.tab,
            "q": self.value("q"),
            "sort": self.value("sort"),
            **{name: self.value(name) for name in FILTERS},
        }
        params.update(changes)
        return {name: value for name, value in params.items() if value}

    def url(self, **changes):
        return "?" + urlencode(self.params(**changes), doseq=True)

    def hidden(self, *names):
        """(name, value) pairs of `names` in use, for a form that keeps them."""
        pairs = []
        for name, value in self.params().items():
            if name in names:
                pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
        return pairs

    def tab_links(self):
        # A status filter is particular to the open or closed lists, so it does not carry over.
        return [
            {
                "text": Tab(tab).label,
                "href": self.url(tab=tab, status=None),
                "active": tab == self.tab,
            }
            for tab in self.tabs
        ]

    def columns(self):
        """The table's headings in order. A sortable one has its aria-sort and a link that
        sorts by it: ascending first, the other way when it is already sorted ascending."""
        current, descending = self.sort_key.lstrip("-"), self.sort_key.startswith("-")
        columns = []
        for key, label in COLUMNS:
            if key not in SORTS:
                columns.append({"label": label})
                continue
            if key == current:
                aria_sort = "descending" if descending else "ascending"
                next_sort = key if descending else f"-{key}"
            else:
                aria_sort, next_sort = "none", key
            columns.append(
                {"label": label, "aria_sort": aria_sort, "href": self.url(sort=next_sort)}
            )
        return columns

    def filter_hidden(self):
        return self.hidden("tab", "sort", "q")

    def search_hidden(self):
        return self.hidden("tab", "sort", *FILTERS)

    def empty_message(self):
        if self.value("q") or any(self.value(name) for name in FILTERS):
            return "No cases match the search and filters."
        return EMPTY[self.tab]  # type: ignore[index]  # the tab in use, as above

    def selected_filters(self):
        """MoJ filter tags: each filter value in use, with a link that removes it."""
        categories = []
        for name in FILTERS:
            values = self.value(name)
            if not values:
                continue
            labels = dict(self.fields[name].choices)
            items = [
                {
                    "text": labels.get(value, value),
                    "href": self.url(**{name: [v for v in values if v != value]}),
                }
                for value in values
            ]
            categories.append({"heading": self.fields[name].label, "items": items})
        return categories

    def clear_url(self):
        return self.url(**dict.fromkeys(FILTERS))


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
    reason = forms.CharField(
        label="Reason (optional)",
        help_text="For example, the caseworker knows the person from an earlier case.",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={"max_length": f"The reason must be {REASON_MAX} characters or fewer"},
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
        self.helper = helper(
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
    reason = forms.CharField(
        label="Reason",
        help_text="Kept in the history of every case moved. For example, the caseworker has left.",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={
            "required": "Enter the reason for moving the cases",
            "max_length": f"The reason must be {REASON_MAX} characters or fewer",
        },
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
        self.helper = helper(
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
