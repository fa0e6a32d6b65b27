"""Downloading a dashboard panel as CSV: who may, what the file says and is called, that it
shows the page's cells, that no cell runs as a formula, and that each download is logged as
a disclosure with its recipient."""

import csv
import io

import pytest
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import PersonDecision
from diversion.lib.text import LONG_TEXT
from diversion.policy.models import CustodySuite
from diversion.reporting import refresh
from diversion.reporting.exports import DETAIL_MAX, panel_detail, safe_cell
from diversion.reporting.figures import Panel
from diversion.reporting.forms import Filters
from diversion.reporting.views.dashboard import SYMBOL_KEY
from tests.factories import UserFactory

RECIPIENT = "Police and Crime Commissioner's office"
# The first month picked by the month filter and the suite: the file's name and header.
QUERY = {"start_0": "4", "start_1": "2024", "end_0": "3", "end_1": "2025"}


@pytest.fixture
def figures(make_referral):
    """Two referrals, one declined and one accepted, and the figures worked out from them:
    every count is small, so the page withholds them."""
    make_referral(decision=PersonDecision.DECLINED)
    make_referral(decision=PersonDecision.ACCEPTED)
    return refresh.refresh().refresh


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def read(response):
    """The downloaded file's lines, as a spreadsheet would read them."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def blocks(lines):
    """The file split at its blank lines: the header first, then one block per table."""
    found, current = [], []
    for line in lines:
        if line:
            current.append(line)
        else:
            found.append(current)
            current = []
    return [*found, current]


def download(client, slug, query=None, **data):
    address = f"/dashboards/{slug}/export/"
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(address, {"recipient": RECIPIENT, **data})


EXPORT_ADDRESSES = ["/dashboards/funnel/export/", "/dashboards/sample/"]


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.CASEWORKER, Role.AUDITOR])
@pytest.mark.parametrize("address", EXPORT_ADDRESSES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_managers_may_download(client, figures, role, address, method):
    client.force_login(UserFactory(roles=[role]))
    response = getattr(client, method)(address, {"recipient": RECIPIENT})
    assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(action=Action.DISCLOSURE).exists()


@pytest.mark.parametrize("address", EXPORT_ADDRESSES)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_downloads_refuse_other_methods(signed_in, figures, address, method):
    assert getattr(signed_in, method)(address).status_code == 405


def test_signed_out_people_are_sent_to_sign_in(client, figures):
    response = client.get("/dashboards/funnel/export/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_asks_who_the_file_is_for_and_says_what_it_covers(signed_in, figures):
    suite = CustodySuite.objects.get(code="NG")
    response = signed_in.get("/dashboards/funnel/export/", {**QUERY, "suite": suite.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Download From arrest to outcome" in page
    assert "Who is this for?" in page
    assert "Police and Crime Commissioner" in page
    assert dict(response.context["filters"].describe()) == {
        "Referral date": "April 2024 to March 2025",
        "Custody suite": "Northgate custody suite",
        "Offence group": "All offence groups",
        "Policy version": "All policy versions",
    }
    assert "April 2024 to March 2025" in page and "Northgate custody suite" in page
    # The form posts back to the same address, filters and all.
    assert 'action="/dashboards/funnel/export/?start_0=4&amp;start_1=2024' in page
    assert f"suite={suite.pk}" in page
    assert not AccessLogEntry.objects.filter(action=Action.DISCLOSURE).exists()


def test_an_unknown_panel_is_not_found(signed_in, figures):
    assert signed_in.get("/dashboards/sausages/export/").status_code == 404
    assert download(signed_in, "sausages").status_code == 404


def test_before_any_figures_the_page_says_so_and_gives_no_file(signed_in, db):
    for response in (
        signed_in.get("/dashboards/funnel/export/"),
        download(signed_in, "funnel"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert b"No figures have been worked out yet" in response.content
    assert not AccessLogEntry.objects.filter(action=Action.DISCLOSURE).exists()


def test_the_file_is_named_and_headed_by_its_filters(signed_in, figures):
    suite = CustodySuite.objects.get(code="NG")
    response = download(signed_in, "funnel", {**QUERY, "suite": suite.pk})
    assert response.status_code == 200
    stamp = timezone.localtime(figures.as_of).strftime("%Y-%m-%d-%H%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="checkpoint-funnel_2024-04_2025-03_ng_all-groups_all-versions'
        f'_as-of-{stamp}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    header = blocks(read(response))[0]
    as_of = timezone.localtime(figures.as_of)
    assert header[0] == ["From arrest to outcome"]
    assert header[1] == [f"Figures as of {as_of:%-d %B %Y, %H:%M}"]
    assert header[2:6] == [
        ["Referral date", "April 2024 to March 2025"],
        ["Custody suite", "Northgate custody suite"],
        ["Offence group", "All offence groups"],
        ["Policy version", "All policy versions"],
    ]
    assert header[6:] == [[f"Symbol {mark}", meaning] for mark, meaning in SYMBOL_KEY]


def page_panels(client, query) -> dict[str, Panel]:
    response = client.get("/dashboards/", query)
    return {panel.slug: panel for panel in response.context["dashboard"].panels}


def test_every_panels_file_holds_the_pages_cells_withheld_as_on_the_page(signed_in, figures):
    query = {"suite": CustodySuite.objects.get(code="NG").pk}
    panels = page_panels(signed_in, query)
    assert len(panels) == 11
    for slug, panel in panels.items():
        tables = blocks(read(download(signed_in, slug, query)))[1:]
        assert len(tables) == len(panel.tables), slug
        for block, table in zip(tables, panel.tables, strict=True):
            notes = [[f"Note: {note}"] for note in table.notes]
            assert block[0] == [table.caption]
            assert block[1] == table.head
            rows = [[safe_cell(cell.text) for cell in row] for row in table.rows]
            assert block[2:] == rows + notes, f"{slug}: {table.caption}"
    # Two referrals: the page withholds their counts, and so does the file.
    funnel = blocks(read(download(signed_in, "funnel", query)))[1]
    assert funnel[2] == ["Arrests referred", "!", ""]


def test_invalid_filters_are_left_out_and_named_on_the_page_and_in_the_file(signed_in, figures):
    query = {"suite": "999999", "group": "drug_possession"}
    page = signed_in.get("/dashboards/outcomes/export/", query)
    assert page.status_code == 200
    assert b"The file leaves out the filters in error: Custody suite" in page.content
    header = blocks(read(download(signed_in, "outcomes", query)))[0]
    assert ["Filters left out, being in error", "Custody suite"] in header
    assert ["Offence group", "Drug possession"] in header
    entry = AccessLogEntry.objects.get(action=Action.DISCLOSURE)
    assert entry.detail.endswith("left out: Custody suite")


def test_the_download_is_logged_as_a_disclosure_with_its_recipient(signed_in, manager, figures):
    suite = CustodySuite.objects.get(code="NG")
    response = download(
        signed_in, "funnel", {"suite": suite.pk}, reason="Quarterly scrutiny meeting"
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(action=Action.DISCLOSURE)
    assert entry.actor == manager
    assert (entry.record_type, entry.record_id) == ("reporting.refresh", figures.pk)
    assert entry.recipient == RECIPIENT
    assert entry.reason == "Quarterly scrutiny meeting"
    assert entry.detail == (
        "dashboard export: funnel; Referral date: All referral dates; "
        "Custody suite: Northgate custody suite; Offence group: All offence groups; "
        "Policy version: All policy versions"
    )


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ("", "Enter who this is for"),
        ("   ", "Enter who this is for"),
        ("x" * 201, "Who this is for must be 200 characters or fewer"),
    ],
)
def test_a_bad_recipient_is_named_next_to_the_field_and_nothing_is_given_or_logged(
    signed_in, figures, recipient, message
):
    response = download(
        signed_in, "funnel", QUERY, recipient=recipient, reason="For the March panel"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["recipient"] == [message]
    page = response.content.decode()
    assert "govuk-error-summary" in page and 'href="#id_recipient"' in page
    assert "govuk-error-message" in page
    # Nothing typed is lost, and the filters are still in the form's address.
    assert "For the March panel" in page
    assert 'action="/dashboards/funnel/export/?start_0=4' in page
    assert not AccessLogEntry.objects.filter(action=Action.DISCLOSURE).exists()


def test_a_reason_over_the_limit_is_named_next_to_the_field_and_nothing_is_given_or_logged(
    signed_in, figures
):
    reason = "For the March panel. " + "x" * LONG_TEXT
    response = download(signed_in, "funnel", QUERY, reason=reason)
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["reason"] == [
        "The reason must be 2,000 characters or fewer"
    ]
    page = response.content.decode()
    assert 'href="#id_reason"' in page and 'id="id_reason_1_error"' in page
    assert reason in page
    assert not AccessLogEntry.objects.filter(action=Action.DISCLOSURE).exists()


@pytest.mark.parametrize(
    "text", ["=1+2", "+44 20", "-0.50", "@SUM(A1)", "\tindented", "\rreturned", "=", "-"]
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Arrests referred", "12.5%", "1,024", "!", "?", "–", "N/A", "", "a=b", "0.50 (−1)"]
)
def test_ordinary_text_is_written_as_it_is(text):
    assert safe_cell(text) == text


def test_no_cell_of_the_file_runs_as_a_formula_the_header_included(signed_in, figures):
    suite = CustodySuite.objects.get(code="NG")
    suite.name = '=HYPERLINK("http://example.invalid","Click")'
    suite.save()
    lines = read(download(signed_in, "funnel", {"suite": suite.pk}))
    assert ["Custody suite", "'" + suite.name] in lines
    for line in lines:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_access_logs_detail_is_cut_to_fit(db):
    long = CustodySuite(code="long", name="A custody suite with a very long name " * 3)
    detail = panel_detail(
        Panel("fairness", "Fairness", "", []), Filters(suite=long, left_out=["Offence group"])
    )
    assert len(detail) == DETAIL_MAX
    assert detail.startswith("dashboard export: fairness; Referral date: All referral dates")
    assert detail.endswith("…")


def test_the_dashboard_links_each_panel_to_its_download_with_the_filters(signed_in, figures):
    suite = CustodySuite.objects.get(code="NG")
    page = signed_in.get("/dashboards/", {"suite": suite.pk}).content.decode()
    for slug in page_panels(signed_in, {}):
        assert f'href="/dashboards/{slug}/export/?suite={suite.pk}"' in page
    assert 'href="/dashboards/sample/"' in page
    assert "Draw a scrutiny panel sample" in page
