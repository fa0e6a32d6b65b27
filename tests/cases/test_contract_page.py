"""The contract tab: signing with up to four extra conditions, then each condition's status
and evidence, the end date and the contract's milestones."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    AssessmentStage,
    Condition,
    ConditionKind,
    ConditionStatus,
    Programme,
    ProgrammeStatus,
    Victim,
    contract_end,
)
from diversion.cases.services import casework
from diversion.cases.services import programme as programme_services
from diversion.cases.services.casework import CaseworkError
from diversion.cases.services.programme import ProgrammeError
from diversion.lib.dates import today
from tests.factories import UserFactory, date_fields
from tests.history import status_moves

from .casework_helpers import all_scores, assign, checked, form, make_signed_case


@pytest.fixture
def own_case(programme, caseworker):
    return assign(programme, caseworker)


@pytest.fixture
def restorative_case(make_referral, caseworker):
    referral = make_referral(decision="accepted", victim=Victim.RESTORATIVE)
    return assign(referral.programme, caseworker)


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


def signing(programme, *, signed_on=None, **fields):
    data = {
        "intervention_1": "",
        "intervention_2": "",
        "last_condition": "none",
        "voluntary_hours": "",
    }
    data |= date_fields("signed_on", signed_on or today())
    return form(programme, **(data | fields))


def post(client, user, programme, data, suffix="contract/"):
    client.force_login(user)
    return client.post(f"/cases/{programme.pk}/{suffix}", data)


def conditions_of(programme):
    return list(
        Condition.objects.filter(programme=programme).values_list(
            "number", "kind", "description", "voluntary_hours"
        )
    )


# --- Before signing ------------------------------------------------------------------------


def test_an_unassigned_case_cannot_be_signed_yet(client, manager, programme):
    client.force_login(manager)
    html = client.get(f"/cases/{programme.pk}/contract/").content.decode()
    assert 'data-testid="contract-form"' not in html
    assert "once the case is taken by a caseworker or assigned to one" in html
    response = post(client, manager, programme, signing(programme))
    assert response.status_code == 200
    assert "must be taken or assigned to a caseworker" in response.content.decode()
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.AWAITING_CONTRACT


def test_the_service_refuses_to_sign_an_unassigned_case(manager, programme):
    with pytest.raises(ProgrammeError, match="taken or assigned"):
        programme_services.sign_contract(programme, actor=manager, signed_on=today(), conditions=[])
    assert not Condition.objects.exists()


def test_the_caseworker_sees_the_signing_form(client, caseworker, own_case):
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/contract/").content.decode()
    assert 'data-testid="contract-form"' in html
    assert "1. Do not reoffend (always included)" in html
    for name in ["signed_on_0", "intervention_1", "intervention_2", "last_condition"]:
        assert f'name="{name}"' in html
    assert checked(html, "last_condition") == ["none"]
    # No victim asked for a restorative approach, so none is offered.
    assert 'name="restorative"' not in html
    assert f'name="signed_on_0" value="{today().day}"' in html


def test_a_restorative_condition_is_offered_when_the_victim_wants_one(
    client, caseworker, restorative_case
):
    client.force_login(caseworker)
    html = client.get(f"/cases/{restorative_case.pk}/contract/").content.decode()
    assert 'name="restorative"' in html
    # Pre-offered: ticked unless the caseworker unticks it.
    assert 'class="govuk-checkboxes__input" id="id_restorative" checked>' in html
    response = post(
        client,
        caseworker,
        restorative_case,
        signing(restorative_case, restorative="on", restorative_description="Letter of apology"),
    )
    assert response.status_code == 302
    assert conditions_of(restorative_case) == [
        (1, ConditionKind.NO_REOFFENDING, "", None),
        (2, ConditionKind.RESTORATIVE, "Letter of apology", None),
    ]


def test_a_restorative_condition_needs_its_description(client, caseworker, restorative_case):
    response = post(
        client, caseworker, restorative_case, signing(restorative_case, restorative="on")
    )
    assert "Enter the restorative approach" in response.content.decode()
    assert not Condition.objects.exists()


def test_a_restorative_condition_cannot_be_added_without_the_victims_wish(
    client, caseworker, own_case
):
    post(
        client,
        caseworker,
        own_case,
        signing(own_case, restorative="on", restorative_description="Letter of apology"),
    )
    assert conditions_of(own_case) == [(1, ConditionKind.NO_REOFFENDING, "", None)]


def test_interventions_are_suggested_from_high_needs_at_entry(client, caseworker, own_case):
    casework.record_assessment(
        own_case,
        actor=caseworker,
        stage=AssessmentStage.ENTRY,
        scores=all_scores(1, drugs=4, mental_health=3, alcohol=3),
    )
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/contract/").content.decode()
    assert 'name="intervention_1" value="Drug treatment sessions"' in html
    assert 'name="intervention_2" value="Mental health support sessions"' in html
    assert "Drugs scored 4; Mental health scored 3" in html


# --- Signing -------------------------------------------------------------------------------


def test_signing_with_an_intervention_and_voluntary_work(client, caseworker, own_case):
    response = post(
        client,
        caseworker,
        own_case,
        signing(
            own_case,
            intervention_1="Drug treatment sessions",
            last_condition="voluntary_work",
            voluntary_hours="20",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{own_case.pk}/contract/"
    ends = contract_end(today())
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Contract signed: it ends on {ends:%-d %B %Y}"
    ]
    programme = Programme.objects.get(pk=own_case.pk)
    assert (programme.status, programme.signed_on, programme.ends_on) == (
        ProgrammeStatus.ACTIVE,
        today(),
        ends,
    )
    assert conditions_of(own_case) == [
        (1, ConditionKind.NO_REOFFENDING, "", None),
        (2, ConditionKind.INTERVENTION, "Drug treatment sessions", None),
        (3, ConditionKind.VOLUNTARY_WORK, "", 20),
    ]
    assert status_moves(programme)[-1].actor == caseworker
    assert AccessLogEntry.objects.filter(
        actor=caseworker, action=Action.ALTERATION, record_id=own_case.pk, detail="contract signed"
    ).exists()
    html = client.get(response["Location"]).content.decode()
    assert f"{ends:%-d %B %Y}" in html
    assert "four calendar months after signing" in html
    assert "3. Voluntary work, 20 hours" in html
    assert "Month 1 review" in html and "Final review" in html


def test_signing_with_a_tag_and_every_condition(client, caseworker, restorative_case):
    response = post(
        client,
        caseworker,
        restorative_case,
        signing(
            restorative_case,
            restorative="on",
            restorative_description="Meet the shop manager",
            intervention_1="Drug treatment sessions",
            intervention_2="Debt advice",
            last_condition="tag",
            voluntary_hours="99",
            # Not on the form: a sixth condition cannot be asked for.
            intervention_3="Anger management",
        ),
    )
    assert response.status_code == 302
    assert [row[:2] for row in conditions_of(restorative_case)] == [
        (1, ConditionKind.NO_REOFFENDING),
        (2, ConditionKind.RESTORATIVE),
        (3, ConditionKind.INTERVENTION),
        (4, ConditionKind.INTERVENTION),
        (5, ConditionKind.TAG),
    ]


def test_a_sixth_condition_is_refused_by_the_service_and_the_database(caseworker, own_case):
    with pytest.raises(ProgrammeError, match="at most five conditions"):
        programme_services.sign_contract(
            own_case,
            actor=caseworker,
            signed_on=today(),
            conditions=[{"kind": ConditionKind.INTERVENTION, "description": "x"}] * 5,
        )
    assert Programme.objects.get(pk=own_case.pk).status == ProgrammeStatus.AWAITING_CONTRACT
    with pytest.raises(IntegrityError, match="condition_at_most_five"), transaction.atomic():
        Condition.objects.create(
            programme=own_case, number=6, kind=ConditionKind.INTERVENTION, description="x"
        )


def test_signing_in_the_future_is_refused_beside_the_date(client, caseworker, own_case):
    response = post(
        client, caseworker, own_case, signing(own_case, signed_on=today() + datetime.timedelta(1))
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The signing date cannot be in the future" in html
    assert 'href="#id_signed_on_0"' in html
    assert 'govuk-form-group govuk-form-group--error"' in html
    assert Programme.objects.get(pk=own_case.pk).status == ProgrammeStatus.AWAITING_CONTRACT


def test_signing_before_the_acceptance_is_refused_beside_the_date(client, caseworker, own_case):
    response = post(
        client, caseworker, own_case, signing(own_case, signed_on=today() - datetime.timedelta(1))
    )
    html = response.content.decode()
    assert "The signing date cannot be before the offer was accepted" in html
    assert 'href="#id_signed_on_0"' in html
    # What was typed is still there.
    assert f'name="signed_on_0" value="{(today() - datetime.timedelta(1)).day}"' in html


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("17", "Voluntary work is at least 18 hours"),
        ("37", "Voluntary work is at most 36 hours"),
        ("", "Enter the hours of voluntary work, from 18 to 36"),
        ("lots", "Enter the hours of voluntary work as a whole number"),
    ],
)
def test_voluntary_hours_must_be_18_to_36(client, caseworker, own_case, hours, message):
    response = post(
        client,
        caseworker,
        own_case,
        signing(own_case, last_condition="voluntary_work", voluntary_hours=hours),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Condition.objects.exists()


def test_an_unknown_last_condition_is_refused(client, caseworker, own_case):
    response = post(client, caseworker, own_case, signing(own_case, last_condition="curfew"))
    assert "Select voluntary work, an electronic tag or neither" in response.content.decode()


def test_a_caseworker_cannot_sign_an_unassigned_or_anothers_case(client, caseworker, programme):
    assert post(client, caseworker, programme, signing(programme)).status_code == 404
    other_case = assign(programme, UserFactory(roles=[Role.CASEWORKER]))
    assert post(client, caseworker, other_case, signing(other_case)).status_code == 404
    assert Programme.objects.get(pk=programme.pk).status == ProgrammeStatus.AWAITING_CONTRACT


def test_a_manager_can_sign_an_assigned_case(client, manager, own_case):
    assert post(client, manager, own_case, signing(own_case)).status_code == 302
    assert Programme.objects.get(pk=own_case.pk).status == ProgrammeStatus.ACTIVE


def test_a_signed_contract_shows_no_signing_form(client, caseworker, signed_case):
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/contract/").content.decode()
    assert 'data-testid="contract-form"' not in html
    assert 'data-testid="conditions"' in html


# --- Conditions ----------------------------------------------------------------------------


def update(programme, **fields):
    return form(programme, **({"status": "met", "reason": "", "evidence": ""} | fields))


def test_the_condition_form_shows_its_current_state(client, caseworker, signed_case):
    client.force_login(caseworker)
    response = client.get(f"/cases/{signed_case.pk}/conditions/2/")
    html = response.content.decode()
    assert "Take part in an intervention: Drug treatment sessions" in html
    assert checked(html, "status") == ["pending"]
    assert f'name="version" value="{signed_case.version}"' in html


def test_a_condition_is_met_with_evidence(client, caseworker, signed_case):
    response = post(
        client,
        caseworker,
        signed_case,
        update(signed_case, status="met", evidence="Six sessions attended"),
        "conditions/2/",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{signed_case.pk}/contract/"
    condition = signed_case.conditions.get(number=2)
    assert (condition.status, condition.evidence) == (ConditionStatus.MET, "Six sessions attended")
    assert AccessLogEntry.objects.filter(
        action=Action.ALTERATION, record_id=signed_case.pk, detail="condition 2 marked met"
    ).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Evidence: Six sessions attended" in html


def test_waiving_a_condition_needs_a_reason(client, caseworker, signed_case):
    response = post(
        client, caseworker, signed_case, update(signed_case, status="waived"), "conditions/2/"
    )
    html = response.content.decode()
    assert "Enter the reason for waiving the condition" in html
    assert 'href="#id_reason"' in html
    assert signed_case.conditions.get(number=2).status == ConditionStatus.PENDING
    with pytest.raises(CaseworkError, match="reason for waiving"):
        casework.update_condition(signed_case, 2, actor=caseworker, status="waived", reason=" ")
    with pytest.raises(IntegrityError, match="condition_waiver_has_reason"), transaction.atomic():
        signed_case.conditions.filter(number=2).update(status=ConditionStatus.WAIVED)


def test_a_waived_condition_keeps_its_reason(client, caseworker, signed_case):
    post(
        client,
        caseworker,
        signed_case,
        update(signed_case, status="waived", reason="Service closed"),
        "conditions/2/",
    )
    condition = signed_case.conditions.get(number=2)
    assert (condition.status, condition.status_reason) == (
        ConditionStatus.WAIVED,
        "Service closed",
    )


def test_a_failed_condition_points_to_the_outcome_tab(client, caseworker, signed_case):
    response = post(
        client,
        caseworker,
        signed_case,
        update(signed_case, status="failed", reason="Stopped attending"),
        "conditions/2/",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Condition 2 recorded as failed. If this breaches the contract, record the breach "
        "on the Outcome tab"
    ]
    html = client.get(f"/cases/{signed_case.pk}/contract/").content.decode()
    warning = html[html.index('data-testid="failed-condition"') :][:800]
    assert "Condition 2 failed" in warning
    assert f'href="/cases/{signed_case.pk}/outcome/"' in warning


def test_an_unknown_condition_is_not_found(client, caseworker, signed_case):
    client.force_login(caseworker)
    assert client.get(f"/cases/{signed_case.pk}/conditions/3/").status_code == 404
    assert client.get(f"/cases/{signed_case.pk}/conditions/0/").status_code == 404
    assert (
        post(client, caseworker, signed_case, update(signed_case), "conditions/9/").status_code
        == 404
    )


def test_an_unknown_condition_status_is_refused(client, caseworker, signed_case):
    response = post(
        client, caseworker, signed_case, update(signed_case, status="forgiven"), "conditions/2/"
    )
    assert "Select the status of the condition" in response.content.decode()


def test_conditions_cannot_be_changed_by_another_caseworker(client, signed_case):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert post(client, other, signed_case, update(signed_case), "conditions/2/").status_code == 404


def test_the_condition_page_answers_only_get_and_post(client, caseworker, signed_case):
    client.force_login(caseworker)
    assert client.delete(f"/cases/{signed_case.pk}/conditions/2/").status_code == 405


def test_conditions_of_a_closed_case_are_read_only(client, manager, signed_case):
    from diversion.cases.services.programme import end

    end(signed_case, ProgrammeStatus.WITHDRAWN, actor=manager, outcome_on=today(), reason="died")
    client.force_login(manager)
    html = client.get(f"/cases/{signed_case.pk}/conditions/2/").content.decode()
    assert 'data-testid="condition-form"' not in html
    assert "The contract is not running" in html
    with pytest.raises(CaseworkError, match="withdrawn"):
        casework.update_condition(signed_case, 2, actor=manager, status="met")
