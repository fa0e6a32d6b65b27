"""Ending a programme from the case's Outcome page, and reopening it."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    ConditionStatus,
    MilestoneStatus,
    OutcomeReason,
    PersonDecision,
    Programme,
    ProgrammeStatus,
)
from diversion.cases.services import casework
from diversion.cases.services import programme as services
from diversion.lib.dates import today
from diversion.people.models import LaterOffence
from diversion.policy.models import MilestoneKind, OffenceType
from tests.factories import UserFactory, date_fields
from tests.history import status_moves


@pytest.fixture
def case(make_referral, caseworker, sign_contract):
    """A contract signed 40 days ago, assigned to the caseworker."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        programme = make_referral(decision=PersonDecision.ACCEPTED).programme
        Programme.objects.filter(pk=programme.pk).update(caseworker=caseworker)
        programme.refresh_from_db()
        sign_contract(programme, conditions=[])
    programme.refresh_from_db()
    return programme


@pytest.fixture
def cw(client, caseworker):
    client.force_login(caseworker)
    return client


def post(client, case, action, **data):
    payload = {"action": action, f"{action}-version": str(case.version), **data}
    return client.post(f"/cases/{case.pk}/outcome/", payload)


def ready_to_complete(case):
    case.conditions.update(status=ConditionStatus.MET)
    case.milestones.filter(code="final_review").update(
        status=MilestoneStatus.DONE, completed_on=today()
    )


def test_the_page_lists_what_stands_between_the_case_and_completion(cw, case):
    response = cw.get(f"/cases/{case.pk}/outcome/")
    assert response.status_code == 200
    assert response.context["outstanding"] == [
        "Condition 1 (do not reoffend) is pending",
        "The final review is not done",
    ]
    assert b"Record completion" not in response.content


def test_completing_with_unmet_conditions_is_refused_and_changes_nothing(cw, case):
    response = post(cw, case, "complete", **date_fields("complete-outcome_on", today()))
    assert response.status_code == 200
    assert "cannot be completed yet: condition 1 (do not reoffend) is pending" in str(
        response.context["forms"]["complete"].errors
    )
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_completion_records_no_further_action(cw, case, caseworker):
    ready_to_complete(case)
    case.refresh_from_db()
    response = post(cw, case, "complete", **date_fields("complete-outcome_on", today()))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome_on, case.crime_outcome) == ("completed", today(), 22)
    page = cw.get(f"/cases/{case.pk}/outcome/")
    assert b"crime outcome 22" in page.content
    assert AccessLogEntry.objects.filter(
        actor=caseworker, action=Action.ALTERATION, record_id=case.pk, detail="completed"
    ).exists()


def test_a_breach_for_reoffending_records_the_new_offence_on_the_person(cw, case):
    theft = OffenceType.objects.get(code="theft")
    response = post(
        cw,
        case,
        "breach",
        **{
            "breach-reason": "reoffended",
            "breach-detail": "Arrested for shoplifting.",
            "breach-offence_type": theft.pk,
            "breach-source": "custody",
        },
        **date_fields("breach-outcome_on", today()),
        **date_fields("breach-offence_date", today() - datetime.timedelta(days=2)),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome_reason) == ("breached", OutcomeReason.REOFFENDED)
    assert case.breach_offence.offence_type == theft
    assert case.breach_offence.person == case.referral.person
    page = cw.get(f"/cases/{case.pk}/outcome/")
    assert b"Returned to the officer in the case" in page.content


def test_a_reoffending_breach_needs_the_new_offence(cw, case):
    response = post(
        cw,
        case,
        "breach",
        **{"breach-reason": "reoffended", "breach-detail": "x"},
        **date_fields("breach-outcome_on", today()),
    )
    errors = response.context["forms"]["breach"].errors
    assert "Enter the date of the new offence" in errors["offence_date"]
    assert "Choose the new offence" in errors["offence_type"]
    assert b"x</textarea>" in response.content
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_a_new_offence_before_the_contract_is_refused(cw, case):
    response = post(
        cw,
        case,
        "breach",
        **{
            "breach-reason": "reoffended",
            "breach-detail": "x",
            "breach-offence_type": OffenceType.objects.get(code="theft").pk,
            "breach-source": "pnc",
        },
        **date_fields("breach-outcome_on", today()),
        **date_fields("breach-offence_date", case.signed_on - datetime.timedelta(days=1)),
    )
    assert "during the contract" in str(response.context["forms"]["breach"].errors)
    assert not LaterOffence.objects.exists()


def test_a_breach_for_non_attendance_needs_no_offence(cw, case):
    response = post(
        cw,
        case,
        "breach",
        **{"breach-reason": "non_attendance", "breach-detail": "Missed four appointments."},
        **date_fields("breach-outcome_on", today()),
    )
    assert response.status_code == 302
    assert Programme.objects.get(pk=case.pk).outcome_reason == OutcomeReason.NON_ATTENDANCE


@pytest.mark.parametrize(
    "day,message",
    [
        (lambda case: today() + datetime.timedelta(days=1), "cannot be in the future"),
        (
            lambda case: case.signed_on - datetime.timedelta(days=1),
            "cannot be before the contract was signed",
        ),
    ],
)
def test_an_outcome_date_outside_the_contract_is_refused(cw, case, day, message):
    response = post(
        cw,
        case,
        "withdraw",
        **{"withdraw-reason": "moved_away"},
        **date_fields("withdraw-outcome_on", day(case)),
    )
    assert message in str(response.context["forms"]["withdraw"].errors)
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_withdrawal_for_another_reason_needs_details(cw, case):
    response = post(
        cw,
        case,
        "withdraw",
        **{"withdraw-reason": "other"},
        **date_fields("withdraw-outcome_on", today()),
    )
    assert (
        "Enter why the programme is withdrawn"
        in response.context["forms"]["withdraw"].errors["detail"]
    )
    response = post(
        cw,
        case,
        "withdraw",
        **{"withdraw-reason": "died"},
        **date_fields("withdraw-outcome_on", today()),
    )
    assert response.status_code == 302
    assert (status_moves(case)[-1].to_status, status_moves(case)[-1].reason) == (
        "withdrawn",
        "Died",
    )


def test_an_unsigned_programme_can_be_withdrawn_but_not_completed_or_breached(
    client, manager, programme
):
    client.force_login(manager)
    page = client.get(f"/cases/{programme.pk}/outcome/")
    assert b"Record a breach" not in page.content
    response = post(
        client,
        programme,
        "withdraw",
        **{"withdraw-reason": "evidential"},
        **date_fields("withdraw-outcome_on", today()),
    )
    assert response.status_code == 302
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.WITHDRAWN


def test_a_stale_form_is_refused_with_nothing_lost(cw, case):
    stale_version = case.version
    Programme.objects.filter(pk=case.pk).update(version=stale_version + 1)
    response = cw.post(
        f"/cases/{case.pk}/outcome/",
        {
            "action": "breach",
            "breach-version": stale_version,
            "breach-reason": "non_attendance",
            "breach-detail": "Missed four.",
            **date_fields("breach-outcome_on", today()),
        },
    )
    html = response.content.decode()
    assert 'data-testid="stale"' in html
    assert "This case changed since you opened it" in html
    assert b"Missed four.</textarea>" in response.content
    # Kept as typed, now at the case's current version: saving again is deliberate.
    assert response.context["forms"]["breach"]["version"].value() == str(stale_version + 1)
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_a_manager_reopens_a_case_closed_in_error_and_the_offence_stays(client, manager, cw, case):
    post(
        cw,
        case,
        "breach",
        **{
            "breach-reason": "reoffended",
            "breach-detail": "x",
            "breach-offence_type": OffenceType.objects.get(code="theft").pk,
            "breach-source": "pnc",
        },
        **date_fields("breach-outcome_on", today()),
        **date_fields("breach-offence_date", today()),
    )
    case.refresh_from_db()
    client.force_login(manager)
    response = client.post(
        f"/cases/{case.pk}/reopen/", {"reopen-version": case.version, "reopen-reason": ""}
    )
    assert "Enter why the case is being reopened" in str(response.context["reopen_form"].errors)
    response = client.post(
        f"/cases/{case.pk}/reopen/",
        {"reopen-version": case.version, "reopen-reason": "Wrong case."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome_on, case.breach_offence) == ("active", None, None)
    assert LaterOffence.objects.filter(person=case.referral.person).count() == 1
    move = status_moves(case)[-1]
    assert (move.from_status, move.to_status, move.reason, move.actor) == (
        "breached",
        "active",
        "Wrong case.",
        manager,
    )


def test_a_stale_reopen_shows_what_changed_and_keeps_the_reason(client, manager, cw, case):
    seen = case.version
    casework.add_note(case, actor=case.caseworker, text="Called")
    services.end(
        case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason="moved_away",
    )
    client.force_login(manager)
    response = client.post(
        f"/cases/{case.pk}/reopen/", {"reopen-version": seen, "reopen-reason": "Wrong case."}
    )
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    changes = html[html.index('data-testid="changes"') :][:800]
    assert "Case note added by" in changes
    assert f"Status changed from active to withdrawn by {escape(str(manager))}" in changes
    assert "Wrong case.</textarea>" in html
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.WITHDRAWN


def test_only_managers_reopen(cw, case):
    assert cw.post(f"/cases/{case.pk}/reopen/", {}).status_code == 403


def test_reopen_needs_post(client, manager, case):
    client.force_login(manager)
    assert client.get(f"/cases/{case.pk}/reopen/").status_code == 405


def test_another_caseworkers_case_is_not_found(client, case):
    from diversion.accounts.roles import Role

    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    assert client.get(f"/cases/{case.pk}/outcome/").status_code == 404
    assert post(client, case, "withdraw", **{"withdraw-reason": "died"}).status_code == 404


def test_an_unassigned_case_can_be_read_but_not_ended_by_a_caseworker(cw, programme):
    assert cw.get(f"/cases/{programme.pk}/outcome/").status_code == 200
    assert post(cw, programme, "withdraw", **{"withdraw-reason": "died"}).status_code == 404


def test_custody_officers_and_auditors_cannot_open_outcomes(client, custody_officer, auditor, case):
    for user in (custody_officer, auditor):
        client.force_login(user)
        assert client.get(f"/cases/{case.pk}/outcome/").status_code == 403


def test_an_unknown_action_changes_nothing(cw, case):
    response = cw.post(f"/cases/{case.pk}/outcome/", {"action": "explode"})
    assert response.status_code == 200
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_a_case_whose_schedule_made_no_final_review_cannot_be_completed(cw, case):
    case.conditions.update(status=ConditionStatus.MET)
    case.milestones.filter(code=MilestoneKind.FINAL_REVIEW).delete()
    page = cw.get(f"/cases/{case.pk}/outcome/")
    assert "has no final review in its milestone schedule" in page.content.decode()
    assert b"Record completion" not in page.content
    response = post(cw, case, "complete", **date_fields("complete-outcome_on", today()))
    assert response.status_code == 200
    assert "has no final review in its milestone schedule" in str(
        response.context["forms"]["complete"].errors
    )
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


@pytest.mark.parametrize(
    ("closed", "sections"),
    [
        (False, ["Complete the programme", "Record a breach", "Withdraw the programme"]),
        (True, ["Reopen this case"]),
    ],
)
def test_the_page_offers_the_actions_open_in_the_cases_status(
    client, manager, case, closed, sections
):
    if closed:
        services.end(
            case,
            ProgrammeStatus.WITHDRAWN,
            actor=manager,
            outcome_on=today(),
            reason=OutcomeReason.MOVED_AWAY,
        )
    client.force_login(manager)
    html = client.get(f"/cases/{case.pk}/outcome/").content.decode()
    every = [
        "Complete the programme",
        "Record a breach",
        "Withdraw the programme",
        "Reopen this case",
    ]
    assert [s for s in every if s in html] == sections


# --- Error summaries -----------------------------------------------------------------------


def summary_links_and_ids(html):
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return re.findall(r'href="#([^"]+)"', summary), set(re.findall(r'\bid="([^"]+)"', html))


@pytest.mark.parametrize("action", ["complete", "breach", "withdraw"])
def test_each_ending_forms_error_summary_links_reach_its_inputs(cw, case, action):
    ready_to_complete(case)
    response = cw.post(f"/cases/{case.pk}/outcome/", {"action": action})
    links, ids = summary_links_and_ids(response.content.decode())
    assert links
    assert all(link.startswith(f"id_{action}-") for link in links), links
    assert set(links) <= ids


def test_the_reopen_forms_error_summary_links_reach_its_inputs(client, manager, case):
    services.end(
        case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="moved_away"
    )
    client.force_login(manager)
    response = client.post(f"/cases/{case.pk}/reopen/", {"reopen-version": case.version})
    links, ids = summary_links_and_ids(response.content.decode())
    assert links == ["id_reopen-reason"]
    assert set(links) <= ids
