from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory


def sign_in(client, username, password):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.7",
    )


def test_a_sign_in_is_logged_with_its_time_and_address(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    sign_in(client, user.username, PASSWORD)
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.address) == (
        SecurityEvent.Kind.SIGNED_IN,
        user,
        "192.0.2.7",
    )
    assert event.at is not None


def test_a_failed_sign_in_names_the_account_it_tried(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    sign_in(client, user.username, "wrong password")
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user) == (SecurityEvent.Kind.SIGN_IN_FAILED, user)


def test_a_failed_sign_in_never_stores_what_was_typed_for_an_unknown_account(client, db):
    # Someone who types their password into the username box must not have it logged.
    sign_in(client, "correct-horse-battery", "anything")
    event = SecurityEvent.objects.get()
    assert event.user is None
    assert "correct-horse-battery" not in str(event.__dict__)


def test_signing_out_is_logged(client, manager):
    client.force_login(manager)
    client.post("/accounts/logout/")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGNED_OUT, user=manager).exists()
