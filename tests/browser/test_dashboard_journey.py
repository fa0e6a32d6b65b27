"""A manager preparing for the Police and Crime Commissioner: filters the dashboard to one
custody suite and one policy version, reads every panel, compares the policy versions,
downloads two panels and a scrutiny panel sample, and opens the methodology."""

import io
import re
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.policy.models import CustodySuite, PolicyVersion
from diversion.reporting.refresh import refresh
from tests.factories import PASSWORD, UserFactory

PANELS = [
    "From arrest to outcome",
    "Referrals over time",
    "Outcomes",
    "Timeliness and workload",
    "Authorisations",
    "Needs",
    "Victims",
    "Reoffending",
    "Policy versions side by side",
    "Fairness",
    "Data quality",
]


def test_a_manager_filters_reads_every_panel_and_opens_the_methodology(
    page, sign_in, assert_accessible
):
    call_command("seed_demo", referrals=600, stdout=io.StringIO())
    refresh()
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    suite = CustodySuite.objects.get(code="NG")
    rollout = PolicyVersion.objects.get(name="Roll-out rules")

    sign_in(page, manager, PASSWORD)
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_test_id("as-of")).to_contain_text("Figures as of")
    assert_accessible(page)

    # Filter to one custody suite and one policy version; the address keeps them.
    page.get_by_label("Custody suite", exact=True).select_option(label=suite.name)
    page.get_by_label("Policy version", exact=True).select_option(label=str(rollout))
    page.get_by_role("button", name="Apply filters").click()
    assert f"suite={suite.pk}" in page.url and f"version={rollout.pk}" in page.url
    coverage = page.get_by_test_id("coverage")
    expect(coverage).to_contain_text(suite.name)
    expect(coverage).to_contain_text(rollout.name)

    # Every panel is there, with a chart, its tables and a link to how it is measured.
    for title in PANELS:
        panel = page.get_by_role("region", name=title, exact=True)
        expect(panel).to_be_visible()
        expect(panel.locator("svg[role=img]").first).to_be_attached()
        expect(panel.locator("table").first).to_be_visible()
        measured = re.compile(rf"How this is measured\W+{re.escape(title)}")
        expect(panel.get_by_role("link", name=measured)).to_be_visible()
    assert_accessible(page)

    # The policy versions panel compares both versions, marking the one selected.
    page_with_filters = page.url
    versions = page.get_by_test_id("panel-versions")
    expect(versions.locator("thead")).to_contain_text("Pilot rules")
    expect(versions.locator("thead")).to_contain_text("Roll-out rules (selected)")

    # A bad filter is named next to its field; the others still apply.
    page.get_by_label("Year").first.fill("1066")
    page.get_by_label("Month").first.fill("1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_contain_text("The start month must be between")
    expect(page.get_by_test_id("left-out")).to_contain_text("Referred from")
    expect(page.get_by_test_id("coverage")).to_contain_text(suite.name)
    assert_accessible(page)

    # Two panels downloaded for the Commissioner's office, each logged as a disclosure.
    page.goto(page_with_filters)
    for slug in ("funnel", "fairness"):
        page.get_by_test_id(f"export-{slug}").click()
        expect(page.get_by_text(suite.name).first).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Who is this for?").fill("Police and Crime Commissioner's office")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the CSV file").click()
        assert download.value.suggested_filename.startswith(f"checkpoint-{slug}_")
        assert suite.code.lower() in download.value.suggested_filename
        page.go_back()
    disclosed = AccessLogEntry.objects.filter(action=Action.DISCLOSURE)
    assert disclosed.count() == 2
    assert {e.recipient for e in disclosed} == {"Police and Crime Commissioner's office"}

    # A scrutiny panel sample of cases closed in the last year.
    page.goto("/dashboards/")
    page.get_by_test_id("sample-link").click()
    assert_accessible(page)
    page.get_by_label("How many cases?").fill("12")
    closed_from = page.get_by_role("group", name="Cases closed from")
    closed_from.get_by_label("Month").fill("1")
    closed_from.get_by_label("Year").fill(str(timezone.localdate().year - 3))
    closed_to = page.get_by_role("group", name="Cases closed up to the end of")
    closed_to.get_by_label("Month").fill(str(timezone.localdate().month))
    closed_to.get_by_label("Year").fill(str(timezone.localdate().year))
    page.get_by_label("Who is this for?").fill("Out of court scrutiny panel")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sample drawn")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the sample (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Panel grading" in text
    assert (
        AccessLogEntry.objects.filter(
            action=Action.DISCLOSURE, recipient="Out of court scrutiny panel"
        ).count()
        == 12
    )

    # The methodology, from a panel's link.
    page.goto(page_with_filters)
    page.get_by_role("link", name=re.compile(r"How this is measured\W+Fairness")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How the dashboard's figures are measured"
    )
    expect(page.locator("#fairness")).to_have_text("Fairness")
    expect(page.get_by_text("relative rate index (RRI)", exact=False).first).to_be_visible()
    assert_accessible(page)


def test_the_dashboard_reads_at_375_pixels_wide(page, sign_in):
    call_command("seed_demo", referrals=100, stdout=io.StringIO())
    refresh()
    manager = UserFactory(roles=[Role.MANAGER])
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, manager, PASSWORD)
    page.goto("/dashboards/")
    # Wide tables scroll inside their own region; the page itself does not.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
