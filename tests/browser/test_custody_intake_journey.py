"""The custody desk's whole journey in a browser: a custody officer finds an existing person despite
a misspelt name, refers them for possession with intent to supply, a manager authorises
it, the officer records acceptance, and the case reaches the caseworkers' queue."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import Programme, Referral
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory

BORN = datetime.date(1992, 4, 14)


def test_refer_authorise_accept_and_reach_the_queue(page, sign_in, assert_accessible):
    PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    sign_in(page, officer, PASSWORD)
    page.get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    page.get_by_label("Name, PNC ID or custody record number").fill("Jon Smyth")
    fill_date(page, "Date of birth (optional)", BORN)
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("matches").get_by_role("link", name="John Smith").click()
    page.get_by_role("button", name="Start a referral for this person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Arrest and custody details")
    assert_accessible(page)
    page.get_by_label("Custody suite").select_option(label="Northgate custody suite")
    page.get_by_label("Custody record number").fill("NG-00123456-26")
    page.get_by_label("Crime reference").fill("CR-7654321-26")
    fill_date(page, "Date of arrest", yesterday)
    page.get_by_label("Time of arrest").fill("25:00")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter the time of arrest on the 24-hour clock, for example, 14:30"
    )
    expect(page.get_by_label("Custody record number")).to_have_value("NG-00123456-26")
    assert_accessible(page)
    page.get_by_label("Time of arrest").fill("11:15")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The offence")
    page.get_by_label("Offence").select_option(
        label="Possession with intent to supply (low level, linked to own use)"
    )
    fill_date(page, "Date of the offence", yesterday)
    page.get_by_role("group", name="Gravity score").get_by_label("2").check()
    page.get_by_label("Moderate").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The victim")
    page.get_by_label("No victim").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Circumstances that can exclude someone"
    )
    page.get_by_label("None of these").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Eligibility and your decision")
    expect(page.get_by_text("This offence needs a manager's authorisation")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Offer the scheme", exact=True).check()
    page.get_by_label("Your reasons").fill("Sells small amounts to fund his own use.")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting the referral"
    )
    expect(page.get_by_text("NG-00123456-26")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral submitted")
    assert_accessible(page)
    referral = Referral.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(referral.reference)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, manager, PASSWORD)
    page.get_by_role("link", name="Authorisations").click()
    page.get_by_test_id("queue").get_by_role("link", name=referral.reference).click()
    page.get_by_label("Authorise: the custody officer can make the offer").check()
    page.get_by_label("Your reason").fill("User-dealer; first arrest; treatment place available.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{referral.reference} is authorised")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, officer, PASSWORD)
    banner = page.get_by_test_id("authorisation-results")
    expect(banner).to_contain_text("Authorised – record the person's decision")
    banner.get_by_role("link", name=referral.reference).click()
    page.get_by_role("button", name="Record the person's decision").click()
    page.get_by_label("Accepted the offer").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_test_id("status")).to_contain_text("Accepted")
    page.get_by_role("button", name="Sign out").click()

    programme = Programme.objects.get(referral=referral)
    assert (programme.caseworker, programme.status) == (None, "awaiting_contract")
    # The caseworkers' unassigned queue is built next; managers already see the case waiting.
    sign_in(page, manager, PASSWORD)
    page.get_by_role("link", name="Cases").click()
    row = page.get_by_role("row").filter(has_text=referral.reference)
    expect(row).to_contain_text("Unassigned")
    expect(row).to_contain_text("Awaiting contract")
