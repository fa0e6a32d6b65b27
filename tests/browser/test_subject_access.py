"""Subject access in a browser: a manager starts a request from the person's page, is told
what is missing, and prints the records without the service around them; an auditor, who
has no person pages, downloads the same records as a file. Each page is checked for
accessibility."""

import datetime
import json
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import OfficerDecision, PersonDecision
from diversion.cases.services import referral as services
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer

COUNT_PRINTS = "window.print = () => { window.printed = (window.printed || 0) + 1; };"


def test_a_manager_prints_the_records_and_an_auditor_downloads_them(
    page, sign_in, assert_accessible
):
    person = PersonFactory(given_names="Carys", family_name="Hughes")
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    referral = refer(person, officer, OfficerDecision.OFFER)
    services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
    manager = UserFactory(roles=[Role.MANAGER])
    received = timezone.localdate() - datetime.timedelta(days=2)
    page.add_init_script(COUNT_PRINTS)

    sign_in(page, manager, PASSWORD)
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name="Subject access request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Produce the records held on Carys Hughes"
    )
    assert_accessible(page)

    # Sent empty: each answer missing is named, and its link reaches the input.
    page.get_by_role("button", name="Produce the records").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter who the records are for")
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link", name="Enter who the records are for").click()
    expect(page.get_by_label("Who are the records for?")).to_be_focused()

    page.get_by_label("Who are the records for?").fill("Carys Hughes, the data subject")
    page.get_by_label("Request reference").fill("SAR-0007")
    fill_date(page, "Date the request was received", received)
    page.get_by_label("A page to print").check()
    page.get_by_role("button", name="Produce the records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records held on Carys Hughes")
    expect(page.get_by_test_id("request")).to_contain_text("Carys Hughes, the data subject")
    expect(page.get_by_role("heading", name=referral.reference, exact=True)).to_be_visible()
    expect(page.get_by_test_id("seen")).to_contain_text("Collection")
    assert_accessible(page)
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    for part in (".govuk-generic-header", ".govuk-service-navigation", ".govuk-footer"):
        expect(page.locator(part)).to_be_hidden()
    expect(page.get_by_test_id("check-before-sending")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})

    # The auditor comes with the person's number (from their own search) and takes a file.
    page.get_by_role("button", name="Sign out").click()
    auditor = UserFactory(roles=[Role.AUDITOR])
    sign_in(page, auditor, PASSWORD)
    page.goto(f"/audit/subject-access/?person={person.pk}")
    page.get_by_label("Who are the records for?").fill("Morgan & Lee, solicitors")
    page.get_by_label("Request reference").fill("SAR-0008")
    fill_date(page, "Date the request was received", received)
    page.get_by_label("A file to download").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Produce the records").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["person"] == "Carys Hughes"
    assert [r["title"] for r in document["records"]["Referrals"]] == [referral.reference]

    disclosed = AccessLogEntry.objects.filter(action=Action.DISCLOSURE)
    assert {e.recipient for e in disclosed} == {
        "Carys Hughes, the data subject",
        "Morgan & Lee, solicitors",
    }
