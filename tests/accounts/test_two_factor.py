"""Two-factor sign-in: the code after the password, setting up an authenticator, recovery
codes, and every page kept from a session whose second factor is not yet checked."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts import two_factor
from diversion.accounts.roles import Role
from diversion.audit.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import code_for, give_authenticator

pytestmark = pytest.mark.two_factor

VERIFY = "/accounts/two-factor/"
SET_UP = "/accounts/two-factor/set-up/"
RECOVERY = "/accounts/two-factor/recovery-codes/"


@pytest.fixture
def clock():
    """A still clock, moved on by hand: codes change every 30 seconds, and a wrong code
    makes the next wait a second, then two, four..."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sign_in_with_password(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def failures(user):
    return list(
        SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SECOND_FACTOR_FAILED)
    )


def wrong_code(device):
    return "000000" if code_for(device) != "000000" else "111111"


@pytest.fixture
def manager_with_app(db):
    user = UserFactory(roles=[Role.MANAGER])
    device, codes = give_authenticator(user, recovery_codes=True)
    return user, device, codes


# --- Asked for the code after the password --------------------------------------------------


def test_after_the_password_a_user_with_an_authenticator_is_asked_for_its_code(
    client, manager_with_app
):
    user, _, _ = manager_with_app
    response = client.post(
        "/accounts/login/?next=/cases/",
        {"username": user.username, "password": PASSWORD, "next": "/cases/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fcases%2F"
    assert b"Enter your code" in response.content
    assert b'autocomplete="one-time-code"' in response.content


@pytest.mark.parametrize(
    "path", ["/", "/cases/", "/dashboards/", "/referrals/mine/", "/people/", "/audit/", "/admin/"]
)
def test_every_page_sends_an_unverified_user_to_the_code_first(client, manager_with_app, path):
    user, _, _ = manager_with_app
    user.is_staff = user.is_superuser = True
    user.save()
    sign_in_with_password(client, user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")


def test_before_the_code_the_page_shows_no_navigation_or_roles(client, manager_with_app):
    user, _, _ = manager_with_app
    sign_in_with_password(client, user)
    response = client.get(VERIFY)
    assert b'href="/dashboards/"' not in response.content
    assert b"(Manager)" not in response.content
    assert b"Sign out" in response.content


def test_an_unverified_user_can_sign_out(client, manager_with_app):
    user, _, _ = manager_with_app
    sign_in_with_password(client, user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/dashboards/")["Location"].startswith("/accounts/login/")


def test_the_right_code_signs_in_and_goes_to_the_page_asked_for(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    response = client.post(f"{VERIFY}?next=/cases/", {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/dashboards/").status_code == 200
    assert not failures(user)


def test_the_code_may_be_typed_with_a_space(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    code = code_for(device)
    response = client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})
    assert response["Location"] == "/"


def test_a_next_address_elsewhere_is_ignored(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    response = client.post(f"{VERIFY}?next=https://elsewhere.example/", {"code": code_for(device)})
    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_next_to_the_field_and_logged(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    wrong = wrong_code(device)
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_code">The code is not right.' in html
    assert re.search(r'id="id_code_1_error"[^>]*>.*The code is not right', html, re.S)
    (failure,) = failures(user)
    assert failure.detail == "authenticator code: wrong code"
    assert wrong not in failure.detail
    assert client.get("/dashboards/").status_code == 302


def test_after_a_wrong_code_the_next_must_wait_as_django_otp_throttles(
    client, manager_with_app, clock
):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": code_for(device)})
    assert b"You have entered too many wrong codes. Wait 1 second," in response.content
    assert [f.detail for f in failures(user)][0] == "authenticator code: too many wrong codes"
    clock.shift(datetime.timedelta(seconds=2))
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302


def test_an_empty_or_overlong_code_says_what_to_enter(client, manager_with_app):
    user, _, _ = manager_with_app
    sign_in_with_password(client, user)
    assert (
        b"Enter the code from your authenticator app" in client.post(VERIFY, {"code": ""}).content
    )
    assert b"Enter the 6-digit code" in client.post(VERIFY, {"code": "1" * 41}).content


def test_a_code_is_not_taken_twice(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    code = code_for(device)
    client.post(VERIFY, {"code": code})
    client.post("/accounts/logout/")
    clock.shift(datetime.timedelta(seconds=5))  # past the wait a refused code would need
    sign_in_with_password(client, user)
    response = client.post(VERIFY, {"code": code})
    assert b"The code is not right" in response.content


# --- Recovery codes --------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_only(client, manager_with_app, clock):
    user, _, codes = manager_with_app
    sign_in_with_password(client, user)
    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboards/"
    assert b"You used a recovery code: it cannot be used again. You have 9 left." in (
        response.content
    )
    client.post("/accounts/logout/")

    sign_in_with_password(client, user)
    response = client.post(VERIFY, {"code": codes[0]})
    assert (
        b"The code is not right. Enter the code your authenticator app shows now, or a "
        b"recovery code you have not used" in response.content
    )
    assert failures(user)[0].detail == "recovery code: wrong code"
    clock.shift(datetime.timedelta(seconds=2))
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


# --- Setting up an authenticator ------------------------------------------------------------


def test_a_user_without_an_authenticator_must_set_one_up(client, db):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(client, user)
    response = client.get("/cases/", follow=True)
    assert response.redirect_chain[-1][0] == f"{SET_UP}?next=%2Fcases%2F"
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert '<img src="data:image/svg+xml' in html
    assert 'alt="QR code that adds Checkpoint to an authenticator app"' in html
    assert two_factor.key_text(device) in html  # to type in, in fours
    assert len(two_factor.key_text(device).replace(" ", "")) == 32
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]  # CSP: none inline
    # The same key, however often the page is loaded, until it is confirmed.
    client.get(SET_UP)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_right_code_confirms_the_authenticator_and_shows_ten_recovery_codes_once(
    client, db, clock
):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(client, user)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(f"{SET_UP}?next=/cases/", {"code": code_for(device)})
    assert response["Location"] == f"{RECOVERY}?next=%2Fcases%2F"
    device.refresh_from_db()
    assert device.confirmed

    page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    assert b"shown only once" in page.content
    assert b'href="/cases/"' in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    # Shown once: the page does not show them again.
    assert client.get(RECOVERY)["Location"] == "/"
    assert client.get("/cases/").status_code == 200


def test_a_wrong_code_while_setting_up_is_refused_and_logged(client, db, clock):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(client, user)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=user)
    wrong = wrong_code(device)
    response = client.post(SET_UP, {"code": wrong})
    assert b"The code is not right" in response.content
    assert b"There is a problem" in response.content
    assert failures(user)[0].detail == "code while setting up: wrong code"
    assert b"Enter the 6-digit code from your authenticator app, like 123456" in (
        client.post(SET_UP, {"code": "abc"}).content
    )
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/cases/").status_code == 302


def test_a_user_with_an_authenticator_cannot_set_up_another_before_giving_its_code(
    client, manager_with_app
):
    user, _, _ = manager_with_app
    sign_in_with_password(client, user)
    response = client.get(SET_UP)
    assert response["Location"].startswith(VERIFY)
    assert client.post(SET_UP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_without_an_authenticator_the_code_page_sends_on_to_set_one_up(client, db):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(client, user)
    assert client.get(VERIFY)["Location"].startswith(SET_UP)


def test_the_pages_take_only_get_and_post(client, manager_with_app):
    user, _, _ = manager_with_app
    sign_in_with_password(client, user)
    assert client.delete(VERIFY).status_code == 405
    assert client.put(SET_UP).status_code == 405


def test_the_recovery_codes_page_is_get_only(client, manager_with_app, clock):
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.post(RECOVERY).status_code == 405


def test_signed_out_the_pages_ask_for_sign_in(client, db):
    for path in (VERIFY, SET_UP, RECOVERY):
        assert client.get(path)["Location"].startswith("/accounts/login/")


# --- With REQUIRE_2FA off -------------------------------------------------------------------


def test_with_two_factor_optional_a_user_without_an_authenticator_goes_straight_in(
    client, db, settings
):
    settings.REQUIRE_2FA = False
    user = UserFactory(roles=[Role.CASEWORKER])
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/cases/"
    assert b'href="/accounts/two-factor/set-up/"' in response.content  # offered
    assert b"Each time you sign in you will give a code" in client.get(SET_UP).content


def test_with_two_factor_optional_a_user_with_an_authenticator_is_still_asked(
    client, manager_with_app, settings, clock
):
    settings.REQUIRE_2FA = False
    user, device, _ = manager_with_app
    sign_in_with_password(client, user)
    assert client.get("/dashboards/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    response = client.get("/dashboards/")
    assert response.status_code == 200
    assert b"Set up two-factor sign-in" not in response.content


def test_with_two_factor_required_the_set_up_is_not_offered_as_optional(client, db):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(client, user)
    assert b"Set it up now to continue" in client.get(SET_UP).content


def test_require_2fa_comes_from_the_environment_and_defaults_to_not_debug(monkeypatch):
    import importlib

    import environ

    from diversion import settings as project_settings

    # Only the environment set here: not a developer's own .env.
    monkeypatch.setattr(environ.Env, "read_env", staticmethod(lambda *args, **kwargs: None))
    try:
        monkeypatch.setenv("DEBUG", "true")
        monkeypatch.delenv("REQUIRE_2FA", raising=False)
        assert importlib.reload(project_settings).REQUIRE_2FA is False
        monkeypatch.setenv("DEBUG", "false")
        assert importlib.reload(project_settings).REQUIRE_2FA is True
        monkeypatch.setenv("REQUIRE_2FA", "false")
        assert importlib.reload(project_settings).REQUIRE_2FA is False
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
