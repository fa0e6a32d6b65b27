from diversion.cases.models import PersonDecision
from tests.factories import sign


def test_dashboard_counts_referrals_and_programmes_by_status(client, manager, make_referral):
    make_referral()
    make_referral(decision=PersonDecision.ACCEPTED)
    declined = make_referral(decision=PersonDecision.DECLINED)
    client.force_login(manager)
    response = client.get("/dashboards/")
    assert response.status_code == 200
    referrals = dict(response.context["referrals_by_status"])
    assert referrals == {
        "Awaiting authorisation": 0,
        "Authorisation refused": 0,
        "Not offered": 0,
        "Offered": 1,
        "Considering the offer": 0,
        "Accepted": 1,
        "Declined by the person": 1,
    }
    assert dict(response.context["programmes_by_status"])["Awaiting contract"] == 1
    assert declined.person.family_name.encode() not in response.content


def test_dashboard_splits_outcomes_by_policy_version(client, manager, make_referral):
    import datetime

    from django.utils import timezone

    programme = make_referral(decision=PersonDecision.ACCEPTED).programme
    sign(programme, actor=manager, signed_on=timezone.localdate(), conditions=[])
    make_referral(
        arrested_at=timezone.make_aware(datetime.datetime(2020, 6, 1, 12)),
        decision=PersonDecision.ACCEPTED,
    )
    client.force_login(manager)
    rows = {v.name: v for v in client.get("/dashboards/").context["by_policy_version"]}
    assert (rows["Pilot rules"].referrals, rows["Pilot rules"].accepted) == (1, 1)
    assert (rows["Roll-out rules"].referrals, rows["Roll-out rules"].active) == (1, 1)


def test_dashboard_costs_the_same_queries_for_many_rows(
    client, manager, make_referral, django_assert_max_num_queries
):
    for _ in range(20):
        make_referral(decision=PersonDecision.ACCEPTED)
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        assert client.get("/dashboards/").status_code == 200
