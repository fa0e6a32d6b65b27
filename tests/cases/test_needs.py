"""The needs assessment: every pathway scored 0–4 at entry and at exit, side by side."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    AssessmentStage,
    MilestoneStatus,
    Pathway,
    PathwayAssessment,
    ProgrammeStatus,
)
from diversion.cases.services import casework
from diversion.cases.services.casework import CaseworkError
from diversion.cases.services.programme import end
from diversion.lib.dates import today
from tests.factories import UserFactory, date_fields, sign

from .casework_helpers import (
    all_scores,
    assign,
    checked,
    days_ago,
    form,
    make_signed_case,
    needs_fields,
)

ENTRY, EXIT = AssessmentStage.ENTRY, AssessmentStage.EXIT


@pytest.fixture
def own_case(programme, caseworker):
    return assign(programme, caseworker)


@pytest.fixture
def signed_case(make_referral, caseworker):
    return make_signed_case(make_referral, caseworker)


def post(client, user, programme, stage, data):
    client.force_login(user)
    return client.post(f"/cases/{programme.pk}/needs/?stage={stage}", data)


def scores_of(programme, stage):
    return dict(
        PathwayAssessment.objects.filter(programme=programme, stage=stage).values_list(
            "pathway", "score"
        )
    )


# --- The form ------------------------------------------------------------------------------


def test_the_entry_form_lists_every_pathway_with_scores_0_to_4_and_notes(
    client, caseworker, own_case
):
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/needs/?stage=entry").content.decode()
    assert len(Pathway) == 10
    for pathway in Pathway:
        for score in range(5):
            assert f'name="{pathway}_score"' in html
            assert f'id="id_{pathway}_score_{score + 1}"' in html
        assert f'name="{pathway}_notes"' in html
        assert pathway.label in html
    assert "govuk-radios--inline" in html
    assert "0 – no need" in html and "4 – severe need" in html
    assert f'name="version" value="{own_case.version}"' in html


def test_the_page_offers_the_entry_assessment_first(client, caseworker, own_case):
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/needs/").content.decode()
    assert "Record the entry assessment" in html
    assert "Record the exit assessment" not in html


# --- Recording entry -----------------------------------------------------------------------


def test_saving_the_entry_assessment_records_every_pathway(client, caseworker, own_case):
    data = form(
        own_case,
        **needs_fields({Pathway.DRUGS: 4, Pathway.ACCOMMODATION: 3}, {Pathway.DRUGS: "Daily use"}),
    )
    response = post(client, caseworker, own_case, "entry", data)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{own_case.pk}/needs/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Entry needs assessment saved"]
    scores = scores_of(own_case, ENTRY)
    assert len(scores) == 10
    assert scores["drugs"] == 4 and scores["accommodation"] == 3 and scores["alcohol"] == 2
    drugs = PathwayAssessment.objects.get(programme=own_case, stage=ENTRY, pathway="drugs")
    assert drugs.notes == "Daily use"
    assert drugs.assessed_on == today()
    assert AccessLogEntry.objects.filter(
        actor=caseworker,
        action=Action.COLLECTION,
        record_id=own_case.pk,
        detail="entry needs assessment recorded",
    ).exists()


def test_saving_again_changes_the_assessment_without_duplicating_it(client, caseworker, own_case):
    post(client, caseworker, own_case, "entry", form(own_case, **needs_fields()))
    post(client, caseworker, own_case, "entry", form(own_case, **needs_fields({"drugs": 1})))
    assert PathwayAssessment.objects.filter(programme=own_case).count() == 10
    assert scores_of(own_case, ENTRY)["drugs"] == 1
    assert AccessLogEntry.objects.filter(
        action=Action.ALTERATION, record_id=own_case.pk, detail="entry needs assessment changed"
    ).exists()


def test_the_form_to_change_shows_what_was_recorded(client, caseworker, own_case):
    casework.record_assessment(
        own_case, actor=caseworker, stage=ENTRY, scores=all_scores(1, drugs=4)
    )
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/needs/?stage=entry").content.decode()
    assert checked(html, "drugs_score") == ["4"]
    assert checked(html, "alcohol_score") == ["1"]
    assert "Change the entry assessment" not in html  # the form is open instead


def test_entry_completes_the_needs_assessment_milestone_when_it_is_due(caseworker, signed_case):
    casework.record_assessment(
        signed_case, actor=caseworker, stage=ENTRY, scores=all_scores(), on=days_ago(2)
    )
    milestone = signed_case.milestones.get(code="needs_assessment")
    assert (milestone.status, milestone.completed_on) == (MilestoneStatus.DONE, days_ago(2))


def test_entry_does_not_change_a_needs_milestone_already_recorded(caseworker, signed_case):
    signed_case.milestones.filter(code="needs_assessment").update(
        status=MilestoneStatus.MISSED, missed_reason="Did not come"
    )
    casework.record_assessment(signed_case, actor=caseworker, stage=ENTRY, scores=all_scores())
    assert signed_case.milestones.get(code="needs_assessment").status == MilestoneStatus.MISSED


def test_an_entry_made_before_signing_completes_the_milestone_at_signing(
    client, caseworker, own_case
):
    casework.record_assessment(own_case, actor=caseworker, stage=ENTRY, scores=all_scores())
    sign(own_case, actor=caseworker, signed_on=today(), conditions=[])
    milestone = own_case.milestones.get(code="needs_assessment")
    assert (milestone.status, milestone.completed_on) == (MilestoneStatus.DONE, today())


@pytest.mark.parametrize(("assessed", "signed", "done"), [(2, 4, 2), (4, 2, 2)])
def test_the_milestone_is_done_on_the_later_of_assessment_and_signing(
    make_referral, caseworker, assessed, signed, done
):
    import time_machine

    with time_machine.travel(timezone.now() - datetime.timedelta(days=5)):
        programme = assign(make_referral(decision="accepted").programme, caseworker)
    casework.record_assessment(
        programme, actor=caseworker, stage=ENTRY, scores=all_scores(), on=days_ago(assessed)
    )
    sign(programme, actor=caseworker, signed_on=days_ago(signed), conditions=[])
    assert programme.milestones.get(code="needs_assessment").completed_on == days_ago(done)


# --- Exit and the comparison ---------------------------------------------------------------


def test_exit_is_not_offered_before_the_contract_is_signed(client, caseworker, own_case):
    casework.record_assessment(own_case, actor=caseworker, stage=ENTRY, scores=all_scores())
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/needs/").content.decode()
    assert "Record the exit assessment" not in html
    html = client.get(f"/cases/{own_case.pk}/needs/?stage=exit").content.decode()
    assert 'data-testid="needs-form"' not in html
    assert "once the contract is signed" in html
    response = post(client, caseworker, own_case, "exit", form(own_case, **needs_fields()))
    assert response.status_code == 200
    assert (
        "The case is awaiting contract: an exit needs assessment is not possible now"
        in response.content.decode()
    )
    assert not scores_of(own_case, EXIT)


def test_exit_needs_the_entry_assessment_first(client, caseworker, signed_case):
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/needs/?stage=exit").content.decode()
    assert "Record the entry assessment first" in html
    response = post(client, caseworker, signed_case, "exit", form(signed_case, **needs_fields()))
    assert "Record the entry assessment before the exit assessment" in response.content.decode()
    assert not scores_of(signed_case, EXIT)


def test_entry_against_exit_with_the_change_and_the_average_change(client, caseworker, signed_case):
    casework.record_assessment(
        signed_case, actor=caseworker, stage=ENTRY, scores=all_scores(2, drugs=4, alcohol=0)
    )
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/needs/").content.decode()
    assert "Record the exit assessment" in html
    response = post(
        client,
        caseworker,
        signed_case,
        "exit",
        form(signed_case, **needs_fields({"drugs": 1, "alcohol": 1}, {"drugs": "Stable"})),
    )
    assert response.status_code == 302
    html = client.get(f"/cases/{signed_case.pk}/needs/").content.decode()
    table = html[html.index('data-testid="needs-table"') :]
    assert "<caption" in table and 'scope="row"' in table
    drugs = table[table.index(">Drugs<") :][:600]
    assert "4" in drugs and "Stable" in drugs and "-3" in drugs and "(less need)" in drugs
    alcohol = table[table.index(">Alcohol<") :][:600]
    assert "+1" in alcohol and "(more need)" in alcohol
    # Entry: 8 x 2 + 4 + 0 = 20. Exit: 8 x 2 + 1 + 1 = 18. Down 10%.
    summary = html[html.index('data-testid="needs-summary"') :][:400]
    assert "Average need fell by 10%: from 2.0 to 1.8 out of 4." in summary


def test_no_percentage_when_there_was_no_need_at_entry(client, caseworker, signed_case):
    casework.record_assessment(signed_case, actor=caseworker, stage=ENTRY, scores=all_scores(0))
    casework.record_assessment(signed_case, actor=caseworker, stage=EXIT, scores=all_scores(0))
    client.force_login(caseworker)
    html = client.get(f"/cases/{signed_case.pk}/needs/").content.decode()
    assert "No need was scored at entry." in html


def test_exit_cannot_be_dated_before_signing(caseworker, signed_case):
    casework.record_assessment(signed_case, actor=caseworker, stage=ENTRY, scores=all_scores())
    with pytest.raises(CaseworkError, match="before the contract was signed") as caught:
        casework.record_assessment(
            signed_case,
            actor=caseworker,
            stage=EXIT,
            scores=all_scores(),
            on=signed_case.signed_on - datetime.timedelta(days=1),
        )
    assert caught.value.field == "assessed_on"


# --- Bad input -----------------------------------------------------------------------------


def test_a_pathway_left_unscored_is_named_beside_it(client, caseworker, own_case):
    data = form(own_case, **needs_fields())
    del data["drugs_score"]
    response = post(client, caseworker, own_case, "entry", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a score for drugs" in html
    assert 'href="#id_drugs_score_1"' in html
    # What was typed stays.
    assert "Daily" not in html
    assert not scores_of(own_case, ENTRY)


@pytest.mark.parametrize("bad", ["5", "-1", "two", ""])
def test_a_score_outside_0_to_4_is_refused(client, caseworker, own_case, bad):
    data = form(own_case, **needs_fields()) | {"alcohol_score": bad}
    response = post(client, caseworker, own_case, "entry", data)
    assert response.status_code == 200
    assert "Select a score for alcohol" in response.content.decode()
    assert not scores_of(own_case, ENTRY)


def test_a_future_assessment_date_is_refused_beside_the_date(client, caseworker, own_case):
    tomorrow = today() + datetime.timedelta(days=1)
    data = form(own_case, **needs_fields(on=tomorrow))
    response = post(client, caseworker, own_case, "entry", data)
    html = response.content.decode()
    assert "The assessment date cannot be in the future" in html
    assert 'href="#id_assessed_on_0"' in html
    assert not scores_of(own_case, ENTRY)


def test_an_impossible_date_is_refused(client, caseworker, own_case):
    data = form(own_case, **needs_fields()) | date_fields("assessed_on", today())
    data["assessed_on_1"] = "13"
    response = post(client, caseworker, own_case, "entry", data)
    assert "The assessment date must be a real date" in response.content.decode()


def test_an_unknown_stage_is_not_found(client, caseworker, own_case):
    client.force_login(caseworker)
    assert client.get(f"/cases/{own_case.pk}/needs/?stage=middle").status_code == 404
    assert post(client, caseworker, own_case, "middle", {}).status_code == 404
    assert client.post(f"/cases/{own_case.pk}/needs/", {}).status_code == 404


def test_the_service_refuses_unknown_and_missing_pathways_and_bad_scores(caseworker, own_case):
    with pytest.raises(CaseworkError, match="Unknown pathway: gambling"):
        casework.record_assessment(
            own_case,
            actor=caseworker,
            stage=ENTRY,
            scores=all_scores() | {"gambling": (1, "")},
        )
    scores = all_scores()
    del scores["abuse"]
    with pytest.raises(CaseworkError, match="Abuse and exploitation not scored"):
        casework.record_assessment(own_case, actor=caseworker, stage=ENTRY, scores=scores)
    with pytest.raises(CaseworkError, match="from 0 to 4"):
        casework.record_assessment(
            own_case, actor=caseworker, stage=ENTRY, scores=all_scores(drugs=5)
        )
    with pytest.raises(CaseworkError, match="entry or exit"):
        casework.record_assessment(own_case, actor=caseworker, stage="middle", scores=all_scores())
    assert not PathwayAssessment.objects.exists()


# --- Who may record it ---------------------------------------------------------------------


def test_an_unassigned_case_is_read_only_for_a_caseworker(client, caseworker, programme):
    client.force_login(caseworker)
    html = client.get(f"/cases/{programme.pk}/needs/?stage=entry").content.decode()
    assert 'data-testid="needs-form"' not in html
    assert "You cannot change this case." in html
    assert (
        post(client, caseworker, programme, "entry", form(programme, **needs_fields())).status_code
        == 404
    )
    assert not scores_of(programme, ENTRY)


def test_another_caseworker_cannot_record_it(client, own_case):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert (
        post(client, other, own_case, "entry", form(own_case, **needs_fields())).status_code == 404
    )


def test_a_manager_can_record_it(client, manager, own_case):
    response = post(client, manager, own_case, "entry", form(own_case, **needs_fields()))
    assert response.status_code == 302
    assert len(scores_of(own_case, ENTRY)) == 10


def test_a_closed_case_cannot_be_assessed(client, manager, signed_case, caseworker):
    casework.record_assessment(signed_case, actor=caseworker, stage=ENTRY, scores=all_scores())
    end(
        signed_case,
        ProgrammeStatus.WITHDRAWN,
        actor=manager,
        outcome_on=today(),
        reason="moved_away",
    )
    client.force_login(manager)
    html = client.get(f"/cases/{signed_case.pk}/needs/").content.decode()
    assert "Change the entry assessment" not in html
    assert "Record the exit assessment" not in html
    with pytest.raises(CaseworkError, match="withdrawn"):
        casework.record_assessment(signed_case, actor=manager, stage=EXIT, scores=all_scores())


def test_the_timeline_shows_the_assessment(client, caseworker, own_case):
    casework.record_assessment(own_case, actor=caseworker, stage=ENTRY, scores=all_scores(3))
    client.force_login(caseworker)
    html = client.get(f"/cases/{own_case.pk}/").content.decode()
    assert "Entry needs assessment" in html
    assert "Average need 3.0 out of 4 across 10 pathways." in html
    assert timezone.localdate().strftime("%-d %B %Y") in html
