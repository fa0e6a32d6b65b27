from diversion.audit.models import AccessLogEntry


def test_auditor_reads_the_access_log_newest_first(client, auditor, custody_officer, make_referral):
    referral = make_referral()
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    entries = list(response.context["listing"].rows)
    assert entries[0].record_id == referral.pk
    assert b"cases.referral" in response.content


def test_the_log_names_records_not_people(client, auditor, make_referral):
    referral = make_referral()
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
