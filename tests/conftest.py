from importlib import import_module

import hypothesis
import pytest
from django.core.cache import cache

from diversion.accounts.roles import Role
from diversion.cases.models import DeclineReason, OfficerDecision, PersonDecision
from diversion.cases.services import referral as referral_services

from .factories import PersonFactory, UserFactory, on_the_day, refer

# Tests never assert timing: hypothesis's per-example deadline would fail a property on a
# busy machine, not on a wrong answer.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")


def restore_reference_data():
    """Put back what the data migrations made (roles, offence types, custody suites, policy
    versions) if a transactional test's flush emptied the tables."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from diversion.policy.models import OffenceType

    if not Group.objects.exists():
        # The flush recreated the permissions; the groups need making again.
        import_module("diversion.accounts.migrations.0002_roles").assign_roles(Group, Permission)
    if not OffenceType.objects.exists():
        import_module("diversion.policy.migrations.0002_reference_data").forwards(apps, None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is made and migrated by the owner role, as the real one is (the
    service role may create neither databases nor tables). The suite reads no reporting
    copy, even if one is configured (REPLICA_DATABASE_URL): tests/reporting/test_replica
    makes a real one."""
    from django.conf import settings
    from django.db import connections

    from diversion.lib.db import use_owner
    from diversion.reporting.replica import REPLICA

    use_owner(connections["default"])
    settings.DATABASES.pop(REPLICA, None)


# Tests that flush the database at the end (transactional_db, live_server: the browser
# tests) stay connected as the owner: flushing empties the logs and history with TRUNCATE,
# which the service role may not do.
FLUSHING = {"transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def as_the_service_role(request):
    """Run every other database test as the service role, so a privilege the running
    service lacks fails the test that needs it. SET LOCAL lasts until the test's
    transaction is rolled back."""
    marker = request.node.get_closest_marker("django_db")
    if not ("db" in request.fixturenames or marker) or FLUSHING & set(request.fixturenames):
        return
    if request.node.get_closest_marker("as_owner"):
        return
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return
    from django.conf import settings
    from django.db import connection

    request.getfixturevalue("db")
    role = settings.DATABASE_SERVICE["USER"]
    if role != connection.settings_dict["USER"]:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A database kept from an earlier run (--reuse-db) may have been flushed by its last
    browser test: start from the reference data every run."""
    with django_db_blocker.unblock():
        restore_reference_data()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is slow by design; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test client builds its own middleware; without this WhiteNoise indexes every
    # static file each time.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def second_factor_optional(request, settings):
    """The suite signs users in with client.force_login, which checks no second factor, and
    runs with DEBUG off, where REQUIRE_2FA is on: so each test runs with it off (a user with
    no authenticator then goes straight in) unless it is marked `two_factor`, as the
    two-factor tests and the browser sign-in journeys are, which run with it on."""
    settings.REQUIRE_2FA = request.node.get_closest_marker("two_factor") is not None


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with nothing cached (the drawn dashboard panels), so none sees a
    page drawn for another test's figures."""
    cache.clear()


@pytest.fixture(autouse=True)
def demo_allowed(settings):
    """Tests may seed demo data (tests/demo/test_seed_demo.py checks the refusal without)."""
    settings.DEMO = True


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

    `decision` is the person's answer to the offer, if one is to be recorded; a decline
    is recorded with `decline_reason`.
    """

    def make(
        *,
        person=None,
        officer=None,
        officer_decision=OfficerDecision.OFFER,
        decision=None,
        decline_reason=DeclineReason.PREFERS_COURT,
        **overrides,
    ):
        person = person or PersonFactory()
        officer = officer or custody_officer
        referral = refer(
            person,
            officer,
            officer_decision,
            rationale="Admitted possession; first arrest.",
            **overrides,
        )
        if decision:
            referral_services.record_person_decision(
                referral, actor=officer, decision=decision, decline_reason=decline_reason
            )
        return referral

    return make


@pytest.fixture
def accepted_referral(make_referral):
    return make_referral(decision=PersonDecision.ACCEPTED)


@pytest.fixture
def programme(accepted_referral):
    return accepted_referral.programme


# --- Domain-model fixtures: policy versions and signed programmes -------------------------
# Imports are local so that these fixtures can be appended without reordering the module.


@pytest.fixture
def pilot_rules(db):
    """The seeded pilot policy version (from 1 April 2016)."""
    from diversion.policy.models import PolicyVersion

    return PolicyVersion.objects.get(name="Pilot rules")


@pytest.fixture
def rollout_rules(db):
    """The seeded roll-out policy version (from 1 April 2023)."""
    from diversion.policy.models import PolicyVersion

    return PolicyVersion.objects.get(name="Roll-out rules")


@pytest.fixture
def sign_contract(caseworker):
    """Sign a programme's contract through the service: today, with one intervention."""
    from diversion.cases.services import allocation
    from diversion.cases.services import programme as programme_services
    from diversion.lib.dates import today

    def sign(programme, *, signed_on=None, conditions=None, actor=None):
        # A contract is signed on an assigned case: an unassigned open one is taken first.
        if programme.caseworker_id is None and programme.is_open:
            allocation.take(programme, actor=caseworker)
        signed_on = signed_on or today()
        with on_the_day(signed_on, after=programme.referral.decided_at):
            return programme_services.sign_contract(
                programme,
                actor=actor or caseworker,
                signed_on=signed_on,
                conditions=(
                    [{"kind": "intervention", "description": "Drug treatment sessions"}]
                    if conditions is None
                    else conditions
                ),
            )

    return sign


@pytest.fixture
def active_programme(programme, sign_contract):
    """A programme whose contract was signed today, with conditions 1 and 2."""
    return sign_contract(programme)
