"""Every list page, and the pages the custody officer and caseworker use most, on a small
phone (375 px) and at 200% zoom (a 1280 px screen zoomed: 640 CSS px wide). Nothing scrolls
sideways (WCAG 2.2, 1.4.10 Reflow), so a case's status and actions stay on screen; the first
case is near the top, not below the filter panel; the filter opens and applies with and
without JavaScript; and each page passes the axe scan. The data is as wide as real data gets:
long names and offence names, and long unbroken words typed into a note."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import (
    DeclineReason,
    OfficerDecision,
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
)
from diversion.cases.services import allocation, casework
from diversion.cases.services import draft as drafts
from diversion.cases.services import programme as programmes
from diversion.cases.services import referral as referrals
from diversion.policy.models import CustodySuite, OffenceType
from diversion.reporting.refresh import refresh
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer, sign

PHONE = {"width": 375, "height": 667}
ZOOMED = {"width": 640, "height": 360}
SCREENS = pytest.mark.parametrize(
    "viewport, scale", [(PHONE, 1), (ZOOMED, 2)], ids=["375px", "200% zoom"]
)
LONG_WORD = "Wolfeschlegelsteinhausenbergerdorff"
LINK = (
    "https://www.example.org/services/drug-and-alcohol-support/self-referral-checkpoint-navigators"
)


def wide_world():
    """Staff with long names, and cases in every list with the longest offence and custody
    suite names: some awaiting authorisation, some in the unassigned queue, some the
    caseworker's, one signed long enough ago to have overdue milestones, with a note."""
    officer = UserFactory(
        roles=[Role.CUSTODY_OFFICER], first_name="Oluwaseun", last_name="Adebayo-Montgomery"
    )
    caseworker = UserFactory(
        roles=[Role.CASEWORKER], first_name="Bartholomew", last_name="Featherstonehaugh-Smythe"
    )
    manager = UserFactory(roles=[Role.MANAGER], first_name="Philippa", last_name="Cholmondeley")
    auditor = UserFactory(roles=[Role.AUDITOR])
    suite = CustodySuite.objects.get(code="NG")
    supply = OffenceType.objects.get(code="supply-own-use")
    concerned = OffenceType.objects.get(code="concerned-in-supply-own-use")
    abh = OffenceType.objects.get(code="abh")
    class_a = OffenceType.objects.get(code="possession-class-a")

    def person(given, family):
        return PersonFactory(
            given_names=given,
            family_name=family,
            email=f"{given}.{family}@probation-and-recovery-services.example".lower(),
        )

    def accepted(given, family, offence, days_ago=0):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago)):
            referral = refer(
                person(given, family),
                officer,
                OfficerDecision.OFFER,
                offence_type=offence,
                custody_suite=suite,
            )
            referrals.record_person_decision(
                referral, actor=officer, decision=PersonDecision.ACCEPTED
            )
        return referral.programme

    for given, family, offence in [
        ("Maximiliana Oluwaseun", "Featherstonehaugh-Whittingham", supply),
        ("Christopher Alexander", "Montgomery-Fitzwilliam", concerned),
    ]:
        refer(person(given, family), officer, OfficerDecision.OFFER, offence_type=offence)
    for given, family in [("Anastasia", "Papadopoulou-Richardson"), ("Hubert Blaine", LONG_WORD)]:
        accepted(given, family, class_a)
    for given, family in [("Guinevere", "Ashworth-Bramhall"), ("Theodora", "Vandenberghe")]:
        allocation.assign(accepted(given, family, abh), actor=manager, caseworker=caseworker)
    overdue = accepted("Jedidiah", LONG_WORD, class_a, days_ago=60)
    allocation.assign(overdue, actor=manager, caseworker=caseworker)
    sign(
        overdue,
        actor=caseworker,
        signed_on=timezone.localdate() - datetime.timedelta(days=50),
        conditions=[
            {"kind": "intervention", "description": f"Attend the {LONG_WORD} recovery service"}
        ],
    )
    casework.add_note(overdue, actor=caseworker, text=f"Referred on: see {LINK}")
    # A breach returned to the officer, and a referral they left half done.
    breached = accepted("Bartholomew Augustin", LONG_WORD, class_a, days_ago=40)
    sign(breached, actor=caseworker, signed_on=timezone.localdate() - datetime.timedelta(days=30))
    programmes.end(
        breached,
        ProgrammeStatus.BREACHED,
        actor=caseworker,
        outcome_on=timezone.localdate(),
        reason=OutcomeReason.FAILED_CONDITION,
        detail=f"Missed every {LONG_WORD} session",
    )
    # A referral declined seven years ago: due for its retention review.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=7 * 366)):
        declined = refer(person("Ottoline", LONG_WORD), officer, OfficerDecision.OFFER)
        referrals.record_person_decision(
            declined,
            actor=officer,
            decision=PersonDecision.DECLINED,
            decline_reason=DeclineReason.PREFERS_COURT,
        )
    drafts.start_draft(
        actor=officer,
        person=person("Wilhelmina", "Featherstonehaugh-Whittingham"),
        page="custody",
        answers={},
        reached="offence",
    )
    return {
        "officer": officer,
        "caseworker": caseworker,
        "manager": manager,
        "auditor": auditor,
        "case": overdue,
    }


@pytest.fixture
def open_as(browser, live_server, settings, sign_in):
    """A signed-in page of the given size; JavaScript may be turned off."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    contexts = []

    def start(user, viewport, scale=1, javascript=True):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            device_scale_factor=scale,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, user, PASSWORD)
        return page

    yield start
    for context in contexts:
        context.close()


# The page, and each list table's box, that is wider than it shows; and what sticks out.
TOO_WIDE = """() => {
  const page = document.documentElement;
  const wide = [page, ...document.querySelectorAll('.app-table-stack')]
    .filter(box => box.scrollWidth > box.clientWidth)
    .map(box => `${box.className}: ${box.scrollWidth} > ${box.clientWidth}`);
  const out = [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > page.clientWidth)
    .slice(0, 5).map(e => e.outerHTML.slice(0, 120));
  return wide.length ? {wide, out} : null;
}"""


def assert_fits(page):
    """Neither the page nor a list's table scrolls sideways: a table scrolling in its own box
    would still hide its status and actions."""
    too_wide = page.evaluate(TOO_WIDE)
    assert too_wide is None, f"{page.url} scrolls sideways: {too_wide}"


def first_row_top(page):
    return page.evaluate(
        "() => document.querySelector('tbody tr').getBoundingClientRect().top + window.scrollY"
    )


def list_pages(world):
    """Each role's list pages: the address, and whether it lists rows (or is a form or the
    dashboard's figures, whose wide tables scroll in their own labelled regions)."""
    case = world["case"]
    return {
        "officer": [
            ("/referrals/", True),
            ("/referrals/returned/", True),
            (f"/people/?q={LONG_WORD}", True),
        ],
        "caseworker": [
            ("/cases/", True),
            ("/cases/?tab=unassigned", True),
            ("/cases/?tab=overdue", True),
            (f"/people/?q={LONG_WORD}", True),
        ],
        "manager": [
            ("/cases/", True),
            ("/cases/?tab=unassigned", True),
            ("/referrals/", True),
            ("/dashboards/", False),
            ("/cases/reassign/", False),
            (f"/cases/{case.pk}/assign/", False),
            (f"/people/{case.referral.person_id}/merge/", False),
            ("/audit/retention/", True),
        ],
        "auditor": [
            ("/audit/", True),
            (f"/audit/people/?q={LONG_WORD}", True),
            (f"/audit/people/{case.referral.person_id}/", True),
            (f"/audit/staff/{world['officer'].pk}/", True),
            ("/audit/retention/", True),
        ],
    }


def other_pages(world):
    """The pages the custody officer and the caseworker use most, beyond the lists."""
    case = world["case"]
    referral = case.referral
    return {
        "officer": [
            f"/referrals/{referral.pk}/",
            f"/people/{referral.person_id}/",
            "/referrals/new/",
            "/people/new/",
        ],
        "caseworker": [
            f"/cases/{case.pk}/",
            f"/cases/{case.pk}/needs/",
            f"/cases/{case.pk}/needs/?stage=exit",
            f"/cases/{case.pk}/contract/",
            f"/cases/{case.pk}/appointments/",
            f"/cases/{case.pk}/notes/",
            f"/cases/{case.pk}/outcome/",
            f"/referrals/{referral.pk}/",
        ],
    }


@SCREENS
def test_no_list_page_scrolls_sideways_and_the_first_case_is_near_the_top(
    open_as, assert_accessible, viewport, scale
):
    world = wide_world()
    refresh()  # the dashboard's figures
    for role, pages in list_pages(world).items():
        page = open_as(world[role], viewport, scale)
        for url, has_rows in pages:
            page.goto(url)
            assert_fits(page)
            if has_rows:
                expect(page.locator("main tbody tr").first).to_be_visible()
                if viewport is PHONE:
                    # Within two screenfuls: the filter panel does not push it down.
                    assert first_row_top(page) < 2 * viewport["height"], url
            assert_accessible(page)


@SCREENS
def test_the_officers_and_caseworkers_pages_fit_the_screen(
    open_as, assert_accessible, viewport, scale
):
    world = wide_world()
    for role, urls in other_pages(world).items():
        page = open_as(world[role], viewport, scale)
        for url in urls:
            page.goto(url)
            assert_fits(page)
            assert_accessible(page)


def test_on_a_phone_the_filter_opens_over_the_list_and_applies(open_as, assert_accessible):
    world = wide_world()
    page = open_as(world["manager"], PHONE)
    page.goto("/cases/")
    panel = page.get_by_test_id("filter")
    expect(panel).to_be_hidden()
    assert first_row_top(page) < 2 * PHONE["height"]

    page.get_by_role("button", name="Show filter").click()
    expect(panel).to_be_visible()
    expect(page.get_by_role("button", name="Hide filter")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="Show filter")).to_be_focused()

    page.get_by_role("button", name="Show filter").click()
    page.get_by_label("Active").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 case")
    expect(page.get_by_test_id("caseload")).to_contain_text(f"Jedidiah {LONG_WORD}")
    expect(panel).to_be_hidden()
    assert_fits(page)


def test_on_a_wide_screen_the_filter_sits_beside_the_list_and_can_be_hidden(open_as):
    world = wide_world()
    page = open_as(world["manager"], {"width": 1280, "height": 800})
    page.goto("/cases/")
    panel = page.get_by_test_id("filter")
    expect(panel).to_be_visible()
    table = page.get_by_test_id("caseload")
    # Beside the panel the cases are still a table, every column on screen.
    expect(table.locator("thead")).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name="Hide filter").click()
    expect(panel).to_be_hidden()
    page.get_by_role("button", name="Show filter").click()
    expect(panel).to_be_visible()


def test_without_javascript_the_filter_is_a_closed_details_above_the_list(
    open_as, assert_accessible
):
    world = wide_world()
    page = open_as(world["manager"], PHONE, javascript=False)
    page.goto("/cases/")
    panel = page.get_by_test_id("filter")
    expect(panel).to_be_hidden()
    assert first_row_top(page) < 2 * PHONE["height"]
    assert_fits(page)

    page.get_by_text("Filter cases").click()
    expect(panel).to_be_visible()
    page.get_by_label("Active").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 case")
    expect(page.get_by_text("Filter cases (1 in use)")).to_be_visible()
    expect(panel).to_be_hidden()
