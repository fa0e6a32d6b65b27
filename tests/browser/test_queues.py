"""The work waiting, in a browser: a manager's home shows how many referrals await
authorisation and cases await a caseworker, and how long the oldest of each has waited;
each queue opens longest waiting first and sorts by wait. Each page is checked for
accessibility."""

import datetime
import re

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision, PersonDecision
from diversion.cases.services import referral as services
from diversion.policy.models import OffenceType
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def made_ago(delta, officer, given, family, **details):
    """A referral made `delta` ago, through the service, as the custody desk makes it."""
    with time_machine.travel(timezone.now() - delta):
        person = PersonFactory(given_names=given, family_name=family)
        return refer(person, officer, OfficerDecision.OFFER, **details)


def test_a_manager_sees_the_work_waiting_and_opens_each_queue_longest_waiting_first(
    page, sign_in, assert_accessible
):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    manager = UserFactory(roles=[Role.MANAGER])
    supply = OffenceType.objects.get(code="supply-own-use")
    made_ago(
        datetime.timedelta(hours=3, minutes=12), officer, "Jordan", "Ellis", offence_type=supply
    )
    made_ago(datetime.timedelta(minutes=20), officer, "Casey", "Marwood", offence_type=supply)
    accepted = made_ago(datetime.timedelta(days=1, hours=2), officer, "Sam", "Oakden")
    with time_machine.travel(accepted.created_at):
        services.record_person_decision(accepted, actor=officer, decision=PersonDecision.ACCEPTED)

    # Home: both queues, their size and the oldest wait (a minute's grace for a slow run).
    sign_in(page, manager, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    authorisations = page.get_by_test_id("waiting-authorisations")
    expect(authorisations).to_contain_text("2 referrals waiting")
    expect(authorisations).to_contain_text(
        re.compile(r"The oldest has waited 3 hours 1[23] minutes")
    )
    unassigned = page.get_by_test_id("waiting-unassigned")
    expect(unassigned).to_contain_text("1 case waiting")
    expect(unassigned).to_contain_text("The oldest has waited 1 day 2 hours")
    assert_accessible(page)

    # The authorisation queue: longest waiting first, then shortest first by its heading.
    authorisations.get_by_role("link", name="View the authorisation queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals awaiting authorisation")
    expect(page.get_by_test_id("queue-summary")).to_contain_text("2 referrals waiting")
    rows = page.get_by_test_id("queue").locator("tbody tr")
    expect(rows.first).to_contain_text("Jordan Ellis")
    expect(rows.first).to_contain_text(re.compile(r"3 hours 1[23] minutes"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Waiting")
    assert_accessible(page)
    page.get_by_role("link", name="Waiting").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Waiting")
    expect(rows.first).to_contain_text("Casey Marwood")

    # The unassigned queue, from home.
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_test_id("waiting-unassigned").get_by_role(
        "link", name="View the unassigned queue"
    ).click()
    expect(page.get_by_test_id("queue-summary")).to_contain_text("1 case waiting")
    table = page.get_by_test_id("caseload")
    expect(table).to_contain_text("Sam Oakden")
    expect(table).to_contain_text("1 day 2 hours")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Waiting")
    assert_accessible(page)
