"""The custody desk finds a person despite misspellings, opens their record, and adds someone
new after ruling out the likely matches."""

import datetime

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.people import services
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


def test_an_officer_adds_the_person_a_search_did_not_find_from_what_they_typed(
    page, sign_in, assert_accessible
):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    sign_in(page, officer, PASSWORD)
    page.get_by_role("link", name="People").click()
    # Copied from another system: the family name first, in capitals.
    page.get_by_label("Name, PNC ID or custody record number").fill("WICKMORE Kelly")
    fill_date_of_birth(page, BORN)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_have_text("No one found")

    page.get_by_role("link", name="Add a new person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    expect(page.get_by_label("Given names")).to_have_value("Kelly")
    expect(page.get_by_label("Family name")).to_have_value("WICKMORE")
    expect(page.get_by_label("Day")).to_have_value("5")
    expect(page.get_by_label("Month")).to_have_value("11")
    expect(page.get_by_label("Year")).to_have_value("1985")
    assert_accessible(page)

    # A digit in the name is explained beside the field, and nothing typed is lost.
    page.get_by_label("Family name").fill("Wickmore2")
    page.get_by_label("Female", exact=True).check()
    page.get_by_label("White – North European").check()
    page.get_by_label("PNC ID (optional)").fill("20120034567e")
    page.get_by_role("button", name="Continue").click()
    message = "Family name must only include letters, spaces, hyphens, apostrophes and full stops"
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.locator(".govuk-error-message")).to_contain_text(message)
    expect(page.get_by_label("PNC ID (optional)")).to_have_value("20120034567e")
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link", name=message).click()
    expect(page.get_by_label("Family name")).to_be_focused()

    page.get_by_label("Family name").fill("Wickmore")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kelly Wickmore")
    # The PNC ID typed without its slash is kept in its one stored form.
    expect(page.get_by_test_id("details")).to_contain_text("2012/0034567E")
    assert_accessible(page)


def test_someone_added_while_the_officer_checks_the_matches_is_shown_to_them(
    page, sign_in, assert_accessible
):
    PersonFactory(given_names="Jon", family_name="Smyth", date_of_birth=BORN)
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    sign_in(page, officer, PASSWORD)
    page.goto("/people/new/?q=John+Smith&date_of_birth_0=5&date_of_birth_1=11&date_of_birth_2=1985")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("White – North European").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this one of these people?")
    page.get_by_label("None of these is the person").check()

    # Meanwhile a colleague at another desk adds the same man.
    colleague = UserFactory(roles=[Role.CUSTODY_OFFICER])
    services.create_person(
        actor=colleague,
        ruled_out=list(Person.objects.values_list("pk", flat=True)),
        given_names="John",
        family_name="Smith",
        date_of_birth=BORN,
        sex="M",
        observed_ethnicity="IC1",
    )
    page.get_by_role("button", name="Add new person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Is this one of these people?")
    expect(page.get_by_test_id("added-since")).to_contain_text("was added while you were checking")
    expect(page.get_by_test_id("matches").get_by_role("link", name="John Smith")).to_be_visible()
    assert_accessible(page)
    assert Person.objects.count() == 2


# Where a word of a paragraph is drawn: the left edge of its first letter.
WORD_LEFT = """([testid, word]) => {
    const block = document.querySelector(`[data-testid="${testid}"]`);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(word);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + 1);
            return range.getBoundingClientRect().left;
        }
    }
    return null;
}"""


def test_a_right_to_left_override_in_a_stored_name_does_not_reverse_the_page(
    page, sign_in, assert_accessible
):
    person = PersonFactory(given_names="Kelly", family_name="Wick\u202emore")
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    sign_in(page, officer, PASSWORD)
    page.goto(f"/people/{person.pk}/")
    sentence = page.get_by_test_id("no-referrals")
    expect(sentence).to_contain_text("that you can see.")
    # The words after the name still read left to right.
    that = page.evaluate(WORD_LEFT, ["no-referrals", "that"])
    see = page.evaluate(WORD_LEFT, ["no-referrals", "see"])
    assert that < see
    expect(page).to_have_title("Kelly Wickmore – Checkpoint – Demo Constabulary")
    assert_accessible(page)


def test_a_name_typed_family_name_first_finds_the_person(page, sign_in, assert_accessible):
    kelly = PersonFactory(given_names="Kelly", family_name="Wickmore", date_of_birth=BORN)
    PersonFactory(given_names="Wickmore", family_name="Kelly", date_of_birth=BORN)
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    sign_in(page, officer, PASSWORD)
    page.get_by_role("link", name="People").click()
    for typed in ("WICKMORE KELLY", "Wickmore K"):
        page.get_by_label("Name, PNC ID or custody record number").fill(typed)
        page.get_by_role("button", name="Search").click()
        matches = page.get_by_test_id("matches")
        # The family name in capitals, or an initial after it, says which name is which:
        # the person so named comes first.
        expect(matches.locator("tbody tr").first).to_contain_text("Kelly Wickmore")
        assert_accessible(page)
    matches.get_by_role("link", name="Kelly Wickmore").click()
    expect(page).to_have_url(f"/people/{kelly.pk}/")
