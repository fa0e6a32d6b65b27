"""The caseload in a browser: a caseworker takes a case from the unassigned queue and finds it
in their own cases; a manager assigns a case and moves a caseload. Each page is checked for
accessibility."""

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import PersonDecision
from diversion.cases.services import allocation
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def accepted_case(officer, given, family):
    from diversion.cases.models import OfficerDecision
    from diversion.cases.services import referral as services

    referral = refer(
        PersonFactory(given_names=given, family_name=family), officer, OfficerDecision.OFFER
    )
    services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
    return referral.programme


def test_a_caseworker_takes_a_case_and_finds_it_in_their_cases(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    caseworker = UserFactory(roles=[Role.CASEWORKER], first_name="Priya", last_name="Elmhurst")
    programme = accepted_case(officer, "Jordan", "Ellis")
    accepted_case(officer, "Casey", "Marwood")
    reference = programme.referral.reference

    sign_in(page, caseworker, PASSWORD)
    page.goto("/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    expect(page.get_by_test_id("empty")).to_have_text("There are no open cases assigned to you.")
    assert_accessible(page)

    page.get_by_role("navigation", name="Lists of cases").get_by_role(
        "link", name="Unassigned"
    ).click()
    table = page.get_by_test_id("caseload")
    expect(table).to_contain_text("Jordan Ellis")
    expect(table).to_contain_text("Casey Marwood")
    assert_accessible(page)

    # Search, sort and filter on the way.
    page.get_by_label("Search by name or case reference").fill("ellis")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 case")
    page.get_by_role("link", name="Person").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Person")
    page.get_by_label("Awaiting contract").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("selected-filters")).to_contain_text("Awaiting contract")
    expect(page.get_by_label("Search by name or case reference")).to_have_value("ellis")
    assert_accessible(page)

    page.get_by_role("button", name=f"Take this case ({reference})").click()
    page.goto("/cases/")
    mine = page.get_by_test_id("caseload")
    expect(mine).to_contain_text("Jordan Ellis")
    expect(mine).to_contain_text("Priya Elmhurst")
    expect(mine).not_to_contain_text("Casey Marwood")
    expect(mine.get_by_role("link", name=reference)).to_have_attribute(
        "href", f"/cases/{programme.pk}/"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Unassigned").click()
    expect(page.get_by_test_id("caseload")).not_to_contain_text("Jordan Ellis")


def test_a_manager_assigns_a_case_and_moves_a_caseload(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ruth", last_name="Aldcott")
    leaving = UserFactory(roles=[Role.CASEWORKER], first_name="Tom", last_name="Fernsby")
    staying = UserFactory(roles=[Role.CASEWORKER], first_name="Priya", last_name="Elmhurst")
    for given, family in (("Alex", "Brackley"), ("Sam", "Oakden")):
        allocation.assign(accepted_case(officer, given, family), actor=manager, caseworker=leaving)
    waiting = accepted_case(officer, "Jamie", "Thornbury")

    sign_in(page, manager, PASSWORD)
    page.goto("/cases/")
    expect(page.get_by_test_id("result-count")).to_have_text("3 cases")
    assert_accessible(page)

    # One case to one caseworker.
    page.get_by_role("link", name=f"Assign {waiting.referral.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assign the case")
    assert_accessible(page)
    page.get_by_role("button", name="Assign the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the caseworker to give the case to")
    assert_accessible(page)
    page.get_by_label("Caseworker").select_option(label="Priya Elmhurst – 0 open cases")
    page.get_by_role("button", name="Assign the case").click()
    page.goto("/cases/?tab=unassigned")
    expect(page.get_by_test_id("empty")).to_be_visible()

    # Tom's whole caseload to Priya.
    page.goto("/cases/")
    page.get_by_role("link", name="Move a caseworker's open cases to someone else").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move a caseload")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for moving the cases")
    assert_accessible(page)
    page.get_by_label("Move the open cases of").select_option(label="Tom Fernsby – 2 open cases")
    page.get_by_label("To", exact=True).select_option(label="Priya Elmhurst – 1 open case")
    page.get_by_label("Reason").fill("Tom has left the team.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and move the cases")
    expect(page.get_by_test_id("will-move")).to_contain_text(
        "2 open cases will move from Tom Fernsby to Priya Elmhurst."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Move 2 cases").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "2 open cases moved from Tom Fernsby to Priya Elmhurst"
    )
    expect(page.get_by_test_id("selected-filters")).to_contain_text("Priya Elmhurst")
    expect(page.get_by_test_id("result-count")).to_have_text("3 cases")
    expect(page.get_by_test_id("caseload")).not_to_contain_text("Tom Fernsby")
    assert_accessible(page)
    assert staying.caseload.count() == 3
