"""Security headers: Content-Security-Policy, Permissions-Policy, HSTS and the HTTPS redirect,
no-store on signed-in pages, and `check --deploy` clean with production settings."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as project_settings
from django.test import Client


def csp(response):
    return dict(
        (part.split(" ", 1) + [""])[:2] for part in response["Content-Security-Policy"].split("; ")
    )


def test_every_page_allows_only_the_services_own_scripts_and_styles(client, db):
    response = client.get("/accounts/login/")
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_the_one_inline_script_carries_the_nonce_the_policy_names(client, db):
    response = client.get("/accounts/login/")
    nonce = re.search(r"'nonce-([^']+)'", csp(response)["script-src"]).group(1)
    scripts = re.findall(rb"<script(?![^>]*\bsrc=)([^>]*)>", response.content)
    assert scripts, "base.html's inline script"
    assert all(f'nonce="{nonce}"'.encode() in attrs for attrs in scripts)
    # A new nonce for each response.
    assert nonce not in client.get("/accounts/login/")["Content-Security-Policy"]


def test_no_template_has_an_inline_style_or_event_handler():
    templates = project_settings.BASE_DIR / "templates"
    found = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\sstyle=|\son[a-z]+=|javascript:", path.read_text())
    ]
    assert found == []


def test_device_features_are_turned_off(client, db):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_signed_in_pages_are_never_stored(client, manager):
    client.force_login(manager)
    response = client.get("/dashboards/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_search_of_people_is_never_stored_either(client, custody_officer):
    client.force_login(custody_officer)
    response = client.get("/people/", {"q": "Smith"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def over_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return Client()


def test_over_https_plain_http_is_redirected(over_https, db):
    response = over_https.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def test_over_https_browsers_are_told_to_keep_to_https(over_https, db):
    response = over_https.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_health_check_answers_plain_http_for_the_load_balancer(over_https, db):
    assert over_https.get("/healthz").status_code == 200


PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": "x" * 30 + "a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "checkpoint.example",
}


def check_deploy(**env):
    # As a deployment runs it: without what the test run itself sets (the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=project_settings.BASE_DIR,
        env={**inherited, **env},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_the_local_settings():
    # The shipped .env is for local use over plain HTTP, and check --deploy says so.
    result = check_deploy(**{**PRODUCTION, "HTTPS": "false"})
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning in result.stdout + result.stderr
