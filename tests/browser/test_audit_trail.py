"""An auditor finds who viewed a given person last week, and exports it for an inspection."""

import datetime
from pathlib import Path

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory


def test_an_auditor_finds_who_viewed_a_person_last_week(page, sign_in, assert_accessible):
    person = PersonFactory(given_names="Zebedee", family_name="Quarrendon-Vaux")
    nosy = UserFactory(roles=[Role.CASEWORKER], first_name="Nora", last_name="Peeke")
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER], first_name="Owen", last_name="Desk")
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=7)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
        log(officer, Action.COLLECTION, person, detail="person added")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=6)):
        log(nosy, Action.CONSULTATION, person, detail="person page")
    auditor = UserFactory(roles=[Role.AUDITOR])
    sign_in(page, auditor, PASSWORD)

    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person's audit trail")
    assert_accessible(page)
    page.get_by_label("Name, PNC ID or reference").fill("Quarrendon-Vaux")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("matches")
    expect(results).to_contain_text("Zebedee Quarrendon-Vaux")
    assert_accessible(page)
    results.get_by_role("link", name="Zebedee Quarrendon-Vaux").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zebedee Quarrendon-Vaux")
    assert_accessible(page)

    # A period ending before it starts is refused beside the field.
    page.get_by_role("checkbox", name="Consultation (viewed)").check()
    fill_date(page, "From", today)
    fill_date(page, "To", last_week)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The end date must be the same as or after the start date"
    )
    assert_accessible(page)

    fill_date(page, "From", last_week)
    fill_date(page, "To", today - datetime.timedelta(days=1))
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nora Peeke")
    expect(rows.first).to_contain_text("Person record of Zebedee Quarrendon-Vaux")
    expect(page.get_by_test_id("selected-filters")).to_contain_text("Consultation (viewed)")
    assert_accessible(page)

    # The export asks who it is for, and is itself logged as a disclosure.
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("coverage")).to_contain_text("Consultation (viewed)")
    assert_accessible(page)
    page.get_by_label("Who is this for?").fill("Information Commissioner's Office")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the CSV file").click()
    assert "Nora Peeke" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    disclosure = AccessLogEntry.objects.get(actor=auditor, action=Action.DISCLOSURE)
    assert disclosure.recipient == "Information Commissioner's Office"

    # Who that was, and everything else they did.
    page.get_by_role("link", name="Back").click()
    page.locator("main tbody").get_by_role("link", name="Nora Peeke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Peeke")
    assert_accessible(page)
