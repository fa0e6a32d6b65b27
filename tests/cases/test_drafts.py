"""Unfinished referrals: kept as drafts page by page, several at once, listed on the
officer's referrals page, resumed or discarded by their officer alone, never counted in
the dashboard, and never a server error for a bad address."""

import datetime
import io
import re
from urllib.parse import quote

import psycopg2
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import DRAFT_KEPT, Referral, ReferralDraft
from diversion.cases.services import draft as draft_services
from diversion.reporting import queries, refresh
from diversion.reporting.forms import Filters
from tests.conftest import restore_reference_data
from tests.factories import PersonFactory, UserFactory

from .intake_helpers import Journey, custody, offence

NOW = datetime.datetime(2026, 6, 10, 15, 0, tzinfo=datetime.UTC)  # 16:00 in London
# The officer's referrals page, whatever its rows (as tests.cases.test_mine counts it).
PAGE_QUERIES = 12


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer_client(client, custody_officer):
    client.force_login(custody_officer)
    return client


@pytest.fixture
def other_officer(db):
    return UserFactory(roles=[Role.CUSTODY_OFFICER])


def drafts_logged(user, action, detail=None):
    entries = AccessLogEntry.objects.filter(
        actor=user, action=action, record_type="cases.referraldraft"
    )
    if detail is not None:
        entries = entries.filter(detail=detail)
    return entries


def make_draft(owner, person=None):
    """A draft made through the service, as answering the first page makes it."""
    return draft_services.start_draft(
        actor=owner, person=person or PersonFactory(), page="custody", answers={}, reached="offence"
    )


def mine(client, **query):
    response = client.get("/referrals/mine/", query)
    assert response.status_code == 200
    return response


# --- Keeping the answers -------------------------------------------------------------------


def test_opening_the_first_page_makes_no_draft(officer_client, person):
    Journey(officer_client, person)
    assert not ReferralDraft.objects.exists()


def test_answering_the_first_page_keeps_the_referral_as_the_officers_draft(
    officer_client, person, custody_officer
):
    j = Journey(officer_client, person)
    j.answer("custody", custody(), "offence")
    draft = ReferralDraft.objects.get()
    assert (draft.owner, draft.person, draft.step) == (custody_officer, person, "offence")
    assert draft.answers["custody"]["custody_record_number"] == ["NG-00012345-26"]
    # Only the page's own inputs are kept, not the form's CSRF token.
    assert "csrfmiddlewaretoken" not in draft.answers["custody"]
    assert drafts_logged(custody_officer, Action.COLLECTION).count() == 1


def test_each_page_saves_its_answers_and_the_page_reached(officer_client, person):
    Journey(officer_client, person).walk_to_decision()
    draft = ReferralDraft.objects.get()
    assert set(draft.answers) == {"custody", "offence", "victim", "circumstances"}
    assert draft.step == "decision"
    assert draft.updated_at == NOW


def test_starting_a_second_referral_keeps_the_first_ones_answers(officer_client):
    first_person, second_person = PersonFactory(), PersonFactory()
    first = Journey(officer_client, first_person).walk_to_decision()
    second = Journey(officer_client, second_person)
    second.answer("custody", custody(custody_record_number="NG-00055555-26"), "offence")
    # And a second referral of the same person is a draft of its own too.
    again = Journey(officer_client, first_person)
    again.answer("custody", custody(custody_record_number="NG-00066666-26"), "offence")

    assert ReferralDraft.objects.count() == 3
    assert first.get("decision").status_code == 200
    first.decide()
    response, _ = first.submit()
    assert response["Location"] == "/referrals/new/confirmation/"
    assert Referral.objects.get().person == first_person
    assert {d.pk for d in ReferralDraft.objects.all()} == {second.draft_pk, again.draft_pk}
    assert second.get("offence").status_code == 200


def test_the_first_page_names_the_officers_other_drafts_of_the_person(officer_client, person):
    j = Journey(officer_client, person)
    j.answer("custody", custody(), "offence")
    page = officer_client.get(j.start_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="other-drafts"' in html
    assert f'href="/referrals/drafts/{j.draft_pk}/"' in html
    other = officer_client.get(f"/referrals/new/?person={PersonFactory().pk}")
    assert b'data-testid="other-drafts"' not in other.content


def test_answers_too_long_to_keep_are_refused_with_a_message_and_the_draft_kept(
    officer_client, person, custody_officer
):
    j = Journey(officer_client, person).walk_to_decision()
    draft = ReferralDraft.objects.get()
    with pytest.raises(draft_services.DraftError, match="too long to save"):
        draft_services.save_answers(
            draft,
            actor=custody_officer,
            page="victim",
            answers={"victim": ["consulted"], "victim_views": ["x" * 70_000]},
            reached="circumstances",
        )
    draft.refresh_from_db()
    assert draft.answers["victim"] == {"victim": ["none"]}
    assert j.get("decision").status_code == 200


# --- The list on the officer's referrals page ----------------------------------------------


def test_the_officer_sees_their_drafts_last_saved_first_and_not_others(
    officer_client, other_officer, client, frozen_time
):
    older = Journey(officer_client, PersonFactory(given_names="Alan", family_name="Older"))
    older.answer("custody", custody(), "offence")
    # Within the idle timeout (accounts.sessions), so the officer is still signed in.
    frozen_time.shift(datetime.timedelta(minutes=10))
    newer = Journey(officer_client, PersonFactory(given_names="Beth", family_name="Newer"))
    newer.walk_to_decision()
    theirs = make_draft(other_officer)

    response = mine(officer_client)
    listing = response.context["drafts"]
    assert [d.pk for d in listing.rows] == [newer.draft_pk, older.draft_pk]
    html = response.content.decode()
    assert listing.count_text() == "2 unfinished referrals"
    rows = re.findall(
        r'<tr class="govuk-table__row" data-testid="draft-\d+">(.*?)</tr>', html, re.S
    )
    assert "Beth Newer" in rows[0] and "Eligibility and your decision" in rows[0]
    assert "Alan Older" in rows[1] and "The offence" in rows[1]
    assert f'href="/referrals/drafts/{newer.draft_pk}/">Resume' in html
    assert f'href="/referrals/drafts/{newer.draft_pk}/discard/">Discard' in html
    # Kept for 30 days after it was last saved.
    assert "10 Jul 2026" in html
    assert f"/referrals/drafts/{theirs.pk}/" not in html


def test_an_officer_with_no_drafts_sees_no_drafts_list(officer_client):
    assert b'data-testid="unfinished"' not in mine(officer_client).content


def test_listing_the_drafts_is_logged_for_each_shown(officer_client, person, custody_officer):
    j = Journey(officer_client, person)
    j.answer("custody", custody(), "offence")
    mine(officer_client)
    assert drafts_logged(custody_officer, Action.CONSULTATION).filter(record_id=j.draft_pk)


def test_the_drafts_list_costs_the_same_queries_for_many_drafts(
    officer_client, custody_officer, make_referral, django_assert_max_num_queries
):
    for _ in range(30):
        make_referral()
        make_draft(custody_officer)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = mine(officer_client)
    assert len(response.context["drafts"].rows) == 25
    assert len(response.context["listing"].rows) == 25


def test_the_drafts_list_pages_apart_from_the_referrals_list(
    officer_client, custody_officer, make_referral
):
    make_referral()
    for _ in range(27):
        make_draft(custody_officer)
    first = mine(officer_client)
    following = first.context["drafts"].pages()["next"]
    assert following.startswith("?drafts-after=")
    second = mine(officer_client, **dict([following[1:].split("=")]))
    assert len(second.context["drafts"].rows) == 2
    assert len(second.context["listing"].rows) == 1
    # The referrals list's own sort is not the drafts list's.
    sorted_referrals = mine(officer_client, sort="referred")
    assert sorted_referrals.context["drafts"].ignored == []
    assert mine(officer_client, **{"drafts-sort": "junk"}).context["drafts"].ignored == [
        "sort order"
    ]


# --- Resuming and discarding ---------------------------------------------------------------


def test_resuming_returns_to_the_page_reached_with_the_answers_kept(
    officer_client, person, custody_officer
):
    j = Journey(officer_client, person).walk_to_decision()
    response = officer_client.get(f"/referrals/drafts/{j.draft_pk}/")
    assert response["Location"] == j.url("decision")
    # A redirect shows nothing; the page it leads to is logged.
    assert not drafts_logged(custody_officer, Action.CONSULTATION)
    page = j.get("offence")
    assert drafts_logged(custody_officer, Action.CONSULTATION, "referrals:draft_step step=offence")
    checked = re.findall(
        r'<input[^>]*name="gravity_score"[^>]*checked[^>]*>', page.content.decode()
    )
    assert len(checked) == 1 and 'value="2"' in checked[0]
    j.decide()
    assert officer_client.get(f"/referrals/drafts/{j.draft_pk}/")["Location"] == j.url("check")
    check = j.get("check")
    assert b"NG-00012345-26" in check.content
    assert drafts_logged(custody_officer, Action.CONSULTATION, "referrals:draft_step step=check")


def test_a_draft_resumed_after_an_answer_stopped_holding_goes_back_to_that_answer(
    officer_client, custody_officer
):
    person = PersonFactory(date_of_birth=datetime.date(1990, 1, 1))
    j = Journey(officer_client, person).walk_to_decision()
    j.decide()
    # Another referral takes the custody record number before this one is submitted.
    other = Journey(officer_client, PersonFactory()).walk_to_decision()
    other.decide()
    other.submit()
    resumed = officer_client.get(f"/referrals/drafts/{j.draft_pk}/")
    assert officer_client.get(resumed["Location"])["Location"] == j.url("custody")
    page = j.get("custody")
    assert "already used" in " ".join(page.context["form"].errors["custody_record_number"])


def test_discarding_asks_first_then_deletes_only_that_draft_on_post(
    officer_client, custody_officer
):
    kept = Journey(officer_client, PersonFactory())
    kept.answer("custody", custody(), "offence")
    j = Journey(officer_client, PersonFactory(given_names="Carl", family_name="Gone"))
    j.answer("custody", custody(), "offence")
    url = f"/referrals/drafts/{j.draft_pk}/discard/"

    page = officer_client.get(url)
    assert page.status_code == 200
    assert b"Discard this referral?" in page.content
    assert ReferralDraft.objects.filter(pk=j.draft_pk).exists()

    response = officer_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/referrals/mine/"
    assert "The unfinished referral was discarded" in response.content.decode()
    assert list(ReferralDraft.objects.values_list("pk", flat=True)) == [kept.draft_pk]
    assert drafts_logged(custody_officer, Action.ERASURE, "referral draft discarded").get()
    assert officer_client.get(url).status_code == 404
    assert j.get("offence").status_code == 404


def test_discarding_answers_only_get_and_post(officer_client, person):
    j = Journey(officer_client, person)
    j.answer("custody", custody(), "offence")
    url = f"/referrals/drafts/{j.draft_pk}/discard/"
    assert officer_client.put(url).status_code == 405
    assert officer_client.delete(url).status_code == 405
    assert officer_client.post(f"/referrals/drafts/{j.draft_pk}/").status_code == 405
    assert ReferralDraft.objects.exists()


def test_only_the_officer_who_owns_a_draft_can_see_resume_or_discard_it(
    client, officer_client, person, other_officer, manager
):
    j = Journey(officer_client, person).walk_to_decision()
    j.decide()
    token = j.token()
    answers = ReferralDraft.objects.get().answers
    pages = [f"/referrals/drafts/{j.draft_pk}/", f"/referrals/drafts/{j.draft_pk}/discard/"]
    pages += [j.url(step) for step in ("custody", "offence", "decision", "check")]
    client.force_login(other_officer)
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert client.post(j.url("check"), {"token": token}).status_code == 404
    assert client.post(j.url("offence"), offence()).status_code == 404
    assert client.post(f"/referrals/drafts/{j.draft_pk}/discard/").status_code == 404
    assert b"unfinished" not in mine(client).content
    client.force_login(manager)
    assert client.get(pages[0]).status_code == 403
    assert ReferralDraft.objects.get(pk=j.draft_pk).answers == answers
    assert not Referral.objects.exists()


# --- Submitting --------------------------------------------------------------------------


def test_submitting_makes_the_referral_with_the_drafts_token_and_deletes_the_draft(
    officer_client, person, custody_officer
):
    j = Journey(officer_client, person).walk_to_decision()
    j.decide()
    token = j.token()
    j.submit()
    referral = Referral.objects.get()
    assert referral.submission_token == token
    assert not ReferralDraft.objects.exists()
    assert drafts_logged(
        custody_officer, Action.ERASURE, f"referral draft submitted as {referral.reference}"
    ).get()


def test_a_double_submit_makes_one_referral_and_shows_it(officer_client, person):
    j = Journey(officer_client, person).walk_to_decision()
    j.decide()
    _, token = j.submit()
    again = j.post("check", {"token": token})
    assert again["Location"] == "/referrals/new/confirmation/"
    assert Referral.objects.count() == 1
    # The back button to a page of the submitted draft says so, and shows the referral.
    back = j.get("decision")
    assert back["Location"] == "/referrals/new/confirmation/"
    page = officer_client.get(back["Location"])
    reference = Referral.objects.get().reference
    assert f"This referral was already submitted, as {reference}" in page.content.decode()


def test_a_forged_token_submits_nothing(officer_client, person):
    j = Journey(officer_client, person).walk_to_decision()
    j.decide()
    assert j.post("check", {"token": "not-a-token"}).status_code == 404
    assert j.post("check", {"token": "0" * 32}).status_code == 404
    assert not Referral.objects.exists()
    assert ReferralDraft.objects.exists()


# --- Deleting drafts left unsaved -----------------------------------------------------------


def purge():
    out = io.StringIO()
    call_command("purge_referral_drafts", stdout=out)
    return out.getvalue().strip()


def test_the_purge_deletes_drafts_unsaved_for_30_days_and_keeps_the_rest(
    custody_officer, frozen_time
):
    stale = make_draft(custody_officer)
    saved_again = make_draft(custody_officer)
    frozen_time.shift(datetime.timedelta(days=5))
    draft_services.save_answers(
        saved_again, actor=custody_officer, page="offence", answers={}, reached="victim"
    )
    frozen_time.shift(datetime.timedelta(days=5))
    newer = make_draft(custody_officer)

    frozen_time.move_to(NOW + DRAFT_KEPT)
    assert purge() == "Deleted 0 unfinished referrals unsaved for 30 days."
    frozen_time.move_to(NOW + DRAFT_KEPT + datetime.timedelta(seconds=1))
    assert purge() == "Deleted 1 unfinished referral unsaved for 30 days."
    assert set(ReferralDraft.objects.values_list("pk", flat=True)) == {saved_again.pk, newer.pk}
    erased = drafts_logged(custody_officer, Action.ERASURE).get()
    assert (erased.record_id, erased.detail) == (stale.pk, draft_services.PURGED)
    # Run again, as cron would: nothing more to do, and nothing logged twice.
    assert purge() == "Deleted 0 unfinished referrals unsaved for 30 days."
    assert drafts_logged(custody_officer, Action.ERASURE).count() == 1


def test_the_purge_works_through_many_drafts_in_batches(
    custody_officer, other_officer, frozen_time, monkeypatch
):
    monkeypatch.setattr(draft_services, "PURGE_BATCH", 2)
    for owner in (custody_officer, other_officer, custody_officer, other_officer, custody_officer):
        make_draft(owner)
    frozen_time.move_to(NOW + datetime.timedelta(days=31))
    assert purge() == "Deleted 5 unfinished referrals unsaved for 30 days."
    assert not ReferralDraft.objects.exists()
    assert drafts_logged(custody_officer, Action.ERASURE).count() == 3
    assert drafts_logged(other_officer, Action.ERASURE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_purge_leaves_a_draft_another_session_holds(frozen_time):
    """Two runs at once, or an officer saving the draft as it expires: the run skips it."""
    restore_reference_data()
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    held, free = make_draft(officer), make_draft(officer)
    frozen_time.move_to(NOW + datetime.timedelta(days=31))
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {ReferralDraft._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608 - the model's own table
                [held.pk],
            )
            assert purge() == "Deleted 1 unfinished referral unsaved for 30 days."
        other.rollback()
    finally:
        other.close()
    assert list(ReferralDraft.objects.values_list("pk", flat=True)) == [held.pk]
    assert not ReferralDraft.objects.filter(pk=free.pk).exists()
    assert purge() == "Deleted 1 unfinished referral unsaved for 30 days."


# --- Never in the dashboard ----------------------------------------------------------------


def test_drafts_never_count_in_the_dashboard(officer_client, make_referral):
    make_referral()
    j = Journey(officer_client, PersonFactory()).walk_to_decision()
    j.decide("offer", "Admitted.", "offer")
    j.answer("offer", {"person_decision": "accepted"}, "check")
    Journey(officer_client, PersonFactory()).answer("custody", custody(), "offence")
    assert ReferralDraft.objects.count() == 2
    refresh.refresh()
    counts = queries.counts(queries.latest_refresh(), Filters())
    assert (counts["referred"], counts["accepted"]) == (1, 0)


# --- Bad addresses -----------------------------------------------------------------------

junk = st.text(max_size=30)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=junk)
def test_any_person_value_gives_a_page_a_404_or_the_search(officer_client, person, value):
    for method in (officer_client.get, officer_client.post):
        response = method(f"/referrals/new/?person={quote(value)}")
        assert response.status_code in (200, 302, 404)
        if response.status_code == 302:
            assert value == "" and response["Location"] == "/people/"
        if response.status_code == 200:
            assert int(value) == person.pk


@pytest.mark.parametrize("value", ["²", "٣", "1²", "-1", " 1", "1.0", "9" * 30, "0", "\x00"])
def test_an_unusable_person_value_gives_404(officer_client, value):
    assert officer_client.get("/referrals/new/", {"person": value}).status_code == 404


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draft_id=st.one_of(junk, st.integers(min_value=0, max_value=10**30).map(str)), step=junk)
def test_any_draft_id_or_page_name_gives_a_404(officer_client, draft_id, step):
    for address in (
        f"/referrals/drafts/{quote(draft_id, safe='')}/",
        f"/referrals/drafts/{quote(draft_id, safe='')}/discard/",
        f"/referrals/drafts/{quote(draft_id, safe='')}/{quote(step, safe='')}/",
    ):
        assert officer_client.get(address).status_code == 404, address


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(step=junk)
def test_any_page_name_of_a_real_draft_is_a_page_or_a_404(officer_client, person, step):
    draft = ReferralDraft.objects.filter(person=person).first()
    if draft is None:
        j = Journey(officer_client, person)
        j.answer("custody", custody(), "offence")
        draft = ReferralDraft.objects.get(pk=j.draft_pk)
    response = officer_client.get(f"/referrals/drafts/{draft.pk}/{quote(step, safe='')}/")
    if step in ("custody", "offence"):
        assert response.status_code == 200
    elif step in ("victim", "circumstances", "decision", "offer", "check"):
        assert response.status_code == 302
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("query", ["drafts-after=abc", "drafts-after=²", "drafts-page=x"])
def test_a_bad_drafts_page_link_shows_the_first_page_and_says_so(
    officer_client, custody_officer, query
):
    make_draft(custody_officer)
    response = officer_client.get(f"/referrals/mine/?{query}")
    assert response.status_code == 200
    assert len(response.context["drafts"].rows) == 1
    assert response.context["drafts"].notes
