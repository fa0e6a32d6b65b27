import datetime

import pytest
import time_machine

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import PersonDecision
from diversion.cases.services import referral as services
from diversion.policy.models import OffenceType
from tests.factories import UserFactory, sign

# The page's queries, whatever its rows: the session, the user and their roles, each list's
# count and page (referrals, and unfinished referrals), the two banners, the access log's
# insert, and the request's savepoint and its release.
PAGE_QUERIES = 12


def test_custody_officer_sees_their_own_referrals_newest_first(
    client, custody_officer, make_referral
):
    older = make_referral()
    newer = make_referral()
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/")
    assert response.status_code == 200
    page = list(response.context["listing"].rows)
    assert page == [newer, older]
    assert older.reference.encode() in response.content


def test_custody_officer_does_not_see_other_officers_referrals(
    client, custody_officer, make_referral
):
    from diversion.accounts.roles import Role

    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    theirs = make_referral(officer=other)
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/")
    assert theirs.reference.encode() not in response.content
    assert b"You have not made any referrals yet" in response.content


def test_viewing_the_list_is_logged_for_each_referral_shown(client, custody_officer, make_referral):
    referral = make_referral()
    client.force_login(custody_officer)
    client.get("/referrals/mine/")
    assert AccessLogEntry.objects.filter(
        actor=custody_officer,
        action=Action.CONSULTATION,
        record_type="cases.referral",
        record_id=referral.pk,
    ).exists()


def test_referral_list_costs_the_same_queries_for_many_rows(
    client, custody_officer, make_referral, django_assert_max_num_queries
):
    for _ in range(30):
        make_referral()
    client.force_login(custody_officer)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get("/referrals/mine/")
    assert len(response.context["listing"].rows) == 25


def test_a_bad_page_number_shows_a_real_page(client, custody_officer, make_referral):
    make_referral()
    client.force_login(custody_officer)
    for page in ["0", "abc", "999"]:
        assert client.get(f"/referrals/mine/?page={page}").status_code == 200


def test_list_only_answers_get(client, custody_officer):
    client.force_login(custody_officer)
    assert client.post("/referrals/mine/").status_code == 405


# --- Links, the new-referral button and managers' answers -------------------------------


@pytest.fixture
def supply_referral(make_referral):
    def make(**kwargs):
        return make_referral(offence_type=OffenceType.objects.get(code="supply-own-use"), **kwargs)

    return make


def test_each_referral_links_to_its_page_with_a_status_tag(client, custody_officer, make_referral):
    referral = make_referral()
    client.force_login(custody_officer)
    html = client.get("/referrals/mine/").content.decode()
    assert f'href="/referrals/{referral.pk}/">{referral.reference}</a>' in html
    assert 'govuk-tag--blue">Offered</strong>' in html


def test_the_page_offers_to_start_a_new_referral(client, custody_officer):
    client.force_login(custody_officer)
    html = client.get("/referrals/mine/").content.decode()
    assert 'href="/referrals/new/"' in html
    assert "Start a new referral" in html


def test_an_authorised_referral_is_announced_until_the_decision_is_recorded(
    client, custody_officer, manager, supply_referral
):
    referral = supply_referral()
    services.authorise(referral, actor=manager, reason="Own use")
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/")
    assert response.context["results"] == [referral]
    html = response.content.decode()
    assert "Authorised – record the person's decision" in html
    assert f'href="/referrals/{referral.pk}/"' in html

    services.record_person_decision(
        referral, actor=custody_officer, decision=PersonDecision.ACCEPTED
    )
    assert client.get("/referrals/mine/").context["results"] == []


def test_an_offer_that_needed_no_authorisation_is_not_announced(
    client, custody_officer, make_referral
):
    make_referral()
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/")
    assert response.context["results"] == []
    assert b"authorisation-results" not in response.content


def test_a_refusal_is_announced_for_a_fortnight(client, custody_officer, manager, supply_referral):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)):
        referral = supply_referral()
        services.refuse(referral, actor=manager, reason="Dealing at scale")
    client.force_login(custody_officer)
    with time_machine.travel(datetime.datetime(2026, 3, 14, 12, tzinfo=datetime.UTC)):
        response = client.get("/referrals/mine/")
        assert response.context["results"] == [referral]
        assert "Authorisation refused on 1 March 2026" in response.content.decode()
    with time_machine.travel(datetime.datetime(2026, 3, 16, 12, tzinfo=datetime.UTC)):
        assert client.get("/referrals/mine/").context["results"] == []


def test_answers_are_listed_most_recent_first(client, custody_officer, manager, supply_referral):
    first, second, third = supply_referral(), supply_referral(), supply_referral()
    services.authorise(second, actor=manager, reason="Fine")
    services.refuse(first, actor=manager, reason="No")
    services.authorise(third, actor=manager, reason="Fine")
    client.force_login(custody_officer)
    assert client.get("/referrals/mine/").context["results"] == [third, first, second]


def test_other_officers_answers_are_not_announced(
    client, custody_officer, manager, supply_referral
):
    from diversion.accounts.roles import Role

    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    services.authorise(supply_referral(officer=other), actor=manager, reason="Fine")
    client.force_login(custody_officer)
    assert client.get("/referrals/mine/").context["results"] == []


def test_announced_referrals_are_logged_as_viewed(
    client, custody_officer, manager, supply_referral
):
    referral = supply_referral()
    services.authorise(referral, actor=manager, reason="Fine")
    client.force_login(custody_officer)
    client.get("/referrals/mine/")
    # Listed in the banner and the table: one entry is enough.
    assert (
        AccessLogEntry.objects.filter(
            actor=custody_officer, action=Action.CONSULTATION, record_id=referral.pk
        ).count()
        == 1
    )


def count_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(PAGE_QUERIES) as captured:
        response = client.get("/referrals/mine/")
    assert response.status_code == 200
    return len(captured)


def test_the_page_and_banner_cost_the_same_queries_for_3_or_30_rows(
    client, custody_officer, manager, make_referral, supply_referral, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            make_referral()
            services.authorise(supply_referral(), actor=manager, reason="Fine")
            services.refuse(supply_referral(), actor=manager, reason="No")

    add(1)
    client.force_login(custody_officer)
    few = count_queries(client, django_assert_max_num_queries)
    add(9)
    many = count_queries(client, django_assert_max_num_queries)
    assert few == many


def test_the_banner_shows_the_ten_most_recent_answers(
    client, custody_officer, manager, supply_referral
):
    referrals = [supply_referral() for _ in range(12)]
    for referral in referrals:
        services.authorise(referral, actor=manager, reason="Fine")
    client.force_login(custody_officer)
    assert client.get("/referrals/mine/").context["results"] == referrals[::-1][:10]


def test_a_breached_case_comes_back_to_the_officer_in_the_case(
    client, custody_officer, make_referral, caseworker, django_assert_max_num_queries
):
    import datetime

    import time_machine
    from django.utils import timezone

    from diversion.cases.models import OutcomeReason, PersonDecision, ProgrammeStatus
    from diversion.cases.services import programme as programme_services
    from diversion.lib.dates import today

    with time_machine.travel(timezone.now() - datetime.timedelta(days=10)):
        referral = make_referral(decision=PersonDecision.ACCEPTED)
        sign(referral.programme, actor=caseworker, signed_on=today(), conditions=[])
    programme_services.end(
        referral.programme,
        ProgrammeStatus.BREACHED,
        actor=caseworker,
        outcome_on=today(),
        reason=OutcomeReason.NON_ATTENDANCE,
    )
    client.force_login(custody_officer)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get("/referrals/mine/")
    assert [r.programme.referral for r in response.context["returned"]] == [referral]
    assert response.context["returned_count"] == 1
    assert b"Returned for prosecution" in response.content
    assert b"repeated non-attendance" in response.content
    assert b'href="/referrals/returned/"' in response.content


def test_page_links_keep_the_sort_and_leave_out_an_unknown_one(
    client, custody_officer, make_referral
):
    referrals = [make_referral() for _ in range(26)]
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/?sort=referred")
    last = response.context["listing"].rows[-1]
    assert last == referrals[24]
    assert f'href="?sort=referred&amp;after={last.pk}" rel="next"'.encode() in response.content
    response = client.get("/referrals/mine/?sort=x")
    assert f'href="?after={referrals[1].pk}" rel="next"'.encode() in response.content
    assert b"left out: sort order." in response.content
