"""Recording the person's answer to the offer."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    DeclineReason,
    OfficerDecision,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralStatus,
)
from diversion.cases.services import referral as services
from diversion.lib.workflow import IllegalTransition
from diversion.policy.models import OffenceType
from tests.factories import UserFactory, date_fields
from tests.history import status_moves

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The offer is made on Monday 2 March 2026 at 10:00 and recorded on Thursday 5 March.
OFFERED = datetime.datetime(2026, 3, 2, 10, tzinfo=LONDON)
RECORDED = datetime.datetime(2026, 3, 5, 9, 30, tzinfo=LONDON)
PAPER = "Answered on the paper form at the custody desk; keyed in on the officer's next shift."


def answer(
    decision, *, decided_on=None, decide_by=None, decline_reason="", note="", late_reason=""
):
    data = {"decision": decision, "note": note, "late_reason": late_reason}
    if decline_reason:
        data["decline_reason"] = decline_reason
    data |= date_fields("decided_on", decided_on or timezone.localdate())
    if decide_by:
        data |= date_fields("decide_by", decide_by)
    return data


def post(client, user, referral, data):
    client.force_login(user)
    return client.post(f"/referrals/{referral.pk}/decision/", data)


@pytest.fixture
def offered(make_referral):
    return make_referral()


@pytest.fixture
def offered_last_monday(make_referral):
    with time_machine.travel(OFFERED):
        return make_referral()


# --- Who may record it -------------------------------------------------------------------


def test_the_officer_who_made_the_offer_sees_the_form(client, custody_officer, offered):
    client.force_login(custody_officer)
    response = client.get(f"/referrals/{offered.pk}/decision/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["Accepted the offer", "Declined the offer", "Asked for time to consider"]:
        assert label in html
    today = timezone.localdate()
    assert f'name="decided_on_0" value="{today.day}"' in html
    assert AccessLogEntry.objects.filter(
        actor=custody_officer, action=Action.CONSULTATION, record_id=offered.pk
    ).exists()


def test_someone_already_considering_cannot_ask_for_more_time(client, custody_officer, offered):
    services.record_person_decision(
        offered,
        actor=custody_officer,
        decision=PersonDecision.CONSIDERING,
        decide_by=timezone.localdate() + datetime.timedelta(days=5),
    )
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{offered.pk}/decision/").content.decode()
    assert "Accepted the offer" in html
    assert "Asked for time to consider" not in html


def test_another_custody_officer_gets_not_found(client, offered):
    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    client.force_login(other)
    assert client.get(f"/referrals/{offered.pk}/decision/").status_code == 404
    assert post(client, other, offered, answer("accepted")).status_code == 404
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.OFFERED


def test_a_manager_who_is_also_a_custody_officer_cannot_record_anothers_offer(client, offered):
    both = UserFactory(roles=[Role.CUSTODY_OFFICER, Role.MANAGER])
    assert post(client, both, offered, answer("accepted")).status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.AUDITOR])
def test_other_roles_are_refused(client, offered, role):
    assert post(client, UserFactory(roles=[role]), offered, answer("accepted")).status_code == 403


def test_an_unknown_referral_is_not_found(client, custody_officer):
    client.force_login(custody_officer)
    assert client.get("/referrals/999999/decision/").status_code == 404


def test_the_page_answers_only_get_and_post(client, custody_officer, offered):
    client.force_login(custody_officer)
    assert client.put(f"/referrals/{offered.pk}/decision/").status_code == 405


# --- Recording the answer ----------------------------------------------------------------


def test_acceptance_puts_the_case_in_the_caseworkers_queue(
    client, custody_officer, caseworker, offered
):
    response = post(client, custody_officer, offered, answer("accepted", note="Signed the form"))
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{offered.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{offered.reference} is now in the caseworkers' queue"
    ]
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.ACCEPTED
    assert offered.person_decision == PersonDecision.ACCEPTED
    assert status_moves(offered)[-1].reason == "Signed the form"
    programme = Programme.objects.get(referral=offered)
    assert programme.caseworker is None
    assert programme.status == ProgrammeStatus.AWAITING_CONTRACT
    assert AccessLogEntry.objects.filter(
        actor=custody_officer, action=Action.ALTERATION, record_id=offered.pk
    ).exists()
    # The unassigned queue is what caseworkers can see.
    client.force_login(caseworker)
    assert client.get(f"/referrals/{offered.pk}/").status_code == 200


def test_the_referral_page_shows_accepted_after_recording(client, custody_officer, offered):
    response = post(client, custody_officer, offered, answer("accepted"))
    html = client.get(response["Location"]).content.decode()
    assert "is now in the caseworkers&#x27; queue" in html
    assert ">Accepted</strong>" in html


def test_an_answer_given_today_is_timed_now(client, custody_officer, offered):
    before = timezone.now()
    post(client, custody_officer, offered, answer("declined", decline_reason="prefers_court"))
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.DECLINED
    assert before <= offered.decided_at <= timezone.now()
    assert not Programme.objects.exists()


def test_an_earlier_answer_is_timed_at_noon_that_day(client, custody_officer, offered_last_monday):
    with time_machine.travel(RECORDED):
        post(
            client,
            custody_officer,
            offered_last_monday,
            answer("accepted", decided_on=datetime.date(2026, 3, 3), late_reason=PAPER),
        )
    offered_last_monday.refresh_from_db()
    assert offered_last_monday.decided_at == datetime.datetime(2026, 3, 3, 12, tzinfo=LONDON)


def test_an_answer_on_the_day_of_an_afternoon_offer_is_never_before_it(
    client, custody_officer, make_referral
):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 15, tzinfo=LONDON)):
        referral = make_referral()
    with time_machine.travel(RECORDED):
        post(
            client,
            custody_officer,
            referral,
            answer("accepted", decided_on=OFFERED.date(), late_reason=PAPER),
        )
    referral.refresh_from_db()
    assert referral.decided_at == referral.offered_at


def test_asking_for_time_records_the_decide_by_date(client, custody_officer, offered):
    decide_by = timezone.localdate() + datetime.timedelta(days=28)
    response = post(client, custody_officer, offered, answer("considering", decide_by=decide_by))
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.CONSIDERING
    assert offered.decide_by == decide_by
    assert offered.decided_at is None
    assert not Programme.objects.exists()
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert message == (
        f"{offered.reference}: the person has until {decide_by.day} {decide_by:%B %Y} to decide"
    )


def test_a_decide_by_date_given_with_acceptance_is_ignored(client, custody_officer, offered):
    post(
        client,
        custody_officer,
        offered,
        answer("accepted", decide_by=timezone.localdate() - datetime.timedelta(days=3)),
    )
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.ACCEPTED
    assert offered.decide_by is None


def test_a_person_considering_can_then_accept(client, custody_officer, offered):
    services.record_person_decision(
        offered,
        actor=custody_officer,
        decision=PersonDecision.CONSIDERING,
        decide_by=timezone.localdate() + datetime.timedelta(days=5),
    )
    assert post(client, custody_officer, offered, answer("accepted")).status_code == 302
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.ACCEPTED


# --- Why the person declined ------------------------------------------------------------


def test_the_form_asks_why_a_person_declined(client, custody_officer, offered):
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{offered.pk}/decision/").content.decode()
    assert "Why did they decline?" in html
    for value, label in DeclineReason.choices:
        assert f'value="{value}"' in html
        assert escape(label) in html


def test_a_decline_records_why_and_the_referral_page_shows_it(client, custody_officer, offered):
    response = post(
        client,
        custody_officer,
        offered,
        answer("declined", decline_reason="conditions", note="Would not do the appointments"),
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{offered.reference}: the person declined the offer"
    ]
    offered.refresh_from_db()
    assert (offered.status, offered.decline_reason) == (
        ReferralStatus.DECLINED,
        DeclineReason.CONDITIONS,
    )
    move = status_moves(offered)[-1]
    assert move.moved("decline_reason") and move.after["decline_reason"] == "conditions"
    assert move.reason == "Would not do the appointments"
    html = client.get(response["Location"]).content.decode()
    assert "Why they declined" in html
    assert "Does not accept the conditions" in html


def test_a_person_considering_can_then_decline_with_a_reason(client, custody_officer, offered):
    services.record_person_decision(
        offered,
        actor=custody_officer,
        decision=PersonDecision.CONSIDERING,
        decide_by=timezone.localdate() + datetime.timedelta(days=5),
    )
    data = answer("declined", decline_reason="no_answer_in_time")
    assert post(client, custody_officer, offered, data).status_code == 302
    offered.refresh_from_db()
    assert offered.decline_reason == DeclineReason.NO_ANSWER_IN_TIME


@pytest.mark.parametrize("reason", ["prefers_court", "not-a-reason"])
@pytest.mark.parametrize("decision", ["accepted", "considering"])
def test_a_reason_chosen_with_another_answer_is_ignored(
    client, custody_officer, offered, decision, reason
):
    decide_by = timezone.localdate() + datetime.timedelta(days=5)
    data = answer(decision, decline_reason=reason, decide_by=decide_by)
    assert post(client, custody_officer, offered, data).status_code == 302
    offered.refresh_from_db()
    assert offered.person_decision == decision
    assert offered.decline_reason == ""


def test_the_referral_page_shows_no_decline_reason_for_an_acceptance(
    client, custody_officer, accepted_referral
):
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{accepted_referral.pk}/").content.decode()
    assert "Why they declined" not in html


def test_the_service_stores_the_decline_reason(custody_officer, offered):
    services.record_person_decision(
        offered,
        actor=custody_officer,
        decision=PersonDecision.DECLINED,
        decline_reason=DeclineReason.DISPUTES_OFFENCE,
    )
    stored = Referral.objects.get(pk=offered.pk)
    assert (stored.status, stored.decline_reason) == (
        ReferralStatus.DECLINED,
        DeclineReason.DISPUTES_OFFENCE,
    )


@pytest.mark.parametrize("reason", ["", "moved_away"])
def test_the_service_refuses_a_decline_without_a_valid_reason(custody_officer, offered, reason):
    with pytest.raises(services.ReferralError, match="Select why the person declined"):
        services.record_person_decision(
            offered, actor=custody_officer, decision=PersonDecision.DECLINED, decline_reason=reason
        )
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.OFFERED


def test_the_service_records_no_decline_reason_with_an_acceptance(custody_officer, offered):
    services.record_person_decision(
        offered,
        actor=custody_officer,
        decision=PersonDecision.ACCEPTED,
        decline_reason=DeclineReason.PREFERS_COURT,
    )
    assert Referral.objects.get(pk=offered.pk).decline_reason == ""


# --- Bad input ---------------------------------------------------------------------------

TODAY = datetime.date(2026, 3, 5)


@pytest.mark.parametrize(
    "data,error",
    [
        ({"decision": ""}, "Select the person&#x27;s decision"),
        ({"decision": "maybe"}, "Select a valid choice"),
        ({"decided_on_0": "", "decided_on_1": "", "decided_on_2": ""}, "Enter the decision date"),
        ({"decided_on_1": ""}, "The decision date must include a month"),
        ({"decided_on_0": "31", "decided_on_1": "2"}, "The decision date must be a real date"),
        ({"decided_on_2": "26"}, "Year must include 4 numbers"),
        ({"decided_on_0": "6"}, "The decision date cannot be in the future"),
        ({"decided_on_0": "1"}, "The decision date cannot be before the offer on 2 March 2026"),
        ({"decision": "considering"}, "Enter the decide-by date"),
        (
            {"decision": "considering", **date_fields("decide_by", TODAY)},
            "The decide-by date must be in the future",
        ),
        (
            {"decision": "considering", **date_fields("decide_by", datetime.date(2026, 3, 1))},
            "The decide-by date must be in the future",
        ),
        (
            {"decision": "considering", **date_fields("decide_by", datetime.date(2026, 4, 3))},
            "The decide-by date must be within 28 days, no later than 2 April 2026",
        ),
        (
            {
                "decision": "considering",
                "decide_by_0": "40",
                "decide_by_1": "3",
                "decide_by_2": "2026",
            },
            "The decide-by date must be a real date",
        ),
        ({"note": "x" * 2001}, "The note must be 2,000 characters or fewer"),
        ({"decision": "declined"}, "Select why the person declined"),
        ({"decision": "declined", "decline_reason": "moved_away"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client, custody_officer, offered_last_monday, data, error
):
    with time_machine.travel(RECORDED):
        response = post(
            client,
            custody_officer,
            offered_last_monday,
            answer("accepted", decided_on=TODAY) | data,
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert error in html
    referral = Referral.objects.get(pk=offered_last_monday.pk)
    assert referral.status == ReferralStatus.OFFERED
    assert not Programme.objects.exists()
    assert not AccessLogEntry.objects.filter(action=Action.ALTERATION, actor=custody_officer)


def test_the_error_summary_links_to_the_input_to_correct(client, custody_officer, offered):
    data = answer("") | {"decided_on_0": "", "decided_on_1": "", "decided_on_2": ""}
    html = post(client, custody_officer, offered, data).content.decode()
    assert 'href="#id_decision_1"' in html and 'id="id_decision_1"' in html
    assert 'href="#id_decided_on_0"' in html and 'id="id_decided_on_0"' in html


def test_a_decline_without_its_reason_links_to_the_question(client, custody_officer, offered):
    html = post(client, custody_officer, offered, answer("declined")).content.decode()
    assert 'href="#id_decline_reason_1"' in html and 'id="id_decline_reason_1"' in html
    # The message sits in the question's own fieldset, read out with it.
    assert 'id="id_decline_reason_1_error" class="govuk-error-message"' in html


def test_the_service_refuses_a_date_the_form_let_through(client, custody_officer, offered):
    """Defence in depth: the service checks the date against the offer too."""
    with pytest.raises(services.ReferralError):
        services.record_person_decision(
            offered,
            actor=custody_officer,
            decision=PersonDecision.ACCEPTED,
            decided_on=timezone.localdate(offered.offered_at) - datetime.timedelta(days=1),
        )


# --- Stale forms -------------------------------------------------------------------------


def test_a_stale_form_says_who_decided_and_keeps_what_was_typed(client, custody_officer, offered):
    services.record_person_decision(
        offered, actor=custody_officer, decision=PersonDecision.ACCEPTED, reason="First tab"
    )
    response = post(
        client,
        custody_officer,
        offered,
        answer("declined", decline_reason="prefers_court", note="Changed their mind later"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f"This referral was already decided by {escape(custody_officer)} – it is now accepted."
        in html
    )
    assert "Changed their mind later" in html
    assert "Declined the offer" in html
    assert "Would rather go to court" in html
    assert 'name="decision"' not in html
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.ACCEPTED
    assert Programme.objects.count() == 1


def test_asking_for_time_twice_is_caught_as_stale_and_a_fresh_form_shown(
    client, custody_officer, offered
):
    decide_by = timezone.localdate() + datetime.timedelta(days=5)
    services.record_person_decision(
        offered, actor=custody_officer, decision=PersonDecision.CONSIDERING, decide_by=decide_by
    )
    later = decide_by + datetime.timedelta(days=2)
    response = post(
        client, custody_officer, offered, answer("considering", decide_by=later, note="Tab two")
    )
    html = response.content.decode()
    assert "it is now considering the offer." in html
    assert "Tab two" in html
    assert "Asked for time to consider" in html  # what they entered, shown back
    assert 'value="considering"' not in html  # and no longer a choice
    assert 'name="decision"' in html
    assert "There is a problem" not in html
    assert Referral.objects.get(pk=offered.pk).decide_by == decide_by


def test_a_decision_recorded_at_the_same_moment_is_caught_as_stale(
    client, custody_officer, offered, monkeypatch
):
    record = services.record_person_decision

    def other_tab_first(referral, **kwargs):
        record(
            Referral.objects.get(pk=referral.pk),
            actor=custody_officer,
            decision=PersonDecision.DECLINED,
            decline_reason=DeclineReason.CONDITIONS,
        )
        raise IllegalTransition(Referral.objects.get(pk=referral.pk), ReferralStatus.ACCEPTED)

    monkeypatch.setattr(
        "diversion.cases.views.referral.services.record_person_decision", other_tab_first
    )
    html = post(client, custody_officer, offered, answer("accepted")).content.decode()
    assert "it is now declined by the person." in html
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    "officer_decision,expected",
    [
        (OfficerDecision.DECLINE, "cannot be recorded – it is not offered."),
        (OfficerDecision.EXCEPTION, "cannot be recorded – it is awaiting authorisation."),
    ],
)
def test_no_form_before_the_offer_is_made(
    client, custody_officer, make_referral, officer_decision, expected
):
    referral = make_referral(officer_decision=officer_decision)
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{referral.pk}/decision/").content.decode()
    assert expected in html
    assert 'name="decision"' not in html
    assert post(client, custody_officer, referral, answer("accepted")).status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == referral.status


# --- Another open programme --------------------------------------------------------------


def test_a_person_with_another_open_programme_is_flagged(
    client, custody_officer, make_referral, accepted_referral
):
    again = make_referral(person=accepted_referral.person)
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{again.pk}/decision/").content.decode()
    assert "already has an open programme" in html
    assert accepted_referral.reference in html


def test_no_warning_when_the_other_programme_is_closed(
    client, custody_officer, caseworker, make_referral, accepted_referral
):
    from diversion.cases.services import programme as programme_services

    programme_services.end(
        accepted_referral.programme,
        ProgrammeStatus.WITHDRAWN,
        actor=caseworker,
        outcome_on=timezone.localdate(),
        reason="moved_away",
    )
    again = make_referral(person=accepted_referral.person)
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{again.pk}/decision/").content.decode()
    assert "already has an open programme" not in html


def test_supply_offers_are_recorded_after_authorisation(
    client, custody_officer, manager, make_referral
):
    referral = make_referral(offence_type=OffenceType.objects.get(code="supply-own-use"))
    services.authorise(referral, actor=manager, reason="Own use")
    assert post(client, custody_officer, referral, answer("accepted")).status_code == 302
    assert Programme.objects.filter(referral=referral, caseworker__isnull=True).exists()
