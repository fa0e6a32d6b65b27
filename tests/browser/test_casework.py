"""A caseworker runs a case in a browser: opens it, records the entry needs assessment,
signs the contract with an intervention and 20 hours of voluntary work, records an
appointment attended, marks a milestone done, adds a note and sees it all on the timeline.
Each page is checked for accessibility."""

import datetime

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision, Pathway, PersonDecision, Programme
from diversion.cases.services import referral as services
from tests.browser.pages import fill_date
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer, sign


def accepted_days_ago(days, caseworker):
    """A case accepted `days` ago and assigned to `caseworker`."""
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    with time_machine.travel(timezone.now() - datetime.timedelta(days=days)):
        referral = refer(
            PersonFactory(given_names="Jordan", family_name="Ellis"),
            officer,
            OfficerDecision.OFFER,
        )
        services.record_person_decision(referral, actor=officer, decision=PersonDecision.ACCEPTED)
    Programme.objects.filter(pk=referral.programme.pk).update(caseworker=caseworker)
    return referral.programme


def test_a_caseworker_runs_a_case(page, sign_in, assert_accessible):
    caseworker = UserFactory(roles=[Role.CASEWORKER], first_name="Sam", last_name="Okafor")
    case = accepted_days_ago(5, caseworker)
    today = timezone.localdate()
    signed_on = today - datetime.timedelta(days=4)
    appointment_day = today - datetime.timedelta(days=2)

    sign_in(page, caseworker, PASSWORD)
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Ellis")
    bar = page.get_by_test_id("identity-bar")
    expect(bar).to_contain_text(case.referral.reference)
    expect(bar).to_contain_text("Awaiting contract")
    expect(bar).to_contain_text("Not signed")
    expect(bar).to_contain_text("Caseworker: Sam Okafor")
    expect(page.get_by_role("link", name=f"See referral {case.referral.reference}")).to_be_visible()
    assert_accessible(page)

    # The entry needs assessment, after one attempt with nothing chosen.
    nav = page.get_by_role("navigation", name="Case sections")
    nav.get_by_role("link", name="Needs").click()
    expect(page.get_by_role("heading", level=2, name="Needs assessment")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Record the entry assessment").click()
    page.get_by_role("button", name="Save the entry assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("Select a score for accommodation")
    assert_accessible(page)
    for pathway in Pathway:
        score = "4 – severe need" if pathway == Pathway.DRUGS else "1 – low need"
        page.get_by_role("group", name=pathway.label, exact=True).get_by_label(score).check()
    page.get_by_label("Notes on drugs (optional)").fill("Daily crack cocaine use.")
    page.get_by_role("button", name="Save the entry assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("Entry needs assessment saved")
    expect(page.get_by_test_id("needs-table")).to_contain_text("Daily crack cocaine use.")
    assert_accessible(page)

    # The contract: the intervention is suggested from the assessment.
    nav.get_by_role("link", name="Contract").click()
    expect(page.get_by_label("First intervention (optional)")).to_have_value(
        "Drug treatment sessions"
    )
    assert_accessible(page)
    fill_date(page, "Date the contract was signed", signed_on)
    page.get_by_label("If the signing date is before today: why it is recorded late").fill(
        "Signed on paper at the treatment centre; entered back at the office."
    )
    page.get_by_label("Voluntary work", exact=True).check()
    page.get_by_label("If voluntary work: how many hours").fill("20")
    page.get_by_role("button", name="Sign the contract").click()
    expect(page.get_by_role("alert")).to_contain_text("Contract signed: it ends on")
    conditions = page.get_by_test_id("conditions")
    expect(conditions).to_contain_text("1. Do not reoffend")
    expect(conditions).to_contain_text("2. Take part in an intervention: Drug treatment sessions")
    expect(conditions).to_contain_text("3. Voluntary work, 20 hours")
    expect(page.get_by_test_id("identity-bar")).to_contain_text("days left")
    assert_accessible(page)

    # An appointment, attended.
    nav.get_by_role("link", name="Appointments").click()
    page.get_by_role("group", name="Kind of appointment").get_by_label(
        "Intervention", exact=True
    ).check()
    fill_date(page, "Date", appointment_day)
    page.get_by_label("Time", exact=True).fill("10:30")
    page.get_by_role("button", name="Add the appointment").click()
    expect(page.get_by_role("alert")).to_contain_text("Appointment added for")
    assert_accessible(page)
    page.get_by_test_id("appointments").get_by_role("link", name="Record").click()
    expect(page.get_by_role("heading", level=2, name="Intervention appointment")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Did the appointment take place?").get_by_label("Yes").check()
    page.get_by_role("group", name="If it took place: did they attend?").get_by_label(
        "Attended"
    ).check()
    page.get_by_role("button", name="Save what happened").click()
    expect(page.get_by_role("alert")).to_contain_text("Attendance recorded")
    expect(page.get_by_test_id("appointments")).to_contain_text("Attended")

    # A milestone done: its date is asked for, never assumed to be today.
    nav.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Record first intervention").click()
    expect(page.get_by_role("heading", level=2, name="First intervention")).to_be_visible()
    done_on = page.get_by_role("group", name="If done: the date it was done", exact=True)
    expect(done_on.get_by_label("Day")).to_have_value("")
    assert_accessible(page)
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date it was done")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter the date it was done").click()
    expect(done_on.get_by_label("Day")).to_be_focused()
    fill_date(page, "If done: the date it was done", appointment_day)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("First intervention recorded as done")

    # A note.
    nav.get_by_role("link", name="Notes").click()
    page.get_by_label("Note", exact=True).fill("First session went well; next one booked.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_role("alert")).to_contain_text("Note added")
    assert_accessible(page)

    # Everything is on the timeline, newest first.
    nav.get_by_role("link", name="Overview").click()
    timeline = page.get_by_test_id("timeline")
    for text in [
        "First session went well; next one booked.",
        "Intervention appointment: attended",
        "First intervention done",
        "Needs assessment done",
        "Contract signed",
        "Voluntary work, 20 hours",
        "Entry needs assessment",
        "Case opened",
    ]:
        expect(timeline).to_contain_text(text)
    titles = timeline.locator(".moj-timeline__title").all_inner_texts()
    assert titles[0] == "Case note"
    assert titles[-1] == "Case opened"
    # In the order things happened: the contract, signed four days ago though entered
    # today, below the appointment two days ago, saying who entered it and when.
    assert titles.index("Intervention appointment: attended") < titles.index("Contract signed")
    signing = timeline.locator(".moj-timeline__item", has_text="Contract signed")
    expect(signing).to_contain_text("recorded by Sam Okafor")
    expect(signing).to_contain_text(f"{signed_on:%-d %B %Y}, recorded {today:%-d %B %Y}")
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    assert_accessible(page)


def test_a_stale_form_keeps_what_was_typed(page, sign_in, assert_accessible):
    """Someone else changes the case while the caseworker types: the caseworker's note is
    refused with what changed, kept, and saved on the second try."""
    from diversion.cases.services import casework

    caseworker = UserFactory(roles=[Role.CASEWORKER], first_name="Sam", last_name="Okafor")
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    case = accepted_days_ago(3, caseworker)
    sign(
        case,
        actor=caseworker,
        signed_on=timezone.localdate(),
        conditions=[{"kind": "intervention", "description": "Drug treatment sessions"}],
    )

    sign_in(page, caseworker, PASSWORD)
    page.goto(f"/cases/{case.pk}/notes/")
    page.get_by_label("Note", exact=True).fill("Visited at home; all well.")
    casework.update_condition(
        Programme.objects.get(pk=case.pk), 2, actor=manager, status="waived", reason="Closed"
    )
    page.get_by_role("button", name="Add the note").click()
    summary = page.get_by_test_id("stale")
    expect(summary).to_contain_text("This case changed since you opened it")
    expect(summary).to_contain_text("Condition 2 marked waived by Ada Price")
    expect(page.get_by_label("Note", exact=True)).to_have_value("Visited at home; all well.")
    assert_accessible(page)
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_role("alert")).to_contain_text("Note added")
    expect(page.get_by_test_id("notes")).to_contain_text("Visited at home; all well.")

    # The condition page, and its error when a waiver has no reason.
    page.get_by_role("navigation", name="Case sections").get_by_role(
        "link", name="Contract"
    ).click()
    page.get_by_role("link", name="Update condition 2").click()
    assert_accessible(page)
    page.get_by_label("Reason", exact=True).fill("")
    page.get_by_role("button", name="Save the condition").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for waiving")
    assert_accessible(page)
