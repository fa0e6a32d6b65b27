import pytest

from diversion.accounts.roles import Role
from diversion.referrals import services as referral_services
from diversion.referrals.eligibility import assess
from diversion.referrals.models import OfficerDecision, PersonDecision

from .factories import PersonFactory, UserFactory, referral_details


@pytest.fixture
def custody_officer(db):
    return UserFactory(roles=[Role.CUSTODY_OFFICER])


@pytest.fixture
def caseworker(db):
    return UserFactory(roles=[Role.CASEWORKER])


@pytest.fixture
def manager(db):
    return UserFactory(roles=[Role.MANAGER])


@pytest.fixture
def auditor(db):
    return UserFactory(roles=[Role.AUDITOR])


@pytest.fixture
def person(db):
    return PersonFactory()


@pytest.fixture
def make_referral(db, custody_officer):
    """Refer someone through the service, as a custody officer would.

    `decision` is the person's answer to the offer, if one is to be recorded.
    """

    def make(*, person=None, officer=None, officer_decision=OfficerDecision.OFFER, decision=None, **overrides):
        person = person or PersonFactory()
        officer = officer or custody_officer
        details = referral_details(**overrides)
        assessment = assess(
            person=person,
            offence_type=details["offence_type"],
            offence_date=details["offence_date"],
            arrested_at=details["arrested_at"],
            gravity_score=details["gravity_score"],
            circumstances=details["circumstances"],
        )
        referral = referral_services.create_referral(
            actor=officer,
            person=person,
            assessment=assessment,
            officer_decision=officer_decision,
            decision_rationale="Admitted possession; first arrest.",
            **details,
        )
        if decision:
            referral_services.record_person_decision(referral, actor=officer, decision=decision)
        return referral

    return make


@pytest.fixture
def accepted_referral(make_referral):
    return make_referral(decision=PersonDecision.ACCEPTED)


@pytest.fixture
def programme(accepted_referral):
    return accepted_referral.programme
