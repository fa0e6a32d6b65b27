"""A new offence during a contract, from the custody desk to prosecution, in a browser: an
officer who arrests someone on a contract records the offence from the person's page; the
caseworker sees it on the caseload and the case, breaches the contract for that offence
after checking what will happen; the officer in the case finds it on their list of returned
cases and marks it actioned. Each page is checked for accessibility."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision, PersonDecision, Programme
from diversion.cases.services import referral as services
from diversion.lib.dates import today
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer, sign


def test_an_offence_recorded_at_custody_reaches_the_caseworker_and_returns_the_case(
    page, sign_in, assert_accessible
):
    officer_in_case = UserFactory(roles=[Role.CUSTODY_OFFICER])
    arresting = UserFactory(roles=[Role.CUSTODY_OFFICER])
    caseworker = UserFactory(roles=[Role.CASEWORKER])
    person = PersonFactory(given_names="Rowan", family_name="Tenterden")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
        referral = refer(person, officer_in_case, OfficerDecision.OFFER)
        services.record_person_decision(
            referral, actor=officer_in_case, decision=PersonDecision.ACCEPTED
        )
        programme = Programme.objects.get(referral=referral)
        sign(programme, actor=caseworker, signed_on=today(), conditions=[])
    reference = referral.reference

    # Another officer, at the custody desk, records the new arrest on the person's record.
    sign_in(page, arresting, PASSWORD)
    page.goto(f"/people/{person.pk}/")
    expect(page.get_by_test_id("open-programme")).to_contain_text(reference)
    assert_accessible(page)
    page.get_by_role("link", name="Record the new offence as a later offence").click()
    expect(page.get_by_test_id("who-is-told")).to_contain_text("caseworker decides")
    assert_accessible(page)
    fill_date(page, "Date of the offence", today() - datetime.timedelta(days=1))
    page.get_by_label("Offence", exact=True).select_option(label="Theft, including shoplifting")
    page.get_by_label("How you know").select_option(label="Custody record")
    page.get_by_role("button", name="Record offence").click()
    expect(page.get_by_role("alert")).to_contain_text("The offence is recorded")
    page.get_by_role("button", name="Sign out").click()

    # The caseworker sees it on the caseload and on the case.
    sign_in(page, caseworker, PASSWORD)
    page.goto("/cases/")
    expect(page.get_by_test_id(f"case-{programme.pk}")).to_contain_text("New offence")
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_test_id("offence-badge")).to_have_text("New offence")
    expect(page.get_by_test_id("new-offence-list")).to_contain_text(str(arresting))
    assert_accessible(page)
    page.get_by_role("link", name="record the breach on the Outcome tab").click()

    # The breach names the offence already recorded, after the check page.
    page.get_by_role("radio", name="Reoffended").check()
    fill_date(page, "Date of the breach", today())
    page.get_by_label("What happened").fill("Arrested for shoplifting; admitted it.")
    page.get_by_role("radio", name="Theft, including shoplifting on").check()
    page.get_by_role("button", name="Continue to check the breach").click()
    expect(page.get_by_test_id("answers")).to_contain_text("Theft, including shoplifting")
    expect(page.get_by_test_id("what-happens")).to_contain_text(str(officer_in_case))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm breach").click()
    expect(page.get_by_role("alert")).to_contain_text("returned to the officer in the case")
    page.get_by_role("button", name="Sign out").click()

    # The officer in the case works through their returned cases.
    sign_in(page, officer_in_case, PASSWORD)
    page.get_by_role("link", name="Returned cases").first.click()
    row = page.get_by_test_id(f"return-{programme.returns.get().pk}")
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text("Reoffended: Theft, including shoplifting")
    assert_accessible(page)
    row.get_by_role("button", name=f"Mark as actioned ({reference})").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{reference} is marked as actioned")
    expect(page.get_by_test_id("empty")).to_be_visible()
    assert_accessible(page)
