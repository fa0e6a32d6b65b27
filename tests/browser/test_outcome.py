"""Ending programmes in a browser: a case with every condition met is completed, and a
second is breached for reoffending, each checked on a page that says what will happen
before it is confirmed; the breached case comes back to the officer in the case, who reads
why on the referral page and marks it actioned."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import (
    ConditionStatus,
    MilestoneStatus,
    OfficerDecision,
    PersonDecision,
    Programme,
)
from diversion.cases.services import referral as services
from diversion.lib.dates import today
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer, sign


def signed_case(officer, caseworker, given, family, days_ago=130):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago)):
        referral = refer(
            PersonFactory(given_names=given, family_name=family), officer, OfficerDecision.OFFER
        )
        services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
        Programme.objects.filter(pk=referral.programme.pk).update(caseworker=caseworker)
        programme = Programme.objects.get(pk=referral.programme.pk)
        sign(programme, actor=caseworker, signed_on=today(), conditions=[])
    return Programme.objects.get(pk=programme.pk)


def test_one_case_completes_and_another_is_breached_for_reoffending(
    page, sign_in, assert_accessible
):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    caseworker = UserFactory(roles=[Role.CASEWORKER])
    done = signed_case(officer, caseworker, "Alex", "Morrow")
    done.conditions.update(status=ConditionStatus.MET, evidence="No further arrests.")
    done.milestones.update(status=MilestoneStatus.DONE, completed_on=today())
    breached = signed_case(officer, caseworker, "Casey", "Lund", days_ago=40)

    sign_in(page, caseworker, PASSWORD)
    page.goto(f"/cases/{done.pk}/outcome/")
    expect(page.get_by_role("heading", name="Outcome")).to_be_visible()
    assert_accessible(page)
    fill_date(page, "Date of completion", today())
    page.get_by_role("button", name="Continue to check the completion").click()
    expect(page.get_by_role("heading", name="Check the completion")).to_be_visible()
    expect(page.get_by_test_id("what-happens")).to_contain_text("crime outcome 22")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm completion").click()
    expect(page.get_by_role("alert")).to_contain_text("no further action (crime outcome 22)")
    expect(page.get_by_test_id("outcome")).to_contain_text("Completed")
    assert_accessible(page)

    page.goto(f"/cases/{breached.pk}/outcome/")
    expect(page.get_by_test_id("outstanding")).to_contain_text("The final review is not done")
    page.get_by_role("radio", name="Reoffended").check()
    fill_date(page, "Date of the breach", today())
    page.get_by_label("What happened").fill("Arrested for shoplifting on Tuesday.")
    page.get_by_role("button", name="Continue to check the breach").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the date of the new offence")
    expect(page.get_by_label("What happened")).to_have_value("Arrested for shoplifting on Tuesday.")
    assert_accessible(page)
    # The error summary's link reaches the input at fault.
    page.get_by_role("link", name="Enter the date of the new offence").click()
    expect(page.locator("#id_breach-offence_date_0")).to_be_focused()
    fill_date(page, "If they reoffended: date of the new offence", today())
    page.get_by_label("If they reoffended: the new offence").select_option(
        label="Theft, including shoplifting"
    )
    page.get_by_label("If they reoffended: how you know").select_option(label="Custody record")
    page.get_by_role("button", name="Continue to check the breach").click()

    expect(page.get_by_role("heading", name="Check the breach")).to_be_visible()
    happens = page.get_by_test_id("what-happens")
    expect(happens).to_contain_text(f"returned to the officer in the case, {officer}")
    expect(happens).to_contain_text("The milestones stop")
    assert_accessible(page)
    # Change goes back to the form with nothing lost, and nothing is recorded yet.
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_label("What happened")).to_have_value("Arrested for shoplifting on Tuesday.")
    expect(page.get_by_role("radio", name="Reoffended")).to_be_checked()
    assert Programme.objects.get(pk=breached.pk).is_running
    page.get_by_role("button", name="Continue to check the breach").click()
    page.get_by_role("button", name="Confirm breach").click()
    expect(page.get_by_role("alert")).to_contain_text("returned to the officer in the case")
    expect(page.get_by_test_id("outcome")).to_contain_text("Theft, including shoplifting")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, officer, PASSWORD)
    banner = page.get_by_test_id("returned-for-prosecution")
    expect(banner).to_contain_text(breached.referral.reference)
    expect(banner).to_contain_text("reoffended")
    assert_accessible(page)
    banner.get_by_role("link", name=breached.referral.reference).click()
    returned = page.get_by_test_id("returned")
    expect(returned).to_contain_text("breached on")
    expect(returned).to_contain_text("What to do next")
    expect(page.get_by_test_id("programme-status")).to_contain_text("Breached")
    expect(page.get_by_test_id("offences-during")).to_contain_text("Theft, including shoplifting")
    assert_accessible(page)
    page.get_by_role("button", name="Mark as actioned").click()
    expect(page.get_by_role("alert")).to_contain_text("is marked as actioned")
    expect(page.get_by_test_id("actioned")).to_contain_text(f"Marked as actioned by {officer}")
    page.get_by_role("link", name="Returned cases").click()
    expect(page.get_by_test_id("empty")).to_contain_text("No cases are waiting for you")
    page.get_by_role("link", name="Actioned").click()
    expect(page.get_by_test_id("returned")).to_contain_text(breached.referral.reference)
    assert_accessible(page)
