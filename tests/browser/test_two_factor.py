"""Two-factor sign-in in a browser: setting up an authenticator from the QR code's key, the
recovery codes, and the code asked for at the next sign-in, each page checked with axe."""

import re
from base64 import b32decode

from django_otp.oath import TOTP
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from tests.browser.test_narrow_screens import PHONE, assert_fits
from tests.factories import PASSWORD, UserFactory
from tests.two_factor import code_for, give_authenticator


def sign_in_with_password(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def code_from_key(key_text):
    """What an authenticator app shows for the key typed into it."""
    return f"{TOTP(b32decode(key_text.replace(' ', ''))).token():06d}"


def test_a_new_user_sets_up_an_authenticator_and_keeps_their_recovery_codes(
    page, assert_accessible
):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in_with_password(page, user)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill("00000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6-digit code")
    assert_accessible(page)

    key = page.get_by_test_id("authenticator-key").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_key(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is set up")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")


def test_a_user_with_an_authenticator_gives_its_code_after_the_password(page, assert_accessible):
    user = UserFactory(roles=[Role.MANAGER])
    device = give_authenticator(user)
    sign_in_with_password(page, user)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    assert_accessible(page)

    # Not an authenticator's six digits, so checked as a recovery code: the authenticator
    # is not throttled by it.
    page.get_by_label("Code").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    assert_accessible(page)

    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_setting_up_fits_a_phone_screen(browser, live_server, settings, assert_accessible):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in_with_password(page, UserFactory(roles=[Role.CUSTODY_OFFICER]))
        expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
        assert_fits(page)
        assert_accessible(page)
    finally:
        context.close()
