"""The custody desk's referral journey, step by step, as the intake tests walk it: a
referral keyed in on 10 June 2026 (NOW) for an arrest that morning."""

import datetime

from diversion.policy.models import CustodySuite, OffenceType
from tests.factories import date_fields

NOW = datetime.datetime(2026, 6, 10, 15, 0, tzinfo=datetime.UTC)  # 16:00 in London


CUSTODY = {
    "custody_record_number": "NG-00012345-26",
    "crime_reference": "CR-1234567-26",
    **date_fields("arrest_date", datetime.date(2026, 6, 10)),
    "arrest_time": "09:30",
}


def offence(code="possession-class-b", day=datetime.date(2026, 6, 9), gravity=2, risk="low"):
    return {
        "offence_type": OffenceType.objects.get(code=code).pk,
        **date_fields("offence_date", day),
        "gravity_score": str(gravity),
        "risk_band": risk,
    }


def custody(**overrides):
    return {**CUSTODY, "custody_suite": CustodySuite.objects.get(code="NG").pk, **overrides}


def start(client, person):
    response = client.get(f"/referrals/new/?person={person.pk}")
    assert response.status_code == 302
    assert response["Location"] == "/referrals/new/custody/"


def answer(client, step, data, expect_next=None):
    response = client.post(f"/referrals/new/{step}/", data)
    if expect_next:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == f"/referrals/new/{expect_next}/"
    return response


def walk_to_decision(client, person, offence_data=None, circumstances=("none",), custody_data=None):
    start(client, person)
    answer(client, "custody", custody_data or custody(), "offence")
    answer(client, "offence", offence_data or offence(), "victim")
    answer(client, "victim", {"victim": "none"}, "circumstances")
    answer(client, "circumstances", {"circumstances": list(circumstances)}, "decision")


def submit(client):
    page = client.get("/referrals/new/check/")
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    return client.post("/referrals/new/check/", {"token": token}), token


def walk_to_offer(client, person, custody_data=None, offence_data=None):
    """Through every question up to the person's answer to an offer made at the desk."""
    walk_to_decision(client, person, offence_data, custody_data=custody_data)
    answer(
        client,
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
