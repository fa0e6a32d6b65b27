"""factory_boy factories. Referral and programme factories build through the services, so
tests get data that obeys the same rules the service does."""

import contextlib
import datetime
import itertools

import factory
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.roles import Role, has_role
from diversion.cases.models import Programme, RiskBand, Victim
from diversion.cases.services.programme import sign_contract
from diversion.cases.services.referral import create_referral
from diversion.people.models import ObservedEthnicity, Person, Sex
from diversion.policy.models import CustodySuite, OffenceType

PASSWORD = "correct-horse-battery-staple"
_custody_serials = itertools.count(10_000_000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=Role(role).value))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_names = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(1990, 5, 17)
    sex = Sex.MALE
    observed_ethnicity = ObservedEthnicity.IC1
    postcode_district = "CB1"


def referral_details(**overrides):
    """The custody details of a referral, as create_referral takes them."""
    arrested_at = overrides.pop("arrested_at", timezone.now() - datetime.timedelta(hours=2))
    details = {
        "arrested_at": arrested_at,
        "offence_date": timezone.localdate(arrested_at),
        "custody_suite": CustodySuite.objects.get(code="NG"),
        "custody_record_number": f"NG-{next(_custody_serials)}-26",
        "crime_reference": "CR-1234567-26",
        "offence_type": OffenceType.objects.get(code="possession-class-b"),
        "gravity_score": 2,
        "risk_band": RiskBand.LOW,
        "victim": Victim.NONE,
        "circumstances": [],
    }
    details.update(overrides)
    return details


def refer(
    person,
    officer,
    officer_decision,
    *,
    rationale="Admitted the offence in interview.",
    **overrides,
):
    """Assess and create a referral through the service, as the custody desk does."""
    details = referral_details(**overrides)
    return create_referral(
        actor=officer,
        person=person,
        officer_decision=officer_decision,
        decision_rationale=rationale,
        **details,
    )


def date_fields(name, day):
    """A GOV.UK date input's three posted values for the field `name`."""
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def on_the_day(day, *, after):
    """Act as on `day`, if it is before today (noon that day, but after `after`): a contract
    signed then is recorded then, so the late-entry rules (tests/cases/test_late_entry.py)
    do not apply to the many tests that need a contract signed some time ago."""
    if day >= timezone.localdate():
        return contextlib.nullcontext()
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(max(noon, after + datetime.timedelta(minutes=1)))


def sign(programme, *, actor, signed_on, conditions=(), **kwargs):
    """Sign a case's contract through the service, giving an unassigned case to a caseworker
    first (the actor, if they are one), since only an assigned case can be signed. A contract
    signed before today is recorded on the day (on_the_day)."""
    if programme.caseworker_id is None:
        holder = actor if has_role(actor, Role.CASEWORKER) else UserFactory(roles=[Role.CASEWORKER])
        Programme.objects.filter(pk=programme.pk).update(caseworker=holder)
        programme.refresh_from_db()
    with on_the_day(signed_on, after=programme.referral.decided_at):
        return sign_contract(
            programme, actor=actor, signed_on=signed_on, conditions=list(conditions), **kwargs
        )
