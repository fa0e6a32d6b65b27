"""Browser tests: Playwright drives Debian's Chromium (Playwright cannot fetch its own here)
against the live test server, and axe-core checks each page for accessibility problems."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.conftest import restore_reference_data
from tests.two_factor import code_for, give_authenticator

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules/axe-core/axe.min.js"
AXE_SOURCE = AXE.read_text()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # Every journey signs in as on a deployment: password, then the second factor.
            item.add_marker(pytest.mark.two_factor)
            # The live server needs committed data, so these tests use real transactions.
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the
    # tests make to set up data are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def reference_data(request):
    """A transactional test's flush empties every table, including what the data migrations
    made: put the roles, offence types, custody suites and policy versions back."""
    request.getfixturevalue("transactional_db")
    restore_reference_data()


@pytest.fixture
def page(browser, live_server, settings, reference_data):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Anything the Content-Security-Policy refused (an inline script or style that slipped
    # in) fails the test that met it.
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not refused, refused


def axe_violations(page):
    """Run axe-core on the page; return its violations as short readable lines. axe is
    evaluated through the browser's developer protocol, which the page's
    Content-Security-Policy does not govern, so the policy stays on for every test."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + json.dumps([n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page):
        violations = axe_violations(page)
        assert not violations, "\n".join(violations)

    return check


@pytest.fixture
def sign_in():
    """Sign in as `user`: the password, then (when it was right) the code from the user's
    authenticator, which they are given if they have none, as if set up earlier."""

    def do(page, user, password):
        device = give_authenticator(user)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if "/accounts/two-factor/" in page.url:
            page.get_by_label("Code").fill(code_for(device))
            with page.expect_navigation():
                page.get_by_role("button", name="Continue").click()

    return do
