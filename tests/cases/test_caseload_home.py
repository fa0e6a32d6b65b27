from diversion.accounts.roles import Role
from diversion.cases.models import Programme
from tests.factories import UserFactory, sign


def test_caseworker_sees_only_their_own_open_cases(client, caseworker, make_referral):
    from diversion.cases.models import PersonDecision

    mine = make_referral(decision=PersonDecision.ACCEPTED).programme
    other = make_referral(decision=PersonDecision.ACCEPTED).programme
    Programme.objects.filter(pk=mine.pk).update(caseworker=caseworker)
    Programme.objects.filter(pk=other.pk).update(caseworker=UserFactory(roles=[Role.CASEWORKER]))
    client.force_login(caseworker)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert list(response.context["listing"].rows) == [mine]


def test_manager_sees_every_open_case_including_unassigned(client, manager, programme):
    client.force_login(manager)
    response = client.get("/cases/")
    assert programme in response.context["listing"].rows
    assert b"Unassigned" in response.content


def test_caseload_costs_the_same_queries_for_many_rows(
    client, manager, make_referral, django_assert_max_num_queries
):
    from diversion.cases.models import PersonDecision

    for _ in range(30):
        make_referral(decision=PersonDecision.ACCEPTED)
    client.force_login(manager)
    # See test_caseload.py for what the queries are, on every list.
    with django_assert_max_num_queries(10):
        response = client.get("/cases/")
    assert len(response.context["listing"].rows) == 25


def test_caseworker_with_no_cases_is_told_so(client, caseworker):
    client.force_login(caseworker)
    assert b"There are no open cases assigned to you" in client.get("/cases/").content


def test_caseload_shows_the_days_left_on_each_contract(client, manager, make_referral):
    import datetime

    import time_machine

    from diversion.cases.models import PersonDecision

    with time_machine.travel(datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC)):
        programme = make_referral(decision=PersonDecision.ACCEPTED).programme
        sign(programme, actor=manager, signed_on=datetime.date(2026, 1, 10), conditions=[])
    client.force_login(manager)
    with time_machine.travel(datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)):
        response = client.get("/cases/")
    assert b"10 May 2026 (9 days left)" in response.content
