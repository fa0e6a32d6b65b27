"""The person record: the database refuses impossible data, and name keys follow the names."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from diversion.lib.dates import today
from diversion.people.models import Person
from tests.factories import PersonFactory


def refused_by_database(person, constraint, **changes):
    """Try to store `changes` behind the model's back; the database must refuse them."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(**changes)


@pytest.mark.parametrize(
    "born",
    [
        datetime.date(1899, 12, 31),
        datetime.date(1850, 1, 1),
        today() + datetime.timedelta(days=1),
        today() + datetime.timedelta(days=3650),
    ],
)
def test_an_impossible_date_of_birth_is_refused_by_the_database(db, born):
    with pytest.raises(IntegrityError, match="person_born_after_1900"), transaction.atomic():
        PersonFactory(date_of_birth=born)
    assert not Person.objects.exists()


def test_an_impossible_date_of_birth_cannot_be_set_by_update(person):
    refused_by_database(
        person, "person_born_after_1900", date_of_birth=today() + datetime.timedelta(days=1)
    )
    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(1990, 5, 17)


@pytest.mark.parametrize("born", [datetime.date(1900, 1, 1), today() - datetime.timedelta(days=1)])
def test_the_earliest_and_latest_possible_dates_of_birth_are_accepted(db, born):
    assert PersonFactory(date_of_birth=born).pk


def test_full_clean_reports_a_future_date_of_birth(db):
    person = PersonFactory.build(date_of_birth=today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        person.full_clean()


@pytest.mark.parametrize("field", ["given_names", "family_name"])
def test_a_blank_name_is_refused_by_the_database(person, field):
    refused_by_database(person, "person_names_present", **{field: ""})
    person.refresh_from_db()
    assert getattr(person, field)


@pytest.mark.parametrize("field", ["given_names", "family_name"])
def test_full_clean_requires_both_names(db, field):
    person = PersonFactory.build(**{field: ""})
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert field in caught.value.message_dict


@pytest.mark.parametrize("district", ["CB1", "SW1A", "M1", "EC1V", "B33", ""])
def test_a_postcode_district_or_none_is_accepted(db, district):
    person = PersonFactory.build(postcode_district=district)
    person.full_clean()
    person.save()
    assert Person.objects.filter(pk=person.pk, postcode_district=district).exists()


@pytest.mark.parametrize("district", ["cb1", "CB", "1CB", "CB 1", "C-1", "ABC1"])
def test_a_bad_postcode_district_is_refused_by_the_database(person, district):
    refused_by_database(person, "person_postcode_district_format", postcode_district=district)


@pytest.mark.parametrize("district", ["cb1", "CB", "1CB", "C-1"])
def test_full_clean_explains_a_bad_postcode_district(db, district):
    person = PersonFactory.build(postcode_district=district)
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert caught.value.message_dict["postcode_district"] == [
        "Enter the first part of a postcode, like CB1 or SW1A"
    ]


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("sex", "X", "person_sex_valid"),
        ("observed_ethnicity", "IC9", "person_observed_ethnicity_valid"),
        ("self_defined_ethnicity", "Z1", "person_self_defined_ethnicity_valid"),
    ],
)
def test_a_code_outside_its_list_is_refused_by_the_database(person, field, value, constraint):
    refused_by_database(person, constraint, **{field: value})


def test_name_keys_are_filled_on_save(db):
    person = PersonFactory(given_names="Jon", family_name="Smyth")
    person.refresh_from_db()
    assert person.given_names_key == "jon"
    assert person.family_name_key == "smyth"
    assert person.given_names_sound == "JN"
    assert person.family_name_sound == "SM0"


def test_sound_alike_spellings_share_sound_keys(db):
    jon = PersonFactory(given_names="Jon", family_name="Smyth")
    john = PersonFactory(given_names="John", family_name="Smith")
    assert jon.family_name_sound == john.family_name_sound
    assert jon.given_names_sound == john.given_names_sound
    assert jon.family_name_key != john.family_name_key
    matches = Person.objects.filter(family_name_sound="SM0", given_names_sound="JN")
    assert set(matches) == {jon, john}


def test_plain_keys_drop_accents_punctuation_and_case(db):
    person = PersonFactory(given_names="  Zoë  Anne-Marie ", family_name="O'Brien-Smith")
    person.refresh_from_db()
    assert person.given_names_key == "zoe annemarie"
    assert person.family_name_key == "obriensmith"


def test_different_sounding_names_get_different_sound_keys(db):
    smith = PersonFactory(family_name="Smith")
    jones = PersonFactory(family_name="Jones")
    assert smith.family_name_sound != jones.family_name_sound


def test_name_keys_follow_a_change_of_name(db):
    person = PersonFactory(given_names="Jon", family_name="Smyth")
    person.family_name = "Ó Briain"
    person.given_names = "Seán"
    person.save()
    person.refresh_from_db()
    assert person.family_name_key == "o briain"
    assert person.given_names_key == "sean"
    assert person.family_name_sound != "SM0"
    assert person.given_names_sound != "JN"
    assert not Person.objects.filter(family_name_sound="SM0").exists()
