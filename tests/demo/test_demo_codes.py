"""The demo logins' authenticators (published keys, like the demo password) and
`manage.py demo_codes`, which prints the code each one accepts now, on demo copies only."""

import datetime
import io
import re
from base64 import b32decode

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.demo.seed import staff

NOW = datetime.datetime(2026, 3, 16, 11, 30, 5, tzinfo=datetime.UTC)
USERNAMES = [name for name, *_ in staff.DEMO_USERS]


@pytest.fixture
def demo_staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO = True
    staff.ensure_staff(1)


def printed_codes():
    out = io.StringIO()
    call_command("demo_codes", stdout=out)
    return dict(re.findall(r"^  ([a-z0-9]+) +([0-9]{6}) ", out.getvalue(), re.M))


def test_each_demo_login_has_a_confirmed_authenticator_with_its_published_key(demo_staff):
    devices = TOTPDevice.objects.filter(user__username__in=USERNAMES, confirmed=True)
    assert {d.user.username: d.bin_key for d in devices} == {
        name: b32decode(key) for name, key in staff.DEMO_AUTHENTICATOR_KEYS.items()
    }
    assert set(staff.DEMO_AUTHENTICATOR_KEYS) == set(USERNAMES)


def test_seeding_again_adds_no_second_authenticator(demo_staff):
    staff.ensure_staff(1)
    assert TOTPDevice.objects.filter(user__username__in=USERNAMES).count() == len(USERNAMES)


@time_machine.travel(NOW, tick=False)
def test_demo_codes_prints_what_an_authenticator_app_shows_for_each_published_key(demo_staff):
    assert printed_codes() == {
        name: f"{totp(b32decode(key)):06d}" for name, key in staff.DEMO_AUTHENTICATOR_KEYS.items()
    }


@pytest.mark.two_factor
@time_machine.travel(NOW, tick=False)
def test_a_demo_login_signs_in_with_its_password_and_the_printed_code(client, demo_staff):
    client.post("/accounts/login/", {"username": "manager", "password": staff.DEMO_PASSWORD})
    response = client.post("/accounts/two-factor/", {"code": printed_codes()["manager"]})
    assert response["Location"] == "/"
    client.post("/accounts/logout/")
    # Signing in again at once: that code is spent, and the next one printed is taken.
    client.post("/accounts/login/", {"username": "manager", "password": staff.DEMO_PASSWORD})
    response = client.post("/accounts/two-factor/", {"code": printed_codes()["manager"]})
    assert response["Location"] == "/"


def test_demo_codes_refuses_outside_a_demo_or_development_copy(demo_staff, settings):
    settings.DEMO = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEMO=true"):
        call_command("demo_codes", stdout=io.StringIO())
    settings.DEBUG = True
    assert len(printed_codes()) == len(USERNAMES)
