from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log_many
from tests.factories import PersonFactory


def test_auditor_reads_the_access_log_newest_first(client, auditor, custody_officer, make_referral):
    referral = make_referral()
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    entries = list(response.context["listing"].rows)
    assert entries[0].record_id == referral.pk
    assert b"cases.referral" in response.content


def test_the_log_names_records_not_people(client, auditor, make_referral):
    # A name no page could contain by chance.
    referral = make_referral(
        person=PersonFactory(given_names="Zebedee", family_name="Quarrendon-Vaux")
    )
    client.force_login(auditor)
    response = client.get("/audit/")
    assert referral.person.family_name.encode() not in response.content


def test_access_log_costs_the_same_queries_for_many_rows(
    client, auditor, custody_officer, django_assert_max_num_queries
):
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            actor=custody_officer, action="consultation", record_type="people.person", record_id=n
        )
        for n in range(60)
    )
    client.force_login(auditor)
    with django_assert_max_num_queries(7):
        response = client.get("/audit/")
    assert len(response.context["listing"].rows) == 25


def test_a_disclosure_of_many_records_is_logged_in_one_insert_with_its_recipient(
    manager, make_referral, django_assert_num_queries
):
    referrals = [make_referral() for _ in range(3)]
    with django_assert_num_queries(1):
        log_many(
            manager,
            Action.DISCLOSURE,
            referrals,
            detail="scrutiny panel sample",
            reason="Quarterly panel",
            recipient="Police and Crime Commissioner's office",
        )
    entries = AccessLogEntry.objects.filter(action=Action.DISCLOSURE)
    assert sorted(e.record_id for e in entries) == sorted(r.pk for r in referrals)
    assert {(e.reason, e.recipient) for e in entries} == {
        ("Quarterly panel", "Police and Crime Commissioner's office")
    }
