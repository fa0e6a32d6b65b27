"""The name rule: letters from any language, spaces, hyphens, apostrophes and full stops, up to
100 characters; its matching keys; and the database's guard on it."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversion.people.models import Person
from diversion.people.names import (
    NAME_FORBIDDEN_REGEX,
    NAME_PUNCTUATION,
    check_name,
    normalise_name,
    sound_key,
)
from tests.factories import PersonFactory

NAMES_OF_THE_WORLD = [
    "O'Brien",
    "O’Brien",
    "Smith-Jones",
    "St. John",
    "Ní Bhriain",
    "Wiśniewski",
    "Michał",
    "Zoë",
    "Đorđević",
    "Straße",
    "محمد",
    "王芳",
    "Ngũgĩ",
    "राम",
    "Þórunn",
    "Ἀλέξανδρος",
    # Persian: a zero-width non-joiner keeps two letters apart, as the name is written.
    "مهر\u200cآفرین",
]


def database_refuses(name):
    """Whether the database's check on names (person_names_characters) refuses `name`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s ~ %s", [name, NAME_FORBIDDEN_REGEX])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("name", NAMES_OF_THE_WORLD)
def test_names_in_any_language_are_accepted_by_the_rule_and_the_database(db, name):
    check_name(name, "Family name")
    assert not database_refuses(name)
    person = PersonFactory(family_name=name)
    person.full_clean()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Jones2", "Family name must only include letters, spaces, hyphens, apostrophes and "),
        ("Smith!", "Family name must only include letters"),
        ("Smith_Jones", "Family name must only include letters"),
        ("Smith\u202e", "Family name must only include letters"),
        ("Smith\tJones", "Family name must only include letters"),
        ("-- '", "Family name must include letters"),
        ("a" * 101, "Family name must be 100 characters or fewer"),
    ],
)
def test_anything_else_is_refused_with_a_message_naming_the_field(name, message):
    with pytest.raises(ValidationError) as caught:
        check_name(name, "Family name")
    assert caught.value.messages[0].startswith(message)


def test_a_name_of_100_characters_is_accepted():
    check_name("a" * 100, "Family name")


@pytest.mark.parametrize("name", ["Jones2", "Smith!", "Smith;", "O<Brien", "a\tb", "a\x7fb"])
@pytest.mark.parametrize("field", ["given_names", "family_name"])
def test_the_database_refuses_digits_symbols_and_control_characters(person, field, name):
    with pytest.raises(IntegrityError, match="person_names_characters"), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(**{field: name})


def test_full_clean_reports_a_name_against_its_field(db):
    person = PersonFactory.build(given_names="Jon3")
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert caught.value.message_dict["given_names"] == [
        "A name must only include letters, spaces, hyphens, apostrophes and full stops"
    ]


LETTERS = st.characters(categories=["L"])
NAME_CHARACTERS = st.one_of(LETTERS, st.sampled_from(NAME_PUNCTUATION))
# Names by the rule: at least one letter, up to 100 characters.
NAMES = st.tuples(
    st.text(NAME_CHARACTERS, max_size=60), LETTERS, st.text(NAME_CHARACTERS, max_size=39)
).map("".join)


# The database is only read: the test's one transaction serves every example.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(NAMES)
def test_every_name_the_rule_accepts_the_database_accepts(db, name):
    check_name(name, "Name")
    assert not database_refuses(name)


@given(NAMES, st.characters(categories=["Nd"]), st.integers(0, 100))
def test_a_name_with_a_digit_of_any_script_is_refused(name, digit, at):
    with pytest.raises(ValidationError):
        check_name(name[:at] + digit + name[at:], "Name")


@given(st.text(max_size=120))
def test_any_text_is_a_name_or_refused_with_a_message(text):
    try:
        check_name(text, "Name")
    except ValidationError as error:
        assert error.messages[0].startswith("Name must ")
    else:
        assert any(c.isalpha() for c in text) and len(text) <= 100


@given(st.text(max_size=60))
def test_a_name_key_is_lower_case_letters_single_spaced_and_stable(text):
    key = normalise_name(text)
    assert key == " ".join(key.split())
    assert all(c.isalpha() or c == " " for c in key)
    assert normalise_name(key) == key


@given(NAMES)
def test_every_word_of_a_name_has_a_sound_key(name):
    assert len(sound_key(name).split()) == len(normalise_name(name).split())


@pytest.mark.parametrize(
    ("name", "key"),
    [("O'Brien", "obrien"), ("Straße", "strasse"), ("Michał", "michał"), ("محمد", "محمد")],
)
def test_name_keys_keep_letters_of_every_language(name, key):
    assert normalise_name(name) == key


def test_a_name_in_another_script_sounds_only_like_itself():
    assert sound_key("محمد علي") == "محمد علي"


def test_the_migration_refreshes_the_keys_the_new_rules_change(db):
    michal = PersonFactory(given_names="Michał", family_name="Wiśniewski")
    smith = PersonFactory(given_names="John", family_name="Smith")
    # As the earlier rules made them: letters outside ASCII dropped.
    Person.objects.filter(pk=michal.pk).update(given_names_key="micha", given_names_sound="MX ")
    before = Person.objects.values_list("updated_at", flat=True).get(pk=smith.pk)
    import_module("diversion.people.migrations.0004_name_rule").refresh_name_keys(apps, None)
    michal.refresh_from_db()
    assert (michal.given_names_key, michal.given_names_sound) == ("michał", "MX")
    assert Person.objects.values_list("updated_at", flat=True).get(pk=smith.pk) == before
