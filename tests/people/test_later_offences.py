"""Recording an offence by someone after their referral, on their person record."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import PersonDecision, Programme
from diversion.lib.dates import today
from diversion.lib.text import LONG_TEXT
from diversion.people import services
from diversion.people.models import LaterOffence
from diversion.policy.models import OffenceType
from tests.factories import UserFactory, date_fields


@pytest.fixture
def person(make_referral, caseworker):
    """Someone whose case the caseworker holds, referred 40 days ago."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        programme = make_referral(decision=PersonDecision.ACCEPTED).programme
    Programme.objects.filter(pk=programme.pk).update(caseworker=caseworker)
    return programme.referral.person


@pytest.fixture
def cw(client, caseworker):
    client.force_login(caseworker)
    return client


def test_a_later_offence_is_recorded_on_the_person(cw, person, caseworker):
    response = cw.post(
        f"/people/{person.pk}/later-offences/new/",
        {
            "offence_type": OffenceType.objects.get(code="fraud").pk,
            "source": "court",
            **{
                f"offence_date_{i}": v
                for i, v in enumerate([today().day, today().month, today().year])
            },
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    offence = LaterOffence.objects.get()
    assert (offence.person, offence.recorded_by) == (person, caseworker)
    assert AccessLogEntry.objects.filter(
        action=Action.COLLECTION, record_type="people.lateroffence"
    ).exists()


@pytest.mark.parametrize(
    "day,message",
    [
        (lambda: today() + datetime.timedelta(days=1), "cannot be in the future"),
        (
            lambda: today() - datetime.timedelta(days=400),
            "must be after the offence first referred",
        ),
    ],
)
def test_a_later_offence_date_is_checked(cw, person, day, message):
    d = day()
    response = cw.post(
        f"/people/{person.pk}/later-offences/new/",
        {
            "offence_type": OffenceType.objects.get(code="fraud").pk,
            "source": "court",
            "offence_date_0": d.day,
            "offence_date_1": d.month,
            "offence_date_2": d.year,
        },
    )
    assert message in str(response.context["form"].errors["offence_date"])
    assert not LaterOffence.objects.exists()


def test_later_offences_for_someone_out_of_reach_are_not_found(client, person):
    client.force_login(UserFactory(roles=[Role.CASEWORKER]))
    assert client.get(f"/people/{person.pk}/later-offences/new/").status_code == 404
    assert client.get("/people/999999/later-offences/new/").status_code == 404


def test_an_offence_today_is_accepted_in_the_first_hour_of_a_summer_day(make_referral, caseworker):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)):
        person = make_referral().person
    # 00:30 in London on 11 June is still 10 June by the UTC clock.
    with time_machine.travel(datetime.datetime(2026, 6, 10, 23, 30, tzinfo=datetime.UTC)):
        offence = services.record_later_offence(
            person,
            actor=caseworker,
            offence_date=datetime.date(2026, 6, 11),
            offence_type=OffenceType.objects.get(code="theft"),
            source="pnc",
        )
    assert offence.pk


def test_notes_over_the_limit_are_refused_beside_the_field_and_nothing_is_recorded(cw, person):
    notes = "Seen on CCTV.\r\n" + "x" * (LONG_TEXT - 13)
    response = cw.post(
        f"/people/{person.pk}/later-offences/new/",
        {
            "offence_type": OffenceType.objects.get(code="fraud").pk,
            "source": "court",
            "notes": notes,
            **date_fields("offence_date", today()),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].errors["notes"] == ["Notes must be 2,000 characters or fewer"]
    assert 'id="id_notes_1_error"' in html and 'href="#id_notes"' in html
    assert 'data-module="govuk-character-count" data-maxlength="2000"' in html
    assert "x" * (LONG_TEXT - 13) in html
    assert not LaterOffence.objects.exists()
    assert not AccessLogEntry.objects.filter(
        action=Action.COLLECTION, record_type="people.lateroffence"
    ).exists()


# --- From the custody desk: the officer's way to record one ------------------------------


@pytest.fixture
def on_contract(make_referral, caseworker):
    """Someone on a running contract, signed 20 days ago, referred by another officer."""
    from tests.factories import sign

    with time_machine.travel(timezone.now() - datetime.timedelta(days=20)):
        programme = make_referral(
            decision=PersonDecision.ACCEPTED, officer=UserFactory(roles=[Role.CUSTODY_OFFICER])
        ).programme
        sign(programme, actor=caseworker, signed_on=today(), conditions=[])
    return programme


def test_any_custody_officer_is_offered_a_way_to_record_a_new_offence(client, on_contract):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    client.force_login(officer)
    person = on_contract.referral.person
    html = client.get(f"/people/{person.pk}/").content.decode()
    link = f'href="/people/{person.pk}/later-offences/new/"'
    prompt = html[html.index('data-testid="record-new-offence"') :][:600]
    assert link in prompt
    assert "their caseworker sees it on the case" in prompt
    assert "Record a later offence</a>" in html


def test_the_later_offence_page_does_not_send_an_officer_to_a_page_they_cannot_open(
    client, custody_officer, on_contract
):
    client.force_login(custody_officer)
    person = on_contract.referral.person
    html = client.get(f"/people/{person.pk}/later-offences/new/").content.decode()
    assert "/outcome/" not in html
    assert "Outcome page" not in html
    told = html[html.index('data-testid="who-is-told"') :][:600]
    assert "shows on their case" in told
    assert "caseworker decides whether it breaches the contract" in told


def test_an_offence_an_officer_records_shows_on_the_case_for_the_caseworker(
    client, custody_officer, caseworker, on_contract
):
    person = on_contract.referral.person
    client.force_login(custody_officer)
    response = client.post(
        f"/people/{person.pk}/later-offences/new/",
        {
            "offence_type": OffenceType.objects.get(code="theft").pk,
            "source": "custody",
            **{
                f"offence_date_{i}": v
                for i, v in enumerate([today().day, today().month, today().year])
            },
        },
    )
    assert response.status_code == 302
    client.force_login(caseworker)
    html = client.get(f"/cases/{on_contract.pk}/").content.decode()
    assert "A later offence was recorded during the contract" in html


def test_someone_never_referred_has_no_later_offence_button(client, custody_officer):
    from tests.factories import PersonFactory

    person = PersonFactory()
    client.force_login(custody_officer)
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "later-offences/new/" not in html


def test_the_arrest_prompt_is_for_the_custody_desk(client, caseworker, on_contract):
    client.force_login(caseworker)
    html = client.get(f"/people/{on_contract.referral.person.pk}/").content.decode()
    assert 'data-testid="record-new-offence"' not in html
    assert "Record a later offence</a>" in html
