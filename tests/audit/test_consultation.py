"""Consultation is logged in one place (audit.consultation): the access helpers and list
pages name what they show, and each request writes it once per record, in one insert,
only when it shows a page (DPA 2018 s62)."""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from diversion.audit.consultation import ConsultationMiddleware, consulted
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.access import get_case_for
from tests.factories import PersonFactory


def consultations(**filters):
    return AccessLogEntry.objects.filter(action=Action.CONSULTATION, **filters)


def run(view, user):
    """`view` as a request of `user` through the middleware alone."""
    request = RequestFactory().get("/")
    request.user = user
    return ConsultationMiddleware(view)(request)


def test_a_record_fetched_twice_in_one_request_is_logged_once_in_one_insert(manager, programme):
    def page(request):
        get_case_for(manager, programme.pk)
        get_case_for(manager, programme.pk, write=True)
        consulted(manager, programme.referral.person, programme.referral.person)
        return HttpResponse("shown")

    with CaptureQueriesContext(connection) as queries:
        run(page, manager)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "audit_accesslogentry"')]
    assert len(inserts) == 1
    assert sorted(consultations(actor=manager).values_list("record_type", flat=True)) == [
        "cases.programme",
        "people.person",
    ]


def test_a_redirect_shows_nothing_and_logs_nothing(manager, programme):
    def page(request):
        get_case_for(manager, programme.pk)
        return redirect("/")

    run(page, manager)
    assert not consultations(actor=manager).exists()


def test_outside_a_request_a_consultation_is_written_at_once(manager):
    person = PersonFactory()
    consulted(manager, person)
    assert consultations(record_type="people.person", record_id=person.pk).exists()


def test_a_page_is_logged_with_its_address_name_never_its_query(client, custody_officer):
    person = PersonFactory(family_name="Quarrendon")
    client.force_login(custody_officer)
    assert client.get(f"/referrals/new/?person={person.pk}").status_code == 200
    assert list(consultations(record_id=person.pk).values_list("detail", flat=True)) == [
        "referrals:new"
    ]


def test_a_search_logs_each_person_it_lists(client, custody_officer):
    found = [PersonFactory(family_name="Quarrendon") for _ in range(3)]
    client.force_login(custody_officer)
    client.get("/people/?q=Quarrendon")
    logged = consultations(record_type="people.person").values_list("record_id", flat=True)
    assert sorted(logged) == sorted(p.pk for p in found)
    assert "Quarrendon" not in str(list(consultations().values_list("detail", flat=True)))


def test_the_access_log_page_logs_whom_its_records_are_about_not_its_own_entries(
    client, auditor, manager, programme
):
    client.force_login(manager)
    client.get(f"/cases/{programme.pk}/")
    client.force_login(auditor)
    client.get("/audit/")
    # Naming "Case CP-… of Jane Smith" shows whom the case is about: a consultation of it.
    seen = set(consultations(actor=auditor).values_list("record_type", "record_id"))
    assert ("cases.programme", programme.pk) in seen
    assert not {kind for kind, _ in seen} & {"audit.accesslogentry", "audit.securityevent"}
