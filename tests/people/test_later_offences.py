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
