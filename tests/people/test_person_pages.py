"""The person's page, and adding a person: find likely matches first, then confirm."""

import datetime
import threading
from html import unescape

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import ProgrammeStatus
from diversion.people import services
from diversion.people.models import Person
from tests.conftest import restore_reference_data
from tests.factories import PersonFactory, UserFactory

BORN = datetime.date(1985, 11, 5)
NEW = reverse("people:new")
SEARCH = reverse("people:search")
# The least the service needs to add someone.
NEW_PERSON = {
    "given_names": "Jon",
    "family_name": "Smyth",
    "date_of_birth": BORN,
    "sex": "M",
    "observed_ethnicity": "IC1",
}


def page(person_or_pk):
    pk = getattr(person_or_pk, "pk", person_or_pk)
    return reverse("people:detail", args=[pk])


def details(**overrides):
    """A new person's details as the form posts them."""
    data = {
        "given_names": "Jon",
        "family_name": "Smyth",
        "date_of_birth_0": str(BORN.day),
        "date_of_birth_1": str(BORN.month),
        "date_of_birth_2": str(BORN.year),
        "sex": "M",
        "observed_ethnicity": "IC1",
        "self_defined_ethnicity": "W1",
        "pnc_id": "",
        "postcode_district": "CB1",
        "phone": "07700 900982",
        "email": "",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The person's page --------------------------------------------------------------------


def test_the_page_shows_the_record_in_a_summary_list(client, custody_officer):
    person = PersonFactory(
        given_names="John Paul",
        family_name="Smith",
        date_of_birth=BORN,
        pnc_id="2012/0034567E",
        postcode_district="CB4",
        phone="07700 900123",
        email="jp@example.com",
        self_defined_ethnicity="W1",
    )
    client.force_login(custody_officer)
    with time_machine.travel(datetime.date(2026, 6, 1), tick=False):
        response = client.get(page(person))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-summary-list" in html
    for shown in [
        "John Paul",
        "Smith",
        "5 November 1985 (age 40)",
        "Male",
        "White – North European (IC1)",
        "White – British (W1)",
        "2012/0034567E",
        "CB4",
        "07700 900123",
        "jp@example.com",
    ]:
        assert shown in html


def test_a_custody_officer_can_start_a_referral_for_the_person(client, custody_officer, person):
    client.force_login(custody_officer)
    html = client.get(page(person)).content.decode()
    assert f'href="{reverse("referrals:new")}?person={person.pk}"' in html
    assert "Start a referral for this person" in html


def test_a_manager_sees_the_person_but_cannot_start_a_referral(client, manager, person):
    client.force_login(manager)
    response = client.get(page(person))
    assert response.status_code == 200
    assert b"Start a referral" not in response.content


def test_the_page_lists_the_referrals_the_viewer_may_see(client, custody_officer, make_referral):
    mine = make_referral()
    someone_elses = make_referral(
        person=mine.person, officer=UserFactory(roles=[Role.CUSTODY_OFFICER])
    )
    client.force_login(custody_officer)
    html = client.get(page(mine.person)).content.decode()
    assert mine.reference in html
    assert mine.offence_type.name in html
    assert mine.get_status_display() in html
    assert someone_elses.reference not in html


def test_a_manager_sees_every_referral_of_the_person(client, manager, make_referral):
    first = make_referral()
    second = make_referral(person=first.person, officer=UserFactory(roles=[Role.CUSTODY_OFFICER]))
    client.force_login(manager)
    html = client.get(page(first.person)).content.decode()
    assert first.reference in html and second.reference in html


def test_a_person_without_referrals_says_so(client, custody_officer, person):
    client.force_login(custody_officer)
    assert b'data-testid="no-referrals"' in client.get(page(person)).content


@pytest.mark.parametrize("open_status", ["awaiting_contract", "active"])
def test_an_open_programme_is_warned_of_and_named(
    client, custody_officer, programme, sign_contract, open_status
):
    if open_status == "active":
        sign_contract(programme)
    client.force_login(UserFactory(roles=[Role.CUSTODY_OFFICER]))
    html = client.get(page(programme.referral.person)).content.decode()
    assert "govuk-warning-text" in html
    assert f"has an open programme: {programme.referral.reference}" in html
    assert ProgrammeStatus(open_status).label.lower() in html


def test_no_warning_without_an_open_programme(client, custody_officer, make_referral):
    referral = make_referral(decision="declined")
    client.force_login(custody_officer)
    assert b"govuk-warning-text" not in client.get(page(referral.person)).content


def test_viewing_the_person_is_logged(client, manager, make_referral):
    referral = make_referral()
    client.force_login(manager)
    client.get(page(referral.person))
    logged = AccessLogEntry.objects.filter(actor=manager, action=Action.CONSULTATION)
    assert set(logged.values_list("record_type", "record_id")) == {
        ("people.person", referral.person.pk),
        ("cases.referral", referral.pk),
    }


def test_a_caseworker_sees_a_person_in_their_queue(client, caseworker, programme):
    client.force_login(caseworker)
    assert client.get(page(programme.referral.person)).status_code == 200


def test_a_caseworker_cannot_see_a_person_outside_their_queue(client, caseworker, person):
    client.force_login(caseworker)
    assert client.get(page(person)).status_code == 404


def test_a_caseworker_cannot_see_another_caseworkers_person(client, caseworker, programme):
    programme.caseworker = UserFactory(roles=[Role.CASEWORKER])
    programme.save(update_fields=["caseworker"])
    client.force_login(caseworker)
    assert client.get(page(programme.referral.person)).status_code == 404


def test_an_auditor_may_not_see_the_person(client, auditor, person):
    client.force_login(auditor)
    assert client.get(page(person)).status_code == 403


def test_an_unknown_person_is_not_found(client, custody_officer):
    client.force_login(custody_officer)
    assert client.get(page(999_999)).status_code == 404


def test_the_person_page_is_get_only(client, custody_officer, person):
    client.force_login(custody_officer)
    assert client.post(page(person)).status_code == 405


def test_the_person_page_costs_the_same_for_few_or_many_referrals_and_people(
    client, manager, make_referral
):
    client.force_login(manager)
    referral = make_referral(decision="accepted")

    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(referral.person)).status_code == 200
        return len(queries)

    PersonFactory.create_batch(5)
    few = queries_for_page()
    for _ in range(4):
        make_referral(person=referral.person)
    PersonFactory.create_batch(45)
    assert queries_for_page() == few


def test_the_person_page_stays_within_its_query_budget(
    client, manager, make_referral, django_assert_max_num_queries
):
    referral = make_referral(decision="accepted")
    for _ in range(4):
        make_referral(person=referral.person)
    client.force_login(manager)
    # Session, user, roles; person, referrals, open programmes, whether they were ever
    # referred (to record a later offence); the record's history and who made it; two log
    # writes; savepoints.
    with django_assert_max_num_queries(14):
        client.get(page(referral.person))


# --- Adding a person ----------------------------------------------------------------------


def test_a_custody_officer_is_shown_the_form(client, custody_officer):
    client.force_login(custody_officer)
    response = client.get(NEW)
    assert response.status_code == 200
    for label in ["Given names", "Family name", "Date of birth", "Sex", "Officer-observed"]:
        assert label in response.content.decode()


@pytest.mark.parametrize("role_fixture", ["manager", "caseworker", "auditor"])
def test_only_custody_officers_may_add_a_person(client, db, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, details()).status_code == 403
    assert not Person.objects.exists()


def test_adding_a_person_is_get_or_post_only(client, custody_officer):
    client.force_login(custody_officer)
    assert client.put(NEW).status_code == 405


def test_someone_new_with_no_likely_match_is_added_at_once(client, custody_officer):
    client.force_login(custody_officer)
    response = client.post(
        NEW, details(pnc_id="12/34567e", postcode_district="cb1 2ab", email="jon@example.com")
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(person)
    assert messages_of(response) == ["<bdi>Jon Smyth</bdi> has been added"]
    assert (person.given_names, person.family_name, person.date_of_birth) == ("Jon", "Smyth", BORN)
    assert person.pnc_id == "2012/0034567E"
    assert person.postcode_district == "CB1"
    assert person.family_name_sound == "SM0"
    assert AccessLogEntry.objects.filter(
        actor=custody_officer, action=Action.COLLECTION, record_id=person.pk
    ).exists()


def test_likely_matches_are_shown_before_adding(client, custody_officer):
    john = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    PersonFactory(given_names="John", family_name="Smith", date_of_birth=datetime.date(1970, 1, 1))
    client.force_login(custody_officer)
    response = client.post(NEW, details())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Is this one of these people?" in html
    assert f'href="{page(john)}"' in html
    assert "1 January 1970" not in html  # the same name alone is not a likely match
    assert "None of these is the person" in html
    assert Person.objects.count() == 2
    # Everything typed goes round again in hidden inputs.
    for name, value in details().items():
        assert f'type="hidden" name="{name}" value="{value}"' in html
    logged = AccessLogEntry.objects.get(action=Action.CONSULTATION)
    assert (logged.record_id, logged.detail) == (john.pk, "people:new")


def test_the_new_person_is_added_only_after_saying_none_of_these_is_them(client, custody_officer):
    john = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    client.force_login(custody_officer)
    response = client.post(NEW, details(confirm="1", ruled_out=str(john.pk)))
    assert response.status_code == 200
    assert "Confirm that none of these is the person" in response.content.decode()
    assert Person.objects.count() == 1

    response = client.post(NEW, details(confirm="1", none_of_these="on", ruled_out=str(john.pk)))
    assert response.status_code == 302
    added = Person.objects.get(given_names="Jon")
    assert response["Location"] == page(added)


def test_changing_the_details_goes_back_to_the_form_with_everything_typed(client, custody_officer):
    PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    client.force_login(custody_officer)
    response = client.post(NEW, details(confirm="1", change="1"))
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Add a person</h1>' in html
    assert 'value="Smyth"' in html and 'value="1985"' in html
    assert "07700 900982" in html
    assert Person.objects.count() == 1


def test_a_pnc_id_already_on_file_goes_to_that_person_instead(client, custody_officer):
    on_file = PersonFactory(pnc_id="2012/0034567E")
    client.force_login(custody_officer)
    response = client.post(NEW, details(pnc_id="12/34567E"))
    assert response.status_code == 302
    assert response["Location"] == page(on_file)
    [message] = messages_of(response)
    assert message.startswith("This PNC ID is already on file: 2012/0034567E")
    assert Person.objects.count() == 1


@pytest.mark.parametrize("confirmed", [False, True])
def test_a_double_submit_adds_one_person(client, custody_officer, confirmed):
    data = details()
    if confirmed:
        john = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
        data = details(confirm="1", none_of_these="on", ruled_out=str(john.pk))
    client.force_login(custody_officer)
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    added = Person.objects.get(given_names="Jon")
    assert first["Location"] == second["Location"] == page(added)
    assert messages_of(second)[-1] == "You added <bdi>Jon Smyth</bdi> a moment ago."
    assert AccessLogEntry.objects.filter(action=Action.COLLECTION).count() == 1


def test_the_same_details_a_while_later_need_the_match_check(client, custody_officer):
    client.force_login(custody_officer)
    client.post(NEW, details())
    with time_machine.travel(datetime.timedelta(minutes=2)):
        response = client.post(NEW, details())
    assert response.status_code == 200
    assert b"Is this one of these people?" in response.content


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("given_names", "  ", "Enter their given names"),
        ("family_name", "", "Enter their family name"),
        ("family_name", "--", "Family name must include letters"),
        ("family_name", "Jones2", "Family name must only include letters, spaces, hyphens, "),
        ("given_names", "Jon 3", "Given names must only include letters, spaces, hyphens, "),
        ("given_names", "Jon <b>", "Given names must only include letters"),
        ("family_name", "Smyth\x00", "Null characters are not allowed"),
        ("family_name", "S" * 101, "Family name must be 100 characters or fewer"),
        ("pnc_id", "2012003456E", "Enter a PNC ID in the form 2012/0034567E or 12/34567E"),
        ("pnc_id", "12/34567", "Enter a PNC ID in the form 2012/0034567E or 12/34567E"),
        ("pnc_id", "12/34567X", "The check letter does not match the rest of the PNC ID"),
        ("pnc_id", "2999/0000001A", "The year in a PNC ID cannot be in the future"),
        ("date_of_birth_0", "31", "Date of birth must be a real date"),  # 31 November
        ("date_of_birth_2", "2999", "Date of birth must be in the past"),
        ("date_of_birth_2", "1899", "Date of birth must be the same as or after 1 January 1900"),
        ("date_of_birth_1", "", "Date of birth must include a month"),
        ("postcode_district", "1CB", "Enter the first part of a postcode, like CB1"),
        ("phone", "call me", "Enter a phone number"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("sex", "", "Select their sex"),
        ("observed_ethnicity", "", "Select the officer-observed ethnicity"),
    ],
)
def test_bad_details_are_explained_beside_the_field_and_kept(
    client, custody_officer, field, value, message
):
    client.force_login(custody_officer)
    response = client.post(NEW, details(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(message) == 2  # in the error summary and beside the field
    assert "govuk-form-group--error" in html
    assert 'value="Smyth"' in html or field == "family_name"
    assert not Person.objects.exists()


@pytest.mark.parametrize("typed", ["20120034567e", "120034567E", "1234567e", "2012 0034567 E"])
def test_a_pnc_id_typed_without_its_slash_is_stored_in_the_one_normal_form(
    client, custody_officer, typed
):
    client.force_login(custody_officer)
    response = client.post(NEW, details(pnc_id=typed))
    assert response.status_code == 302
    assert Person.objects.get().pnc_id == "2012/0034567E"


# --- Adding a person found missing by a search --------------------------------------------


def test_a_search_offers_to_add_the_person_with_what_was_typed(client, custody_officer):
    client.force_login(custody_officer)
    html = client.get(
        SEARCH,
        {
            "q": "WICKMORE Kelly",
            "date_of_birth_0": "5",
            "date_of_birth_1": "11",
            "date_of_birth_2": "1985",
        },
    ).content.decode()
    assert "No one found" in html
    link = html.split("Add a new person")[0].rsplit('href="', 1)[1].split('"')[0]
    assert link == (
        f"{NEW}?date_of_birth_0=5&amp;date_of_birth_1=11&amp;date_of_birth_2=1985"
        "&amp;q=WICKMORE+Kelly"
    )
    form = client.get(unescape(link)).content.decode()
    assert 'name="given_names" value="Kelly"' in form
    assert 'name="family_name" value="WICKMORE"' in form
    for part, value in [("0", "5"), ("1", "11"), ("2", "1985")]:
        assert f'name="date_of_birth_{part}" value="{value}"' in form
    assert "govuk-error-summary" not in form


@pytest.mark.parametrize(
    ("q", "given", "family"),
    [
        ("Kelly Wickmore", "Kelly", "Wickmore"),
        ("Wickmore, Kelly Jane", "Kelly Jane", "Wickmore"),
        ("Wickmore K", "K", "Wickmore"),
        ("Wickmore", None, "Wickmore"),
    ],
)
def test_the_name_is_carried_as_the_search_read_it(client, custody_officer, q, given, family):
    client.force_login(custody_officer)
    html = client.get(NEW, {"q": q}).content.decode()
    assert f'name="family_name" value="{family}"' in html
    if given:
        assert f'name="given_names" value="{given}"' in html
    else:
        assert 'name="given_names" value=' not in html


def test_a_pnc_id_searched_for_is_carried_into_the_form(client, custody_officer):
    client.force_login(custody_officer)
    html = client.get(NEW, {"q": "20120034567e"}).content.decode()
    assert 'name="pnc_id" value="2012/0034567E"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"q": "Smith 42"},
        {"q": "12/34567X"},
        {"q": "x" * 500},
        {"q": "Smith\x00"},
        {"date_of_birth_0": "99", "date_of_birth_1": "x", "date_of_birth_2": "-1"},
        {"date_of_birth_2": "99999999999999999999999"},
        {"given_names": "Kelly", "family_name": "Wickmore"},
        {"next": "https://example.com/"},
    ],
)
def test_a_search_that_cannot_be_read_starts_an_empty_form(client, custody_officer, query):
    client.force_login(custody_officer)
    response = client.get(NEW, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" not in html
    assert 'name="family_name" value=' not in html


def test_the_service_refuses_a_record_the_rules_forbid(custody_officer):
    with pytest.raises(ValidationError):
        services.create_person(actor=custody_officer, **{**NEW_PERSON, "family_name": ""})
    assert not Person.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_the_service_logs_the_collection(custody_officer):
    person = services.create_person(actor=custody_officer, **NEW_PERSON)
    entry = AccessLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.record_id) == (
        custody_officer,
        "collection",
        person.pk,
    )


def test_another_officer_adding_the_same_details_is_asked_to_rule_out_the_first(
    custody_officer,
):
    first = services.create_person(actor=custody_officer, **NEW_PERSON)
    other_officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    with pytest.raises(services.PossibleMatches) as caught:
        services.create_person(actor=other_officer, **NEW_PERSON)
    assert [m.person for m in caught.value.matches] == [first]
    services.create_person(actor=other_officer, ruled_out=[first.pk], **NEW_PERSON)
    assert Person.objects.count() == 2


def test_the_service_finds_the_person_the_same_officer_just_added(custody_officer):
    first = services.create_person(actor=custody_officer, **NEW_PERSON)
    with pytest.raises(services.AlreadyAdded) as caught:
        services.create_person(actor=custody_officer, **NEW_PERSON)
    assert caught.value.person == first
    assert Person.objects.count() == 1


def at_once(*calls):
    """Run each call in its own thread, transaction and database connection, all starting
    together; return what each returned or raised, in the order given."""
    both_ready, outcomes = threading.Barrier(len(calls)), {}

    def run(index, call):
        try:
            with transaction.atomic():
                both_ready.wait(timeout=10)
                outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome the test looks at
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return [outcomes[index] for index in range(len(calls))]


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_add_one_person(django_user_model):
    """Each request runs in its own transaction: the second waits for the first to commit."""
    officer = django_user_model.objects.create_user("officer", password="a-long-password-1")
    outcomes = at_once(
        lambda: services.create_person(actor=officer, **NEW_PERSON),
        lambda: services.create_person(actor=officer, **NEW_PERSON),
    )
    added = Person.objects.get()
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyAdded", "Person"]
    assert all(getattr(o, "person", o) == added for o in outcomes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "second",
    [
        NEW_PERSON,
        # Spelt another way, or with day and month swapped: still likely the same person.
        {**NEW_PERSON, "given_names": "John", "family_name": "Smith"},
        {**NEW_PERSON, "date_of_birth": datetime.date(1985, 5, 11)},
    ],
    ids=["same details", "sound-alike names", "swapped date of birth"],
)
def test_two_officers_adding_the_same_person_at_once_make_one_record(django_user_model, second):
    restore_reference_data()
    first_officer, second_officer = (UserFactory(roles=[Role.CUSTODY_OFFICER]) for _ in range(2))
    outcomes = at_once(
        lambda: services.create_person(actor=first_officer, **NEW_PERSON),
        lambda: services.create_person(actor=second_officer, **second),
    )
    [added] = [o for o in outcomes if isinstance(o, Person)]
    [possible] = [o for o in outcomes if isinstance(o, services.PossibleMatches)]
    assert [m.person for m in possible.matches] == [added]
    assert Person.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_giving_the_same_pnc_id_at_once_make_one_record(django_user_model):
    restore_reference_data()
    officers = [UserFactory(roles=[Role.CUSTODY_OFFICER]) for _ in range(2)]
    outcomes = at_once(
        *(
            lambda officer=officer, born=born: services.create_person(
                actor=officer, **NEW_PERSON | {"pnc_id": "2012/0034567E", "date_of_birth": born}
            )
            for officer, born in zip(officers, [BORN, datetime.date(1990, 1, 1)], strict=True)
        )
    )
    [added] = [o for o in outcomes if isinstance(o, Person)]
    [on_file] = [o for o in outcomes if isinstance(o, services.OnFile)]
    assert on_file.person == added


@pytest.mark.django_db(transaction=True)
def test_the_second_officer_is_shown_the_person_the_first_just_added():
    """Through the pages: each request is its own transaction (ATOMIC_REQUESTS)."""
    restore_reference_data()
    clients = []
    for _ in range(2):
        officer_client = Client()
        officer_client.force_login(UserFactory(roles=[Role.CUSTODY_OFFICER]))
        clients.append(officer_client)
    responses = at_once(*(lambda c=c: c.post(NEW, details()) for c in clients))
    added = Person.objects.get()
    assert sorted(r.status_code for r in responses) == [200, 302]
    [shown] = [r.content.decode() for r in responses if r.status_code == 200]
    assert "Is this one of these people?" in shown
    assert f'href="{page(added)}"' in shown
    assert f'name="ruled_out" value="{added.pk}"' in shown
