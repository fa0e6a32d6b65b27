"""The custody desk finds a person despite misspellings, opens their record, and adds someone
new after ruling out the likely matches."""

import datetime

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.people.models import Person
from tests.factories import PASSWORD, PersonFactory, UserFactory

BORN = datetime.date(1985, 11, 5)


def fill_date_of_birth(page, born):
    page.get_by_label("Day").fill(str(born.day))
    page.get_by_label("Month").fill(str(born.month))
    page.get_by_label("Year").fill(str(born.year))


def test_a_custody_officer_finds_a_person_and_adds_someone_new(page, sign_in, assert_accessible):
    john = PersonFactory(given_names="John", family_name="Smith", date_of_birth=BORN)
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    sign_in(page, officer, PASSWORD)

    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    assert_accessible(page)

    # A date that cannot be: the error is beside the field and what was typed stays.
    page.get_by_label("Name, PNC ID or custody record number").fill("Jon Smyth")
    fill_date_of_birth(page, datetime.date(1985, 2, 1))
    page.get_by_label("Day").fill("31")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Date of birth must be a real date")
    expect(page.get_by_label("Name, PNC ID or custody record number")).to_have_value("Jon Smyth")
    assert_accessible(page)

    fill_date_of_birth(page, BORN)
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("matches")
    expect(results).to_contain_text("John Smith")
    expect(results).to_contain_text("Same date of birth")
    expect(results).to_contain_text("Family name sounds the same")
    assert_accessible(page)

    results.get_by_role("link", name="John Smith").click()
    expect(page).to_have_url(f"{page.url.split('/people/')[0]}/people/{john.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("John Smith")
    expect(page.get_by_role("button", name="Start a referral for this person")).to_be_visible()
    assert_accessible(page)

    # Jon Smyth, born the same day, is someone else.
    page.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a new person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    assert_accessible(page)
    page.get_by_label("Given names").fill("Jon")
    page.get_by_label("Family name").fill("Smyth")
    fill_date_of_birth(page, BORN)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("White – North European").check()
    page.get_by_label("Self-defined ethnicity").select_option("W1")
    page.get_by_label("Postcode district (optional)").fill("CB1")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Is this one of these people?")
    expect(page.get_by_test_id("matches").get_by_role("link", name="John Smith")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Add new person").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that none of these is the person")
    assert_accessible(page)
    assert Person.objects.count() == 1

    page.get_by_label("None of these is the person").check()
    page.get_by_role("button", name="Add new person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jon Smyth")
    expect(page.get_by_role("alert")).to_contain_text("Jon Smyth has been added")
    expect(page.get_by_test_id("details")).to_contain_text("5 November 1985")
    assert_accessible(page)
    assert Person.objects.filter(given_names="Jon", family_name="Smyth").count() == 1
