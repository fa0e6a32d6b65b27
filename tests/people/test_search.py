"""Finding a person: forgiving matching ranked best first with reasons, and the search page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.people.models import Person
from diversion.people.names import normalise_name
from diversion.people.search import NAME, find_people, parse_query, read_name, search_queryset
from tests.factories import PersonFactory, UserFactory

BORN = datetime.date(1985, 11, 5)
SEARCH = reverse("people:search")


def names(matches):
    return [m.person.full_name for m in matches]


def search(text="", born=None, limit=20):
    return find_people(Person.objects.all(), text=text, date_of_birth=born, limit=limit)


def search_page(client, q="", born=None, **extra):
    params = {"q": q, "date_of_birth_0": "", "date_of_birth_1": "", "date_of_birth_2": ""}
    if born:
        params.update(date_of_birth_0=born.day, date_of_birth_1=born.month)
        params["date_of_birth_2"] = born.year
    params.update(extra)
    return client.get(SEARCH, params)


@pytest.fixture
def john_smith(db):
    return PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)


# --- Matching rules -----------------------------------------------------------------------


def test_misspelt_names_with_the_right_date_of_birth_find_the_person(john_smith):
    [match] = search("Jon Smyth", BORN)
    assert match.person == john_smith
    assert match.reasons == [
        "Same date of birth",
        "Family name sounds the same",
        "Given name sounds the same",
    ]


def test_names_that_sound_the_same_are_found_without_a_date_of_birth(john_smith):
    assert names(search("Jon Smyth")) == ["John Smith"]


def test_a_misspelling_that_changes_the_sound_is_found_by_spelling(john_smith):
    [match] = search("John Smiht")
    assert match.person == john_smith
    assert "Family name spelt similarly" in match.reasons


def test_a_date_of_birth_with_day_and_month_swapped_still_matches(john_smith):
    [match] = search("John Smith", datetime.date(1985, 5, 11))
    assert match.person == john_smith
    assert match.reasons[0] == "Date of birth with day and month swapped"


def test_a_missing_middle_name_still_matches(db):
    john_paul = PersonFactory(given_names="John Paul", family_name="Smith", date_of_birth=BORN)
    [match] = search("John Smith")
    assert match.person == john_paul
    assert match.reasons == ["Same family name", "Same first name, middle names differ"]


def test_a_middle_name_the_record_lacks_still_matches(john_smith):
    assert names(search("John Paul Smith", BORN)) == ["John Smith"]


def test_the_family_name_may_come_first_after_a_comma(db):
    PersonFactory(given_names="Maria", family_name="Da Silva", date_of_birth=BORN)
    [match] = search("Da Silva, Maria")
    assert match.reasons == ["Same family name", "Same given names"]


def test_results_are_ranked_best_first(db):
    swapped = PersonFactory(
        given_names="John", family_name="Smith", date_of_birth=datetime.date(1985, 5, 11)
    )
    other_birthday = PersonFactory(
        given_names="John", family_name="Smith", date_of_birth=datetime.date(1970, 1, 1)
    )
    sounds_alike = PersonFactory(given_names="Jon", family_name="Smyth", date_of_birth=BORN)
    exact = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    matches = search("John Smith", BORN)
    assert [m.person for m in matches] == [exact, swapped, sounds_alike, other_birthday]
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert matches[0].reasons == ["Same date of birth", "Same family name", "Same given names"]
    assert matches[-1].reasons == ["Same family name", "Same given names"]


def test_strangers_who_share_the_birthday_are_not_listed(john_smith):
    PersonFactory(given_names="Aisha", family_name="Okafor", date_of_birth=BORN)
    assert names(search("John Smith", BORN)) == ["John Smith"]


def test_a_date_of_birth_alone_finds_everyone_born_that_day_or_its_transposition(john_smith):
    PersonFactory(given_names="Aisha", family_name="Okafor", date_of_birth=BORN)
    PersonFactory(
        given_names="Zofia", family_name="Nowak", date_of_birth=datetime.date(1985, 5, 11)
    )
    PersonFactory(given_names="Imran", family_name="Khan", date_of_birth=datetime.date(1985, 5, 12))
    matches = search(born=BORN)
    assert names(matches) == ["Aisha Okafor", "John Smith", "Zofia Nowak"]
    assert matches[2].reasons == ["Date of birth with day and month swapped"]


def test_a_family_name_alone_finds_those_that_sound_the_same(john_smith):
    PersonFactory(given_names="Sarah", family_name="Smyth")
    PersonFactory(given_names="Sarah", family_name="Jones")
    assert names(search("Smith")) == ["John Smith", "Sarah Smyth"]


@pytest.mark.parametrize(
    "typed", ["12/34567E", "2012/0034567E", " 2012 / 0034567e ", "20120034567E", "1234567e"]
)
def test_a_pnc_id_in_any_accepted_form_finds_the_person(db, typed):
    person = PersonFactory(pnc_id="2012/0034567E")
    PersonFactory()
    [match] = search(typed)
    assert match.person == person
    assert match.reasons == ["PNC ID matches"]


def test_a_custody_record_number_finds_the_people_referred_under_it(make_referral):
    referral = make_referral(custody_record_number="NG-12345678-26")
    make_referral()
    [match] = search("ng-12345678-26")
    assert match.person == referral.person
    assert match.reasons == ["Custody record number matches"]


def test_results_stop_at_the_limit_and_say_more_exist(db):
    PersonFactory.create_batch(4, family_name="Smith", date_of_birth=BORN)
    matches = search("Smith", limit=3)
    assert len(matches) == 3
    assert matches.more
    assert not search("Smith", limit=4).more


def test_search_keeps_within_the_people_given(john_smith):
    other = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    matches = find_people(Person.objects.exclude(pk=other.pk), text="John Smith")
    assert [m.person for m in matches] == [john_smith]


@pytest.mark.parametrize(
    "text,message",
    [
        ("!!! ---", "Enter a name using letters"),
        ("John 123", "Enter a name without numbers"),
        ("12/34567X", "The check letter does not match"),
        ("99/", "Enter a PNC ID in the form"),
    ],
)
def test_text_that_cannot_be_a_name_or_identifier_is_refused(db, text, message):
    with pytest.raises(ValidationError, match=message):
        parse_query(text)


# --- Names as officers type them ----------------------------------------------------------


def readings(text):
    return [(name.given, name.family) for name in read_name(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The family name before a comma.
        ("Wickmore, Kelly", [("kelly", "wickmore")]),
        ("Da Silva, Maria Joana", [("maria joana", "da silva")]),
        # The family name in capitals, the given names not: whichever comes first.
        ("WICKMORE Kelly", [("kelly", "wickmore")]),
        ("Kelly WICKMORE", [("kelly", "wickmore")]),
        ("DA SILVA Maria", [("maria", "da silva")]),
        ("WICKMORE Kelly Jane", [("kelly jane", "wickmore")]),
        # Initials before or after the family name, with or without full stops.
        ("Wickmore K", [("k", "wickmore")]),
        ("Wickmore K J", [("k j", "wickmore")]),
        ("Wickmore K.J.", [("k j", "wickmore")]),
        ("K. J. Wickmore", [("k j", "wickmore")]),
        ("WICKMORE K", [("k", "wickmore")]),
        ("Da Silva M", [("m", "da silva")]),
        # Otherwise both ways: given names first, unless all is in capitals.
        ("Kelly Wickmore", [("kelly", "wickmore"), ("wickmore", "kelly")]),
        ("wickmore kelly", [("wickmore", "kelly"), ("kelly", "wickmore")]),
        ("WICKMORE KELLY", [("kelly", "wickmore"), ("wickmore", "kelly")]),
        ("Kelly Jane Wickmore", [("kelly jane", "wickmore"), ("jane wickmore", "kelly")]),
        # One word is a family name.
        ("Wickmore", [("", "wickmore")]),
        ("O'Brien-Smith", [("", "obriensmith")]),
    ],
)
def test_a_name_is_read_the_ways_officers_type_it(text, expected):
    assert readings(text) == expected


def test_a_name_keeps_its_words_as_typed_for_the_person_form():
    [name] = read_name("WICKMORE Kelly-Ann")
    assert (name.typed_given, name.typed_family) == ("Kelly-Ann", "WICKMORE")


# Words of Latin letters, each letter one letter in a name key and with a capital.
LETTERS = st.characters(categories=["Lu", "Ll"], max_codepoint=0x24F).filter(
    lambda c: len(normalise_name(c)) == 1 and len(c.upper()) == 1 and c.upper().isupper()
)
WORDS = st.text(LETTERS, min_size=2, max_size=12)
GIVEN = st.lists(WORDS, min_size=1, max_size=3)


@given(GIVEN, WORDS)
def test_given_names_then_family_name_are_read_first_that_way(given_words, family):
    given_words = [w.capitalize() for w in given_words]
    family = family.capitalize()
    first, *_ = read_name(" ".join([*given_words, family]))
    assert (first.typed_given, first.typed_family) == (" ".join(given_words), family)


@given(GIVEN, WORDS)
def test_a_family_name_in_capitals_is_read_as_the_family_name(given_words, family):
    given_words = [w.lower().capitalize() for w in given_words]
    for text in (
        f"{family.upper()} {' '.join(given_words)}",
        f"{' '.join(given_words)} {family.upper()}",
    ):
        [name] = read_name(text)
        assert (name.typed_given, name.typed_family) == (" ".join(given_words), family.upper())


@given(GIVEN, WORDS)
def test_a_family_name_before_a_comma_is_read_as_the_family_name(given_words, family):
    [name] = read_name(f"{family}, {' '.join(given_words)}")
    assert (name.typed_given, name.typed_family) == (" ".join(given_words), family)


@given(GIVEN, WORDS, st.booleans())
def test_initials_either_side_are_read_as_the_given_names(given_words, family, before):
    initials = [w[0] for w in given_words]
    text = f"{' '.join(initials)} {family}" if before else f"{family} {' '.join(initials)}"
    [name] = read_name(text)
    assert name.initials == [normalise_name(i) for i in initials]
    assert name.typed_family == family


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_message(text):
    try:
        query = parse_query(text)
    except ValidationError as error:
        assert error.messages
    else:
        if query.kind == NAME:
            assert all(name.family for name in query.names)


@pytest.fixture
def kelly_wickmore(db):
    return PersonFactory(given_names="Kelly Jane", family_name="Wickmore", date_of_birth=BORN)


@pytest.mark.parametrize(
    "typed",
    ["WICKMORE KELLY", "wickmore kelly", "Wickmore Kelly", "WICKMORE Kelly", "Wickmore, Kelly"],
)
def test_the_family_name_may_come_first_without_a_comma(kelly_wickmore, typed):
    PersonFactory(given_names="Wickmore", family_name="Kellner")
    [match, *_] = search(typed)
    assert match.person == kelly_wickmore
    assert match.reasons == ["Same family name", "Same first name, middle names differ"]


def test_the_likelier_reading_ranks_first_when_both_match_as_well(db):
    john_smith = PersonFactory(given_names="John", family_name="Smith")
    smith_john = PersonFactory(given_names="Smith", family_name="John")
    assert [m.person for m in search("John Smith")] == [john_smith, smith_john]
    assert [m.person for m in search("SMITH JOHN")] == [john_smith, smith_john]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Wickmore K", "First initial matches"),
        ("K Wickmore", "First initial matches"),
        ("Wickmore K J", "Initials match"),
        ("Wickmore K.J.", "Initials match"),
        ("WICKMORE K", "First initial matches"),
    ],
)
def test_initials_find_the_people_whose_given_names_they_begin(kelly_wickmore, typed, reason):
    PersonFactory(given_names="Sarah", family_name="Wickmore")
    PersonFactory(given_names="Kelly", family_name="Jones")
    [match] = search(typed)
    assert match.person == kelly_wickmore
    assert match.reasons == ["Same family name", reason]


def test_initials_that_match_in_order_rank_above_a_first_initial_alone(db):
    kelly_jane = PersonFactory(given_names="Kelly Jane", family_name="Wickmore")
    kelly_ann = PersonFactory(given_names="Kelly Ann", family_name="Wickmore")
    assert [m.person for m in search("Wickmore K J")] == [kelly_jane, kelly_ann]


def test_initials_with_a_date_of_birth_find_the_person_born_that_day(kelly_wickmore):
    PersonFactory(
        given_names="Kelly", family_name="Wickmore", date_of_birth=datetime.date(1970, 1, 1)
    )
    [match] = search("Wickmore K", BORN)
    assert match.person == kelly_wickmore
    assert match.reasons == ["Same date of birth", "Same family name", "First initial matches"]


def test_a_name_in_another_script_is_found(db):
    person = PersonFactory(given_names="محمد", family_name="علي")
    assert [m.person for m in search("محمد علي")] == [person]
    assert [m.person for m in search("علي")] == [person]


SEARCHES = [
    ("Jon Smyth", BORN),
    ("Jon Smyth", None),
    ("12/34567E", None),
    ("20120034567e", None),
    ("", BORN),
    ("Smith", None),
    ("SMITH John", None),
    ("SMITH JOHN", BORN),
    ("Smith J", None),
    ("Smith J P", BORN),
]


@pytest.mark.parametrize("text,born", SEARCHES)
def test_a_search_is_one_query(john_smith, django_assert_num_queries, text, born):
    with django_assert_num_queries(1):
        search(text, born)


@pytest.mark.parametrize("text,born", SEARCHES)
def test_every_kind_of_search_chooses_people_through_indexes(john_smith, text, born):
    """With sequential scans priced out, PostgreSQL reads the table in full only if no
    index can answer the search's conditions."""
    people = search_queryset(Person.objects.all(), text=text, date_of_birth=born)[:21]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = people.explain()
    assert "Seq Scan on people_person" not in plan, plan


# --- The search page ----------------------------------------------------------------------


def test_the_search_page_starts_with_an_empty_form_and_no_error(client, custody_officer):
    client.force_login(custody_officer)
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert b"Name, PNC ID or custody record number" in response.content
    assert b"govuk-error-summary" not in response.content
    assert b'name="date_of_birth_0"' in response.content
    assert b'method="get"' in response.content


def test_results_link_to_each_person_with_the_reasons_they_match(client, custody_officer):
    john = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    client.force_login(custody_officer)
    response = search_page(client, "Jon Smyth", BORN)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("people:detail", args=[john.pk])}"' in html
    for reason in ["Same date of birth", "Family name sounds the same", "Given name sounds"]:
        assert reason in html
    assert "1 person found" in html
    assert 'value="Jon Smyth"' in html


def test_a_pnc_id_on_file_goes_straight_to_the_person(client, custody_officer):
    person = PersonFactory(pnc_id="2012/0034567E")
    client.force_login(custody_officer)
    response = search_page(client, "12/34567E")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.pk])


def test_a_pnc_id_not_on_file_says_no_one_was_found(client, custody_officer):
    client.force_login(custody_officer)
    response = search_page(client, "12/34567E")
    assert response.status_code == 200
    assert b"No one found" in response.content


def test_a_custody_record_number_lists_the_people_referred_under_it(
    client, custody_officer, make_referral
):
    referral = make_referral(custody_record_number="NG-12345678-26")
    client.force_login(custody_officer)
    response = search_page(client, "NG-12345678-26")
    assert escape(referral.person.full_name) in response.content.decode()
    assert b"Custody record number matches" in response.content


def test_more_than_twenty_matches_shows_twenty_and_asks_to_narrow_the_search(
    client, custody_officer
):
    PersonFactory.create_batch(21, family_name="Smith")
    client.force_login(custody_officer)
    response = search_page(client, "Smith")
    table = response.content.decode().split('data-testid="matches"')[1]
    assert table.count('<tr class="govuk-table__row">') == 1 + 20  # the heading row and 20
    assert b"More people match: add a date of birth" in response.content


def test_each_person_listed_is_logged_as_a_consultation(client, custody_officer):
    people = PersonFactory.create_batch(3, family_name="Smith")
    PersonFactory(family_name="Okafor")
    client.force_login(custody_officer)
    search_page(client, "Smith")
    logged = AccessLogEntry.objects.filter(actor=custody_officer, action=Action.CONSULTATION)
    assert sorted(logged.values_list("record_id", flat=True)) == sorted(p.pk for p in people)
    assert set(logged.values_list("record_type", "detail")) == {("people.person", "people:search")}


@pytest.mark.parametrize(
    "q,date,message",
    [
        ("", ("", "", ""), "Enter a name, PNC ID or custody record number, or a date of birth"),
        ("!!!", ("", "", ""), "Enter a name using letters"),
        ("John Smith", ("31", "2", "1990"), "Date of birth must be a real date"),
        ("John Smith", ("5", "", "1990"), "Date of birth must include a month"),
        ("John Smith", ("", "", "1990"), "Date of birth must include a day and month"),
        ("John Smith", ("5", "11", "85"), "Year must include 4 numbers"),
        ("John Smith", ("5", "x", "1985"), "Date of birth must be a real date"),
        ("John Smith", ("5", "11", "2999"), "Date of birth must be in the past"),
        ("John Smith", ("5", "11", "1899"), "Date of birth must be the same as or after"),
        ("12/34567X", ("", "", ""), "The check letter does not match"),
        ("Smith 42", ("", "", ""), "Enter a name without numbers"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_kept(
    client, custody_officer, q, date, message
):
    client.force_login(custody_officer)
    day, month, year = date
    response = search_page(
        client, q, date_of_birth_0=day, date_of_birth_1=month, date_of_birth_2=year
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert html.count(message) == 2  # in the summary and beside the field
    assert 'class="govuk-error-message"' in html
    assert "govuk-form-group--error" in html
    assert "<title>Find a person – Error" in html
    if q:
        assert f'value="{q}"' in html
    if year:
        assert f'value="{year}"' in html
    assert not AccessLogEntry.objects.exists()


def test_only_the_wrong_part_of_a_date_is_highlighted(client, custody_officer):
    client.force_login(custody_officer)
    response = search_page(client, "John Smith", date_of_birth_0="5", date_of_birth_2="1990")
    html = response.content.decode()
    assert html.count("govuk-input--error") == 1
    assert 'id="id_date_of_birth_1"' in html.split("govuk-input--error")[1][:200]


@pytest.mark.parametrize("role_fixture", ["custody_officer", "manager", "caseworker"])
def test_custody_officers_managers_and_caseworkers_may_search(client, db, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(SEARCH).status_code == 200


def test_an_auditor_may_not_search(client, auditor):
    client.force_login(auditor)
    assert client.get(SEARCH).status_code == 403


def test_search_is_get_only(client, custody_officer):
    client.force_login(custody_officer)
    assert client.post(SEARCH, {"q": "Smith"}).status_code == 405


def test_only_custody_officers_are_offered_to_add_a_person(client, custody_officer, manager):
    client.force_login(custody_officer)
    assert reverse("people:new").encode() in client.get(SEARCH).content
    client.force_login(manager)
    assert reverse("people:new").encode() not in client.get(SEARCH).content


def test_a_caseworker_finds_only_people_in_their_queue(client, caseworker, programme):
    in_queue = programme.referral.person
    PersonFactory(given_names=in_queue.given_names, family_name=in_queue.family_name)
    client.force_login(caseworker)
    response = search_page(client, in_queue.full_name)
    html = response.content.decode()
    assert "1 person found" in html
    assert reverse("people:detail", args=[in_queue.pk]) in html


@pytest.mark.parametrize("q,born", [("Smith", None), ("John Smith", BORN), ("", BORN)])
def test_the_results_page_costs_the_same_for_5_or_50_people(client, db, q, born):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    client.force_login(officer)

    def queries_for_results():
        with CaptureQueriesContext(connection) as queries:
            response = search_page(client, q, born)
        assert response.status_code == 200
        return len(queries)

    PersonFactory.create_batch(5, given_names="John", family_name="Smith", date_of_birth=BORN)
    few = queries_for_results()
    PersonFactory.create_batch(45, given_names="John", family_name="Smith", date_of_birth=BORN)
    many = queries_for_results()
    assert few == many
    assert many <= 7


def test_the_results_page_stays_within_its_query_budget(
    client, custody_officer, django_assert_max_num_queries
):
    PersonFactory.create_batch(50, given_names="John", family_name="Smith", date_of_birth=BORN)
    client.force_login(custody_officer)
    # Session, user, roles; the search; the access log; a savepoint and its release.
    with django_assert_max_num_queries(7):
        search_page(client, "Jon Smyth", BORN)
