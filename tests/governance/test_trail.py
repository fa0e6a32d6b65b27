"""The auditor's pages: the access log, a person's trail and a member of staff's activity,
filtered, named and exported (DPA 2018 s62)."""

import csv
import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action, SecurityEvent
from diversion.audit.services import log
from tests.factories import PersonFactory, UserFactory

LONDON = timezone.get_fixed_timezone(0)


def at(day, hour=12):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def entries_of(response):
    return list(response.context["listing"].rows)


def dates(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


@pytest.fixture
def subject(make_referral):
    """A referral of someone with a name no page could contain by chance."""
    return make_referral(person=PersonFactory(given_names="Zebedee", family_name="Quarrendon-Vaux"))


# --- Who may see what -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.MANAGER])
@pytest.mark.parametrize("path", ["/audit/", "/audit/people/", "/audit/staff/"])
def test_only_auditors_open_the_audit_pages(client, db, role, path):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(path).status_code == 403


def test_the_auditor_still_sees_no_case_files(client, auditor, subject, programme):
    client.force_login(auditor)
    for path in (
        f"/people/{subject.person.pk}/",
        f"/referrals/{subject.pk}/",
        f"/cases/{programme.pk}/",
    ):
        assert client.get(path).status_code in (403, 404), path


def test_the_audit_pages_take_only_get(client, auditor, subject):
    client.force_login(auditor)
    for path in ("/audit/", "/audit/people/", f"/audit/people/{subject.person.pk}/"):
        assert client.post(path).status_code == 405, path


# --- The general log --------------------------------------------------------------------


def test_the_general_log_names_each_record_and_whom_it_is_about(client, auditor, subject):
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Referral {subject.reference}" in text
    assert "Quarrendon-Vaux" in text
    assert "cases.referral" not in text


def test_the_general_log_filters_by_action_and_period(client, auditor, manager, subject):
    day = timezone.localdate() - datetime.timedelta(days=10)
    with time_machine.travel(at(day)):
        old = log(manager, Action.DISCLOSURE, subject, recipient="Court")
    client.force_login(auditor)
    response = client.get("/audit/", {"action": "disclosure"})
    assert entries_of(response) == [old]
    response = client.get("/audit/", {**dates("end", day)})
    assert entries_of(response) == [old]
    response = client.get("/audit/", {**dates("start", day + datetime.timedelta(days=1))})
    assert old not in entries_of(response)
    assert entries_of(response)


def test_a_period_is_whole_days_in_the_service_time_zone(client, auditor, manager, subject):
    # Just before midnight in London in summer is the same day, though UTC is past it.
    day = datetime.date(2026, 7, 1)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 7, 1, 23, 30))):
        late = log(manager, Action.CONSULTATION, subject)
    client.force_login(auditor)
    response = client.get("/audit/", {**dates("start", day), **dates("end", day)})
    assert entries_of(response) == [late]


def test_a_period_ending_before_it_starts_is_refused_next_to_the_end_date(client, auditor):
    client.force_login(auditor)
    today = timezone.localdate()
    response = client.get(
        "/audit/", {**dates("start", today), **dates("end", today - datetime.timedelta(days=1))}
    )
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"start_0": "31", "start_1": "2", "start_2": "2026"},
        {"end_0": "1", "end_1": "1", "end_2": "99999999999999"},
        {"end_0": "31", "end_1": "12", "end_2": "9999"},
        {"start_0": "x", "start_1": "1"},
        {"action": ["nonsense", "consultation"]},
        {"sort": "detail", "page": "7", "after": "abc", "before": "-1"},
    ],
)
def test_junk_in_the_address_is_answered_not_failed(client, auditor, subject, query):
    client.force_login(auditor)
    for path in ("/audit/", f"/audit/people/{subject.person.pk}/", f"/audit/staff/{auditor.pk}/"):
        assert client.get(path, query).status_code == 200, (path, query)


def test_pages_of_the_log_keep_their_filters(client, auditor, manager, subject):
    for _ in range(30):
        log(manager, Action.CONSULTATION, subject)
    client.force_login(auditor)
    day = timezone.localdate()
    response = client.get("/audit/", {"action": "consultation", **dates("start", day)})
    next_page = response.context["listing"].pages()["next"]
    assert "action=consultation" in next_page
    assert f"start_0={day.day}" in next_page and f"start_2={day.year}" in next_page


def _fill(actor, programme, count):
    """`count` views each of a case, its referral and its person, interleaved: every page
    of the log names the same three kinds of record."""
    referral = programme.referral
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=actor,
            action=Action.CONSULTATION,
            record_type=record._meta.label_lower,
            record_id=record.pk,
        )
        for _ in range(count)
        for record in (referral.person, referral, programme)
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_general_log_costs_the_same_for_3_or_30_entries(
    client, auditor, manager, programme, count, django_assert_num_queries
):
    _fill(manager, programme, count)
    client.force_login(auditor)
    client.get("/audit/")
    # Session and user, roles, the request's savepoint and its release, count, page, and
    # one for each of the three kinds of record.
    # The page, and one insert logging whom the named records are about.
    with django_assert_num_queries(11):
        client.get("/audit/")


# --- A person's trail -------------------------------------------------------------------


def test_an_auditor_finds_a_person_and_sees_who_viewed_their_records(
    client, auditor, manager, subject
):
    viewed = log(manager, Action.CONSULTATION, subject, detail="referral page")
    other = log(manager, Action.CONSULTATION, PersonFactory())
    client.force_login(auditor)
    found = client.get("/audit/people/", {"q": "Zebedee Quarrendon-Vaux"})
    text = found.content.decode()
    assert f'href="/audit/people/{subject.person.pk}/"' in text
    assert f'href="/people/{subject.person.pk}/"' not in text
    trail = client.get(f"/audit/people/{subject.person.pk}/")
    entries = entries_of(trail)
    assert viewed in entries and other not in entries
    assert escape(manager) in trail.content.decode()


def test_the_person_search_shows_only_what_identifies_someone(client, auditor, subject):
    client.force_login(auditor)
    text = client.get("/audit/people/", {"q": "Quarrendon-Vaux"}).content.decode()
    assert "Zebedee" in text
    assert subject.person.postcode_district not in text
    assert subject.custody_record_number not in text


@pytest.mark.parametrize(
    "typed",
    [
        lambda referral: referral.reference,
        lambda referral: referral.crime_reference.lower(),
        lambda referral: referral.custody_record_number,
    ],
    ids=["referral reference", "crime reference", "custody record"],
)
def test_a_person_is_found_by_a_reference_of_their_referral(client, auditor, subject, typed):
    client.force_login(auditor)
    response = client.get("/audit/people/", {"q": typed(subject)})
    assert [m.person for m in response.context["matches"]] == [subject.person]


def test_the_auditors_search_and_look_are_logged(client, auditor, subject):
    client.force_login(auditor)
    client.get("/audit/people/", {"q": "Quarrendon-Vaux"})
    client.get(f"/audit/people/{subject.person.pk}/")
    details = set(
        AccessLogEntry.objects.filter(actor=auditor, record_id=subject.person.pk).values_list(
            "detail", flat=True
        )
    )
    assert details == {"governance:people", "governance:person_trail"}


def test_a_bad_search_says_what_to_type(client, auditor):
    client.force_login(auditor)
    response = client.get("/audit/people/", {"q": "12345 Smith"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_an_unknown_person_is_not_found(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/people/999999999/").status_code == 404
    assert client.get("/audit/people/999999999/export/").status_code == 404


def test_a_merged_record_leads_to_the_trail_that_holds_it(client, auditor, manager):
    kept, merged = PersonFactory(), PersonFactory()
    merged.merged_into = kept
    merged.save(update_fields=["merged_into"])
    entry = log(manager, Action.CONSULTATION, merged)
    client.force_login(auditor)
    response = client.get(f"/audit/people/{merged.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/audit/people/{kept.pk}/"
    assert entry in entries_of(response)


@pytest.mark.parametrize("count", [3, 30])
def test_the_trail_costs_the_same_for_3_or_30_entries(
    client, auditor, manager, programme, count, django_assert_num_queries
):
    _fill(manager, programme, count)
    client.force_login(auditor)
    url = f"/audit/people/{programme.referral.person.pk}/"
    client.get(url)
    # Session and user, roles, the request's savepoint and its release, the person, count,
    # page (after the keys of their records), three kinds of record, and the look logged.
    with django_assert_num_queries(13):
        client.get(url)


# --- A member of staff's activity ---------------------------------------------------------


def test_an_auditor_sees_what_a_member_of_staff_did_and_their_sign_ins(
    client, auditor, manager, subject
):
    did = log(manager, Action.CONSULTATION, subject)
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.SIGN_IN_FAILED, user=manager, address="192.0.2.7"
    )
    client.force_login(auditor)
    found = client.get("/audit/staff/", {"q": manager.last_name})
    assert f"/audit/staff/{manager.pk}/" in found.content.decode()
    response = client.get(f"/audit/staff/{manager.pk}/")
    assert entries_of(response) == [did]
    text = response.content.decode()
    assert "192.0.2.7" in text and "Sign-in failed" in text
    assert "Quarrendon-Vaux" in text


def test_the_period_applies_to_the_security_events_too(client, auditor, manager):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.SIGNED_IN, user=manager)
    client.force_login(auditor)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.get(f"/audit/staff/{manager.pk}/", dates("start", tomorrow))
    assert list(response.context["security"].rows) == []


def test_an_unknown_member_of_staff_is_not_found(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/staff/999999999/").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_staff_activity_costs_the_same_for_3_or_30_entries(
    client, auditor, manager, programme, count, django_assert_num_queries
):
    _fill(manager, programme, count)
    SecurityEvent.objects.bulk_create(
        SecurityEvent(kind=SecurityEvent.Kind.SIGNED_IN, user=manager) for _ in range(count)
    )
    client.force_login(auditor)
    url = f"/audit/staff/{manager.pk}/"
    client.get(url)
    # Session and user, roles, the request's savepoint and its release, the member of
    # staff, count and page of each list, and three kinds of record.
    with django_assert_num_queries(14):
        client.get(url)


# --- Exports ------------------------------------------------------------------------------


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_trail_export_asks_whom_it_is_for(client, auditor, subject):
    client.force_login(auditor)
    url = f"/audit/people/{subject.person.pk}/export/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"recipient": ""})
    assert refused.status_code == 200
    assert "Enter who this is for" in refused.content.decode()


def test_a_trail_export_is_a_disclosure_logged_with_its_recipient(
    client, auditor, manager, subject
):
    log(manager, Action.CONSULTATION, subject, detail="referral page")
    client.force_login(auditor)
    response = client.post(
        f"/audit/people/{subject.person.pk}/export/?action=consultation",
        {"recipient": "Information Commissioner's Office", "reason": "Complaint 42"},
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = read_csv(response)
    assert ["For", "Information Commissioner's Office"] in lines
    assert ["Action", "Consultation (viewed)"] in lines
    rows = [line for line in lines if len(line) == 8 and line[5] == "referral page"]
    assert rows and rows[0][3].startswith(f"Referral {subject.reference}")
    disclosed = AccessLogEntry.objects.get(
        actor=auditor, action=Action.DISCLOSURE, record_type="people.person"
    )
    assert disclosed.record_id == subject.person.pk
    assert disclosed.recipient == "Information Commissioner's Office"
    # The referral it names goes out too.
    assert AccessLogEntry.objects.filter(
        actor=auditor, action=Action.DISCLOSURE, record_type="cases.referral", record_id=subject.pk
    ).exists()
    assert "Consultation" in disclosed.detail


def test_a_staff_export_holds_their_entries_and_security_events(client, auditor, manager, subject):
    log(manager, Action.CONSULTATION, subject)
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.SIGNED_IN, user=manager, address="192.0.2.9"
    )
    client.force_login(auditor)
    response = client.post(
        f"/audit/staff/{manager.pk}/export/", {"recipient": "Professional Standards"}
    )
    lines = read_csv(response)
    assert any("Quarrendon-Vaux" in cell for line in lines for cell in line)
    assert [cell for line in lines for cell in line if cell == "192.0.2.9"] == ["192.0.2.9"]
    disclosed = AccessLogEntry.objects.get(
        actor=auditor, action=Action.DISCLOSURE, record_type="accounts.user"
    )
    assert (disclosed.record_type, disclosed.record_id) == ("accounts.user", manager.pk)


@pytest.mark.parametrize("typed", ["\x00", "Sam\x00Patel", "x" * 101])
def test_a_staff_search_that_cannot_be_a_name_says_why(client, auditor, typed):
    client.force_login(auditor)
    response = client.get("/audit/staff/", {"q": typed})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert response.context["found"] is None


def test_a_staff_export_is_logged_as_a_disclosure_of_each_record_it_names(
    client, auditor, manager, programme
):
    client.force_login(manager)
    client.get(f"/cases/{programme.pk}/")
    client.force_login(auditor)
    response = client.post(
        f"/audit/staff/{manager.pk}/export/", {"recipient": "The inspectorate", "reason": ""}
    )
    assert response.status_code == 200
    person = programme.referral.person
    disclosed = AccessLogEntry.objects.filter(actor=auditor, action=Action.DISCLOSURE)
    assert {(e.record_type, e.record_id) for e in disclosed} >= {
        ("accounts.user", manager.pk),
        ("cases.programme", programme.pk),
    }
    # So the person's own trail shows their name went out in it, and to whom.
    trail = client.get(f"/audit/people/{person.pk}/")
    assert b"The inspectorate" in trail.content
