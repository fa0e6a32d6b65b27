"""Every free-text field has a length limit, in the database and in its form (lib.text).
The walks below visit every model and every form of the service, so a field added later
cannot go without one."""

import django_filters
import pytest
from crispy_forms_gds.layout import Field
from django import forms
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual, Range
from django.template import Context, Template
from django.test.utils import isolate_apps
from hypothesis import given
from hypothesis import strategies as st

from diversion.accounts.forms import SignInForm
from diversion.audit.models import AccessLogEntry
from diversion.cases.models import CaseNote, Referral
from diversion.lib.forms import FreeTextField, GovukForm, text_area
from diversion.lib.history import changes_by
from diversion.lib.lists import ListFilters
from diversion.lib.text import DATA_TEXT, LONG_TEXT, NOTE_TEXT, length_limit
from diversion.people.forms import PersonForm
from diversion.people.models import LaterOffence, Person
from diversion.people.services import record_later_offence
from diversion.policy.models import OffenceType, PolicyVersion

# Columns pghistory writes itself in a history table: the event's label names the trigger
# ("insert", "update"), never anything typed. Its context is checked: it holds the reason.
PGHISTORY_OWN = {"pgh_label"}


def length_checks(model):
    """{(field, key): limit} for each CHECK on the length of a text in `model`'s constraints
    (lib.text.length_limit, json_length_limit); key is None for the whole field."""
    found = {}
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(condition, Range) and isinstance(condition.lhs, Length):
            limit = condition.rhs[1]  # a required text: between 1 and its limit
        elif isinstance(condition, LessThanOrEqual) and isinstance(condition.lhs, Length):
            limit = condition.rhs
        else:
            continue
        [text] = condition.lhs.get_source_expressions()
        key = None
        if isinstance(text, KeyTextTransform):
            key = text.key_name
            [text] = text.get_source_expressions()
        elif isinstance(text, Cast):
            [text] = text.get_source_expressions()
        found[(text.name, key)] = limit
    return found


def unlimited(model):
    """Each text field of `model` the database lets grow without limit, with why. A history
    table's copies of its record's fields are limited in the record's own table, from which
    its triggers copy them."""
    checks = length_checks(model)
    tracked = getattr(model, "pgh_tracked_model", None)
    copied = {f.name for f in tracked._meta.concrete_fields} if tracked else set()
    problems = []
    for field in model._meta.concrete_fields:
        if field.name in copied or field.name in PGHISTORY_OWN:
            continue
        problem = _problem(field, checks, history=tracked is not None)
        if problem:
            problems.append(f"{model._meta.label}.{field.name} {problem}")
    return problems


def _problem(field, checks, *, history=False):
    if isinstance(field, ArrayField):
        return _problem(field.base_field, {})
    if isinstance(field, models.CharField) and field.max_length is None:
        return "has no max_length"
    if isinstance(field, models.TextField):
        if field.max_length is None:
            return "has no max_length for its forms"
        if checks.get((field.name, None)) != field.max_length:
            return f"has no CHECK that its length is at most {field.max_length}"
    if isinstance(field, models.JSONField):
        if history and field.name == "pgh_context":
            if (field.name, "reason") not in checks:
                return "has no CHECK on the length of the reason it records"
        elif not any(name == field.name for name, _ in checks):
            return "has no CHECK on the length of its JSON"
    return None


PROJECT_MODELS = [
    model
    for model in apps.get_models(include_auto_created=True)
    if model.__module__.startswith("diversion.")
]


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_every_text_field_of_every_model_has_a_limit_in_the_database(model):
    assert not unlimited(model)


def test_the_walk_finds_the_text_that_had_no_limit():
    assert length_checks(LaterOffence)[("notes", None)] == LONG_TEXT
    limits = length_checks(Referral)
    assert limits[("decision_rationale", None)] == LONG_TEXT
    assert limits[("victim_views", None)] == LONG_TEXT
    assert limits[("eligibility_reasons", None)] == DATA_TEXT
    assert length_checks(CaseNote)[("text", None)] == NOTE_TEXT
    reason_limits = {
        model._meta.label: length_checks(model).get(("pgh_context", "reason"))
        for model in PROJECT_MODELS
        if hasattr(model, "pgh_tracked_model")
    }
    assert len(reason_limits) >= 9
    assert set(reason_limits.values()) == {LONG_TEXT}


@isolate_apps("diversion.lib")
def test_the_walk_names_a_text_field_without_a_limit():
    class Unlimited(models.Model):  # noqa: DJ008
        free = models.TextField()
        short = models.CharField(max_length=10)
        unbounded = models.CharField()
        data = models.JSONField()
        tags = ArrayField(models.CharField())

        class Meta:
            app_label = "lib"

    class Limited(models.Model):  # noqa: DJ008
        free = models.TextField(max_length=LONG_TEXT)
        wrong = models.TextField(max_length=LONG_TEXT)

        class Meta:
            app_label = "lib"
            constraints = [
                length_limit("limited_free_length", "free", LONG_TEXT),
                length_limit("limited_wrong_length", "wrong", NOTE_TEXT),
            ]

    assert unlimited(Unlimited) == [
        "lib.Unlimited.free has no max_length for its forms",
        "lib.Unlimited.unbounded has no max_length",
        "lib.Unlimited.data has no CHECK on the length of its JSON",
        "lib.Unlimited.tags has no max_length",
    ]
    assert unlimited(Limited) == ["lib.Limited.wrong has no CHECK that its length is at most 2000"]


# --- The database refuses more, whatever writes it -----------------------------------------


@pytest.fixture
def later_offence(person, custody_officer):
    return record_later_offence(
        person,
        actor=custody_officer,
        offence_date=person.date_of_birth.replace(year=2025),
        offence_type=OffenceType.objects.get(code="theft"),
        source="pnc",
    )


def test_the_database_refuses_later_offence_notes_over_the_limit(later_offence):
    rows = LaterOffence.objects.filter(pk=later_offence.pk)
    rows.update(notes="x" * LONG_TEXT)
    with pytest.raises(IntegrityError, match="later_offence_notes_length"), transaction.atomic():
        rows.update(notes="x" * (LONG_TEXT + 1))


@pytest.mark.parametrize(
    ("field", "limit"),
    [("decision_rationale", LONG_TEXT), ("victim_views", LONG_TEXT)],
)
def test_the_database_refuses_a_referrals_text_over_the_limit(make_referral, field, limit):
    rows = Referral.objects.filter(pk=make_referral().pk)
    with pytest.raises(IntegrityError, match="referral_.*_length"), transaction.atomic():
        rows.update(**{field: "x" * (limit + 1)})


def test_the_database_refuses_an_access_log_reason_over_the_limit(custody_officer):
    with pytest.raises(IntegrityError, match="access_log_reason_length"), transaction.atomic():
        AccessLogEntry.objects.create(
            actor=custody_officer,
            action="disclosure",
            record_type="x",
            reason="x" * 2001,
            recipient="the person referred",
        )


def test_a_reason_over_the_limit_cannot_enter_the_history(person, custody_officer):
    person.phone = "01632 960 001"
    with changes_by(custody_officer, "x" * LONG_TEXT):
        person.save()
    person.phone = "01632 960 002"
    with (
        pytest.raises(IntegrityError, match="people_personhistory_reason_length"),
        transaction.atomic(),
        changes_by(custody_officer, "x" * (LONG_TEXT + 1)),
    ):
        person.save()
    assert Person.objects.get(pk=person.pk).phone == "01632 960 001"


def test_model_validation_says_the_text_is_too_long(programme, caseworker):
    note = CaseNote(programme=programme, author=caseworker, text="x" * (NOTE_TEXT + 1))
    with pytest.raises(ValidationError, match="The text must be 5,000 characters or fewer"):
        note.full_clean()


def test_a_milestone_label_too_long_for_a_case_is_refused_in_the_schedule(rollout_rules):
    schedule = [dict(step) for step in rollout_rules.milestone_schedule]
    schedule[0]["label"] = "x" * 81
    rollout_rules.milestone_schedule = schedule
    with pytest.raises(ValidationError, match="Step 1’s label must be 80 characters or fewer"):
        rollout_rules.clean()
    rows = PolicyVersion.objects.filter(pk=rollout_rules.pk)
    with (
        pytest.raises(IntegrityError, match="policy_milestone_schedule_valid"),
        transaction.atomic(),
    ):
        rows.update(milestone_schedule=schedule)


# --- Every form --------------------------------------------------------------------------


def project_classes(base):
    """`base` and its subclasses in the service's own modules, with every view (and so every
    form) imported."""
    import diversion.urls  # noqa: F401

    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("diversion."):
            found.append(cls)
    return found


FORMS = [*project_classes(GovukForm), SignInForm]


def free_text(form_class):
    """The base fields of `form_class` a person types text into."""
    return {
        name: field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.CharField)
        and not field.widget.is_hidden
        and not isinstance(field.widget, forms.PasswordInput)
    }


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: form.__name__)
def test_every_text_field_of_every_form_has_a_limit(form_class):
    for name, field in free_text(form_class).items():
        if form_class is SignInForm and name == "username":
            # Django's sign-in form limits it to the user model's length when made.
            assert SignInForm().fields[name].max_length == 150
            continue
        assert field.max_length is not None, f"{form_class.__name__}.{name} has no limit"
        if isinstance(field.widget, forms.Textarea):
            assert isinstance(field, FreeTextField), f"{form_class.__name__}.{name} has no count"


@pytest.mark.parametrize("filters", project_classes(ListFilters), ids=lambda f: f.__name__)
def test_every_text_filter_of_every_list_has_a_limit(filters):
    for name, item in filters.base_filters.items():
        if isinstance(item, django_filters.CharFilter):
            assert item.extra.get("max_length"), f"{filters.__name__}.{name} has no limit"


def test_the_walk_finds_the_forms_with_free_text():
    names = {form.__name__ for form in FORMS if free_text(form)}
    assert {"LaterOffenceForm", "DecisionForm", "VictimForm", "ReopenForm", "BreachForm"} <= names


# --- How a form refuses too much ---------------------------------------------------------


class NoteForm(GovukForm):
    note = text_area("Note (optional)", 20, required=False)
    summary = FreeTextField(label="Summary", limit=10, subject="The summary", required=False)
    layout = ("note", "summary")


@given(st.text(alphabet=st.sampled_from("ab \r\n"), max_size=40))
def test_free_text_is_accepted_up_to_its_limit_counting_a_line_break_as_one(text):
    form = NoteForm({"note": text})
    counted = text.replace("\r\n", "\n").strip()
    assert form.is_valid() == (len(counted) <= 20)
    if form.is_valid():
        assert form.cleaned_data["note"] == counted


def test_the_message_names_the_field_and_the_limit():
    form = NoteForm({"note": "x" * 21, "summary": "y" * 11})
    assert form.errors == {
        "note": ["Note must be 20 characters or fewer"],
        "summary": ["The summary must be 10 characters or fewer"],
    }


def test_a_plain_text_field_gets_the_same_message_from_its_label():
    data = {"given_names": "x" * 101, "family_name": "Smith", "pnc_id": "1" * 21}
    form = PersonForm(data)
    assert form.errors["given_names"] == ["Given names must be 100 characters or fewer"]
    assert form.errors["pnc_id"] == ["PNC ID must be 20 characters or fewer"]


def rendered(form):
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))


def test_a_limited_textarea_shows_a_character_count_and_never_cuts_text_short():
    html = rendered(NoteForm())
    assert 'data-module="govuk-character-count" data-maxlength="20"' in html
    assert 'class="govuk-textarea govuk-js-character-count"' in html
    assert 'aria-describedby="id_note-info"' in html
    assert 'id="id_note-info"' in html and "You can enter up to 20 characters" in html
    # A single-line field has no count; neither field has the maxlength that would have
    # the browser cut a pasted text short without saying so.
    assert html.count("govuk-character-count__message") == 1
    assert " maxlength=" not in html
    assert " maxlength=" not in rendered(PersonForm())


def test_the_character_count_keeps_the_layouts_own_settings():
    class Described(GovukForm):
        note = text_area("Note", 30, help_text="Say what happened.")
        layout = (Field.textarea("note", rows=7),)

    html = rendered(Described({"note": "x" * 31}))
    assert 'rows="7"' in html
    assert 'aria-describedby="id_note_hint id_note-info' in html
    assert 'data-maxlength="30"' in html
