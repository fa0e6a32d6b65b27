"""No value in the address or a form of the people pages gives an error page: a bad search,
a bad record number or a tampered form gets a message beside the field, or 404."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversion.people.models import Person
from tests.factories import PersonFactory

SEARCH = reverse("people:search")
NEW = reverse("people:new")
HUGE = "9" * 30


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "Smith\x00"}, "Null characters are not allowed"),
        ({"q": "S" * 101}, "Name, PNC ID or custody record number must be 100 characters or fewer"),
        ({"q": HUGE}, "Enter a PNC ID in the form 2012/0034567E or 12/34567E"),
        (
            {
                "q": "Smith",
                "date_of_birth_0": HUGE,
                "date_of_birth_1": "1",
                "date_of_birth_2": "1990",
            },
            "Date of birth must be a real date",
        ),
        (
            {
                "q": "Smith",
                "date_of_birth_0": "1",
                "date_of_birth_1": HUGE,
                "date_of_birth_2": "1990",
            },
            "Date of birth must be a real date",
        ),
        (
            {"q": "Smith", "date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": HUGE},
            "Year must include 4 numbers",
        ),
        (
            {
                "q": "Smith",
                "date_of_birth_0": "-1",
                "date_of_birth_1": "1",
                "date_of_birth_2": "1990",
            },
            "Date of birth must be a real date",
        ),
        (
            {
                "q": "Smith",
                "date_of_birth_0": "١",
                "date_of_birth_1": "1",
                "date_of_birth_2": "1990",
            },
            "Date of birth must be a real date",
        ),
    ],
)
def test_a_search_that_cannot_be_read_is_explained_beside_the_field(
    client, custody_officer, query, message
):
    client.force_login(custody_officer)
    response = client.get(SEARCH, query)
    assert response.status_code == 200
    assert response.content.decode().count(message) == 2


def test_a_repeated_search_value_uses_the_last(client, custody_officer):
    person = PersonFactory(given_names="Kelly", family_name="Wickmore")
    client.force_login(custody_officer)
    response = client.get(f"{SEARCH}?q=1%2F&q=Kelly+Wickmore")
    assert reverse("people:detail", args=[person.pk]) in response.content.decode()


def test_any_search_text_gives_a_page_not_an_error(client, custody_officer):
    client.force_login(custody_officer)

    @settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.text(max_size=40), day=st.text(max_size=4))
    def search(text, day):
        response = client.get(SEARCH, {"q": text, "date_of_birth_0": day})
        assert response.status_code in (200, 302)

    search()


@pytest.mark.parametrize(
    "url",
    [
        f"/people/{HUGE}/",
        f"/people/{HUGE}/later-offences/new/",
        "/people/0/",
        "/people/999999/later-offences/new/",
    ],
)
def test_a_record_that_cannot_exist_is_not_found(client, custody_officer, url):
    client.force_login(custody_officer)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("ruled_out", [["abc"], ["-1"], ["1e5"], ["²"], [HUGE], ["1", "1"], []])
def test_a_tampered_list_of_people_ruled_out_lists_the_matches_again(
    client, custody_officer, ruled_out
):
    PersonFactory(given_names="John", family_name="Smith", date_of_birth="1985-11-05")
    client.force_login(custody_officer)
    response = client.post(
        NEW,
        {
            "given_names": "John",
            "family_name": "Smith",
            "date_of_birth_0": "5",
            "date_of_birth_1": "11",
            "date_of_birth_2": "1985",
            "sex": "M",
            "observed_ethnicity": "IC1",
            "self_defined_ethnicity": "W1",
            "confirm": "1",
            "none_of_these": "on",
            "ruled_out": ruled_out,
        },
    )
    assert response.status_code == 200
    assert "Is this one of these people?" in response.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sex", "X", "Select a valid choice"),
        ("observed_ethnicity", HUGE, "Select a valid choice"),
        ("date_of_birth_0", HUGE, "Date of birth must be a real date"),
        ("email", "a@" + "b" * 300, "Enter an email address in the correct format"),
    ],
)
def test_a_tampered_person_form_is_explained_beside_the_field(
    client, custody_officer, field, value, message
):
    data = {
        "given_names": "Kelly",
        "family_name": "Wickmore",
        "date_of_birth_0": "5",
        "date_of_birth_1": "11",
        "date_of_birth_2": "1985",
        "sex": "F",
        "observed_ethnicity": "IC1",
        "self_defined_ethnicity": "W1",
    }
    client.force_login(custody_officer)
    response = client.post(NEW, data | {field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Person.objects.exists()
