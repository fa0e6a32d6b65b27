"""Paper for the person, in a browser: the custody officer prints the offer for the person
to read before they answer, then records the answer they gave on paper the day before; the
caseworker records a contract signed on paper two days ago and prints it to sign. The Print
button comes with JavaScript, the printed page leaves out the service around it, and each
page is checked for accessibility."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import (
    OfficerDecision,
    PersonDecision,
    Programme,
    Referral,
    contract_end,
)
from diversion.cases.services import referral as services
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer

# Stands in for the browser's print dialogue, which would block the test, and counts calls.
COUNT_PRINTS = "window.print = () => { window.printed = (window.printed || 0) + 1; };"
PAPER = "Answered on the paper form in the cells; the terminal was down overnight."


def expect_printed_without_the_service(page):
    page.emulate_media(media="print")
    for part in (".govuk-generic-header", ".govuk-service-navigation", ".govuk-footer"):
        expect(page.locator(part)).to_be_hidden()
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.emulate_media(media="screen")


def test_the_offer_is_printed_before_the_answer_given_on_paper_is_recorded(
    page, sign_in, assert_accessible
):
    PersonFactory(given_names="Rhys", family_name="Morgan", date_of_birth=datetime.date(1995, 3, 2))
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.add_init_script(COUNT_PRINTS)

    sign_in(page, officer, PASSWORD)
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("Name, PNC ID or custody record number").fill("Rhys Morgan")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("matches").get_by_role("link", name="Rhys Morgan").click()
    page.get_by_role("button", name="Start a referral for this person").click()
    page.get_by_label("Custody suite").select_option(label="Northgate custody suite")
    page.get_by_label("Custody record number").fill("NG-00654321-26")
    page.get_by_label("Crime reference").fill("CR-1234567-26")
    fill_date(page, "Date of arrest", yesterday)
    page.get_by_label("Time of arrest").fill("09:10")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Offence").select_option(label="Possession of a controlled drug – Class B")
    fill_date(page, "Date of the offence", yesterday)
    page.get_by_role("group", name="Gravity score").get_by_label("2").check()
    page.get_by_label("Low").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("No victim").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Offer the scheme", exact=True).check()
    page.get_by_label("Your reasons").fill("Admitted possession; first arrest.")
    page.get_by_role("button", name="Continue").click()

    # Before the person answers: the offer on paper, with the terms and whom to contact.
    expect(page.get_by_role("heading", level=1)).to_have_text("The offer")
    page.get_by_test_id("print-offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your offer to take part in Checkpoint"
    )
    expect(page.get_by_test_id("conditions")).to_contain_text("Do not commit another offence.")
    expect(page.get_by_test_id("breach")).to_contain_text("for prosecution")
    expect(page.get_by_test_id("contact")).to_contain_text("01632 960 000")
    assert not Referral.objects.exists()
    assert_accessible(page)
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.printed") == 1
    expect_printed_without_the_service(page)

    # They read it overnight and signed their acceptance on paper: recorded with its date.
    page.get_by_role("link", name="Back to the offer").click()
    page.get_by_label("Accepted", exact=True).check()
    fill_date(
        page, "If they accepted or declined on an earlier day: the date of their answer", yesterday
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter why this is recorded after the day it happened"
    )
    assert_accessible(page)
    page.get_by_role("alert").get_by_role(
        "link", name="Enter why this is recorded after the day it happened"
    ).click()
    reason = page.get_by_label(
        "If the date of their answer is before today: why it is recorded late"
    )
    expect(reason).to_be_focused()
    reason.fill(PAPER)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral submitted")

    referral = Referral.objects.get()
    assert timezone.localdate(referral.decided_at) == yesterday
    page.goto(f"/referrals/{referral.pk}/")
    expect(page.get_by_test_id("decision-late")).to_contain_text(PAPER)
    expect(page.get_by_test_id("history")).to_contain_text("recorded late: " + PAPER)
    assert_accessible(page)


def test_a_contract_signed_on_paper_is_recorded_with_its_day_and_printed_to_sign(
    page, sign_in, assert_accessible
):
    caseworker = UserFactory(roles=[Role.CASEWORKER], first_name="Priya", last_name="Shah")
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        referral = refer(
            PersonFactory(given_names="Jordan", family_name="Ellis"), officer, OfficerDecision.OFFER
        )
        services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
    case = referral.programme
    Programme.objects.filter(pk=case.pk).update(caseworker=caseworker)
    signed_on = timezone.localdate() - datetime.timedelta(days=2)
    page.add_init_script(COUNT_PRINTS)

    sign_in(page, caseworker, PASSWORD)
    page.goto(f"/cases/{case.pk}/contract/")
    fill_date(page, "Date the contract was signed", signed_on)
    page.get_by_label("If the signing date is before today: why it is recorded late").fill(
        "Signed on paper at the hostel; entered back at the office."
    )
    page.get_by_role("button", name="Sign the contract").click()
    # The four months run from the day it was really signed.
    ends_on = contract_end(signed_on)
    assert Programme.objects.get(pk=case.pk).ends_on == ends_on
    expect(page.get_by_role("alert")).to_contain_text("Contract signed: it ends on")
    expect(page.get_by_test_id("signing-late")).to_contain_text("Signed on paper at the hostel")
    assert_accessible(page)

    page.get_by_role("link", name="Print the contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your Checkpoint contract")
    expect(page.get_by_test_id("starts")).to_have_text(f"{signed_on.day} {signed_on:%B %Y}")
    expect(page.get_by_test_id("ends")).to_have_text(f"{ends_on.day} {ends_on:%B %Y}")
    expect(page.get_by_test_id("conditions")).to_contain_text("Do not reoffend")
    signatures = page.get_by_test_id("signatures")
    expect(signatures).to_contain_text("The person: Jordan Ellis")
    expect(signatures).to_contain_text("The navigator (caseworker): Priya Shah")
    assert_accessible(page)
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.printed") == 1
    expect_printed_without_the_service(page)


def test_without_javascript_the_print_page_says_how_to_print(browser, live_server, sign_in):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    referral = refer(PersonFactory(), officer, OfficerDecision.OFFER)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, officer, PASSWORD)
    page.goto(f"/referrals/{referral.pk}/print/")
    expect(page.get_by_text("Use your browser's print command")).to_be_visible()
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    context.close()
