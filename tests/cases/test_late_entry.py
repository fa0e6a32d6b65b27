"""Late entry: the person's answer and the contract's signing recorded with the earlier day
they really happened (a paper form keyed in later), within the policy version's limit and
with a reason shown on the timeline; the contract's dates follow from the real signing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from diversion.cases.models import (
    LATE_REASON_MISSING,
    Milestone,
    PersonDecision,
    Programme,
    Referral,
    ReferralStatus,
    contract_end,
    earliest_entry_date,
    entry_date_problem,
    late_reason_problem,
)
from diversion.cases.services import referral as referral_services
from diversion.cases.services.programme import ProgrammeError, milestone_dates, sign_contract
from diversion.policy.models import PolicyVersion
from tests.factories import date_fields

from .casework_helpers import assign, form
from .intake_helpers import Journey, custody, offence

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The offer is made on Monday 2 March 2026 at 10:00, and answered on paper that day; the
# answer is keyed in on Thursday 5 March.
OFFERED = datetime.datetime(2026, 3, 2, 10, tzinfo=LONDON)
RECORDED = datetime.datetime(2026, 3, 5, 9, 30, tzinfo=LONDON)
MONDAY, TUESDAY, THURSDAY = (datetime.date(2026, 3, d) for d in (2, 3, 5))
PAPER = "Signed on the paper form at the custody desk; the system was down."


@pytest.fixture
def offered(make_referral):
    with time_machine.travel(OFFERED):
        return make_referral()


@pytest.fixture
def accepted(make_referral, caseworker):
    """Accepted on Monday, and given to a caseworker."""
    with time_machine.travel(OFFERED):
        referral = make_referral(decision=PersonDecision.ACCEPTED)
    return assign(referral.programme, caseworker)


def limit_back_entry(referral, days):
    PolicyVersion.objects.filter(pk=referral.policy_version_id).update(back_entry_days=days)
    referral.policy_version.refresh_from_db()


def refused_by_database(model, pk, constraint, **changes):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        model.objects.filter(pk=pk).update(**changes)


# --- The rule ------------------------------------------------------------------------------


@given(
    follows_back=st.integers(0, 60),
    limit=st.integers(0, 90),
    day_back=st.integers(-5, 120),
)
def test_a_date_can_be_recorded_from_the_later_of_the_event_before_and_the_limit_to_today(
    follows_back, limit, day_back
):
    today = datetime.date(2026, 3, 5)
    follows = today - datetime.timedelta(days=follows_back)
    day = today - datetime.timedelta(days=day_back)
    version = PolicyVersion(back_entry_days=limit)
    earliest = earliest_entry_date(follows, version, today=today)
    assert earliest == max(follows, today - datetime.timedelta(days=limit))
    problem = entry_date_problem(
        day,
        name="decision date",
        follows=follows,
        follows_what="the offer",
        policy_version=version,
        today=today,
    )
    assert (problem is None) == (earliest <= day <= today)


def test_the_message_names_the_bound_that_was_crossed():
    def problem(day, follows):
        return entry_date_problem(
            day,
            name="signing date",
            follows=follows,
            follows_what="the offer was accepted",
            policy_version=PolicyVersion(back_entry_days=14),
            today=datetime.date(2026, 3, 10),
        )

    assert problem(datetime.date(2026, 3, 11), MONDAY) == "The signing date cannot be in the future"
    assert problem(datetime.date(2026, 3, 1), MONDAY) == (
        "The signing date cannot be before the offer was accepted on 2 March 2026"
    )
    assert problem(datetime.date(2026, 2, 20), datetime.date(2026, 2, 1)) == (
        "The signing date can be at most 14 days ago, no earlier than 24 February 2026"
    )


def test_a_date_before_today_needs_a_reason_and_today_does_not():
    assert late_reason_problem(MONDAY, "  ", today=THURSDAY) == LATE_REASON_MISSING
    assert late_reason_problem(MONDAY, PAPER, today=THURSDAY) is None
    assert late_reason_problem(THURSDAY, "", today=THURSDAY) is None


# --- The policy version's limit ------------------------------------------------------------


def test_a_version_allows_fourteen_days_unless_it_says_otherwise(rollout_rules):
    assert PolicyVersion._meta.get_field("back_entry_days").default == 14
    assert rollout_rules.back_entry_days == 14


def test_the_database_refuses_a_limit_over_ninety_days(rollout_rules):
    refused_by_database(
        PolicyVersion, rollout_rules.pk, "policy_back_entry_at_most_90_days", back_entry_days=91
    )


# --- The person's answer, on the decision page ---------------------------------------------


def decide(client, user, referral, decided_on, **fields):
    data = {"decision": "accepted", "note": "", "late_reason": PAPER}
    data |= date_fields("decided_on", decided_on) | fields
    client.force_login(user)
    with time_machine.travel(RECORDED, tick=False):
        return client.post(f"/referrals/{referral.pk}/decision/", data)


def test_an_answer_given_on_paper_is_recorded_with_its_day_and_why(
    client, custody_officer, offered
):
    response = decide(client, custody_officer, offered, MONDAY)
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.ACCEPTED
    assert offered.decided_at == datetime.datetime(2026, 3, 2, 12, tzinfo=LONDON)
    assert offered.decision_recorded_at == RECORDED
    assert offered.decision_late_reason == PAPER
    client.force_login(custody_officer)
    html = client.get(f"/referrals/{offered.pk}/").content.decode()
    late = html[html.index('data-testid="decision-late"') :]
    assert f"On 5 March 2026: {escape(PAPER)}" in late
    history = html[html.index('data-testid="history"') :]
    assert f"given on 2 March 2026 and recorded late: {escape(PAPER)}" in history


def test_an_earlier_answer_without_a_reason_is_refused_beside_the_reason(
    client, custody_officer, offered
):
    html = decide(client, custody_officer, offered, MONDAY, late_reason="").content.decode()
    assert LATE_REASON_MISSING in html
    assert 'href="#id_late_reason"' in html and 'id="id_late_reason"' in html
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.OFFERED


def test_an_answer_further_back_than_the_version_allows_is_refused(
    client, custody_officer, offered
):
    limit_back_entry(offered, 2)
    html = decide(client, custody_officer, offered, MONDAY).content.decode()
    assert "The decision date can be at most 2 days ago, no earlier than 3 March 2026" in html
    assert 'href="#id_decided_on_0"' in html
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.OFFERED


def test_a_reason_given_with_todays_date_is_not_kept(client, custody_officer, offered):
    decide(client, custody_officer, offered, THURSDAY)
    offered.refresh_from_db()
    assert (offered.status, offered.decision_late_reason) == (ReferralStatus.ACCEPTED, "")


def test_an_overlong_reason_is_refused(client, custody_officer, offered):
    html = decide(client, custody_officer, offered, MONDAY, late_reason="x" * 501).content.decode()
    assert "The reason must be 500 characters or fewer" in html


def test_asking_for_time_has_no_date_of_its_own(client, custody_officer, offered):
    decide_by = THURSDAY + datetime.timedelta(days=7)
    decide(
        client,
        custody_officer,
        offered,
        MONDAY,
        decision="considering",
        late_reason="",
        **date_fields("decide_by", decide_by),
    )
    offered.refresh_from_db()
    assert (offered.status, offered.decided_at, offered.decision_late_reason) == (
        ReferralStatus.CONSIDERING,
        None,
        "",
    )


@pytest.mark.parametrize(
    "decided_on,reason,message",
    [
        (MONDAY, "", LATE_REASON_MISSING),
        (datetime.date(2026, 3, 1), PAPER, "cannot be before the offer on 2 March 2026"),
        (datetime.date(2026, 3, 6), PAPER, "cannot be in the future"),
    ],
)
def test_the_service_holds_the_same_rules(custody_officer, offered, decided_on, reason, message):
    with (
        time_machine.travel(RECORDED),
        pytest.raises(referral_services.ReferralError, match=message),
    ):
        referral_services.record_person_decision(
            offered,
            actor=custody_officer,
            decision=PersonDecision.ACCEPTED,
            decided_on=decided_on,
            late_reason=reason,
        )
    assert Referral.objects.get(pk=offered.pk).status == ReferralStatus.OFFERED


def test_the_service_refuses_an_answer_further_back_than_the_version_allows(
    custody_officer, offered
):
    limit_back_entry(offered, 2)
    with (
        time_machine.travel(RECORDED),
        pytest.raises(referral_services.ReferralError, match="at most 2 days ago"),
    ):
        referral_services.record_person_decision(
            offered,
            actor=custody_officer,
            decision=PersonDecision.DECLINED,
            decline_reason="prefers_court",
            decided_on=MONDAY,
            late_reason=PAPER,
        )


def test_the_database_refuses_a_decision_after_it_was_recorded(make_referral):
    referral = make_referral(decision=PersonDecision.ACCEPTED)
    refused_by_database(
        Referral,
        referral.pk,
        "referral_decision_not_after_recording",
        decision_recorded_at=F("decided_at") - datetime.timedelta(minutes=1),
    )


def test_the_database_refuses_a_late_decision_without_a_reason(make_referral):
    referral = make_referral(decision=PersonDecision.ACCEPTED)
    refused_by_database(
        Referral,
        referral.pk,
        "referral_late_decision_has_reason",
        decided_at=F("decided_at") - datetime.timedelta(days=2),
        offered_at=F("offered_at") - datetime.timedelta(days=2),
        arrested_at=F("arrested_at") - datetime.timedelta(days=2),
        offence_date=F("offence_date") - datetime.timedelta(days=2),
    )


def test_the_database_refuses_a_late_reason_on_an_answer_recorded_the_same_day(make_referral):
    referral = make_referral(decision=PersonDecision.ACCEPTED)
    refused_by_database(
        Referral, referral.pk, "referral_late_decision_has_reason", decision_late_reason=PAPER
    )


def test_the_database_refuses_an_offer_before_the_arrest(make_referral):
    referral = make_referral()
    refused_by_database(
        Referral,
        referral.pk,
        "referral_offer_not_before_arrest",
        offered_at=F("arrested_at") - datetime.timedelta(minutes=1),
    )


# --- The person's answer, at the desk during intake ----------------------------------------

# Arrested on Sunday 7 June 2026, the person answered on paper at the desk that day; the
# referral is keyed in on Wednesday 10 June (intake_helpers.NOW).
SUNDAY = datetime.date(2026, 6, 7)


@pytest.fixture
def at_the_desk(client, custody_officer, person):
    client.force_login(custody_officer)
    with time_machine.travel(datetime.datetime(2026, 6, 10, 16, tzinfo=LONDON), tick=False):
        arrested_sunday = custody(**date_fields("arrest_date", SUNDAY))
        yield Journey(client, person).walk_to_offer(arrested_sunday, offence(day=SUNDAY))


def answer_at_desk(journey, answered_on, *, expect_next=None, **fields):
    data = {"person_decision": "accepted", "late_reason": PAPER, **fields}
    if answered_on:
        data |= date_fields("answered_on", answered_on)
    return journey.answer("offer", data, expect_next)


def test_an_answer_given_at_the_desk_days_ago_keeps_its_day_and_why(at_the_desk):
    answer_at_desk(at_the_desk, SUNDAY, expect_next="check")
    response, _ = at_the_desk.submit()
    assert response["Location"] == "/referrals/new/confirmation/"
    referral = Referral.objects.get()
    noon_sunday = datetime.datetime(2026, 6, 7, 12, tzinfo=LONDON)
    assert referral.status == ReferralStatus.ACCEPTED
    assert (referral.offered_at, referral.decided_at) == (noon_sunday, noon_sunday)
    assert referral.decision_late_reason == PAPER
    assert timezone.localdate(referral.decision_recorded_at) == datetime.date(2026, 6, 10)


def test_an_answer_at_the_desk_left_undated_is_todays(at_the_desk):
    answer_at_desk(at_the_desk, None, expect_next="check")
    at_the_desk.submit()
    referral = Referral.objects.get()
    assert timezone.localdate(referral.decided_at) == datetime.date(2026, 6, 10)
    assert referral.decision_late_reason == ""


@pytest.mark.parametrize(
    "answered_on,reason,field,message",
    [
        (SUNDAY, "", "late_reason", LATE_REASON_MISSING),
        (
            datetime.date(2026, 6, 6),
            PAPER,
            "answered_on_0",
            "The date of the answer cannot be before the arrest on 7 June 2026",
        ),
        (datetime.date(2026, 6, 11), PAPER, "answered_on_0", "cannot be in the future"),
    ],
)
def test_a_desk_answer_outside_the_rules_is_refused_beside_the_field(
    at_the_desk, answered_on, reason, field, message
):
    html = answer_at_desk(at_the_desk, answered_on, late_reason=reason).content.decode()
    assert message in html
    assert f'href="#id_{field}"' in html
    assert not Referral.objects.exists()


def test_a_desk_answer_further_back_than_the_version_allows_is_refused(at_the_desk, rollout_rules):
    PolicyVersion.objects.filter(pk=rollout_rules.pk).update(back_entry_days=1)
    html = answer_at_desk(at_the_desk, SUNDAY).content.decode()
    assert "can be at most 1 days ago, no earlier than 9 June 2026" in html


def test_asking_for_time_at_the_desk_is_offered_as_it_is_recorded(at_the_desk):
    answer_at_desk(
        at_the_desk,
        SUNDAY,
        person_decision="considering",
        **date_fields("decide_by", datetime.date(2026, 6, 20)),
        expect_next="check",
    )
    at_the_desk.submit()
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.CONSIDERING
    assert timezone.localdate(referral.offered_at) == datetime.date(2026, 6, 10)


# --- The contract's signing ----------------------------------------------------------------


def sign_on(client, user, programme, signed_on, **fields):
    data = {"intervention_1": "", "intervention_2": "", "last_condition": "none"}
    data |= {"voluntary_hours": "", "late_reason": PAPER} | date_fields("signed_on", signed_on)
    client.force_login(user)
    with time_machine.travel(RECORDED, tick=False):
        return client.post(f"/cases/{programme.pk}/contract/", form(programme, **(data | fields)))


def test_a_paper_contract_runs_from_the_day_it_was_signed(client, caseworker, accepted):
    response = sign_on(client, caseworker, accepted, TUESDAY)
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert (accepted.signed_on, accepted.ends_on) == (TUESDAY, contract_end(TUESDAY))
    assert accepted.signing_recorded_at == RECORDED
    assert accepted.signing_late_reason == PAPER
    schedule = accepted.referral.policy_version.milestone_schedule
    assert sorted(Milestone.objects.filter(programme=accepted).values_list("code", "due_on")) == (
        sorted((step["code"], due) for step, due in milestone_dates(schedule, TUESDAY))
    )


def test_the_late_signing_and_its_reason_are_on_the_contract_tab_and_timeline(
    client, caseworker, accepted
):
    sign_on(client, caseworker, accepted, TUESDAY)
    with time_machine.travel(RECORDED):
        contract = client.get(f"/cases/{accepted.pk}/contract/").content.decode()
        overview = client.get(f"/cases/{accepted.pk}/").content.decode()
    late = contract[contract.index('data-testid="signing-late"') :]
    assert f"On 5 March 2026: {escape(PAPER)}" in late
    timeline = overview[overview.index('data-testid="timeline"') :]
    assert "Signed on 3 March 2026; it ends on 3 July 2026." in timeline
    assert f"Recorded late, on 5 March 2026: {escape(PAPER)}" in timeline


def test_the_timeline_shows_why_an_acceptance_was_recorded_late(
    client, caseworker, custody_officer, offered
):
    decide(client, custody_officer, offered, MONDAY)
    programme = assign(Programme.objects.get(referral=offered), caseworker)
    client.force_login(caseworker)
    html = client.get(f"/cases/{programme.pk}/").content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    assert "The person accepted on 2 March 2026." in timeline
    assert f"Recorded late, on 5 March 2026: {escape(PAPER)}" in timeline


@pytest.mark.parametrize(
    "signed_on,reason,field,message",
    [
        (TUESDAY, "", "late_reason", LATE_REASON_MISSING),
        (
            datetime.date(2026, 3, 1),
            PAPER,
            "signed_on_0",
            "The signing date cannot be before the offer was accepted on 2 March 2026",
        ),
        (datetime.date(2026, 3, 6), PAPER, "signed_on_0", "cannot be in the future"),
    ],
)
def test_a_signing_outside_the_rules_is_refused_beside_the_field(
    client, caseworker, accepted, signed_on, reason, field, message
):
    html = sign_on(client, caseworker, accepted, signed_on, late_reason=reason).content.decode()
    assert message in html
    assert f'href="#id_{field}"' in html
    assert Programme.objects.get(pk=accepted.pk).signed_on is None


def test_a_signing_further_back_than_the_version_allows_is_refused(client, caseworker, accepted):
    limit_back_entry(accepted.referral, 1)
    html = sign_on(client, caseworker, accepted, TUESDAY).content.decode()
    assert "The signing date can be at most 1 days ago, no earlier than 4 March 2026" in html


def test_the_signing_service_holds_the_same_rules(caseworker, accepted):
    with time_machine.travel(RECORDED):
        with pytest.raises(ProgrammeError, match=LATE_REASON_MISSING):
            sign_contract(accepted, actor=caseworker, signed_on=TUESDAY, conditions=[])
        limit_back_entry(accepted.referral, 1)
        with pytest.raises(ProgrammeError, match="at most 1 days ago"):
            sign_contract(
                accepted, actor=caseworker, signed_on=TUESDAY, conditions=[], late_reason=PAPER
            )
    assert Programme.objects.get(pk=accepted.pk).signed_on is None


def test_the_database_refuses_a_signing_after_it_was_recorded(active_programme):
    refused_by_database(
        Programme,
        active_programme.pk,
        "programme_signing_not_after_recording",
        signing_recorded_at=F("signing_recorded_at") - datetime.timedelta(days=1),
    )


def test_the_database_refuses_a_late_signing_without_a_reason(active_programme):
    refused_by_database(
        Programme,
        active_programme.pk,
        "programme_late_signing_has_reason",
        signing_recorded_at=F("signing_recorded_at") + datetime.timedelta(days=1),
    )


def test_the_database_refuses_a_late_reason_on_a_signing_recorded_the_same_day(
    active_programme,
):
    refused_by_database(
        Programme,
        active_programme.pk,
        "programme_late_signing_has_reason",
        signing_late_reason=PAPER,
    )
