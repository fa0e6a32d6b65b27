from django.test import Client

from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory

NEW = "a-long-new-passphrase-42"


def change(client, old=PASSWORD, new=NEW, again=None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_the_page_is_linked_from_the_header_for_every_signed_in_user(client, manager):
    client.force_login(manager)
    home = client.get("/dashboards/")
    assert b'href="/accounts/password/"' in home.content
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    assert b"Change your password" in page.content


def test_a_user_without_a_role_may_change_their_password(client, db):
    client.force_login(UserFactory(roles=[]))
    assert client.get("/accounts/password/").status_code == 200


def test_signing_in_is_needed(client, db):
    response = client.get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_other_methods_are_refused(client, manager):
    client.force_login(manager)
    assert client.put("/accounts/password/").status_code == 405


def test_a_change_keeps_this_session_ends_the_others_and_is_logged(client, manager):
    other = Client()
    client.force_login(manager)
    other.force_login(manager)
    response = change(client)
    assert response.status_code == 302
    assert client.get("/dashboards/").status_code == 200
    assert other.get("/dashboards/").status_code == 302
    manager.refresh_from_db()
    assert manager.check_password(NEW)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_CHANGED)
    assert event.user == manager


def test_the_success_message_is_shown(client, manager):
    client.force_login(manager)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert b"Your password has been changed" in response.content


def test_a_wrong_current_password_is_refused_next_to_the_field(client, manager):
    client.force_login(manager)
    response = change(client, old="not it")
    assert response.status_code == 200
    assert b"Your current password is wrong" in response.content
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_CHANGED).exists()


def test_new_passwords_that_differ_or_are_weak_are_refused(client, manager):
    client.force_login(manager)
    assert b"The new passwords do not match" in change(client, again="something-else-42").content
    assert b"This password is too short" in change(client, new="short1").content


def test_an_empty_form_says_what_is_missing(client, manager):
    client.force_login(manager)
    html = client.post("/accounts/password/", {}).content
    for message in [b"Enter your current password", b"Enter a new password", b"Enter the new"]:
        assert message in html
