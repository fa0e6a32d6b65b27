"""Subject access (DPA 2018 s45): a manager or an auditor names the recipient and the request,
then gets everything held on the person, as a page to print or a file, each record logged
as disclosed to that recipient (DPA 2018 s62)."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log
from diversion.cases.models import (
    OutcomeReason,
    Pathway,
    PersonDecision,
    ProgrammeStatus,
    Referral,
)
from diversion.cases.services import casework
from diversion.cases.services import draft as draft_services
from diversion.cases.services import programme as programme_services
from diversion.cases.services.merge import merge_person
from diversion.governance.records import PERSON_RECORDS, log_entries_about
from diversion.lib.dates import today
from diversion.people import services as people_services
from diversion.people.models import Person
from diversion.policy.models import OffenceType
from tests.factories import PersonFactory

URL = "/audit/subject-access/"
RECIPIENT = "Their solicitor, Ellis & Co"
# Signed in (session, user, roles), the person, the records, their histories, the access
# log, the staff and reference data they name, the disclosure's one insert and the
# consultation's (the page shows the person), and the keys of the person's records before
# the log entries on them (governance.records.log_entries_about).
QUERIES = 31


def url(person):
    return f"{URL}?person={person.pk}"


def request_form(produce="page", **overrides):
    received = today() - datetime.timedelta(days=3)
    return {
        "recipient": RECIPIENT,
        "reference": "SAR-2026-0042",
        "received_on_0": str(received.day),
        "received_on_1": str(received.month),
        "received_on_2": str(received.year),
        "produce": produce,
        **overrides,
    }


def disclosures():
    return AccessLogEntry.objects.filter(action=Action.DISCLOSURE, reason__contains="s45")


def add_case(person, make_referral, sign_contract, caseworker, *, note="Met at the hub."):
    """A referral of `person`, accepted and signed, with a case note."""
    referral = make_referral(person=person, decision=PersonDecision.ACCEPTED)
    programme = sign_contract(referral.programme)
    casework.add_note(programme, actor=caseworker, text=note)
    return programme


@pytest.fixture
def subject(make_referral, sign_contract, caseworker, manager, custody_officer):
    """Someone with every kind of record: a record merged into theirs, a correction, a
    signed programme with an appointment, assessment and note, breached by a later offence
    and returned for prosecution, and an officer's unfinished referral of them."""
    person = PersonFactory(given_names="Rhian", family_name="Pryce")
    duplicate = PersonFactory(
        given_names="Rhiannon", family_name="Pryce", date_of_birth=person.date_of_birth
    )
    merge_person(duplicate, kept=person, actor=manager, reason="The same person, added twice")
    person.refresh_from_db()
    people_services.correct_person(
        person,
        actor=manager,
        reason="Phone number given at interview",
        expected_version=person.version,
        phone="07700 900982",
    )
    programme = add_case(
        person, make_referral, sign_contract, caseworker, note="Engaged well; wants help."
    )
    casework.add_appointment(
        programme,
        actor=caseworker,
        kind="intervention",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        notes="Drug service intake",
    )
    casework.record_assessment(
        programme,
        actor=caseworker,
        stage="entry",
        scores={p.value: (3, "Uses cannabis daily" if p == Pathway.DRUGS else "") for p in Pathway},
    )
    log(caseworker, Action.DISCLOSURE, programme, detail="contract printed", recipient="the person")
    programme_services.end(
        programme,
        ProgrammeStatus.BREACHED,
        actor=manager,
        outcome_on=today(),
        reason=OutcomeReason.REOFFENDED,
        new_offence={
            "offence_date": today(),
            "offence_type": OffenceType.objects.get(code="theft"),
            "source": "pnc",
        },
    )
    draft_services.start_draft(
        actor=custody_officer,
        person=person,
        page="custody",
        answers={"custody_record_number": ["NG-00099999-26"]},
        reached="offence",
    )
    return Person.objects.get(pk=person.pk)


# --- Who may answer a request --------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_a_manager_or_an_auditor_is_asked_for_the_recipient_and_the_request(
    client, request, role, person
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(url(person))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(person.full_name) in html
    assert "Who are the records for?" in html
    assert "Request reference" in html
    assert "Date the request was received" in html
    # Seeing whom the request is about is a consultation; nothing is disclosed yet.
    assert AccessLogEntry.objects.filter(
        actor=user, action=Action.CONSULTATION, record_id=person.pk, record_type="people.person"
    ).exists()
    assert not disclosures().exists()


@pytest.mark.parametrize("role", ["custody_officer", "caseworker"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_roles_are_forbidden(client, request, role, method, person):
    client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url(person), request_form() if method == "post" else None)
    assert response.status_code == 403
    assert not disclosures().exists()


def test_signed_out_is_sent_to_sign_in(client, person):
    response = client.get(url(person))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", "²", "9" * 40, "9223372036854775807"])
def test_a_junk_or_unknown_person_is_not_found(client, auditor, value):
    client.force_login(auditor)
    assert client.get(f"{URL}?person={value}").status_code == 404
    assert client.post(f"{URL}?person={value}", request_form()).status_code == 404


def test_no_person_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get(URL).status_code == 404


def test_a_record_merged_into_another_is_answered_through_the_record_kept(client, auditor):
    kept, merged = PersonFactory(), PersonFactory()
    Person.objects.filter(pk=merged.pk).update(merged_into=kept)
    client.force_login(auditor)
    assert client.get(url(merged)).status_code == 404
    assert client.get(url(kept)).status_code == 200


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, manager, person, method):
    client.force_login(manager)
    assert getattr(client, method)(url(person)).status_code == 405


# --- The request's form --------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"recipient": "  "}, "Enter who the records are for"),
        ({"recipient": "x" * 201}, "The recipient must be 200 characters or fewer"),
        ({"reference": ""}, "Enter the request reference"),
        ({"reference": "x" * 51}, "Request reference must be 50 characters or fewer"),
        (
            {"received_on_0": "", "received_on_1": "", "received_on_2": ""},
            "Enter the date the request was received",
        ),
        ({"received_on_1": "13"}, "The date the request was received must be a real date"),
        ({"received_on_2": "26"}, "Year must include 4 numbers"),
        (
            {"received_on_2": str(today().year + 1)},
            "The date the request was received cannot be in the future",
        ),
        ({"produce": ""}, "Select how you want the records"),
        ({"produce": "pdf"}, "Select how you want the records"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_disclosed(
    client, manager, person, overrides, message
):
    client.force_login(manager)
    response = client.post(url(person), request_form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert html.count(message) >= 2  # in the summary and beside the field
    assert not disclosures().exists()


# --- The page ------------------------------------------------------------------------------


def test_the_page_holds_every_kind_of_record_with_its_history_and_who_saw_it(
    client, auditor, subject, caseworker, manager
):
    client.force_login(auditor)
    response = client.post(url(subject), request_form())
    assert response.status_code == 200
    html = response.content.decode()
    referral = Referral.objects.get(person=subject)
    for section in (
        "Their record",
        "Later offences",
        "Referrals",
        "Programmes",
        "Contract conditions",
        "Milestones",
        "Appointments",
        "Pathway assessments",
        "Case notes",
        "Returns for prosecution",
        "Unfinished referrals",
        "Who has seen or received these records",
    ):
        assert f">{section}</h2>" in html, section
    for held in (
        # The person's record, the one merged into it, and the correction, with why.
        "Rhian Pryce",
        "Rhiannon Pryce",
        "merged into theirs",
        "07700 900982",
        "Phone number given at interview",
        # The case and each of its records.
        referral.reference,
        "Admitted possession; first arrest.",
        f"Programme for {referral.reference}",
        "Drug treatment sessions",
        "Final review",
        "Drug service intake",
        "Uses cannabis daily",
        "Engaged well; wants help.",
        "Reoffended",
        "returned for prosecution on",
        "Theft",
        "NG-00099999-26",
        # Who saw and received them.
        "contract printed",
        "the person",
        # Names as the page writes them (an apostrophe in a name is escaped).
        escape(caseworker),
    ):
        assert held in html, held
    # A status move in the history: from what to what, and by whom.
    assert "Status: <bdi>Active</bdi> changed to <bdi>Breached</bdi>" in html
    assert f"by <bdi>{escape(manager)}</bdi>" in html
    # The request itself, and the print button for the page.
    assert "SAR-2026-0042" in html
    assert RECIPIENT.replace("&", "&amp;") in html
    assert 'data-module="app-print-button"' in html


def test_someone_with_nothing_but_their_record_gets_it_and_none_held_for_the_rest(
    client, manager, person
):
    client.force_login(manager)
    html = client.post(url(person), request_form()).content.decode()
    assert escape(person.full_name) in html
    assert html.count('data-testid="none-held"') == 10


def test_another_persons_records_are_left_out(client, manager, subject, make_referral):
    other = make_referral(person=PersonFactory(given_names="Idris", family_name="Lloyd"))
    client.force_login(manager)
    html = client.post(url(subject), request_form()).content.decode()
    assert "Idris Lloyd" not in html
    assert other.reference not in html


def test_each_record_included_is_logged_disclosed_to_the_recipient_in_one_insert(
    client, auditor, subject
):
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        client.post(url(subject), request_form())
    # pghistory's middleware puts its context before each write, in the same statement.
    # (The page's look at the person is a consultation, logged in an insert of its own.)
    inserts = [
        q
        for q in queries
        if 'INSERT INTO "audit_accesslogentry"' in q["sql"] and "'disclosure'" in q["sql"]
    ]
    assert len(inserts) == 1
    logged = list(disclosures().values_list("record_type", "actor", "recipient", "detail"))
    # Each kind the access log names a person's records by, so the person's trail finds
    # the disclosure; a programme's conditions, notes and the rest are logged on it.
    assert {kind for kind, *_ in logged} == {model._meta.label_lower for model in PERSON_RECORDS}
    received = (today() - datetime.timedelta(days=3)).strftime("%-d %B %Y")
    assert {(actor, recipient, detail) for _, actor, recipient, detail in logged} == {
        (
            auditor.pk,
            RECIPIENT,
            f"subject access request SAR-2026-0042 (received {received}): printable page",
        )
    }
    # Both records of the person: theirs and the one merged into it.
    assert [kind for kind, *_ in logged].count("people.person") == 2
    # The person's trail, which the auditor reads, shows the disclosure.
    assert set(disclosures()) <= set(log_entries_about(subject))


def test_the_page_costs_the_same_queries_for_one_referral_or_three(
    client, manager, make_referral, sign_contract, caseworker, django_assert_num_queries
):
    one, three = PersonFactory(), PersonFactory()
    add_case(one, make_referral, sign_contract, caseworker)
    for _ in range(3):
        add_case(three, make_referral, sign_contract, caseworker)
    client.force_login(manager)
    for person in (one, three):
        with django_assert_num_queries(QUERIES):
            response = client.post(url(person), request_form())
        assert response.status_code == 200


# --- The file ------------------------------------------------------------------------------


def test_the_file_parses_and_lists_everything_on_the_page(client, auditor, subject):
    client.force_login(auditor)
    response = client.post(url(subject), request_form(produce="file"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="subject-access-record-{subject.pk}-')
    assert "Pryce" not in disposition
    document = json.loads(response.content)
    assert document["person"] == "Rhian Pryce"
    assert document["subject access request"]["reference"] == "SAR-2026-0042"
    assert document["subject access request"]["recipient"] == RECIPIENT
    records = document["records"]
    assert {title: len(found) for title, found in records.items()} == {
        "Their record": 2,
        "Later offences": 1,
        "Referrals": 1,
        "Programmes": 1,
        "Contract conditions": 2,
        "Milestones": 6,
        "Appointments": 1,
        "Pathway assessments": len(Pathway),
        "Case notes": 1,
        "Returns for prosecution": 1,
        "Unfinished referrals": 1,
    }
    kept = records["Their record"][0]
    assert kept["details"]["Phone number"] == "07700 900982"
    correction = next(e for e in kept["history"] if e["why"] == "Phone number given at interview")
    assert correction["changes"] == [
        {"detail": "Phone number", "from": "None recorded", "to": "07700 900982"}
    ]
    programme = records["Programmes"][0]
    assert programme["details"]["Status"] == "Breached"
    seen = document["who saw or received these records"]
    assert any(e["action"] == "Disclosure" and e["detail"] == "contract printed" for e in seen)
    assert {"when", "staff member", "action", "record", "detail", "reason", "recipient"} == set(
        seen[0]
    )
    logged = (
        "Their record",
        "Later offences",
        "Referrals",
        "Programmes",
        "Returns for prosecution",
        "Unfinished referrals",
    )
    assert disclosures().filter(detail__endswith=": file").count() == sum(
        len(records[title]) for title in logged
    )


# --- From the person's page ----------------------------------------------------------------


def test_a_manager_starts_a_request_from_the_persons_page(client, manager, person):
    client.force_login(manager)
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert f'href="{url(person)}"' in html
    assert "Subject access request" in html


def test_a_custody_officer_is_not_offered_one(client, custody_officer, person):
    client.force_login(custody_officer)
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert URL not in html


def test_an_auditor_reaches_subject_access_from_the_persons_trail_and_back(client, auditor, person):
    client.force_login(auditor)
    trail = client.get(f"/audit/people/{person.pk}/")
    start = f"/audit/subject-access/?person={person.pk}"
    assert start.encode() in trail.content
    assert f'href="/audit/people/{person.pk}/"'.encode() in client.get(start).content
