import pytest

from diversion.accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

HOMES = {
    Role.CUSTODY_OFFICER: "/referrals/mine/",
    Role.CASEWORKER: "/cases/",
    Role.MANAGER: "/dashboards/",
    Role.AUDITOR: "/audit/",
}


def test_sign_in_page_shows_the_form(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in to Checkpoint" in response.content
    assert b'name="username"' in response.content


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_and_lands_on_its_home_page(client, db, role):
    user = UserFactory(roles=[role])
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == HOMES[role]
    assert response.status_code == 200
    assert role.value.encode() in response.content  # the role is shown in the header


def test_a_user_with_two_roles_lands_on_the_first_and_sees_both_navigations(client, db):
    user = UserFactory(roles=[Role.CASEWORKER, Role.MANAGER])
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/cases/"
    assert b'href="/dashboards/"' in response.content
    assert b"Caseworker, Manager" in response.content


def test_wrong_password_is_refused_with_a_clear_message_and_keeps_the_username(client, db):
    user = UserFactory(roles=[Role.MANAGER])
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a correct username and password" in response.content
    assert f'value="{user.username}"'.encode() in response.content


def test_empty_sign_in_says_what_is_missing(client, db):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert b"Enter your username" in response.content
    assert b"Enter your password" in response.content


def test_sign_out_needs_post(client, manager):
    client.force_login(manager)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/dashboards/").status_code == 302


def test_passwords_are_hashed_with_argon2(db, settings):
    from diversion import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = UserFactory()
    assert user.password.startswith("argon2")


def test_signed_in_user_visiting_sign_in_goes_home(client, manager):
    client.force_login(manager)
    response = client.get("/accounts/login/")
    assert response.status_code == 302
