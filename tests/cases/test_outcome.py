"""Ending a programme from the case's Outcome page, and reopening it: each checked on a
page that says what will happen and who is told, then confirmed."""

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
    ProsecutionReturn,
    ReturnStatus,
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


def post(client, case, action, *, confirm=True, **data):
    """Submit an ending, and by default confirm it on the check page."""
    payload = {"action": action, f"{action}-version": str(case.version), **data}
    if confirm:
        payload["confirm"] = "yes"
    return client.post(f"/cases/{case.pk}/outcome/", payload)


def reopen(client, case, reason, *, confirm=True, version=None):
    payload = {"reopen-version": version or case.version, "reopen-reason": reason}
    if confirm:
        payload["confirm"] = "yes"
    return client.post(f"/cases/{case.pk}/reopen/", payload)


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
    assert b"Continue to check the completion" not in response.content


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
    response = reopen(client, case, "")
    assert "Enter why the case is being reopened" in str(response.context["reopen_form"].errors)
    response = reopen(client, case, "Wrong case.")
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
    response = reopen(client, case, "Wrong case.", version=seen)
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
    assert b"Continue to check the completion" not in page.content
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


# --- Checking before an ending is recorded ----------------------------------------------


BREACH = {
    "breach-reason": "reoffended",
    "breach-detail": "Arrested for shoplifting.",
    "breach-source": "custody",
}


def breach_answers(case):
    return {
        **BREACH,
        "breach-offence_type": OffenceType.objects.get(code="theft").pk,
        **date_fields("breach-outcome_on", today()),
        **date_fields("breach-offence_date", today() - datetime.timedelta(days=2)),
    }


def hidden_inputs(html):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_a_breach_is_checked_first_saying_what_happens_and_who_is_told(cw, case):
    officer = case.referral.created_by
    response = post(cw, case, "breach", confirm=False, **breach_answers(case))
    assert response.status_code == 200
    assert "cases/case/outcome_check.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Check the breach before you record it" in html
    answers = html[html.index('data-testid="answers"') :][:2000]
    for text in ["Reoffended", today().strftime("%Y"), "Arrested for shoplifting.", "Theft"]:
        assert text in answers
    happens = " ".join(response.context["what_happens"])
    assert f"returned to the officer in the case, {officer}, for prosecution" in happens
    assert "The case closes" in happens
    assert "The milestones stop" in happens
    assert f"The new offence is recorded on {case.referral.person}'s record" in happens
    # Nothing is recorded until it is confirmed, and the answers travel with the page.
    case.refresh_from_db()
    assert case.status == ProgrammeStatus.ACTIVE
    assert not LaterOffence.objects.exists()
    assert not ProsecutionReturn.objects.exists()
    assert not AccessLogEntry.objects.filter(
        action=Action.ALTERATION, record_id=case.pk, detail="breached"
    ).exists()
    carried = hidden_inputs(html)
    assert carried["action"] == "breach"
    assert carried["breach-detail"] == "Arrested for shoplifting."
    assert carried["breach-version"] == str(case.version)
    assert "Confirm breach" in html
    assert 'name="change"' in html


def test_confirming_the_check_records_the_breach_and_returns_the_case_to_the_officer(cw, case):
    check = post(cw, case, "breach", confirm=False, **breach_answers(case))
    carried = hidden_inputs(check.content.decode())
    response = cw.post(f"/cases/{case.pk}/outcome/", {**carried, "confirm": "yes"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == ProgrammeStatus.BREACHED
    assert AccessLogEntry.objects.filter(
        action=Action.ALTERATION, record_id=case.pk, detail="breached"
    ).exists()
    returned = ProsecutionReturn.objects.get(programme=case)
    assert (returned.officer, returned.returned_on, returned.status) == (
        case.referral.created_by,
        today(),
        ReturnStatus.TO_ACTION,
    )


def test_change_goes_back_to_the_form_with_every_answer_kept(cw, case):
    check = post(cw, case, "breach", confirm=False, **breach_answers(case))
    carried = hidden_inputs(check.content.decode())
    response = cw.post(f"/cases/{case.pk}/outcome/", {**carried, "change": "yes"})
    assert response.status_code == 200
    assert "cases/case/outcome.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Arrested for shoplifting.</textarea>" in html
    assert re.search(r'value="reoffended"\s+checked', html)
    assert "govuk-error-summary" not in html
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_the_check_page_is_not_shown_for_what_the_rules_would_refuse(cw, case):
    answers = breach_answers(case)
    answers.update(date_fields("breach-offence_date", case.signed_on - datetime.timedelta(days=1)))
    response = post(cw, case, "breach", confirm=False, **answers)
    assert "cases/case/outcome_check.html" not in [t.name for t in response.templates]
    assert "during the contract" in str(response.context["forms"]["breach"].errors)


@pytest.mark.parametrize(
    ("action", "answers", "told"),
    [
        (
            "complete",
            lambda: date_fields("complete-outcome_on", today()),
            ["crime outcome 22", "sees the completion on the referral page"],
        ),
        (
            "withdraw",
            lambda: {
                "withdraw-reason": "moved_away",
                **date_fields("withdraw-outcome_on", today()),
            },
            ["sees the withdrawal and its reason on the referral page", "The milestones stop"],
        ),
    ],
)
def test_completion_and_withdrawal_are_checked_first(cw, case, action, answers, told):
    ready_to_complete(case)
    case.refresh_from_db()
    response = post(cw, case, action, confirm=False, **answers())
    assert response.status_code == 200
    happens = " ".join(response.context["what_happens"])
    for text in told:
        assert text in happens
    assert str(case.referral.created_by) in happens
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE


def test_a_case_changed_while_the_check_page_was_open_is_not_overwritten(cw, case):
    check = post(cw, case, "breach", confirm=False, **breach_answers(case))
    carried = hidden_inputs(check.content.decode())
    casework.add_note(case, actor=case.caseworker, text="Called")
    response = cw.post(f"/cases/{case.pk}/outcome/", {**carried, "confirm": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert "Case note added by" in html
    assert "Arrested for shoplifting.</textarea>" in html
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.ACTIVE
    assert not LaterOffence.objects.exists()


def test_a_case_ended_by_someone_else_while_checking_says_so_and_keeps_the_answers(
    cw, case, manager
):
    check = post(cw, case, "breach", confirm=False, **breach_answers(case))
    carried = hidden_inputs(check.content.decode())
    services.end(
        case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="moved_away"
    )
    response = cw.post(f"/cases/{case.pk}/outcome/", {**carried, "confirm": "yes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert f"Status changed from active to withdrawn by {escape(str(manager))}" in html
    not_saved = html[html.index('data-testid="not-saved"') :][:2000]
    assert "Arrested for shoplifting." in not_saved
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.WITHDRAWN


def test_a_reopening_is_checked_first_and_takes_the_case_off_the_officers_list(
    client, manager, cw, case
):
    post(cw, case, "breach", **breach_answers(case))
    case.refresh_from_db()
    client.force_login(manager)
    response = reopen(client, case, "Wrong case.", confirm=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check before you reopen the case" in html
    happens = " ".join(response.context["what_happens"])
    assert f"leaves {case.referral.created_by}'s list of returned cases" in happens
    assert f"The caseworker, {case.caseworker}, can record casework" in happens
    assert Programme.objects.get(pk=case.pk).status == ProgrammeStatus.BREACHED
    assert f'action="/cases/{case.pk}/reopen/"' in html

    assert reopen(client, case, "Wrong case.").status_code == 302
    assert ProsecutionReturn.objects.get(programme=case).status == ReturnStatus.CANCELLED


def test_the_outcome_page_answers_only_get_and_post(cw, case):
    assert cw.put(f"/cases/{case.pk}/outcome/").status_code == 405


# --- A breach for an offence already on the record ----------------------------------------


@pytest.fixture
def recorded(case, custody_officer):
    """A later offence recorded during the contract, from the person page."""
    from diversion.people import services as people_services

    return people_services.record_later_offence(
        case.referral.person,
        actor=custody_officer,
        offence_date=today() - datetime.timedelta(days=3),
        offence_type=OffenceType.objects.get(code="criminal-damage"),
        source="custody",
    )


def test_the_breach_form_offers_the_offence_already_recorded(cw, case, recorded):
    html = cw.get(f"/cases/{case.pk}/outcome/").content.decode()
    assert "If they reoffended: which offence?" in html
    assert f'value="{recorded.pk}"' in html
    assert "Another offence: enter it below" in html


def test_a_breach_for_the_recorded_offence_names_it_and_records_no_second(cw, case, recorded):
    answers = {
        **BREACH,
        "breach-recorded_offence": str(recorded.pk),
        **date_fields("breach-outcome_on", today()),
    }
    check = post(cw, case, "breach", confirm=False, **answers)
    assert ("If they reoffended: which offence?", f"{recorded.offence_type} on ") in [
        (label, value[: len(str(recorded.offence_type)) + 4])
        for label, value in check.context["answers"]
    ]
    assert "The new offence is recorded" not in " ".join(check.context["what_happens"])
    assert post(cw, case, "breach", **answers).status_code == 302
    case.refresh_from_db()
    assert case.breach_offence == recorded
    assert LaterOffence.objects.count() == 1


def test_a_reoffending_breach_asks_which_offence_when_one_is_recorded(cw, case, recorded):
    response = post(
        cw, case, "breach", confirm=False, **BREACH, **date_fields("breach-outcome_on", today())
    )
    form = response.context["forms"]["breach"]
    assert form.errors["recorded_offence"] == ["Choose the new offence, or another offence"]
    links, ids = summary_links_and_ids(response.content.decode())
    assert links == ["id_breach-recorded_offence_1"]
    assert set(links) <= ids


def test_another_offence_is_entered_as_before(cw, case, recorded):
    answers = {**breach_answers(case), "breach-recorded_offence": "another"}
    del answers["breach-offence_type"]
    response = post(cw, case, "breach", confirm=False, **answers)
    assert response.context["forms"]["breach"].errors["offence_type"] == ["Choose the new offence"]
    answers["breach-offence_type"] = OffenceType.objects.get(code="theft").pk
    assert post(cw, case, "breach", **answers).status_code == 302
    assert LaterOffence.objects.count() == 2


def test_an_offence_on_someone_elses_record_cannot_breach_the_contract(case, recorded, manager):
    from diversion.people import services as people_services
    from tests.factories import PersonFactory

    stranger = people_services.record_later_offence(
        PersonFactory(),
        actor=manager,
        offence_date=today(),
        offence_type=OffenceType.objects.get(code="theft"),
        source="pnc",
    )
    with pytest.raises(services.ProgrammeError, match="on this person's record"):
        services.end(
            case,
            ProgrammeStatus.BREACHED,
            actor=manager,
            outcome_on=today(),
            reason=OutcomeReason.REOFFENDED,
            offence=stranger,
        )


@pytest.mark.parametrize("version", ["", "abc", "²", "9" * 40])
def test_a_form_for_a_closed_case_with_a_bad_version_gets_a_message_not_an_error(
    cw, case, manager, version
):
    services.end(
        case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="moved_away"
    )
    response = cw.post(
        f"/cases/{case.pk}/outcome/",
        {"action": "breach", "breach-version": version, **BREACH, "confirm": "yes"},
    )
    assert response.status_code == 200
    assert "This case changed since you opened it" in response.content.decode()
