"""A manager merges two records of the same person: the referrals and later offences move
to the record kept; the other record stays, with its history, marked as merged, out of
search, its page sending you to the record kept."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import ProgrammeStatus, Referral
from diversion.cases.services import draft as draft_services
from diversion.cases.services import merge as services
from diversion.cases.services import programme as programme_services
from diversion.lib.concurrency import StaleEdit
from diversion.lib.dates import today
from diversion.people import services as people_services
from diversion.people.access import people_visible_to
from diversion.people.history import person_history
from diversion.people.models import LaterOffence, Person
from diversion.people.search import find_people
from diversion.policy.models import OffenceType
from tests.factories import PersonFactory, UserFactory

BORN = datetime.date(1985, 11, 5)
REASON = "Same custody photograph and address on both referrals"


@pytest.fixture
def kept(db):
    return PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)


@pytest.fixture
def duplicate(db):
    return PersonFactory(
        given_names="Jon", family_name="Smith", date_of_birth=BORN, pnc_id="2012/0034567E"
    )


def merge(duplicate, kept, actor, **kwargs):
    return services.merge_person(duplicate, kept=kept, actor=actor, reason=REASON, **kwargs)


def later_offence(person, actor):
    return people_services.record_later_offence(
        person,
        actor=actor,
        offence_date=today(),
        offence_type=OffenceType.objects.get(code="possession-class-b"),
        source="pnc",
    )


def withdraw(programme, actor):
    programme_services.end(
        programme,
        ProgrammeStatus.WITHDRAWN,
        actor=actor,
        outcome_on=today(),
        reason="moved_away",
    )


def check_url(kept, duplicate):
    return reverse("people:merge_check", args=[kept.pk, duplicate.pk])


def confirm(kept, duplicate, reason=REASON):
    return {"reason": reason, "kept_version": kept.version, "duplicate_version": duplicate.version}


# --- The service ---------------------------------------------------------------------------


def test_a_merge_moves_the_referrals_and_later_offences_to_the_record_kept(
    kept, duplicate, manager, make_referral
):
    theirs = make_referral(person=duplicate, decision="accepted")
    mine = make_referral(person=kept)
    offence = later_offence(duplicate, manager)
    merge(duplicate, kept, manager)
    assert set(Referral.objects.filter(person=kept)) == {theirs, mine}
    assert list(LaterOffence.objects.filter(person=kept)) == [offence]
    assert not Referral.objects.filter(person=duplicate).exists()


def test_a_merge_moves_an_officers_unfinished_referral_to_the_record_kept(
    kept, duplicate, manager, custody_officer
):
    draft = draft_services.start_draft(
        actor=custody_officer, person=duplicate, page="custody", answers={}, reached="offence"
    )
    merge(duplicate, kept, manager)
    draft.refresh_from_db()
    assert draft.person == kept


def test_the_merged_record_is_kept_marked_and_out_of_search_and_reach(
    kept, duplicate, manager, custody_officer
):
    merge(duplicate, kept, manager)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    found = find_people(people_visible_to(custody_officer), text="Smith", date_of_birth=BORN)
    assert [m.person for m in found] == [kept]


def test_the_pnc_id_moves_to_a_record_kept_without_one(kept, duplicate, manager):
    merge(duplicate, kept, manager)
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert (kept.pnc_id, duplicate.pnc_id) == ("2012/0034567E", None)


def test_both_histories_are_kept_with_who_merged_and_why(kept, duplicate, manager):
    people_services.correct_person(
        duplicate,
        actor=manager,
        reason="Typo",
        expected_version=1,
        **{f: getattr(duplicate, f) for f in ["given_names", "family_name", "date_of_birth"]},
        phone="07700 900982",
    )
    merge(duplicate, kept, manager)
    found = person_history(kept)
    merged = [e for e in found if e.record == duplicate]
    assert [e.title for e in merged] == [
        "Merged into this record",
        "Details changed",
        "Record added",
    ]
    assert (merged[0].actor, merged[0].reason) == (manager, REASON)
    # The kept record's own history shows the PNC ID it was given, and why.
    [given] = [e for e in found if e.record == kept and e.title == "Details changed"]
    assert [(line.label, line.after) for line in given.lines] == [("PNC ID", "2012/0034567E")]
    assert given.reason == REASON


def test_a_merge_is_logged_as_a_combination_and_the_moves_as_alterations(
    kept, duplicate, manager, make_referral
):
    referral = make_referral(person=duplicate)
    offence = later_offence(duplicate, manager)
    merge(duplicate, kept, manager)
    logged = {
        (e.action, e.record_type, e.record_id)
        for e in AccessLogEntry.objects.filter(
            actor=manager, action__in=["combination", "alteration"]
        )
    }
    assert logged == {
        (Action.COMBINATION, "people.person", kept.pk),
        (Action.COMBINATION, "people.person", duplicate.pk),
        (Action.ALTERATION, "cases.referral", referral.pk),
        (Action.ALTERATION, "people.lateroffence", offence.pk),
    }


def test_both_people_and_their_referrals_are_locked(kept, duplicate, manager, make_referral):
    make_referral(person=duplicate)
    with CaptureQueriesContext(connection) as queries:
        merge(duplicate, kept, manager)
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    people = [sql for sql in locking if 'FROM "people_person"' in sql]
    assert len(people) == 2
    # In primary-key order, so that two merges sharing a record cannot deadlock.
    assert f"= {min(kept.pk, duplicate.pk)} " in people[0] + " "
    assert any('FROM "cases_referral"' in sql for sql in locking)


def test_a_merge_that_fails_part_way_changes_nothing(
    kept, duplicate, manager, make_referral, monkeypatch
):
    referral = make_referral(person=duplicate)

    def broken(*args, **kwargs):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(services, "log_many", broken)
    with pytest.raises(RuntimeError):
        merge(duplicate, kept, manager)
    referral.refresh_from_db()
    duplicate.refresh_from_db()
    assert referral.person == duplicate
    assert (duplicate.merged_into, duplicate.pnc_id, duplicate.version) == (
        None,
        "2012/0034567E",
        1,
    )


def test_records_merged_earlier_move_on_with_the_record_they_were_merged_into(
    kept, duplicate, manager
):
    earlier = PersonFactory(given_names="Johnny", family_name="Smith", date_of_birth=BORN)
    merge(earlier, duplicate, manager)
    merge(duplicate, kept, manager)
    earlier.refresh_from_db()
    assert earlier.merged_into == kept
    assert {e.record for e in person_history(kept)} == {kept, duplicate, earlier}


def test_two_open_programmes_are_not_merged(kept, duplicate, manager, make_referral):
    theirs = make_referral(person=duplicate, decision="accepted")
    mine = make_referral(person=kept, decision="accepted")
    with pytest.raises(services.MergeError) as refused:
        merge(duplicate, kept, manager)
    assert "Both records have a programme still open" in str(refused.value)
    assert mine.reference in str(refused.value) and theirs.reference in str(refused.value)
    assert Referral.objects.get(pk=theirs.pk).person == duplicate


def test_an_open_programme_and_a_closed_one_are_merged(kept, duplicate, manager, make_referral):
    theirs = make_referral(person=duplicate, decision="accepted")
    make_referral(person=kept, decision="accepted")
    withdraw(theirs.programme, manager)
    merge(duplicate, kept, manager)
    assert Referral.objects.get(pk=theirs.pk).person == kept


def test_a_record_is_not_merged_into_itself(kept, manager):
    with pytest.raises(services.MergeError, match="cannot be merged into itself"):
        merge(kept, kept, manager)


def test_nothing_is_merged_into_a_merged_record(kept, duplicate, manager):
    third = PersonFactory()
    merge(duplicate, kept, manager)
    duplicate.refresh_from_db()
    with pytest.raises(services.MergeError, match="already merged into another record"):
        merge(third, duplicate, manager)
    with pytest.raises(services.MergeError, match="already merged into another record"):
        merge(duplicate, third, manager)


def test_records_with_different_pnc_ids_are_not_merged(kept, duplicate, manager):
    Person.objects.filter(pk=kept.pk).update(pnc_id="2013/0012345X")
    kept.refresh_from_db()
    with pytest.raises(services.MergeError, match="different PNC IDs"):
        merge(duplicate, kept, manager)


def test_a_merge_checked_before_either_record_changed_is_refused(kept, duplicate, manager):
    people_services.correct_person(
        kept,
        actor=manager,
        reason="Typo",
        expected_version=1,
        **{f: getattr(kept, f) for f in ["given_names", "family_name", "date_of_birth"]},
        phone="07700 900982",
    )
    with pytest.raises(StaleEdit):
        merge(duplicate, kept, manager, kept_version=1, duplicate_version=1)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_the_database_refuses_a_record_merged_into_itself(kept):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=kept.pk).update(merged_into=kept)


def test_the_database_refuses_a_merge_into_a_merged_record(kept, duplicate):
    third = PersonFactory()
    Person.objects.filter(pk=duplicate.pk).update(merged_into=kept, pnc_id=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=third.pk).update(merged_into=duplicate)


def test_the_database_refuses_merging_a_record_others_are_merged_into(kept, duplicate):
    third = PersonFactory()
    Person.objects.filter(pk=duplicate.pk).update(merged_into=kept, pnc_id=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=kept.pk).update(merged_into=third)


def test_the_database_refuses_a_merged_record_holding_a_pnc_id(kept, duplicate):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=duplicate.pk).update(merged_into=kept)


# --- Finding the other record --------------------------------------------------------------


def test_a_manager_is_shown_the_likely_other_records(client, manager, kept, duplicate):
    stranger = PersonFactory(given_names="Ann", family_name="Jones", date_of_birth=BORN)
    client.force_login(manager)
    response = client.get(reverse("people:merge", args=[kept.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{check_url(kept, duplicate)}"' in html
    assert "Compare with <bdi>Jon Smith</bdi>" in html
    assert "Compare with John Smith" not in html
    assert stranger.full_name not in html
    logged = set(AccessLogEntry.objects.filter(actor=manager).values_list("record_id", flat=True))
    assert logged == {kept.pk, duplicate.pk}


def test_the_manager_can_search_for_the_other_record(client, manager, kept):
    other = PersonFactory(given_names="Jack", family_name="Smythe", date_of_birth=BORN)
    client.force_login(manager)
    response = client.get(reverse("people:merge", args=[kept.pk]), {"q": "Jack Smythe"})
    assert f'href="{check_url(kept, other)}"' in response.content.decode()


def test_merged_records_are_not_offered(client, manager, kept, duplicate):
    third = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    merge(duplicate, kept, manager)
    client.force_login(manager)
    html = client.get(reverse("people:merge", args=[third.pk])).content.decode()
    assert check_url(third, kept) in html
    assert check_url(third, duplicate) not in html


def test_a_bad_search_is_explained_and_not_an_error(client, manager, kept):
    client.force_login(manager)
    response = client.get(
        reverse("people:merge", args=[kept.pk]),
        {"q": "", "date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1990"},
    )
    assert response.status_code == 200
    assert "Date of birth must be a real date" in response.content.decode()


def test_finding_the_other_record_of_a_merged_record_starts_from_the_record_kept(
    client, manager, kept, duplicate
):
    merge(duplicate, kept, manager)
    client.force_login(manager)
    response = client.get(reverse("people:merge", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("people:merge", args=[kept.pk])


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
def test_only_managers_may_merge(client, kept, duplicate, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("people:merge", args=[kept.pk])).status_code == 403
    assert client.get(check_url(kept, duplicate)).status_code == 403
    assert client.post(check_url(kept, duplicate), confirm(kept, duplicate)).status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_unknown_records_are_not_found(client, manager, kept):
    client.force_login(manager)
    assert client.get(reverse("people:merge", args=[999_999])).status_code == 404
    assert client.get(reverse("people:merge_check", args=[kept.pk, 999_999])).status_code == 404
    assert client.get(reverse("people:merge_check", args=[999_999, kept.pk])).status_code == 404


def test_the_pages_allow_only_their_methods(client, manager, kept, duplicate):
    client.force_login(manager)
    assert client.post(reverse("people:merge", args=[kept.pk])).status_code == 405
    assert client.put(check_url(kept, duplicate)).status_code == 405


def test_finding_the_other_record_costs_the_same_for_few_or_many_people(client, manager, kept):
    client.force_login(manager)
    url = reverse("people:merge", args=[kept.pk])

    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    PersonFactory(given_names="Jon", family_name="Smith", date_of_birth=BORN)
    few = queries_for_page()
    PersonFactory.create_batch(10, family_name="Smith", date_of_birth=BORN)
    assert queries_for_page() == few


# --- The check page and the merge ----------------------------------------------------------


def test_the_check_page_shows_both_records_and_what_will_happen(
    client, manager, kept, duplicate, make_referral
):
    referral = make_referral(person=duplicate)
    later_offence(duplicate, manager)
    client.force_login(manager)
    response = client.get(check_url(kept, duplicate))
    assert response.status_code == 200
    html = response.content.decode()
    side_by_side = html.split('data-testid="side-by-side"')[1].split("</table>")[0]
    assert "Kept: <bdi>John Smith</bdi>" in side_by_side
    assert "Merged into it: <bdi>Jon Smith</bdi>" in side_by_side
    assert "2012/0034567E" in side_by_side and referral.reference in side_by_side
    happens = html.split('data-testid="what-happens"')[1].split("</ul>")[0]
    assert f"1 referral ({referral.reference}) and 1 later offence move" in happens
    assert "The PNC ID 2012/0034567E moves to <bdi>John Smith</bdi>'s record." in happens
    assert "no longer be found in search" in happens
    assert f'href="{check_url(duplicate, kept)}"' in html
    assert 'name="reason"' in html
    logged = set(AccessLogEntry.objects.filter(actor=manager).values_list("record_id", flat=True))
    assert {kept.pk, duplicate.pk} <= logged


def test_confirming_merges_and_opens_the_record_kept(
    client, manager, kept, duplicate, make_referral
):
    referral = make_referral(person=duplicate)
    client.force_login(manager)
    response = client.post(check_url(kept, duplicate), confirm(kept, duplicate), follow=True)
    assert response.redirect_chain == [(reverse("people:detail", args=[kept.pk]), 302)]
    html = response.content.decode()
    assert "The records are merged into John Smith&#x27;s." in html
    assert referral.reference in html
    assert "Merged into this record" in html and REASON in html


def test_the_merged_records_page_opens_the_record_kept(
    client, custody_officer, manager, kept, duplicate
):
    merge(duplicate, kept, manager)
    client.force_login(custody_officer)
    response = client.get(reverse("people:detail", args=[duplicate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("people:detail", args=[kept.pk])


def test_a_merged_record_takes_no_new_referral_or_later_offence(
    client, custody_officer, manager, kept, duplicate
):
    merge(duplicate, kept, manager)
    client.force_login(custody_officer)
    assert client.get(reverse("referrals:new"), {"person": duplicate.pk}).status_code == 404
    assert client.get(reverse("people:later_offence", args=[duplicate.pk])).status_code == 404


def test_the_reason_is_required(client, manager, kept, duplicate):
    client.force_login(manager)
    response = client.post(check_url(kept, duplicate), confirm(kept, duplicate, reason=" "))
    html = response.content.decode()
    assert 'href="#id_reason"' in html
    assert "Enter how you know these records are the same person" in html
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_a_refused_merge_is_explained_with_no_merge_button(
    client, manager, kept, duplicate, make_referral
):
    make_referral(person=duplicate, decision="accepted")
    make_referral(person=kept, decision="accepted")
    client.force_login(manager)
    html = client.get(check_url(kept, duplicate)).content.decode()
    assert 'data-testid="refusal"' in html and "Both records have a programme still open" in html
    assert "Merge the records" not in html
    response = client.post(check_url(kept, duplicate), confirm(kept, duplicate))
    assert response.status_code == 200
    assert "Both records have a programme still open" in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_merging_a_record_into_itself_is_explained(client, manager, kept):
    client.force_login(manager)
    response = client.get(check_url(kept, kept))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A record cannot be merged into itself" in html
    assert "Merge the records" not in html
    assert client.post(check_url(kept, kept), confirm(kept, kept)).status_code == 200


def test_a_merge_into_a_record_merged_meanwhile_is_explained(client, manager, kept, duplicate):
    third = PersonFactory()
    opened = confirm(third, duplicate)
    merge(duplicate, kept, manager)
    client.force_login(manager)
    response = client.post(check_url(third, duplicate), opened)
    html = response.content.decode()
    assert response.status_code == 200
    assert "already merged into another record" in html
    third.refresh_from_db()
    assert not third.merged_records.exists()


def test_a_stale_check_page_merges_nothing_and_keeps_the_reason(client, manager, kept, duplicate):
    opened = confirm(kept, duplicate, reason="Same address on both")
    Person.objects.filter(pk=kept.pk).update(family_name="Smithson", version=2)
    client.force_login(manager)
    response = client.post(check_url(kept, duplicate), opened)
    html = response.content.decode()
    assert 'data-testid="stale"' in html and "Nothing was merged" in html
    assert "Same address on both" in html and "Smithson" in html
    assert 'name="kept_version" value="2"' in html
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
