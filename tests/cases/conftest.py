import pytest

from diversion.accounts.roles import Role
from diversion.cases.models import OutcomeReason, PersonDecision, ProgrammeStatus
from diversion.cases.services import allocation
from diversion.cases.services import programme as services
from diversion.lib.dates import today
from tests.factories import UserFactory, sign


@pytest.fixture
def other_caseworker(db):
    return UserFactory(roles=[Role.CASEWORKER])


@pytest.fixture
def make_case(make_referral, manager):
    """A programme made through the services: accepted, then optionally given to a
    caseworker, signed on `signed_on`, and closed (withdrawn today)."""

    def make(*, caseworker=None, signed_on=None, closed=False, **referral_details):
        programme = make_referral(decision=PersonDecision.ACCEPTED, **referral_details).programme
        if caseworker is not None:
            allocation.assign(programme, actor=manager, caseworker=caseworker)
        if signed_on is not None:
            sign(programme, actor=manager, signed_on=signed_on, conditions=[])
        if closed:
            services.end(
                programme,
                ProgrammeStatus.WITHDRAWN,
                actor=manager,
                outcome_on=today(),
                reason=OutcomeReason.MOVED_AWAY,
            )
        return programme

    return make
