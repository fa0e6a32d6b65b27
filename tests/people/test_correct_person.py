"""Correcting a person's details: the person form's own rules, a required reason, a history
of who changed what from what to what and why, and no correction lost to someone else's."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.lib.concurrency import StaleEdit
from diversion.lib.history import changes_by
from diversion.lib.text import LONG_TEXT as REASON_MAX_LENGTH
from diversion.lib.text import too_long
from diversion.people import services
from diversion.people.history import changes_since, person_history
from diversion.people.models import Person
from diversion.people.search import find_people
from tests.factories import PersonFactory, UserFactory

BORN = datetime.date(1985, 11, 5)
REASON = "Date of birth was copied from the wrong custody record"


def correct_url(person):
    return reverse("people:correct", args=[person.pk])


def details_of(person, **overrides):
    """The record's details as the service takes them."""
    fields = {
        name: getattr(person, name)
        for name in (
            "given_names",
            "family_name",
            "date_of_birth",
            "sex",
            "observed_ethnicity",
            "self_defined_ethnicity",
            "pnc_id",
            "postcode_district",
            "phone",
            "email",
        )
    }
    return {**fields, **overrides}


def posted(person, *, version=None, reason=REASON, **overrides):
    """The correction form as posted, from the record with `overrides` typed over it."""
    values = details_of(person)
    values.update(overrides)
    born = values.pop("date_of_birth")
    data = {
        **{k: "" if v is None else v for k, v in values.items()},
        "date_of_birth_0": born.day,
        "date_of_birth_1": born.month,
        "date_of_birth_2": born.year,
        "reason": reason,
        "version": person.version if version is None else version,
    }
    return data


@pytest.fixture
def jon(db):
    return PersonFactory(
        given_names="Jon",
        family_name="Smith",
        date_of_birth=BORN,
        pnc_id="2012/0034567E",
        self_defined_ethnicity="W1",
    )


def correct(person, actor, *, reason=REASON, version=None, **changes):
    return services.correct_person(
        person,
        actor=actor,
        reason=reason,
        expected_version=person.version if version is None else version,
        **details_of(person, **changes),
    )


# --- The service ---------------------------------------------------------------------------


def test_a_correction_records_who_when_what_it_changed_and_why(jon, custody_officer):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 30), tick=False):
        correct(jon, custody_officer, date_of_birth=datetime.date(1985, 5, 11), sex="F")
    [latest] = [entry for entry in person_history(jon) if entry.title == "Details changed"]
    assert latest.title == "Details changed"
    assert latest.actor == custody_officer
    assert latest.reason == REASON
    assert latest.at == datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)
    assert [(line.label, line.before, line.after) for line in latest.lines] == [
        ("Date of birth", "5 November 1985", "11 May 1985"),
        ("Sex", "Male (M)", "Female (F)"),
    ]


def test_the_record_holds_the_corrected_details_and_a_new_version(jon, manager):
    correct(jon, manager, family_name="Smyth", pnc_id=None)
    jon.refresh_from_db()
    assert (jon.family_name, jon.pnc_id, jon.version) == ("Smyth", None, 2)


def test_a_corrected_name_is_found_by_search(jon, manager):
    correct(jon, manager, family_name="Smyth")
    found = find_people(Person.objects.all(), text="Jon Smyth", date_of_birth=BORN)
    assert [m.person for m in found] == [jon]


def test_a_correction_is_logged_as_an_alteration_without_the_details(jon, manager):
    correct(jon, manager, family_name="Smyth")
    entry = AccessLogEntry.objects.get(action=Action.ALTERATION)
    assert (entry.actor, entry.record_type, entry.record_id) == (manager, "people.person", jon.pk)
    assert "Smyth" not in entry.detail + entry.reason


def test_a_correction_opened_before_another_is_refused_and_changes_nothing(
    jon, custody_officer, manager
):
    opened_on = jon.version
    correct(jon, manager, given_names="John")
    with pytest.raises(StaleEdit) as stale:
        correct(jon, custody_officer, version=opened_on, family_name="Smyth")
    assert stale.value.current.version == 2
    jon.refresh_from_db()
    assert (jon.given_names, jon.family_name) == ("John", "Smith")


def test_what_changed_since_a_form_was_opened_is_listed(jon, custody_officer, manager):
    correct(jon, manager, given_names="John")
    [since] = changes_since(jon, 1)
    assert (since.actor, since.reason) == (manager, REASON)
    assert [(line.before, line.after) for line in since.lines] == [("Jon", "John")]
    assert changes_since(jon, 2) == []


def test_a_correction_that_changes_nothing_is_refused(jon, manager):
    with pytest.raises(ValidationError, match="Change at least one detail"):
        correct(jon, manager)
    jon.refresh_from_db()
    assert jon.version == 1


def test_a_pnc_id_on_another_record_is_refused_with_what_to_do(jon, manager):
    other = PersonFactory(pnc_id=None)
    with pytest.raises(ValidationError) as refused:
        correct(other, manager, pnc_id=jon.pnc_id)
    assert "ask a manager to merge" in refused.value.message_dict["pnc_id"][0]


def test_the_database_refuses_a_reason_longer_than_the_limit(jon, manager):
    jon.family_name = "Smyth"
    too_long = "x" * (REASON_MAX_LENGTH + 1)
    with pytest.raises(IntegrityError), transaction.atomic(), changes_by(manager, too_long):
        jon.save()


def test_the_database_takes_a_reason_at_the_limit(jon, manager):
    correct(jon, manager, family_name="Smyth", reason="x" * REASON_MAX_LENGTH)
    assert person_history(jon)[0].reason == "x" * REASON_MAX_LENGTH


# --- The page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.MANAGER])
def test_the_form_opens_filled_with_the_record_and_the_view_is_logged(client, jon, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    response = client.get(correct_url(jon))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ['value="Jon"', 'value="Smith"', 'value="2012/0034567E"', 'value="1985"']:
        assert shown in html
    assert f'name="version" value="{jon.version}"' in html
    assert f'data-maxlength="{REASON_MAX_LENGTH}"' in html
    logged = AccessLogEntry.objects.get(actor=user)
    assert (logged.action, logged.record_id) == (Action.CONSULTATION, jon.pk)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR])
def test_other_roles_may_not_correct_details(client, jon, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(correct_url(jon)).status_code == 403
    assert client.post(correct_url(jon), posted(jon, family_name="Smyth")).status_code == 403
    jon.refresh_from_db()
    assert jon.family_name == "Smith"


def test_an_unknown_person_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get(reverse("people:correct", args=[999_999])).status_code == 404


def test_the_form_is_get_or_post_only(client, manager, jon):
    client.force_login(manager)
    assert client.put(correct_url(jon)).status_code == 405


def test_a_saved_correction_shows_on_the_person_page(client, custody_officer, jon):
    client.force_login(custody_officer)
    response = client.post(
        correct_url(jon), posted(jon, date_of_birth=datetime.date(1985, 5, 11)), follow=True
    )
    assert response.redirect_chain == [(reverse("people:detail", args=[jon.pk]), 302)]
    html = response.content.decode()
    assert "<bdi>Jon Smith</bdi>'s details are corrected." in html
    history = html.split('data-testid="history"')[1]
    assert "Date of birth: 5 November 1985 changed to 11 May 1985" in history
    assert f"Why: {REASON}" in history
    assert escape(custody_officer) in history


def test_the_reason_is_required_and_nothing_is_lost(client, manager, jon):
    client.force_login(manager)
    response = client.post(correct_url(jon), posted(jon, family_name="Smyth", reason=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_reason"' in html and "Enter why you are correcting these details" in html
    assert 'value="Smyth"' in html
    jon.refresh_from_db()
    assert jon.family_name == "Smith"


def test_a_reason_over_the_limit_is_refused_beside_the_field(client, manager, jon):
    client.force_login(manager)
    long_reason = "x" * (REASON_MAX_LENGTH + 1)
    response = client.post(correct_url(jon), posted(jon, family_name="Smyth", reason=long_reason))
    assert too_long("The reason", REASON_MAX_LENGTH) in response.content.decode()
    jon.refresh_from_db()
    assert jon.family_name == "Smith"


@pytest.mark.parametrize(
    "typed, message",
    [
        ({"given_names": "   "}, "Enter their given names"),
        ({"family_name": "--"}, "Family name must include letters"),
        ({"date_of_birth": datetime.date(2099, 1, 1)}, "Date of birth must be in the past"),
        ({"postcode_district": "nowhere"}, "Enter the first part of a postcode"),
    ],
)
def test_the_person_forms_rules_apply_to_a_correction(client, manager, jon, typed, message):
    client.force_login(manager)
    response = client.post(correct_url(jon), posted(jon, **typed))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Person.objects.get(pk=jon.pk).version == 1


def test_an_unchanged_form_says_so(client, manager, jon):
    client.force_login(manager)
    response = client.post(correct_url(jon), posted(jon))
    assert "Change at least one detail" in response.content.decode()


def test_a_pnc_id_on_another_record_is_explained_beside_the_field(client, manager, jon):
    other = PersonFactory(pnc_id=None)
    client.force_login(manager)
    response = client.post(correct_url(other), posted(other, pnc_id="12/34567e"))
    html = response.content.decode()
    assert 'href="#id_pnc_id"' in html
    assert "This PNC ID is on another person&#x27;s record" in html


def test_a_stale_form_is_shown_back_as_typed_with_what_changed(client, custody_officer, jon):
    other_officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    opened = posted(jon, family_name="Smyth")
    correct(jon, other_officer, given_names="John", reason="Spelt as on his passport")
    client.force_login(custody_officer)
    response = client.post(correct_url(jon), opened)
    html = response.content.decode()
    assert 'data-testid="stale"' in html
    assert "These details changed since you opened them" in html
    assert "Given names: Jon changed to John" in html
    assert "Why: Spelt as on his passport" in html
    # What was typed is kept, now carrying the record's current version.
    assert 'value="Smyth"' in html and REASON in html
    assert 'name="version" value="2"' in html
    jon.refresh_from_db()
    assert (jon.given_names, jon.family_name) == ("John", "Smith")


def test_a_correction_of_a_record_merged_meanwhile_is_shown_on_the_record_kept(
    client, manager, jon
):
    kept = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    opened = posted(jon, family_name="Smyth")
    Person.objects.filter(pk=jon.pk).update(pnc_id=None, merged_into=kept, version=2)
    client.force_login(manager)
    response = client.post(correct_url(jon), opened)
    html = response.content.decode()
    assert "This record was merged into another since you opened it" in html
    assert f'action="{correct_url(kept)}"' in html
    assert 'value="Smyth"' in html and f'name="version" value="{kept.version}"' in html
    kept.refresh_from_db()
    assert kept.family_name == "Smith"


def test_opening_the_correction_of_a_merged_record_opens_the_record_kept(client, manager, jon):
    kept = PersonFactory()
    Person.objects.filter(pk=jon.pk).update(pnc_id=None, merged_into=kept)
    client.force_login(manager)
    response = client.get(correct_url(jon))
    assert response.status_code == 302 and response.url == correct_url(kept)


def test_the_history_costs_the_same_for_few_or_many_corrections(client, manager, jon):
    client.force_login(manager)
    correct(jon, manager, given_names="John")
    page = reverse("people:detail", args=[jon.pk])

    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        return len(queries), response.content.decode().count("Details changed")

    few, shown = queries_for_page()
    assert shown == 1
    for name in ["Johnny", "Jonathan", "Jon"]:
        correct(jon, UserFactory(roles=[Role.CUSTODY_OFFICER]), given_names=name)
    assert queries_for_page() == (few, 4)


def test_the_history_lists_the_record_added_and_each_change_newest_first(custody_officer, manager):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0), tick=False):
        jon = services.create_person(
            actor=custody_officer,
            given_names="Jon",
            family_name="Smith",
            date_of_birth=BORN,
            sex="M",
            observed_ethnicity="IC1",
        )
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, 0), tick=False):
        correct(jon, manager, family_name="Smyth", reason="As on his passport")
    jon.refresh_from_db()
    with time_machine.travel(datetime.datetime(2026, 3, 4, 9, 0), tick=False):
        correct(jon, manager, phone="07700 900982", reason="He gave his number")
    found = person_history(jon)
    assert [(e.title, e.actor, e.reason) for e in found] == [
        ("Details changed", manager, "He gave his number"),
        ("Details changed", manager, "As on his passport"),
        ("Record added", custody_officer, ""),
    ]
    assert [(line.before, line.after) for line in found[0].lines] == [
        ("None recorded", "07700 900982")
    ]
