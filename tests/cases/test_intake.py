"""The custody officer's referral journey, page by page."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from diversion.cases.models import DeclineReason, Programme, Referral, ReferralStatus
from diversion.people.models import Person
from diversion.policy.models import CustodySuite
from tests.factories import PersonFactory, date_fields

from .intake_helpers import NOW, Journey, custody, offence


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def officer_client(client, custody_officer):
    client.force_login(custody_officer)
    return client


@pytest.fixture
def adult(db):
    return PersonFactory(
        given_names="John", family_name="Smith", date_of_birth=datetime.date(1990, 1, 1)
    )


def test_an_eligible_person_accepts_and_joins_the_unassigned_queue(
    officer_client, adult, custody_officer
):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    j.answer("offer", {"person_decision": "accepted"}, "check")
    response, _ = j.submit()
    assert response["Location"] == "/referrals/new/confirmation/"
    confirmation = officer_client.get("/referrals/new/confirmation/")
    referral = Referral.objects.get()
    assert referral.reference.encode() in confirmation.content
    assert b"caseworkers' queue" in confirmation.content
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.created_by == custody_officer
    assert referral.arrested_at == timezone.make_aware(datetime.datetime(2026, 6, 10, 9, 30))
    assert referral.policy_version.name == "Roll-out rules"
    programme = Programme.objects.get(referral=referral)
    assert programme.caseworker is None


def test_a_supply_offence_skips_the_offer_and_waits_for_a_manager(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision(offence(code="supply-own-use"))
    page = j.get("decision")
    assert b"needs a manager's authorisation" in page.content
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "User-dealer."},
        "check",
    )
    j.submit()
    assert Referral.objects.get().status == ReferralStatus.AWAITING_AUTHORISATION


def test_an_ineligible_person_can_be_referred_only_as_an_exception(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision(offence(gravity=4))
    page = j.get("decision")
    assert b"Gravity score no higher than 3" in page.content
    assert b"Not met" in page.content
    response = j.answer("decision", {"officer_decision": "offer", "decision_rationale": "x"})
    assert response.status_code == 200
    assert b"you can offer the scheme only as an exception" in response.content
    assert b"x</textarea>" in response.content  # nothing typed is lost
    j.answer(
        "decision",
        {"officer_decision": "exception", "decision_rationale": "x"},
        "check",
    )
    j.submit()
    referral = Referral.objects.get()
    assert (referral.status, referral.needs_authorisation) == (
        ReferralStatus.AWAITING_AUTHORISATION,
        True,
    )


def test_an_officer_may_decline_an_eligible_person_with_reasons(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "decline", "decision_rationale": "Gang links."},
        "check",
    )
    j.submit()
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.NOT_OFFERED
    assert referral.decision_rationale == "Gang links."


def test_the_same_referral_under_the_pilot_rules_is_ineligible_for_class_a(officer_client, adult):
    with time_machine.travel(datetime.datetime(2020, 3, 2, 12, tzinfo=datetime.UTC), tick=False):
        j = Journey(officer_client, adult)
        j.answer(
            "custody",
            custody(**date_fields("arrest_date", datetime.date(2020, 3, 2))),
            "offence",
        )
        j.answer(
            "offence",
            offence(code="possession-class-a", day=datetime.date(2020, 3, 1)),
            "victim",
        )
        j.answer("victim", {"victim": "none"}, "circumstances")
        j.answer("circumstances", {"circumstances": ["none"]}, "decision")
        page = j.get("decision")
    assert b"Pilot rules" in page.content
    assert b"is excluded under the pilot rules" in page.content


def test_the_person_can_ask_for_time_with_a_date_to_decide_by(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    response = j.answer("offer", {"person_decision": "considering"})
    assert b"Enter the decide-by date" in response.content
    response = j.answer(
        "offer",
        {"person_decision": "considering", **date_fields("decide_by", datetime.date(2026, 6, 9))},
    )
    assert b"The decide-by date must be in the future" in response.content
    response = j.answer(
        "offer",
        {"person_decision": "considering", **date_fields("decide_by", datetime.date(2026, 8, 1))},
    )
    assert b"must be within 28 days, no later than 8 July 2026" in response.content
    j.answer(
        "offer",
        {"person_decision": "considering", **date_fields("decide_by", datetime.date(2026, 6, 17))},
        "check",
    )
    j.submit()
    referral = Referral.objects.get()
    assert (referral.status, referral.decide_by) == (
        ReferralStatus.CONSIDERING,
        datetime.date(2026, 6, 17),
    )


def test_a_person_who_declines_at_the_desk_is_asked_why(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    response = j.answer("offer", {"person_decision": "declined"})
    assert response.status_code == 200
    assert response.context["form"].errors["decline_reason"] == ["Select why the person declined"]
    j.answer(
        "offer",
        {"person_decision": "declined", "decline_reason": "disputes_offence"},
        "check",
    )
    check = j.get("check")
    assert b"Denies the offence or disputes the evidence" in check.content
    j.submit()
    referral = Referral.objects.get()
    assert (referral.status, referral.decline_reason) == (
        ReferralStatus.DECLINED,
        DeclineReason.DISPUTES_OFFENCE,
    )


def test_a_decline_reason_chosen_before_accepting_at_the_desk_is_not_kept(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    j.answer(
        "offer",
        {"person_decision": "accepted", "decline_reason": "prefers_court"},
        "check",
    )
    j.submit()
    referral = Referral.objects.get()
    assert (referral.status, referral.decline_reason) == (ReferralStatus.ACCEPTED, "")


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        (
            date_fields("arrest_date", datetime.date(2026, 6, 11)),
            "arrest_date",
            "The arrest cannot be in the future",
        ),
        ({"arrest_time": "16:30"}, "arrest_date", "The arrest cannot be in the future"),
        (
            {"arrest_time": "25:00"},
            "arrest_time",
            "Enter the time of arrest on the 24-hour clock, for example, 14:30",
        ),
        ({"arrest_date_0": "31", "arrest_date_1": "2"}, "arrest_date", ""),
        ({"custody_record_number": "12345"}, "custody_record_number", "force's format"),
        ({"crime_reference": "abc"}, "crime_reference", "force's format"),
        ({"custody_suite": ""}, "custody_suite", "Choose the custody suite"),
    ],
)
def test_bad_custody_details_are_refused_beside_the_field_keeping_the_answers(
    officer_client, adult, overrides, field, message
):
    data = custody(**overrides)
    j = Journey(officer_client, adult)
    response = j.answer("custody", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert b"There is a problem" in response.content
    for name in ("crime_reference", "custody_record_number"):
        assert f'value="{data[name]}"'.encode() in response.content


def test_a_custody_record_number_already_used_at_the_suite_is_refused(
    officer_client, adult, make_referral
):
    make_referral(
        custody_record_number="NG-00012345-26", arrested_at=NOW - datetime.timedelta(days=1)
    )
    j = Journey(officer_client, adult)
    response = j.answer("custody", custody())
    assert "already used at Northgate custody suite" in " ".join(
        response.context["form"].errors["custody_record_number"]
    )
    j.answer(
        "custody",
        custody(custody_suite=CustodySuite.objects.get(code="RS").pk),
        "offence",
    )


@pytest.mark.parametrize(
    "born,offence_day,message",
    [
        (
            datetime.date(1990, 1, 1),
            datetime.date(2026, 3, 1),
            "The offence was 101 days before the arrest: the roll-out rules allow 90 days at most",
        ),
        (
            datetime.date(2008, 6, 10),
            datetime.date(2026, 6, 9),
            "was 17 on the offence date: the scheme is for people aged 18 or over",
        ),
        (
            datetime.date(1990, 1, 1),
            datetime.date(2026, 6, 11),
            "The offence date cannot be after the arrest",
        ),
        (
            datetime.date(1990, 1, 1),
            datetime.date(2015, 1, 1),
            "No Checkpoint policy was in force on that date",
        ),
    ],
)
def test_hard_limits_of_the_policy_are_refused_on_the_offence_date(
    officer_client, born, offence_day, message
):
    person = PersonFactory(date_of_birth=born)
    j = Journey(officer_client, person)
    j.answer("custody", custody(), "offence")
    response = j.answer("offence", offence(day=offence_day))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["offence_date"])


def test_victim_views_are_needed_when_there_is_a_victim(officer_client, adult):
    j = Journey(officer_client, adult)
    j.answer("custody", custody(), "offence")
    j.answer("offence", offence(code="theft"), "victim")
    response = j.answer("victim", {"victim": "restorative"})
    assert "Enter the victim's views" in response.context["form"].errors["victim_views"]
    j.answer(
        "victim",
        {"victim": "restorative", "victim_views": "Wants a letter."},
        "circumstances",
    )


def test_none_of_these_cannot_be_chosen_with_a_circumstance(officer_client, adult):
    j = Journey(officer_client, adult)
    j.answer("custody", custody(), "offence")
    j.answer("offence", offence(), "victim")
    j.answer("victim", {"victim": "none"}, "circumstances")
    response = j.answer("circumstances", {"circumstances": ["none", "on_bail"]})
    assert response.status_code == 200
    assert j.post("circumstances", {}).status_code == 200
    j.answer("circumstances", {"circumstances": ["on_bail"]}, "decision")
    page = j.get("decision")
    assert b"On bail for other matters" in page.content


def test_answers_survive_the_back_link_and_the_change_link(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    page = j.get("offence")
    checked = re.findall(
        r'<input[^>]*name="gravity_score"[^>]*checked[^>]*>', page.content.decode()
    )
    assert len(checked) == 1 and 'value="2"' in checked[0]
    assert f'href="{j.url("custody")}"'.encode() in page.content  # the back link
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    j.answer(
        "offer",
        {"person_decision": "declined", "decline_reason": "prefers_court"},
        "check",
    )
    # Changing an early answer returns to the check page once the rest still holds.
    j.answer("victim", {"victim": "consulted", "victim_views": "Content."}, "check")
    check = j.get("check")
    assert b"Victim consulted" in check.content and b"Content." in check.content


def test_a_changed_answer_that_breaks_a_later_one_sends_the_officer_back_to_it(
    officer_client, adult
):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "offer", "decision_rationale": "Admitted."},
        "offer",
    )
    j.answer("offer", {"person_decision": "accepted"}, "check")
    j.answer("offence", offence(gravity=5), "check")
    response = j.get("check")
    assert response["Location"] == j.url("decision")


def test_pages_cannot_be_skipped(officer_client, adult):
    j = Journey(officer_client, adult)
    j.answer("custody", custody(), "offence")
    response = j.get("decision")
    assert response["Location"] == j.url("offence")


def test_a_double_submit_makes_one_referral(officer_client, adult):
    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "decline", "decision_rationale": "No."},
        "check",
    )
    first, token = j.submit()
    second = j.post("check", {"token": token})
    assert Referral.objects.count() == 1
    assert second["Location"] == "/referrals/new/confirmation/"


def test_a_person_with_an_open_programme_is_warned_about_and_must_be_confirmed(
    officer_client, adult, make_referral
):
    from diversion.cases.models import PersonDecision

    make_referral(
        person=adult,
        decision=PersonDecision.ACCEPTED,
        arrested_at=NOW - datetime.timedelta(days=20),
        custody_record_number="NG-00099999-26",
    )
    j = Journey(officer_client, adult).walk_to_decision()
    assert b"already has an open programme" in j.get("decision").content
    j.answer(
        "decision",
        {"officer_decision": "decline", "decision_rationale": "Breach instead."},
        "check",
    )
    response, token = j.submit()
    assert response.status_code == 200
    assert "Confirm you understand" in " ".join(
        response.context["form"].errors["open_programme_understood"]
    )
    j.post("check", {"token": token, "open_programme_understood": "on"})
    assert Referral.objects.filter(person=adult).count() == 2


def test_starting_without_a_person_sends_the_officer_to_find_one(officer_client):
    response = officer_client.get("/referrals/new/")
    assert response["Location"] == "/people/"


@pytest.mark.parametrize("person", ["abc", "999999"])
def test_a_bad_or_unknown_person_gives_404(officer_client, db, person):
    assert officer_client.get(f"/referrals/new/?person={person}").status_code == 404


def test_an_unknown_page_gives_404(officer_client, adult):
    j = Journey(officer_client, adult)
    j.answer("custody", custody(), "offence")
    assert j.get("nonsense").status_code == 404


def test_only_custody_officers_make_referrals(client, manager, caseworker, auditor, adult):
    for user in (manager, caseworker, auditor):
        client.force_login(user)
        assert client.get(f"/referrals/new/?person={adult.pk}").status_code == 403
        assert client.get("/referrals/drafts/1/custody/").status_code == 403


def test_the_journey_only_answers_get_and_post(officer_client, adult):
    j = Journey(officer_client, adult)
    assert officer_client.put(j.start_url).status_code == 405
    j.answer("custody", custody(), "offence")
    assert officer_client.put(j.url("offence")).status_code == 405
    assert officer_client.delete(j.url("check")).status_code == 405
    assert officer_client.post("/referrals/new/confirmation/").status_code == 405


def test_creating_the_referral_is_logged(officer_client, adult, custody_officer):
    from diversion.audit.models import AccessLogEntry, Action

    j = Journey(officer_client, adult).walk_to_decision()
    j.answer(
        "decision",
        {"officer_decision": "decline", "decision_rationale": "No."},
        "check",
    )
    j.submit()
    assert AccessLogEntry.objects.filter(
        actor=custody_officer, action=Action.COLLECTION, record_id=Referral.objects.get().pk
    ).exists()
    assert Person.objects.count() == 1
