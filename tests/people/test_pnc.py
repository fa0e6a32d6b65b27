"""PNC IDs: validation, the long normal form, and the database's guard on it.

The check letters below are worked by hand from the domain rule: the two-digit year followed
by the seven-digit serial, read as one number, mod 23, indexing ZABCDEFGHJKLMNPQRTUVWXY
(Z=0 A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 J=9 K=10 L=11 M=12 N=13 P=14 Q=15 R=16 T=17 U=18
V=19 W=20 X=21 Y=22).
"""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import assume, given
from hypothesis import strategies as st

from diversion.people.models import Person
from diversion.people.pnc import CHECK_LETTERS, check_letter, meant_as_pnc, normalise_pnc
from diversion.people.search import PNC, parse_query
from tests.factories import PersonFactory

# 120034567 = 23 × 5218894 + 5   -> E
PNC_2012 = "2012/0034567E"
# 991234567 = 23 × 43097155 + 2  -> B
PNC_1999 = "1999/1234567B"
# 240000001 = 23 × 10434782 + 15 -> Q
PNC_2024 = "2024/0000001Q"
# 230012345 = 23 × 10000536 + 17 -> T
PNC_2023 = "2023/0012345T"

# Pin "this year" for the century rule and the future-year check.
IN_2026 = time_machine.travel("2026-06-01 12:00Z", tick=False)


@pytest.mark.parametrize("pnc", [PNC_2012, PNC_1999, PNC_2024, PNC_2023])
def test_a_valid_long_form_is_already_normal(pnc):
    assert normalise_pnc(pnc) == pnc


@pytest.mark.parametrize(
    ("year", "serial", "letter"),
    [(2012, 34567, "E"), (1999, 1234567, "B"), (2024, 1, "Q"), (2023, 12345, "T")],
)
def test_check_letter_follows_the_mod_23_rule(year, serial, letter):
    assert check_letter(year, serial) == letter


@pytest.mark.parametrize(
    ("entered", "normal"),
    [
        ("12/34567E", PNC_2012),
        ("99/1234567B", PNC_1999),
        ("24/1Q", PNC_2024),
        ("23/12345T", PNC_2023),
    ],
)
def test_a_valid_short_form_normalises_to_the_long_form(entered, normal):
    assert normalise_pnc(entered) == normal


@pytest.mark.parametrize(
    ("entered", "normal"),
    [
        ("2012/34567E", PNC_2012),
        ("2024/1Q", PNC_2024),
        ("2024/01Q", PNC_2024),
        ("2023/012345T", PNC_2023),
    ],
)
def test_the_serial_is_padded_to_seven_digits(entered, normal):
    assert normalise_pnc(entered) == normal


@pytest.mark.parametrize(
    "entered",
    ["2012/0034567e", " 2012/0034567E ", "2012 / 0034567 e", "12/34567e", "\t12/ 34567E\n"],
)
def test_lower_case_and_whitespace_are_tolerated(entered):
    assert normalise_pnc(entered) == PNC_2012


@pytest.mark.parametrize(
    ("entered", "normal"),
    [
        # The 12-character long form, as other justice systems accept it.
        ("20120034567E", PNC_2012),
        ("19991234567B", PNC_1999),
        ("20240000001Q", PNC_2024),
        # The short form without its slash: two-digit year, serial, letter.
        ("1234567E", PNC_2012),
        ("120034567E", PNC_2012),
        ("241Q", PNC_2024),
        ("9912345 67B", PNC_1999),
    ],
)
def test_a_pnc_id_without_its_slash_normalises_to_the_long_form(entered, normal):
    assert normalise_pnc(entered) == normal
    assert normalise_pnc(entered.lower()) == normal


@pytest.mark.parametrize(
    "bad",
    [
        "2012034567E",  # 10 digits: neither 4 + 7 nor 2 + up to 7
        "201200345678E",  # 12 digits
        "12E",  # a year and no serial
        "20120034567",  # no check letter
    ],
)
def test_a_pnc_id_without_its_slash_must_have_a_form_that_can_be_read_one_way(bad):
    with pytest.raises(ValidationError) as caught:
        normalise_pnc(bad)
    assert caught.value.code == "pnc_format"


@pytest.mark.parametrize(
    "typed", ["2012/0034567", "20120034567e", "12/", "1234567", "12 / 34567 X", "99"]
)
def test_text_meant_as_a_pnc_id_is_told_apart_from_names_and_other_numbers(typed):
    assert meant_as_pnc(typed)


@pytest.mark.parametrize("typed", ["John Smith", "NG-12345678-26", "E12345", "2012/0034567EE"])
def test_other_text_is_not_taken_for_a_pnc_id(typed):
    assert not meant_as_pnc(typed)


def written_forms(year, serial, letter):
    """Every way an officer may type this PNC ID: long or short, with or without the slash,
    the serial padded or not, in upper or lower case, with stray spaces."""
    forms = [
        f"{year:04d}/{serial:07d}{letter}",
        f"{year:04d}/{serial}{letter}",
        f"{year:04d}{serial:07d}{letter}",
        f"{year % 100:02d}/{serial:07d}{letter}",
        f"{year % 100:02d}/{serial}{letter}",
        f"{year % 100:02d}{serial}{letter}",
        f"{year % 100:02d}{serial:07d}{letter}",
        f" {year:04d} / {serial:07d} {letter} ",
    ]
    return forms + [form.lower() for form in forms]


# Years a two-digit year reads back to, with "this year" 2026: 1927 to 2026.
YEARS = st.integers(1927, 2026)
SERIALS = st.integers(0, 9_999_999)


@given(year=YEARS, serial=SERIALS)
def test_every_written_form_of_a_pnc_id_normalises_to_one_stored_form(year, serial):
    letter = check_letter(year, serial)
    with time_machine.travel("2026-06-01 12:00Z", tick=False):
        for form in written_forms(year, serial, letter):
            assert normalise_pnc(form) == f"{year:04d}/{serial:07d}{letter}", form
            assert parse_query(form).value == f"{year:04d}/{serial:07d}{letter}", form
            assert parse_query(form).kind == PNC


@given(year=YEARS, serial=SERIALS, wrong=st.sampled_from(CHECK_LETTERS))
def test_a_wrong_check_letter_is_refused_in_every_written_form(year, serial, wrong):
    assume(wrong != check_letter(year, serial))
    with time_machine.travel("2026-06-01 12:00Z", tick=False):
        for form in written_forms(year, serial, wrong):
            with pytest.raises(ValidationError) as caught:
                normalise_pnc(form)
            assert caught.value.code == "pnc_check_letter", form


@given(st.text(max_size=30))
def test_any_text_is_normalised_or_refused_with_a_message(text):
    try:
        normal = normalise_pnc(text)
    except ValidationError as error:
        assert error.messages
    else:
        assert normalise_pnc(normal) == normal


@pytest.mark.parametrize("wrong", ["2012/0034567X", "2012/0034567F", "12/34567Z"])
def test_a_wrong_check_letter_is_rejected_with_a_clear_message(wrong):
    with pytest.raises(ValidationError) as caught:
        normalise_pnc(wrong)
    assert caught.value.code == "pnc_check_letter"
    assert "check letter does not match" in caught.value.messages[0]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "2012-0034567E",
        "2012/0034567",
        "2012/12345678E",
        "201/0034567E",
        "20120/034567E",
        "2012/003456E7",
        "2012/00345.7E",
        "/0034567E",
        "2012/E",
    ],
)
def test_a_badly_formed_pnc_id_is_rejected_with_an_example_of_the_format(bad):
    with pytest.raises(ValidationError) as caught:
        normalise_pnc(bad)
    assert caught.value.code == "pnc_format"
    assert caught.value.messages == ["Enter a PNC ID in the form 2012/0034567E or 12/34567E"]


def test_none_is_rejected_as_badly_formed():
    with pytest.raises(ValidationError) as caught:
        normalise_pnc(None)
    assert caught.value.code == "pnc_format"


@IN_2026
def test_a_long_form_year_in_the_future_is_rejected():
    # 2027/0000001: 270000001 = 23 × 11739130 + 11 -> L, so only the year is wrong.
    assert check_letter(2027, 1) == "L"
    with pytest.raises(ValidationError) as caught:
        normalise_pnc("2027/0000001L")
    assert caught.value.code == "pnc_year"
    assert caught.value.messages == ["The year in a PNC ID cannot be in the future"]


@IN_2026
def test_a_long_form_year_this_year_is_accepted():
    # 260000001 = 23 × 11304347 + 20 -> W
    assert normalise_pnc("2026/0000001W") == "2026/0000001W"


@IN_2026
def test_a_short_form_year_up_to_this_year_is_this_century():
    # 26/1 -> 2026/0000001W (see above); 00/1234567: 1234567 = 23 × 53676 + 19 -> V
    assert normalise_pnc("26/1W") == "2026/0000001W"
    assert normalise_pnc("00/1234567V") == "2000/1234567V"


@IN_2026
def test_a_short_form_year_after_this_year_is_last_century():
    # 27/1 -> 1927; the check letter uses only the last two digits: L (see above).
    assert normalise_pnc("27/1L") == "1927/0000001L"
    assert normalise_pnc("99/1234567B") == PNC_1999


def test_the_century_rule_moves_with_the_calendar():
    # London is on GMT in winter, so these are the last and first minutes of the year there.
    with time_machine.travel("2026-12-31 23:59Z", tick=False):
        assert normalise_pnc("27/1L") == "1927/0000001L"
    with time_machine.travel("2027-01-01 00:01Z", tick=False):
        assert normalise_pnc("27/1L") == "2027/0000001L"


def test_full_clean_stores_the_long_normal_form(db):
    person = PersonFactory.build(pnc_id="12/34567e")
    person.full_clean()
    assert person.pnc_id == PNC_2012
    person.save()
    person.refresh_from_db()
    assert person.pnc_id == PNC_2012


def test_full_clean_reports_a_bad_pnc_id_against_the_field(db):
    person = PersonFactory.build(pnc_id="2012/0034567X")
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert "check letter does not match" in caught.value.message_dict["pnc_id"][0]


def test_a_blank_pnc_id_is_stored_as_null_so_many_people_can_lack_one(db):
    first = PersonFactory(pnc_id="")
    second = PersonFactory(pnc_id="")
    assert Person.objects.filter(pk__in=[first.pk, second.pk], pnc_id__isnull=True).count() == 2


def test_a_duplicate_pnc_id_fails_uniqueness_validation_even_in_short_form(db):
    PersonFactory(pnc_id=PNC_2012)
    duplicate = PersonFactory.build(pnc_id="12/34567E")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "pnc_id" in caught.value.message_dict


def test_a_duplicate_pnc_id_is_refused_by_the_database(db):
    PersonFactory(pnc_id=PNC_2012)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(pnc_id=PNC_2012)
    assert Person.objects.filter(pnc_id=PNC_2012).count() == 1


@pytest.mark.parametrize("stored", ["12/34567E", "2012/0034567e", "2012/34567E", "2012/0034567I"])
def test_the_database_refuses_a_non_normal_form_set_by_update(db, stored):
    person = PersonFactory(pnc_id=PNC_2012)
    with pytest.raises(IntegrityError, match="person_pnc_id_normal_form"), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(pnc_id=stored)
    person.refresh_from_db()
    assert person.pnc_id == PNC_2012


def test_the_database_refuses_a_non_normal_form_from_bulk_create(db):
    person = PersonFactory.build(pnc_id="12/34567E")
    person.refresh_name_keys()
    with pytest.raises(IntegrityError, match="person_pnc_id_normal_form"), transaction.atomic():
        Person.objects.bulk_create([person])
    assert not Person.objects.exists()
