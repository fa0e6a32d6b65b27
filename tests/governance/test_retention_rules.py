"""When a case closes and falls due for review, as the database keeps it
(governance_closures, migration 0002), and a manager's decision to keep a case."""

import datetime
import re
from importlib import import_module

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.cases.models import (
    CLOSED,
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
    Referral,
    ReferralStatus,
)
from diversion.cases.services import programme as programme_services
from diversion.governance import retention
from diversion.governance.models import Outcome, RetentionDecision, RetentionReview
from diversion.lib.dates import add_months, today
from diversion.policy.models import OffenceType, PolicyVersion
from tests.governance.conftest import years_ago

DAY = datetime.timedelta(days=1)


def review_of(referral):
    return RetentionReview.objects.filter(pk=referral.pk).first()


def test_a_declined_referral_is_due_six_years_after_the_decision(cases):
    day = years_ago(7)
    referral = cases.declined(day)
    review = review_of(referral)
    assert (review.closed_on, review.review_on) == (day, add_months(day, 72))
    assert list(retention.due()) == [review]


def test_a_referral_not_offered_closes_on_the_day_it_was_decided(cases):
    from diversion.cases.models import OfficerDecision

    day = years_ago(3)
    referral = cases.refer(day, officer_decision=OfficerDecision.DECLINE)
    assert review_of(referral).closed_on == day
    assert not retention.due().exists()


def test_a_refused_authorisation_closes_when_it_was_refused(cases):
    day = years_ago(2)
    referral = cases.refer(day, offence_type=OffenceType.objects.get(code="supply-own-use"))
    assert review_of(referral) is None
    from tests.reporting.measures import on

    with on(day + DAY):
        cases.refuse(referral)
    assert review_of(referral).closed_on == day + DAY


def test_open_cases_have_no_review_and_a_case_closes_on_its_outcome(cases):
    day = years_ago(1)
    programme = cases.signed(day)
    assert review_of(programme.referral) is None
    ended = day + datetime.timedelta(days=20)
    programme = cases.end(programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, ended)
    assert review_of(programme.referral).closed_on == ended


def test_reopening_a_case_takes_it_off_the_review_and_closing_it_again_starts_afresh(
    cases, manager
):
    programme = cases.signed(years_ago(8))
    programme = cases.end(
        programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, years_ago(7)
    )
    review = review_of(programme.referral)
    retention.retain(
        programme.referral_id,
        actor=manager,
        reason="Linked to an open investigation.",
        next_review_on=today() + DAY,
        was_due_on=review.review_on,
    )
    programme_services.reopen(programme, actor=manager, reason="Closed in error.")
    assert review_of(programme.referral) is None
    programme.refresh_from_db()
    programme_services.end(
        programme,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason=OutcomeReason.MOVED_AWAY,
    )
    review = review_of(programme.referral)
    assert (review.closed_on, review.retained) == (today(), False)


def test_keeping_a_case_records_the_decision_and_sets_the_next_review(due_case, manager):
    was_due_on = review_of(due_case).review_on
    next_review = today() + datetime.timedelta(days=400)
    decision = retention.retain(
        due_case.pk,
        actor=manager,
        reason="  Linked to an open investigation.  ",
        next_review_on=next_review,
        was_due_on=was_due_on,
    )
    assert (decision.outcome, decision.reason, decision.was_due_on) == (
        Outcome.RETAIN,
        "Linked to an open investigation.",
        was_due_on,
    )
    review = review_of(due_case)
    assert (review.review_on, review.retained) == (next_review, True)
    assert not retention.due().exists()
    # An unrelated change to the referral keeps the manager's date.
    Referral.objects.filter(pk=due_case.pk).update(decision_rationale="Corrected.")
    assert review_of(due_case).review_on == next_review


def test_a_new_retention_period_moves_the_reviews_it_set_but_not_a_managers(
    cases, manager, pilot_rules
):
    kept, left = cases.declined(years_ago(7)), cases.declined(years_ago(7))
    assert kept.policy_version == pilot_rules
    next_review = today() + DAY
    retention.retain(
        kept.pk,
        actor=manager,
        reason="Needed.",
        next_review_on=next_review,
        was_due_on=review_of(kept).review_on,
    )
    pilot_rules.retention_years = 10
    pilot_rules.save()
    assert review_of(left).review_on == add_months(years_ago(7), 120)
    assert review_of(kept).review_on == next_review


def test_a_decision_on_a_page_opened_before_anothers_is_refused(due_case, manager):
    was_due_on = review_of(due_case).review_on
    keep = {"actor": manager, "reason": "Needed.", "next_review_on": today() + DAY}
    retention.retain(due_case.pk, was_due_on=was_due_on, **keep)
    with pytest.raises(retention.RetentionError, match="was kept: its next review is on"):
        retention.retain(due_case.pk, was_due_on=was_due_on, **keep)
    with pytest.raises(retention.RetentionError, match="was kept"):
        retention.erase(due_case.pk, actor=manager, was_due_on=was_due_on)
    assert RetentionDecision.objects.count() == 1


def test_the_service_refuses_what_the_form_would(due_case, manager):
    was_due_on = review_of(due_case).review_on
    with pytest.raises(retention.RetentionError, match="Enter why"):
        retention.retain(
            due_case.pk,
            actor=manager,
            reason=" ",
            next_review_on=today() + DAY,
            was_due_on=was_due_on,
        )
    with pytest.raises(retention.RetentionError, match="must be in the future"):
        retention.retain(
            due_case.pk,
            actor=manager,
            reason="Needed.",
            next_review_on=today(),
            was_due_on=was_due_on,
        )


@given(offset=st.integers(min_value=-3000, max_value=3000))
def test_a_next_review_is_after_today_and_within_one_review_period(offset):
    review = RetentionReview(referral=Referral(policy_version=PolicyVersion(retention_years=6)))
    on = datetime.date(2026, 3, 1)
    day = on + datetime.timedelta(days=offset)
    problem = retention.next_review_problem(day, review, on)
    assert (problem is None) == (on < day <= datetime.date(2032, 3, 1))


def test_the_databases_rule_names_the_models_statuses():
    """The closing rule is frozen SQL: its statuses must be the models' own."""
    sql = import_module(
        "diversion.governance.migrations.0002_review_dates_and_erasing_history"
    ).CLOSURES
    programme_rule = re.search(r"p\.status IN \(([^)]*)\)", sql).group(1)
    assert {s.strip(" '") for s in programme_rule.split(",")} == set(CLOSED)
    referral_ends = set(re.findall(r"r\.status = '(\w+)'", sql))
    assert referral_ends == {
        ReferralStatus.NOT_OFFERED,
        ReferralStatus.AUTHORISATION_REFUSED,
        ReferralStatus.DECLINED,
    }
    assert PersonDecision.DECLINED == ReferralStatus.DECLINED
