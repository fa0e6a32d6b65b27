from playwright.sync_api import expect

from diversion.accounts.roles import Role
from tests.factories import PASSWORD, UserFactory


def test_a_locked_account_is_told_so_accessibly(page, sign_in, assert_accessible):
    user = UserFactory(roles=[Role.MANAGER])
    for _ in range(5):
        sign_in(page, user, "not-the-password")
    sign_in(page, user, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text(
        "This account is locked after 5 failed sign-ins. Ask an administrator to unlock it."
    )
    expect(page.get_by_role("heading", name="Sign in to Checkpoint")).to_be_visible()
    assert_accessible(page)


def test_changing_the_password_from_the_header(page, sign_in, assert_accessible):
    user = UserFactory(roles=[Role.CASEWORKER])
    sign_in(page, user, PASSWORD)
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your current password")
    assert_accessible(page)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a-long-new-passphrase-42")
    page.get_by_label("Confirm new password").fill("a-long-new-passphrase-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    assert_accessible(page)
