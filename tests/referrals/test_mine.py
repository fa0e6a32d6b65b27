from diversion.audit.models import AccessLogEntry, Action
from tests.factories import UserFactory


def test_custody_officer_sees_their_own_referrals_newest_first(
    client, custody_officer, make_referral
):
    older = make_referral()
    newer = make_referral()
    client.force_login(custody_officer)
    response = client.get("/referrals/mine/")
    assert response.status_code == 200
    page = list(response.context["page"].object_list)
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
        record_type="referrals.referral",
        record_id=referral.pk,
    ).exists()


def test_referral_list_costs_the_same_queries_for_many_rows(
    client, custody_officer, make_referral, django_assert_max_num_queries
):
    for _ in range(30):
        make_referral()
    client.force_login(custody_officer)
    with django_assert_max_num_queries(9):
        response = client.get("/referrals/mine/")
    assert len(response.context["page"].object_list) == 25


def test_a_bad_page_number_shows_a_real_page(client, custody_officer, make_referral):
    make_referral()
    client.force_login(custody_officer)
    for page in ["0", "abc", "999"]:
        assert client.get(f"/referrals/mine/?page={page}").status_code == 200


def test_list_only_answers_get(client, custody_officer):
    client.force_login(custody_officer)
    assert client.post("/referrals/mine/").status_code == 405
