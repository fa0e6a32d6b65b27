"""A caseworker types notes longer than the limit: the GOV.UK character count says how many
characters are left and then how many too many, the form refuses the notes beside the field
keeping them, and notes cut to the limit, line breaks and all, are saved."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision, PersonDecision, Programme
from diversion.cases.services import referral as services
from diversion.lib.text import LONG_TEXT
from diversion.people.models import LaterOffence
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def test_notes_over_the_limit_are_counted_refused_and_kept(page, sign_in, assert_accessible):
    caseworker = UserFactory(roles=[Role.CASEWORKER])
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    person = PersonFactory(given_names="Jordan", family_name="Ellis")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        referral = refer(person, officer, OfficerDecision.OFFER)
        services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
    Programme.objects.filter(pk=referral.programme.pk).update(caseworker=caseworker)

    sign_in(page, caseworker, PASSWORD)
    page.goto(f"/people/{person.pk}/later-offences/new/")
    notes = page.get_by_label("Notes (optional)")
    status = page.locator(".govuk-character-count__status")
    expect(status).to_have_text("You have 2,000 characters remaining")

    first_line = "Seen on CCTV."
    fill_date(page, "Date of the offence", timezone.localdate())
    page.get_by_label("Offence", exact=True).select_option(label="Fraud")
    page.get_by_label("How you know").select_option(label="Court record")
    notes.fill(first_line + "\n" + "x" * (LONG_TEXT - len(first_line) + 3))
    expect(status).to_have_text("You have 4 characters too many")
    assert_accessible(page)

    page.get_by_role("button", name="Record offence").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Notes must be 2,000 characters or fewer")
    expect(page.locator("#id_notes_1_error")).to_contain_text(
        "Notes must be 2,000 characters or fewer"
    )
    expect(notes).to_have_value(first_line + "\n" + "x" * (LONG_TEXT - len(first_line) + 3))
    expect(status).to_have_text("You have 4 characters too many")
    assert_accessible(page)
    summary.get_by_role("link", name="Notes must be 2,000 characters or fewer").click()
    expect(notes).to_be_focused()
    assert not LaterOffence.objects.exists()

    # Cut to the limit, the line break counted as one character, as the count counts it.
    notes.fill(first_line + "\n" + "x" * (LONG_TEXT - len(first_line) - 1))
    expect(status).to_have_text("You have 0 characters remaining")
    page.get_by_role("button", name="Record offence").click()
    expect(page).to_have_url(f"/people/{person.pk}/")
    offence = LaterOffence.objects.get()
    assert len(offence.notes) == LONG_TEXT
    assert offence.notes.startswith(first_line + "\n")
