"""A record outside the user's reach, or not there, is "not found", and the attempt is kept
in the access log even though the request's transaction is rolled back (DPA 2018 s62:
the log is the auditor's view of who reached for what)."""

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import Programme
from diversion.cases.services import draft as drafts
from tests.factories import UserFactory


def refusals():
    return list(
        AccessLogEntry.objects.filter(action=Action.REFUSED).values_list(
            "actor", "record_type", "record_id", "detail"
        )
    )


def test_another_caseworkers_case_is_not_found_and_the_attempt_is_logged(
    client, caseworker, programme
):
    other = UserFactory(roles=[Role.CASEWORKER])
    Programme.objects.filter(pk=programme.pk).update(caseworker=other)
    client.force_login(caseworker)
    response = client.get(f"/cases/{programme.pk}/")
    assert response.status_code == 404
    assert refusals() == [(caseworker.pk, "cases.programme", programme.pk, "cases:case")]
    # Refused, so nothing was shown: no consultation is logged.
    assert not AccessLogEntry.objects.filter(actor=caseworker, action=Action.CONSULTATION)


def test_a_record_that_does_not_exist_is_logged_with_the_key_asked_for(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/cases/987654/").status_code == 404
    assert refusals() == [(caseworker.pk, "cases.programme", 987654, "cases:case")]


def test_a_case_seen_but_not_the_users_to_change_is_refused_on_a_post(
    client, caseworker, programme
):
    # Unassigned: in the caseworker's queue to read, theirs to change only once taken.
    client.force_login(caseworker)
    response = client.post(f"/cases/{programme.pk}/notes/", {"text": "A note"})
    assert response.status_code == 404
    assert refusals() == [(caseworker.pk, "cases.programme", programme.pk, "cases:notes")]
    assert not AccessLogEntry.objects.filter(actor=caseworker, action=Action.CONSULTATION)


def test_a_person_asked_for_by_a_key_that_cannot_be_one_is_logged_without_a_record(
    client, custody_officer
):
    client.force_login(custody_officer)
    assert client.get("/referrals/new/?person=12ab").status_code == 404
    assert refusals() == [(custody_officer.pk, "people.person", None, "referrals:new")]


def test_someone_elses_draft_is_refused(client, custody_officer, person):
    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    draft = drafts.start_draft(
        actor=other, person=person, page="custody", answers={}, reached="offence"
    )
    client.force_login(custody_officer)
    assert client.get(f"/referrals/drafts/{draft.pk}/discard/").status_code == 404
    assert refusals() == [
        (custody_officer.pk, "cases.referraldraft", draft.pk, "referrals:discard_draft")
    ]


def test_a_page_that_does_not_ask_for_a_record_logs_no_refusal(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/cases/1/needs/?stage=nonsense").status_code == 404
    assert refusals() == []
