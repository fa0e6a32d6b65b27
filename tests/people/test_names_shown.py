"""A person's name cannot reorder the page around it: bidirectional control characters are
taken out of what officers type, and a name stored with one before that rule (a right-to-left
override, U+202E, shows the rest of its line backwards) is shown isolated in a <bdi> on every
page, table and message that names the person."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.people.models import Person
from diversion.policy.models import OffenceType
from tests.factories import PersonFactory, UserFactory

RLO = "\u202e"
BORN = datetime.date(1985, 11, 5)
ISOLATED = re.compile(r"<bdi>[^<]*</bdi>")


def outside_isolates(html):
    """The page with every <bdi> taken out: what a control character there could reorder."""
    return ISOLATED.sub("", html)


def recorded_before_the_rule():
    """Someone recorded before the rule, their name holding a right-to-left override."""
    person = PersonFactory(given_names="Kelly", family_name=f"Wick{RLO}more", date_of_birth=BORN)
    assert RLO in Person.objects.get(pk=person.pk).family_name
    return person


@pytest.fixture
def legacy_person(db):
    return recorded_before_the_rule()


def test_a_right_to_left_override_typed_in_a_name_is_not_stored(client, custody_officer):
    client.force_login(custody_officer)
    response = client.post(
        reverse("people:new"),
        {
            "given_names": f"{RLO}Kelly",
            "family_name": f"Wick{RLO}more\u200f",
            "date_of_birth_0": "5",
            "date_of_birth_1": "11",
            "date_of_birth_2": "1985",
            "sex": "F",
            "observed_ethnicity": "IC1",
            "self_defined_ethnicity": "W1",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.given_names, person.family_name) == ("Kelly", "Wickmore")
    assert person.family_name_key == "wickmore"


def test_the_search_box_drops_the_control_before_reading_the_name(client, custody_officer):
    person = PersonFactory(given_names="Kelly", family_name="Wickmore")
    client.force_login(custody_officer)
    response = client.get(reverse("people:search"), {"q": f"Wick{RLO}more Kelly"})
    assert reverse("people:detail", args=[person.pk]) in response.content.decode()
    assert 'value="Wickmore Kelly"' in response.content.decode()


def page_of(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_person_page_shows_a_stored_override_isolated(client, custody_officer, legacy_person):
    html = page_of(client, custody_officer, reverse("people:detail", args=[legacy_person.pk]))
    assert f"<bdi>Kelly Wick{RLO}more</bdi>" in html
    assert f"<bdi>Wick{RLO}more</bdi>" in html
    assert RLO not in outside_isolates(html)
    # The title cannot hold markup: the control is left out of it.
    assert "<title>Kelly Wickmore – Checkpoint" in html


def test_search_results_show_a_stored_override_isolated(client, custody_officer, legacy_person):
    html = page_of(client, custody_officer, reverse("people:search") + "?q=Kelly+Wickmore")
    assert f"<bdi>Kelly Wick{RLO}more</bdi>" in html
    assert RLO not in outside_isolates(html)


def test_the_possible_matches_page_shows_a_stored_override_isolated(
    client, custody_officer, legacy_person
):
    client.force_login(custody_officer)
    response = client.post(
        reverse("people:new"),
        {
            "given_names": "Kelly",
            "family_name": "Wickmore",
            "date_of_birth_0": "5",
            "date_of_birth_1": "11",
            "date_of_birth_2": "1985",
            "sex": "F",
            "observed_ethnicity": "IC1",
            "self_defined_ethnicity": "W1",
        },
    )
    html = response.content.decode()
    assert "Is this one of these people?" in html
    assert f"<bdi>Kelly Wick{RLO}more</bdi>" in html
    assert RLO not in outside_isolates(html)


def test_the_pages_of_a_referral_and_case_show_a_stored_override_isolated(
    client, custody_officer, manager, caseworker, legacy_person, make_referral, sign_contract
):
    referral = make_referral(person=legacy_person, decision="accepted")
    sign_contract(referral.programme)
    make_referral(
        person=recorded_before_the_rule(),
        offence_type=OffenceType.objects.get(code="supply-own-use"),
    )
    pages = [
        (custody_officer, reverse("referrals:detail", args=[referral.pk])),
        (custody_officer, reverse("referrals:mine")),
        (manager, reverse("referrals:authorisations")),
        (manager, reverse("cases:home") + "?tab=open"),
        (caseworker, reverse("cases:case", args=[referral.programme.pk])),
    ]
    for user, url in pages:
        html = page_of(client, user, url)
        assert f"<bdi>Kelly Wick{RLO}more</bdi>" in html, url
        assert RLO not in outside_isolates(html), url


def test_messages_naming_the_person_isolate_the_name(client, custody_officer, legacy_person):
    client.force_login(UserFactory(roles=[Role.CUSTODY_OFFICER]))
    Person.objects.filter(pk=legacy_person.pk).update(pnc_id="2012/0034567E")
    response = client.post(
        reverse("people:new"),
        {
            "given_names": "Someone",
            "family_name": "Else",
            "date_of_birth_0": "1",
            "date_of_birth_1": "2",
            "date_of_birth_2": "1990",
            "sex": "F",
            "observed_ethnicity": "IC1",
            "self_defined_ethnicity": "W1",
            "pnc_id": "12/34567E",
        },
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"<bdi>Kelly Wick{RLO}more</bdi>" in message
    html = client.get(response["Location"]).content.decode()
    assert RLO not in outside_isolates(html)
