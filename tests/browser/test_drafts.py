"""Unfinished referrals, in a browser: a custody officer leaves one referral half done to
start another, finds both on their referrals page, resumes the first where they left it
with the answers kept and submits it, and discards the second after being asked. Each page
is checked for accessibility."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import Referral, ReferralDraft
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory


def answer_custody(page, record_number, day):
    expect(page.get_by_role("heading", level=1)).to_have_text("Arrest and custody details")
    page.get_by_label("Custody suite").select_option(label="Northgate custody suite")
    page.get_by_label("Custody record number").fill(record_number)
    page.get_by_label("Crime reference").fill("CR-7654321-26")
    fill_date(page, "Date of arrest", day)
    page.get_by_label("Time of arrest").fill("11:15")
    page.get_by_role("button", name="Continue").click()


def test_a_referral_left_for_another_is_resumed_and_the_other_discarded(
    page, sign_in, assert_accessible
):
    first = PersonFactory(given_names="Ada", family_name="Lovelace")
    second = PersonFactory(given_names="Ben", family_name="Okoro")
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    sign_in(page, officer, PASSWORD)
    page.goto(f"/people/{first.pk}/")
    page.get_by_role("button", name="Start a referral for this person").click()
    expect(page.get_by_text("Your answers are saved each time you continue")).to_be_visible()
    answer_custody(page, "NG-00123456-26", yesterday)
    expect(page.get_by_role("heading", level=1)).to_have_text("The offence")
    page.get_by_label("Offence").select_option(label="Possession of a controlled drug – Class B")
    fill_date(page, "Date of the offence", yesterday)
    page.get_by_role("group", name="Gravity score").get_by_label("2").check()
    page.get_by_label("Low").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The victim")

    # Another person is brought in: the officer starts their referral instead.
    page.goto(f"/people/{second.pk}/")
    page.get_by_role("button", name="Start a referral for this person").click()
    answer_custody(page, "NG-00654321-26", yesterday)
    expect(page.get_by_role("heading", level=1)).to_have_text("The offence")

    page.get_by_role("link", name="Your referrals", exact=True).click()
    drafts = page.get_by_test_id("drafts")
    expect(page.get_by_test_id("unfinished")).to_contain_text("2 unfinished referrals")
    expect(drafts.get_by_role("row").filter(has_text="Ada Lovelace")).to_contain_text("The victim")
    expect(drafts.get_by_role("row").filter(has_text="Ben Okoro")).to_contain_text("The offence")
    assert_accessible(page)

    drafts.get_by_role("link", name="Resume the referral of Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The victim")
    expect(page.get_by_text("New referral: Ada Lovelace")).to_be_visible()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The offence")
    expect(page.get_by_label("Low")).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("No victim").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Do not offer the scheme").check()
    page.get_by_label("Your reasons").fill("Gang links.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting the referral"
    )
    expect(page.get_by_text("NG-00123456-26")).to_be_visible()
    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral submitted")
    assert Referral.objects.get().person == first

    page.get_by_role("link", name="Your referrals", exact=True).first.click()
    expect(page.get_by_test_id("unfinished")).to_contain_text("1 unfinished referral")
    drafts.get_by_role("link", name="Discard the referral of Ben Okoro").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discard this referral?")
    assert_accessible(page)
    page.get_by_role("button", name="Discard referral").click()
    expect(page.get_by_role("alert")).to_contain_text("The unfinished referral was discarded")
    expect(page.get_by_test_id("unfinished")).to_have_count(0)
    assert_accessible(page)
    assert not ReferralDraft.objects.exists()
