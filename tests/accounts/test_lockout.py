import io

from axes.models import AccessAttempt
from django.core.management import call_command

from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory

LOCKED = b"This account is locked after 5 failed sign-ins. Ask an administrator to unlock it."


def sign_in(client, username, password, address="192.0.2.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def kinds(user):
    return list(
        SecurityEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


def test_five_failures_lock_the_account_even_for_the_right_password(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for _ in range(4):
        assert LOCKED not in sign_in(client, user.username, "wrong").content
    fifth = sign_in(client, user.username, "wrong")
    assert fifth.status_code == 200
    assert LOCKED in fifth.content and b"There is a problem" in fifth.content
    right = sign_in(client, user.username, PASSWORD)
    assert right.status_code == 200
    assert LOCKED in right.content
    assert "_auth_user_id" not in client.session


def test_changing_address_gives_no_more_tries(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for n in range(5):
        sign_in(client, user.username, "wrong", address=f"192.0.2.{n + 1}")
    assert LOCKED in sign_in(client, user.username, PASSWORD, address="198.51.100.9").content


def test_a_sign_in_resets_the_count(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for _ in range(4):
        sign_in(client, user.username, "wrong")
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        sign_in(client, user.username, "wrong")
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_another_account_is_not_locked_by_someone_elses_failures(client, db):
    locked, other = UserFactory(roles=[Role.MANAGER]), UserFactory(roles=[Role.MANAGER])
    for _ in range(5):
        sign_in(client, locked.username, "wrong")
    assert sign_in(client, other.username, PASSWORD).status_code == 302


def test_the_lockout_is_logged_once_with_the_address(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for _ in range(7):
        sign_in(client, user.username, "wrong")
    locked = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOCKED_OUT)
    assert (locked.user, locked.address) == (user, "192.0.2.7")
    assert kinds(user).count(SecurityEvent.Kind.SIGN_IN_FAILED) == 7
    refused = SecurityEvent.objects.filter(detail="account locked")
    assert refused.count() == 2


def test_a_name_that_is_no_account_is_locked_too_and_never_stored(client, db):
    for _ in range(5):
        response = sign_in(client, "correct-horse-battery", "anything")
    assert LOCKED in response.content
    stored = " ".join(str(a.__dict__) for a in AccessAttempt.objects.all())
    assert "correct-horse-battery" not in stored
    assert "anything" not in stored


def test_an_administrator_unlocks_with_the_command_and_it_is_logged(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for n in range(5):
        # Two addresses: the failures are held in two rows, and one unlock is logged once.
        sign_in(client, user.username, "wrong", address=f"192.0.2.{n % 2 + 1}")
    call_command("axes_reset_username", user.username, stdout=io.StringIO())
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert kinds(user).count(SecurityEvent.Kind.UNLOCKED) == 1


def test_a_superuser_unlocks_in_the_admin_site_and_it_is_logged(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    for _ in range(5):
        sign_in(client, user.username, "wrong")
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    attempt = AccessAttempt.objects.get(username=user.username)
    listing = client.get("/admin/axes/accessattempt/")
    assert user.username.encode() in listing.content
    response = client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert kinds(user).count(SecurityEvent.Kind.UNLOCKED) == 1


def test_a_sign_in_clearing_a_count_is_not_an_unlock(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    sign_in(client, user.username, "wrong")
    sign_in(client, user.username, PASSWORD)
    assert SecurityEvent.Kind.UNLOCKED not in kinds(user)
