"""What the person is given on paper: the offer, at the custody desk before they answer and
from the referral page, and the contract they sign; each a logged disclosure to them."""

import datetime
import re

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    ConditionKind,
    OfficerDecision,
    PersonDecision,
    Programme,
    Referral,
    Victim,
)
from diversion.cases.services import referral as services
from diversion.cases.services.programme import sign_contract
from diversion.lib.dates import today
from diversion.policy.models import OffenceType, PolicyVersion
from tests.factories import PersonFactory, UserFactory

from .casework_helpers import assign
from .intake_helpers import NOW, Journey

CONTACT = {
    "team": "Northgate navigator team",
    "phone": "01632 960 123",
    "email": "navigators@example.org",
    "hours": "Weekdays, 8am to 6pm",
}


@pytest.fixture(autouse=True)
def contact(settings):
    settings.SCHEME_CONTACT = CONTACT


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def offer_page(client, user, referral):
    return get(client, user, f"/referrals/{referral.pk}/print/")


def disclosures():
    return list(
        AccessLogEntry.objects.filter(action=Action.DISCLOSURE).values_list(
            "record_type", "record_id", "detail", "recipient"
        )
    )


def assert_terms_and_contact(html, version):
    for term in version.contract_term_lines:
        assert f"<li>{term}</li>" in html, term
    assert version.if_kept in html
    assert version.if_broken in html
    for value in CONTACT.values():
        assert value in html


# --- The version's wording ----------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value", [("contract_terms", ""), ("if_kept", "x" * 1001), ("if_broken", "")]
)
def test_the_database_refuses_missing_or_overlong_contract_wording(rollout_rules, field, value):
    with pytest.raises(IntegrityError, match=f"policy_{field}_length"), transaction.atomic():
        PolicyVersion.objects.filter(pk=rollout_rules.pk).update(**{field: value})


# --- The offer, from the referral page -----------------------------------------------------


def test_an_offer_awaiting_the_answer_prints_the_versions_terms_and_whom_to_contact(
    client, custody_officer, make_referral, rollout_rules
):
    with time_machine.travel(datetime.datetime(2025, 10, 31, 12, tzinfo=datetime.UTC)):
        referral = make_referral()
        response = offer_page(client, custody_officer, referral)
    assert response.status_code == 200
    html = response.content.decode()
    # Four calendar months from 31 October is the last day of February.
    assert "signed today, 31 October 2025, would end on" in html
    assert "28 February 2026" in html
    assert_terms_and_contact(html, rollout_rules)
    assert rollout_rules.restorative_term not in html
    assert referral.reference in html
    assert "roll-out rules, in force from 1 April 2023" in html


def test_the_offer_prints_the_wording_of_the_version_it_was_made_under(
    client, custody_officer, make_referral
):
    referral = make_referral()
    PolicyVersion.objects.filter(pk=referral.policy_version_id).update(
        contract_terms="Stay away from the shop.\nSee your navigator every week.",
        if_kept="Nothing more happens about this offence.",
        if_broken="The case goes to court.",
    )
    html = offer_page(client, custody_officer, referral).content.decode()
    assert "<li>Stay away from the shop.</li>" in html
    assert "<li>See your navigator every week.</li>" in html
    assert "Nothing more happens about this offence." in html
    assert "The case goes to court." in html


def test_the_offer_adds_the_restorative_condition_if_the_victim_wants_one(
    client, custody_officer, make_referral, rollout_rules
):
    referral = make_referral(victim=Victim.RESTORATIVE, victim_views="Wants an apology")
    html = offer_page(client, custody_officer, referral).content.decode()
    assert rollout_rules.restorative_term in html


def test_the_print_page_has_a_print_button_that_needs_javascript(
    client, custody_officer, make_referral
):
    html = offer_page(client, custody_officer, make_referral()).content.decode()
    assert 'data-module="app-print-button" hidden' in html
    # Without JavaScript the page says how to print it, and that sentence is not printed.
    assert '<div class="app-no-print">' in html
    assert "Use your browser's print command" in html
    assert "govuk-back-link app-no-print" in html


def test_printing_the_offer_is_logged_as_a_disclosure_to_the_person(
    client, custody_officer, make_referral
):
    referral = make_referral()
    offer_page(client, custody_officer, referral)
    entry = AccessLogEntry.objects.get(action=Action.DISCLOSURE, record_id=referral.pk)
    assert (entry.actor, entry.record_type, entry.recipient) == (
        custody_officer,
        "cases.referral",
        "the person referred",
    )


@pytest.mark.parametrize("decision", [None, PersonDecision.ACCEPTED])
def test_an_offer_made_or_accepted_can_be_printed(client, custody_officer, make_referral, decision):
    referral = make_referral(decision=decision)
    assert offer_page(client, custody_officer, referral).context["printable"]


def test_an_offer_being_considered_prints_the_decide_by_date(
    client, custody_officer, make_referral
):
    referral = make_referral()
    decide_by = today() + datetime.timedelta(days=10)
    services.record_person_decision(
        referral, actor=custody_officer, decision=PersonDecision.CONSIDERING, decide_by=decide_by
    )
    html = offer_page(client, custody_officer, referral).content.decode()
    assert f"{decide_by.day} {decide_by:%B %Y}" in html


@pytest.mark.parametrize(
    "officer_decision,decision",
    [
        (OfficerDecision.DECLINE, None),
        (OfficerDecision.EXCEPTION, None),
        (OfficerDecision.OFFER, PersonDecision.DECLINED),
    ],
)
def test_an_offer_not_made_or_declined_cannot_be_printed(
    client, custody_officer, make_referral, officer_decision, decision
):
    referral = make_referral(officer_decision=officer_decision, decision=decision)
    response = offer_page(client, custody_officer, referral)
    assert response.status_code == 200
    assert "This offer cannot be printed" in response.content.decode()
    assert disclosures() == []


def test_printing_someone_elses_referral_is_not_found(client, make_referral):
    other = UserFactory(roles=[Role.CUSTODY_OFFICER])
    assert offer_page(client, other, make_referral()).status_code == 404


def test_an_auditor_cannot_print_an_offer(client, auditor, make_referral):
    assert offer_page(client, auditor, make_referral()).status_code == 403


def test_printing_an_offer_only_answers_get(client, custody_officer, make_referral):
    client.force_login(custody_officer)
    assert client.post(f"/referrals/{make_referral().pk}/print/").status_code == 405


# --- The offer at the custody desk, before the person answers ------------------------------


@pytest.fixture
def at_the_desk(client, custody_officer):
    """A custody officer at the desk, on 10 June 2026, about to make the offer."""
    client.force_login(custody_officer)
    with time_machine.travel(NOW, tick=False):
        yield client


@pytest.fixture
def sam(db):
    return PersonFactory(given_names="Sam", family_name="Okafor")


def print_url(journey):
    return f"/referrals/drafts/{journey.draft_pk}/offer/print/"


def test_the_offer_page_links_to_the_offer_to_print_before_the_answer(at_the_desk, sam):
    journey = Journey(at_the_desk, sam).walk_to_offer()
    html = journey.get("offer").content.decode()
    assert f'href="{print_url(journey)}"' in html
    assert "before they decide" in html


def test_the_offer_is_printed_at_the_desk_without_saving_the_referral(
    at_the_desk, sam, custody_officer, rollout_rules
):
    journey = Journey(at_the_desk, sam).walk_to_offer()
    response = at_the_desk.get(print_url(journey))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Okafor" in html
    assert "NG-00012345-26" in html
    assert "Possession of a controlled drug – Class B, 9 June 2026" in html
    assert_terms_and_contact(html, rollout_rules)
    assert f'href="{journey.url("offer")}"' in html
    assert not Referral.objects.exists()
    # The answers so far are kept: the officer carries on with the person's answer.
    assert journey.get("offer").status_code == 200
    entry = AccessLogEntry.objects.get(action=Action.DISCLOSURE)
    assert (entry.actor, entry.record_type, entry.record_id, entry.recipient) == (
        custody_officer,
        "people.person",
        sam.pk,
        "the person referred",
    )


def test_the_desk_offer_waits_for_the_questions_before_it(at_the_desk, sam):
    journey = Journey(at_the_desk, sam).walk_to_decision()
    response = at_the_desk.get(print_url(journey))
    assert response["Location"] == journey.url("decision")
    assert disclosures() == []


def test_an_offer_that_needs_authorisation_is_not_printed_at_the_desk(at_the_desk, sam):
    supply = OffenceType.objects.get(code="supply-own-use")
    journey = Journey(at_the_desk, sam).walk_to_decision()
    journey.post(
        "offence",
        {
            "offence_type": supply.pk,
            "offence_date_0": "9",
            "offence_date_1": "6",
            "offence_date_2": "2026",
            "gravity_score": "2",
            "risk_band": "low",
        },
    )
    journey.post("decision", {"officer_decision": "offer", "decision_rationale": "Own use."})
    response = at_the_desk.get(print_url(journey))
    assert response["Location"] == journey.url("check")
    assert disclosures() == []


def test_another_officers_draft_offer_is_not_found(at_the_desk, sam, client):
    journey = Journey(at_the_desk, sam).walk_to_offer()
    client.force_login(UserFactory(roles=[Role.CUSTODY_OFFICER]))
    assert client.get(print_url(journey)).status_code == 404
    assert disclosures() == []


def test_only_custody_officers_print_at_the_desk(client, manager, caseworker):
    for user in (manager, caseworker):
        assert get(client, user, "/referrals/drafts/1/offer/print/").status_code == 403


def test_the_desk_offer_only_answers_get(at_the_desk, sam):
    journey = Journey(at_the_desk, sam).walk_to_offer()
    assert at_the_desk.post(print_url(journey)).status_code == 405


# --- The contract, to sign -----------------------------------------------------------------


@pytest.fixture
def signed(make_referral, caseworker, sign_contract):
    referral = make_referral(decision=PersonDecision.ACCEPTED, victim=Victim.RESTORATIVE)
    assign(referral.programme, caseworker)
    return sign_contract(
        referral.programme,
        conditions=[
            {"kind": ConditionKind.RESTORATIVE, "description": "Letter of apology to the shop"},
            {"kind": ConditionKind.INTERVENTION, "description": "Drug treatment sessions"},
            {"kind": ConditionKind.VOLUNTARY_WORK, "voluntary_hours": 24},
        ],
    )


def contract_page(client, user, programme):
    return get(client, user, f"/cases/{programme.pk}/contract/print/")


def test_the_contract_prints_the_person_the_dates_each_condition_and_where_to_sign(
    client, caseworker, signed, rollout_rules
):
    response = contract_page(client, caseworker, signed)
    assert response.status_code == 200
    html = response.content.decode()
    person = signed.referral.person
    assert escape(person) in html
    assert f"{signed.signed_on.day} {signed.signed_on:%B %Y}" in html
    assert f"{signed.ends_on.day} {signed.ends_on:%B %Y}" in html
    conditions = re.findall(r"<li>\s*(.*?)\s*</li>", html[html.index('data-testid="conditions"') :])
    assert conditions[:4] == [
        "Do not reoffend",
        "Take part in a restorative approach: Letter of apology to the shop",
        "Take part in an intervention: Drug treatment sessions",
        "Voluntary work, 24 hours",
    ]
    final = signed.milestones.get(code="final_review").due_on
    assert f"Final review: by {final.day} {final:%B %Y}" in html
    signatures = html[html.index('data-testid="signatures"') :]
    assert f"The person: {escape(person)}" in signatures
    assert f"The navigator (caseworker): {escape(caseworker)}" in signatures
    assert signatures.count("Signature") == 2 and signatures.count("Date") == 2
    assert rollout_rules.if_kept in html and rollout_rules.if_broken in html
    for value in CONTACT.values():
        assert value in html
    assert 'data-module="app-print-button" hidden' in html


def test_a_contract_signed_on_paper_prints_the_day_it_was_signed(client, caseworker, make_referral):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
        programme = make_referral(decision=PersonDecision.ACCEPTED).programme
    assign(programme, caseworker)
    with time_machine.travel(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)):
        sign_contract(
            programme,
            actor=caseworker,
            signed_on=datetime.date(2026, 3, 3),
            conditions=[],
            late_reason="Signed on paper at the hostel.",
        )
        html = contract_page(client, caseworker, programme).content.decode()
    assert "3 March 2026" in html and "3 July 2026" in html


def test_the_contract_tab_links_to_the_contract_to_print(client, caseworker, signed):
    html = get(client, caseworker, f"/cases/{signed.pk}/contract/").content.decode()
    assert f'href="/cases/{signed.pk}/contract/print/"' in html


def test_printing_the_contract_is_logged_as_a_disclosure_to_the_person(client, caseworker, signed):
    contract_page(client, caseworker, signed)
    assert disclosures() == [
        ("cases.programme", signed.pk, "contract printed", "the person on the programme")
    ]


def test_a_contract_not_signed_yet_cannot_be_printed(client, caseworker, programme):
    assign(programme, caseworker)
    response = contract_page(client, caseworker, programme)
    assert response.status_code == 200
    assert "This contract cannot be printed yet" in response.content.decode()
    assert disclosures() == []


def test_a_manager_can_print_any_contract(client, manager, signed):
    assert contract_page(client, manager, signed).status_code == 200


def test_another_caseworkers_contract_is_not_found(client, signed):
    other = UserFactory(roles=[Role.CASEWORKER])
    assert contract_page(client, other, signed).status_code == 404
    assert disclosures() == []


def test_a_custody_officer_cannot_print_a_contract(client, custody_officer, signed):
    assert contract_page(client, custody_officer, signed).status_code == 403


def test_an_unknown_case_is_not_found(client, manager):
    assert get(client, manager, "/cases/999999/contract/print/").status_code == 404


def test_printing_a_contract_only_answers_get(client, caseworker, signed):
    client.force_login(caseworker)
    assert client.post(f"/cases/{signed.pk}/contract/print/").status_code == 405
    assert Programme.objects.get(pk=signed.pk).version == signed.version
