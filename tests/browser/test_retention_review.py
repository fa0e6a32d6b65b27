"""The retention review in a browser: a manager keeps one case due for review, with the
reason, and erases another after the page that says what goes; the auditor sees the queue."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import DeclineReason, OfficerDecision, PersonDecision, Referral
from diversion.cases.services import referral as services
from diversion.lib.dates import today
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def declined_long_ago(officer, given, family, days_ago):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago)):
        referral = refer(
            PersonFactory(given_names=given, family_name=family), officer, OfficerDecision.OFFER
        )
        services.record_person_decision(
            referral,
            actor=officer,
            decision=PersonDecision.DECLINED,
            decline_reason=DeclineReason.PREFERS_COURT,
        )
    return referral


def test_a_manager_keeps_one_case_and_erases_another(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    kept = declined_long_ago(officer, "Rowan", "Ellery", days_ago=8 * 366)
    erased = declined_long_ago(officer, "Morgan", "Tredinnick", days_ago=7 * 366)
    manager = UserFactory(roles=[Role.MANAGER])

    sign_in(page, manager, PASSWORD)
    page.get_by_role("link", name="Retention review").first.click()
    expect(page.get_by_role("heading", name="Retention review")).to_be_visible()
    expect(page.locator("main tbody tr").first).to_contain_text(kept.reference)
    assert_accessible(page)

    page.get_by_role("link", name=kept.reference).click()
    expect(page.get_by_role("heading", name="Keep or erase the case")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Keep the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why the case is kept")
    assert_accessible(page)
    page.get_by_role("link", name="Enter why the case is kept").click()
    expect(page.get_by_label("Why is the case kept?")).to_be_focused()
    page.get_by_label("Why is the case kept?").fill("A witness in an investigation still open.")
    fill_date(page, "Date of the next review", today() + datetime.timedelta(days=365))
    page.get_by_role("button", name="Keep the case").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{kept.reference} is kept")
    expect(page.locator("main tbody")).not_to_contain_text(kept.reference)

    page.get_by_role("link", name=erased.reference).click()
    page.get_by_role("button", name="Erase the case").click()
    expect(page.get_by_role("heading", name="Check before you erase the case")).to_be_visible()
    expect(page.get_by_test_id("removes")).to_contain_text("Tredinnick")
    assert_accessible(page)
    page.get_by_role("button", name="Erase the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that the case is no longer needed")
    page.get_by_label("I have checked that the case is no longer needed").check()
    page.get_by_role("button", name="Erase the case").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{erased.reference} is erased")
    expect(page.get_by_text("No cases are due for review.")).to_be_visible()
    assert_accessible(page)
    assert not Referral.objects.filter(pk=erased.pk).exists()


def test_the_auditor_sees_the_queue_but_not_the_cases(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    due = declined_long_ago(officer, "Avery", "Penhaligon", days_ago=7 * 366)
    sign_in(page, UserFactory(roles=[Role.AUDITOR]), PASSWORD)
    page.goto("/audit/retention/")
    expect(page.locator("main tbody tr").first).to_contain_text(due.reference)
    expect(page.locator("main")).not_to_contain_text("Penhaligon")
    expect(page.get_by_role("link", name=due.reference)).to_have_count(0)
    assert_accessible(page)
