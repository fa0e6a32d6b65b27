from diversion.accounts.roles import Role
from diversion.programme.models import Programme
from tests.factories import UserFactory


def test_caseworker_sees_only_their_own_open_cases(client, caseworker, make_referral):
    from diversion.referrals.models import PersonDecision

    mine = make_referral(decision=PersonDecision.ACCEPTED).programme
    other = make_referral(decision=PersonDecision.ACCEPTED).programme
    Programme.objects.filter(pk=mine.pk).update(caseworker=caseworker)
    Programme.objects.filter(pk=other.pk).update(caseworker=UserFactory(roles=[Role.CASEWORKER]))
    client.force_login(caseworker)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]


def test_manager_sees_every_open_case_including_unassigned(client, manager, programme):
    client.force_login(manager)
    response = client.get("/cases/")
    assert programme in response.context["page"].object_list
    assert b"Unassigned" in response.content


def test_caseload_costs_the_same_queries_for_many_rows(
    client, manager, make_referral, django_assert_max_num_queries
):
    from diversion.referrals.models import PersonDecision

    for _ in range(30):
        make_referral(decision=PersonDecision.ACCEPTED)
    client.force_login(manager)
    with django_assert_max_num_queries(9):
        response = client.get("/cases/")
    assert len(response.context["page"].object_list) == 25


def test_caseworker_with_no_cases_is_told_so(client, caseworker):
    client.force_login(caseworker)
    assert b"There are no open cases assigned to you" in client.get("/cases/").content
