import pytest
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

HOMES = {
    Role.CUSTODY_OFFICER: ("/referrals/mine/", "Your referrals"),
    Role.CASEWORKER: ("/cases/", "Cases"),
    Role.MANAGER: ("/dashboards/", "Dashboard"),
    Role.AUDITOR: ("/audit/", "Access log"),
}


def test_sign_in_page_is_accessible(page, assert_accessible):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in to Checkpoint")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_shows_an_accessible_error(page, sign_in, assert_accessible):
    user = UserFactory(roles=[Role.MANAGER])
    sign_in(page, user, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    expect(page.get_by_label("Username")).to_have_value(user.username)
    assert_accessible(page)


@pytest.mark.parametrize("role", list(Role), ids=[r.name for r in Role])
def test_each_role_signs_in_lands_on_an_accessible_home_page_and_signs_out(
    page, sign_in, assert_accessible, role
):
    user = UserFactory(roles=[role])
    sign_in(page, user, PASSWORD)
    path, heading = HOMES[role]
    expect(page).to_have_url(f"{page.url.split(path)[0]}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_test_id("user-bar")).to_contain_text(role.value)
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Checkpoint")).to_be_visible()
