"""`manage.py load_accounts`: an account of its own for each simulated user of a load test,
which signs in as a person does, with the password and its authenticator's code."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.demo.seed import staff


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO = True
    settings.REQUIRE_2FA = True
    staff.ensure_staff(1)


def made(tmp_path, users):
    out = tmp_path / "accounts.json"
    call_command("load_accounts", "--users", str(users), "--out", str(out), stdout=None)
    return json.loads(out.read_text())


def test_each_role_gets_the_accounts_asked_for_with_the_right_role(demo, tmp_path):
    accounts = made(tmp_path, 3)["accounts"]
    assert set(accounts) == set(Role.values)
    for role, listed in accounts.items():
        names = [account["username"] for account in listed]
        assert len(set(names)) == 3
        users = User.objects.filter(username__in=names, groups__name=role)
        assert users.count() == 3


def test_a_simulated_user_signs_in_with_the_password_and_its_code(demo, tmp_path):
    made_file = made(tmp_path, 2)
    account = made_file["accounts"][Role.CASEWORKER][1]
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": account["username"], "password": made_file["password"]},
        follow=True,
    )
    assert response.request["PATH_INFO"] == "/accounts/two-factor/"
    code = f"{totp(bytes.fromhex(account['key'])):06d}"
    response = client.post("/accounts/two-factor/", {"code": code}, follow=True)
    assert response.request["PATH_INFO"] == "/cases/"


def test_running_again_gives_new_keys_and_leaves_the_named_logins_alone(demo, tmp_path):
    named = {d.user.username: d.key for d in TOTPDevice.objects.select_related("user")}
    first = made(tmp_path, 2)["accounts"][Role.MANAGER]
    second = made(tmp_path, 2)["accounts"][Role.MANAGER]
    assert [a["username"] for a in first] == [a["username"] for a in second]
    assert all(a["key"] != b["key"] for a, b in zip(first, second, strict=True))
    assert TOTPDevice.objects.filter(user__username=first[0]["username"]).count() == 1
    for username, key in named.items():
        assert TOTPDevice.objects.get(user__username=username).key == key
    assert "manager" not in {a["username"] for a in second}


def test_refused_outside_a_demo_copy(db, settings, tmp_path):
    settings.DEMO = settings.DEBUG = False
    with pytest.raises(CommandError, match="demonstration copies only"):
        call_command("load_accounts", "--users", "1", "--out", str(tmp_path / "a.json"))
    assert not (tmp_path / "a.json").exists()
