"""Correcting and merging person records in a browser: a custody officer corrects a date of
birth with the reason and sees it in the record's history; a manager finds a second record
of the same person, checks both side by side and merges them."""

import datetime

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision
from diversion.people.models import Person
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer

BORN = datetime.date(1985, 11, 5)


def test_a_custody_officer_corrects_a_date_of_birth_with_the_reason(
    page, sign_in, assert_accessible
):
    person = PersonFactory(given_names="Jon", family_name="Smith", date_of_birth=BORN)
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER], first_name="Dana", last_name="Reyes")
    sign_in(page, officer, PASSWORD)
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("button", name="Correct these details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct their details")
    expect(page.get_by_label("Given names")).to_have_value("Jon")
    assert_accessible(page)

    fill_date(page, "Date of birth", datetime.date(1985, 5, 11))
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why you are correcting these details")
    page.get_by_role("link", name="Enter why you are correcting these details").click()
    expect(page.get_by_label("Why are you correcting these details?")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Why are you correcting these details?").fill(
        "Day and month were swapped on the custody record"
    )
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jon Smith")
    expect(page.get_by_test_id("details")).to_contain_text("11 May 1985")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Date of birth: 5 November 1985 changed to 11 May 1985")
    expect(history).to_contain_text("Why: Day and month were swapped on the custody record")
    expect(history).to_contain_text("Dana Reyes")
    assert_accessible(page)


def test_a_manager_merges_a_second_record_of_the_same_person(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    manager = UserFactory(roles=[Role.MANAGER])
    kept = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    duplicate = PersonFactory(
        given_names="Jon", family_name="Smith", date_of_birth=BORN, pnc_id="2012/0034567E"
    )
    referral = refer(duplicate, officer, OfficerDecision.OFFER)
    sign_in(page, manager, PASSWORD)

    page.goto(f"/people/{kept.pk}/")
    page.get_by_role("button", name="Merge with another record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge with another record")
    assert_accessible(page)
    page.get_by_test_id("matches").get_by_role("link", name="Compare with Jon Smith").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the merge")
    expect(page.get_by_test_id("side-by-side")).to_contain_text("2012/0034567E")
    expect(page.get_by_test_id("what-happens")).to_contain_text(
        f"1 referral ({referral.reference}) and no later offences move"
    )
    assert_accessible(page)
    # On a phone the two records still fit side by side.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Merge the records").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter how you know these records are the same person"
    )
    page.get_by_label("How do you know these are the same person?").fill(
        "Same custody photograph and address"
    )
    page.get_by_role("button", name="Merge the records").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("John Smith")
    expect(page.get_by_role("alert")).to_contain_text("The records are merged")
    expect(page.get_by_test_id("referrals")).to_contain_text(referral.reference)
    expect(page.get_by_test_id("details")).to_contain_text("2012/0034567E")
    expect(page.get_by_test_id("history")).to_contain_text("Merged into this record")
    assert_accessible(page)

    # The merged record's old address opens the record kept, and search finds only it.
    page.goto(f"/people/{duplicate.pk}/")
    expect(page).to_have_url(f"{page.url.split('/people/')[0]}/people/{kept.pk}/")
    page.goto("/people/?q=Smith")
    expect(page.get_by_test_id("matches")).not_to_contain_text("Jon Smith")
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
