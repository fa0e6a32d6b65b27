"""The referral page (the printed offer is in test_printing)."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    OfficerDecision,
    OutcomeReason,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Victim,
)
from diversion.cases.services import programme as programme_services
from diversion.cases.services import referral as services
from diversion.lib.dates import today
from diversion.policy.models import Circumstance, OffenceType
from tests.factories import UserFactory

SUPPLY = "supply-own-use"


@pytest.fixture
def supply_referral(make_referral):
    return make_referral(offence_type=OffenceType.objects.get(code=SUPPLY))


def page(client, user, referral, suffix=""):
    client.force_login(user)
    return client.get(f"/referrals/{referral.pk}/{suffix}")


# --- Who may see it ----------------------------------------------------------------------


def test_the_officer_who_made_it_sees_everything_recorded(client, custody_officer, make_referral):
    referral = make_referral(
        victim=Victim.CONSULTED,
        victim_views="The shop manager is content with diversion.",
    )
    response = page(client, custody_officer, referral)
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        referral.reference,
        escape(referral.person),
        f'href="/people/{referral.person.pk}/"',
        referral.arrested_at.astimezone(datetime.UTC).strftime("%Y"),
        "Northgate custody suite",
        referral.custody_record_number,
        referral.crime_reference,
        "Possession of a controlled drug – Class B",
        "Drug possession",
        "Gravity score",
        "Low",
        "Victim consulted",
        "The shop manager is content with diversion.",
        "Admitted possession; first arrest.",
        "Offer the scheme",
    ]:
        assert text in html, text


def test_the_page_shows_each_eligibility_rule_and_the_policy_version(
    client, custody_officer, make_referral, rollout_rules
):
    referral = make_referral()
    html = page(client, custody_officer, referral).content.decode()
    assert "under the Roll-out rules, in force from 1 April 2023" in html
    for rule in referral.eligibility_reasons:
        assert rule["rule"] in html
        assert rule["detail"] in html
    assert "Not met" not in html


def test_a_rule_not_met_is_shown_as_not_met(client, custody_officer, make_referral):
    referral = make_referral(officer_decision=OfficerDecision.EXCEPTION, gravity_score=4)
    html = page(client, custody_officer, referral).content.decode()
    assert "Not eligible" in html
    assert "Not met" in html
    assert "Gravity score 4" in html


def test_excluding_circumstances_are_listed(client, custody_officer, make_referral):
    referral = make_referral(
        officer_decision=OfficerDecision.DECLINE, circumstances=[Circumstance.ON_BAIL]
    )
    html = page(client, custody_officer, referral).content.decode()
    assert "On bail for other matters" in html


def test_a_manager_sees_any_referral(client, manager, make_referral):
    assert page(client, manager, make_referral()).status_code == 200


def test_another_custody_officer_gets_not_found(client, make_referral):
    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    assert page(client, other, make_referral()).status_code == 404


def test_a_caseworker_sees_a_referral_in_the_unassigned_queue(
    client, caseworker, accepted_referral
):
    assert page(client, caseworker, accepted_referral).status_code == 200


def test_a_caseworker_cannot_see_a_referral_not_yet_accepted(client, caseworker, make_referral):
    assert page(client, caseworker, make_referral()).status_code == 404


def test_a_caseworker_cannot_see_another_caseworkers_case(client, caseworker, programme):
    Programme.objects.filter(pk=programme.pk).update(
        caseworker=UserFactory(roles=[Role.CASEWORKER])
    )
    assert page(client, caseworker, programme.referral).status_code == 404


def test_an_auditor_is_refused(client, auditor, make_referral):
    assert page(client, auditor, make_referral()).status_code == 403


def test_an_unknown_referral_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get("/referrals/999999/").status_code == 404


def test_the_page_only_answers_get(client, custody_officer, make_referral):
    client.force_login(custody_officer)
    assert client.post(f"/referrals/{make_referral().pk}/").status_code == 405


def test_viewing_the_referral_is_logged(client, caseworker, accepted_referral):
    page(client, caseworker, accepted_referral)
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.CONSULTATION,
        record_type="cases.referral",
        record_id=accepted_referral.pk,
    ).exists()


# --- Actions -----------------------------------------------------------------------------


def test_the_officer_can_record_the_decision_on_an_open_offer(
    client, custody_officer, make_referral
):
    referral = make_referral()
    html = page(client, custody_officer, referral).content.decode()
    assert f'href="/referrals/{referral.pk}/decision/"' in html
    assert f'href="/referrals/{referral.pk}/print/"' in html
    assert "Authorise or refuse" not in html


def test_no_decision_link_once_the_person_has_answered(client, custody_officer, make_referral):
    referral = make_referral(decision=PersonDecision.DECLINED)
    html = page(client, custody_officer, referral).content.decode()
    assert "/decision/" not in html
    assert "/print/" not in html


def test_a_manager_cannot_record_the_persons_decision(client, manager, make_referral):
    referral = make_referral()
    html = page(client, manager, referral).content.decode()
    assert "/decision/" not in html


def test_a_manager_sees_authorise_or_refuse_while_awaiting(client, manager, supply_referral):
    html = page(client, manager, supply_referral).content.decode()
    assert f'href="/referrals/{supply_referral.pk}/authorisation/"' in html
    assert "Awaiting authorisation" in html
    assert "Drug supply linked to own use needs authorisation under the roll-out rules" in html


def test_the_officer_does_not_see_authorise_or_refuse(client, custody_officer, supply_referral):
    html = page(client, custody_officer, supply_referral).content.decode()
    assert "/authorisation/" not in html
    assert "Waiting for a manager" in html


# --- What happened -----------------------------------------------------------------------


def test_an_authorised_referral_shows_who_authorised_it_and_why(
    client, custody_officer, manager, supply_referral
):
    services.authorise(supply_referral, actor=manager, reason="First arrest; selling to fund use")
    html = page(client, custody_officer, supply_referral).content.decode()
    assert "Authorised by" in html
    assert escape(manager) in html
    assert "First arrest; selling to fund use" in html


def test_a_refusal_shows_who_refused_it_and_why(client, custody_officer, manager, supply_referral):
    services.refuse(supply_referral, actor=manager, reason="Previous supply conviction")
    html = page(client, custody_officer, supply_referral).content.decode()
    assert "Refused by" in html
    assert escape(manager) in html
    assert "Previous supply conviction" in html
    assert "Authorisation refused" in html


def test_considering_shows_the_decide_by_date(client, custody_officer, make_referral):
    referral = make_referral()
    services.record_person_decision(
        referral,
        actor=custody_officer,
        decision=PersonDecision.CONSIDERING,
        decide_by=datetime.date.today() + datetime.timedelta(days=7),
    )
    html = page(client, custody_officer, referral).content.decode()
    assert "Asked for time to consider" in html
    assert "Decide by" in html


def test_an_accepted_referral_shows_the_programme_in_the_caseworkers_queue(
    client, custody_officer, accepted_referral
):
    html = page(client, custody_officer, accepted_referral).content.decode()
    assert "Awaiting contract" in html
    assert "in the caseworkers' queue" in html


def test_the_history_lists_each_move_with_who_when_and_why(
    client, custody_officer, manager, supply_referral
):
    services.authorise(supply_referral, actor=manager, reason="Low-level, own use")
    response = page(client, custody_officer, supply_referral)
    events = response.context["events"]
    assert [(e.from_status, e.to_status) for e in events] == [
        ("awaiting_authorisation", "offered"),
        ("", "awaiting_authorisation"),
    ]
    html = response.content.decode()
    assert "moj-timeline" in html
    assert "From awaiting authorisation to offered." in html
    assert f"by {escape(manager)}" in html
    assert "Low-level, own use" in html


def test_the_page_costs_the_same_queries_however_long_the_history(
    client, custody_officer, make_referral, django_assert_max_num_queries
):
    short = make_referral()
    long = make_referral()
    services.record_person_decision(
        long,
        actor=custody_officer,
        decision=PersonDecision.CONSIDERING,
        decide_by=datetime.date.today() + datetime.timedelta(days=3),
    )
    services.record_person_decision(long, actor=custody_officer, decision=PersonDecision.ACCEPTED)
    client.force_login(custody_officer)
    for referral in (short, long):
        with django_assert_max_num_queries(10):
            assert client.get(f"/referrals/{referral.pk}/").status_code == 200


# --- How the programme ended --------------------------------------------------------------


@pytest.fixture
def running(make_referral, caseworker):
    """A contract signed 30 days ago and running, referred by the custody_officer fixture."""
    from tests.factories import sign

    with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
        programme = make_referral(decision=PersonDecision.ACCEPTED).programme
        sign(programme, actor=caseworker, signed_on=today(), conditions=[])
    return programme


def later_offence(programme, actor, days_ago):
    from diversion.people import services as people_services

    return people_services.record_later_offence(
        programme.referral.person,
        actor=actor,
        offence_date=today() - datetime.timedelta(days=days_ago),
        offence_type=OffenceType.objects.get(code="theft"),
        source="pnc",
    )


def breach_for_reoffending(programme, caseworker, offence):
    programme_services.end(
        programme,
        ProgrammeStatus.BREACHED,
        actor=caseworker,
        outcome_on=today(),
        reason=OutcomeReason.REOFFENDED,
        detail="Arrested for shoplifting while on the contract.",
        offence=offence,
    )


def test_a_breach_tells_the_officer_the_case_is_back_for_prosecution_and_why(
    client, custody_officer, caseworker, running
):
    offence = later_offence(running, custody_officer, 3)
    breach_for_reoffending(running, caseworker, offence)
    response = page(client, custody_officer, running.referral)
    html = response.content.decode()
    # Not just "Accepted": the programme's outcome is at the top.
    status = html[html.index('data-testid="programme-status"') :][:200]
    assert 'Programme: <strong class="govuk-tag govuk-tag--red">Breached' in status
    banner = html[html.index('data-testid="returned"') :][:2500]
    today_words = date_format(today(), "j F Y")
    assert f"The contract was breached on {today_words} (reoffended)" in banner
    assert f"returned to the officer in the case, {escape(custody_officer)}, for prosecution" in (
        banner
    )
    assert "What to do next" in banner
    assert f'action="/referrals/returned/{running.returns.get().pk}/actioned/"' in banner
    summary = html[html.index('data-testid="programme"') :]
    assert f"Breached on {today_words}: returned for prosecution" in summary
    assert "Arrested for shoplifting while on the contract." in summary
    offences = summary[summary.index('data-testid="offences-during"') :][:800]
    assert "Theft, including shoplifting on" in offences
    assert "Police National Computer" in offences
    assert "the new offence that breached the contract" in offences


def test_the_breach_page_says_who_marked_it_actioned(client, custody_officer, caseworker, running):
    from diversion.cases.services import prosecution

    breach_for_reoffending(running, caseworker, later_offence(running, caseworker, 1))
    prosecution.mark_actioned(running.returns.get(), actor=custody_officer)
    html = page(client, custody_officer, running.referral).content.decode()
    assert f"Marked as actioned by {escape(custody_officer)}" in html
    assert "/actioned/" not in html


def test_only_the_officer_in_the_case_is_offered_to_mark_it(client, manager, caseworker, running):
    breach_for_reoffending(running, caseworker, later_offence(running, caseworker, 1))
    html = page(client, manager, running.referral).content.decode()
    assert "Returned for prosecution" in html
    assert "/actioned/" not in html


def test_a_completion_says_no_further_action(client, custody_officer, caseworker, running):
    from diversion.cases.models import ConditionStatus, MilestoneStatus

    running.conditions.update(status=ConditionStatus.MET)
    running.milestones.update(status=MilestoneStatus.DONE, completed_on=today())
    programme_services.complete(running, actor=caseworker, outcome_on=today())
    html = page(client, custody_officer, running.referral).content.decode()
    assert "no further action (crime outcome 22" in html
    assert 'data-testid="returned"' not in html


def test_a_withdrawal_shows_its_reason_date_and_details(client, custody_officer, manager, running):
    programme_services.end(
        running,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason=OutcomeReason.OTHER,
        detail="The victim withdrew their statement.",
    )
    html = page(client, custody_officer, running.referral).content.decode()
    assert f"Withdrawn on {date_format(today(), 'j F Y')}" in html
    assert "The victim withdrew their statement." in html
    assert 'data-testid="returned"' not in html


def test_an_offence_during_a_running_contract_is_shown_to_the_officer(
    client, custody_officer, running
):
    later_offence(running, custody_officer, 2)
    html = page(client, custody_officer, running.referral).content.decode()
    offences = html[html.index('data-testid="offences-during"') :][:600]
    assert "Theft, including shoplifting on" in offences


def test_a_breached_referral_page_costs_the_same_for_one_or_many_offences(
    client, custody_officer, caseworker, make_referral, django_assert_max_num_queries
):
    def breached(offences):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
            programme = make_referral(decision=PersonDecision.ACCEPTED).programme
            from tests.factories import sign

            sign(programme, actor=caseworker, signed_on=today(), conditions=[])
        found = [later_offence(programme, caseworker, n + 1) for n in range(offences)]
        breach_for_reoffending(programme, caseworker, found[0])
        return programme

    one, many = breached(1), breached(8)
    client.force_login(custody_officer)
    for programme in (one, many):
        with django_assert_max_num_queries(12):
            response = client.get(f"/referrals/{programme.referral.pk}/")
        assert response.status_code == 200
