"""Cases returned for prosecution: a breach puts the case on the officer in the case's list,
which they work through, marking each one actioned; a reopened case leaves it."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
    ProsecutionReturn,
    ReturnStatus,
)
from diversion.cases.services import programme as services
from diversion.cases.services import prosecution
from diversion.lib.dates import today
from diversion.lib.workflow import IllegalTransition
from tests.factories import UserFactory, sign
from tests.history import status_moves

LIST = "/referrals/returned/"


@pytest.fixture
def breach(make_referral, caseworker):
    """Breach a contract signed 30 days ago, `days_ago` days ago, referred by `officer` (by
    default the custody_officer fixture)."""

    def make(*, days_ago=0, officer=None, reason=OutcomeReason.NON_ATTENDANCE):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
            programme = make_referral(decision=PersonDecision.ACCEPTED, officer=officer).programme
            sign(programme, actor=caseworker, signed_on=today(), conditions=[])
        services.end(
            programme,
            ProgrammeStatus.BREACHED,
            actor=caseworker,
            outcome_on=today() - datetime.timedelta(days=days_ago),
            reason=reason,
            detail="Missed four appointments.",
        )
        return programme

    return make


def listed(response):
    return [row.programme for row in response.context["listing"].rows]


@pytest.fixture
def officer_client(client, custody_officer):
    client.force_login(custody_officer)
    return client


# --- The breach returns the case -----------------------------------------------------------


def test_a_breach_returns_the_case_to_the_officer_in_the_case(breach, custody_officer):
    programme = breach(days_ago=2)
    returned = ProsecutionReturn.objects.get(programme=programme)
    assert (returned.officer, returned.returned_on, returned.status) == (
        custody_officer,
        today() - datetime.timedelta(days=2),
        ReturnStatus.TO_ACTION,
    )


def test_a_withdrawal_or_completion_returns_nothing(make_case, manager):
    make_case(closed=True)
    assert not ProsecutionReturn.objects.exists()


def test_reopening_cancels_the_return_and_a_new_breach_returns_it_anew(breach, manager, caseworker):
    programme = breach()
    services.reopen(programme, actor=manager, reason="Wrong case.")
    (cancelled,) = programme.returns.all()
    assert cancelled.status == ReturnStatus.CANCELLED
    services.end(
        programme,
        ProgrammeStatus.BREACHED,
        actor=caseworker,
        outcome_on=today(),
        reason=OutcomeReason.FAILED_CONDITION,
    )
    assert programme.returns.filter(status=ReturnStatus.TO_ACTION).count() == 1


def test_the_database_keeps_one_live_return_per_case_and_who_actioned_it(breach):
    returned = ProsecutionReturn.objects.get(programme=breach())
    with pytest.raises(IntegrityError), transaction.atomic():
        ProsecutionReturn.objects.create(
            programme=returned.programme, officer=returned.officer, returned_on=today()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProsecutionReturn.objects.filter(pk=returned.pk).update(status=ReturnStatus.ACTIONED)


# --- The officer's list --------------------------------------------------------------------


def test_the_list_shows_the_officers_cases_to_action_oldest_first(
    officer_client, breach, custody_officer
):
    newer, older = breach(days_ago=1), breach(days_ago=5)
    breach(officer=UserFactory(roles=[Role.CUSTODY_OFFICER]))
    response = officer_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [older, newer]
    html = response.content.decode()
    assert f'href="/referrals/{older.referral.pk}/">{older.referral.reference}</a>' in html
    assert escape(str(older.referral.person)) in html
    assert "Repeated non-attendance" in html
    assert "Mark as actioned" in html
    assert "2 cases" in html


def test_viewing_the_list_is_logged_for_each_case_shown(officer_client, breach):
    programme = breach()
    officer_client.get(LIST)
    assert AccessLogEntry.objects.filter(
        action=Action.CONSULTATION,
        record_type="cases.prosecutionreturn",
        record_id=programme.returns.get().pk,
        detail="referrals:returned",
    ).exists()


def test_marking_one_actioned_records_who_and_when_and_moves_it_to_the_actioned_list(
    officer_client, breach, custody_officer
):
    programme = breach()
    returned = programme.returns.get()
    moment = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        response = officer_client.post(
            f"/referrals/returned/{returned.pk}/actioned/", {"back": "list"}
        )
    assert response.status_code == 302
    assert response["Location"] == LIST
    returned.refresh_from_db()
    assert (returned.status, returned.actioned_by, returned.actioned_at) == (
        ReturnStatus.ACTIONED,
        custody_officer,
        moment,
    )
    move = status_moves(returned)[-1]
    assert (move.actor, move.from_status, move.to_status) == (
        custody_officer,
        ReturnStatus.TO_ACTION,
        ReturnStatus.ACTIONED,
    )
    assert AccessLogEntry.objects.filter(
        actor=custody_officer,
        action=Action.ALTERATION,
        record_type="cases.prosecutionreturn",
        record_id=returned.pk,
    ).exists()
    assert listed(officer_client.get(LIST)) == []
    response = officer_client.get(f"{LIST}?show=actioned")
    assert listed(response) == [programme]
    assert escape(str(custody_officer)) in response.content.decode()


def test_marking_from_the_referral_page_goes_back_to_it(officer_client, breach):
    programme = breach()
    response = officer_client.post(f"/referrals/returned/{programme.returns.get().pk}/actioned/")
    assert response["Location"] == f"/referrals/{programme.referral_id}/"


def test_a_second_mark_says_who_marked_it_first(officer_client, breach, custody_officer):
    returned = breach().returns.get()
    prosecution.mark_actioned(returned, actor=custody_officer)
    response = officer_client.post(f"/referrals/returned/{returned.pk}/actioned/", follow=True)
    assert response.status_code == 200
    assert "was already marked as actioned by" in response.content.decode()


def test_a_reopened_case_cannot_be_marked_and_says_why(officer_client, breach, manager):
    programme = breach()
    returned = programme.returns.get()
    services.reopen(programme, actor=manager, reason="Wrong case.")
    response = officer_client.post(f"/referrals/returned/{returned.pk}/actioned/", follow=True)
    assert "is no longer returned for prosecution: the case was reopened" in (
        response.content.decode()
    )
    returned.refresh_from_db()
    assert returned.status == ReturnStatus.CANCELLED


def test_only_the_officer_in_the_case_marks_it(client, breach, manager, caseworker):
    returned = breach().returns.get()
    client.force_login(UserFactory(roles=[Role.CUSTODY_OFFICER]))
    assert client.post(f"/referrals/returned/{returned.pk}/actioned/").status_code == 404
    assert client.post("/referrals/returned/999999/actioned/").status_code == 404
    for user in (manager, caseworker):
        client.force_login(user)
        assert client.post(f"/referrals/returned/{returned.pk}/actioned/").status_code == 403
    with pytest.raises(prosecution.ReturnError):
        prosecution.mark_actioned(returned, actor=manager)
    returned.refresh_from_db()
    assert returned.status == ReturnStatus.TO_ACTION


def test_marking_needs_post_and_the_list_get(officer_client, breach):
    returned = breach().returns.get()
    assert officer_client.get(f"/referrals/returned/{returned.pk}/actioned/").status_code == 405
    assert officer_client.post(LIST).status_code == 405


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER, Role.AUDITOR])
def test_the_list_is_the_custody_officers(client, db, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(LIST).status_code == 403


def test_an_unknown_list_or_sort_is_named_and_left_out(officer_client, breach):
    breach()
    response = officer_client.get(f"{LIST}?show=everything&sort=name")
    assert response.status_code == 200
    assert len(listed(response)) == 1
    assert "left out: list, sort order." in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_30_cases(
    officer_client, breach, django_assert_max_num_queries
):
    def count():
        with django_assert_max_num_queries(9) as captured:
            response = officer_client.get(LIST)
        assert response.status_code == 200
        return len(captured), len(listed(response))

    for _ in range(3):
        breach(reason=OutcomeReason.FAILED_CONDITION)
    few, shown = count()
    assert shown == 3
    for _ in range(27):
        breach()
    many, shown = count()
    assert (many, shown) == (few, 25)


def test_the_next_page_carries_on_where_the_first_ended(officer_client, breach):
    programmes = [breach(days_ago=n % 5) for n in range(27)]
    first = officer_client.get(LIST)
    last = first.context["listing"].rows[-1]
    second = officer_client.get(f"{LIST}?after={last.pk}")
    shown = listed(first) + listed(second)
    assert sorted(p.pk for p in shown) == sorted(p.pk for p in programmes)


# --- The officer's referrals page ----------------------------------------------------------


def test_the_referrals_page_counts_the_cases_to_action_and_links_the_list(
    officer_client, breach, custody_officer
):
    for _ in range(12):
        breach()
    prosecution.mark_actioned(
        ProsecutionReturn.objects.filter(officer=custody_officer).first(), actor=custody_officer
    )
    response = officer_client.get("/referrals/mine/")
    assert response.context["returned_count"] == 11
    assert len(response.context["returned"]) == 10
    html = response.content.decode()
    assert "11 contracts you referred were breached" in html
    assert f'href="{LIST}"' in html


def test_the_navigation_leads_an_officer_to_their_returned_cases(officer_client):
    html = officer_client.get("/referrals/mine/").content.decode()
    assert f'href="{LIST}"' in html
    assert "Returned cases" in html


def test_an_actioned_return_cannot_be_actioned_again_by_the_service(breach, custody_officer):
    returned = breach().returns.get()
    prosecution.mark_actioned(returned, actor=custody_officer)
    with pytest.raises(IllegalTransition):
        prosecution.mark_actioned(returned, actor=custody_officer)
