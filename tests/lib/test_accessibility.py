"""The accessibility statement: public, linked from every page's footer, following the
GOV.UK sample statement, with the contact each force sets."""

import pytest

from diversion.audit.models import AccessLogEntry
from tests.factories import UserFactory


def statement(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_can_read_it_without_signing_in(client, db):
    html = statement(client)
    assert '<h1 class="govuk-heading-l">Accessibility statement for Checkpoint</h1>' in html
    assert "Sign out" not in html
    assert not AccessLogEntry.objects.exists()


def test_a_signed_in_user_of_any_role_or_none_can_read_it(client, db):
    client.force_login(UserFactory())
    assert "Accessibility statement for Checkpoint" in statement(client)


def test_it_follows_the_gov_uk_sample_statement(client, db):
    html = statement(client)
    headings = [
        "How accessible this service is",
        "What to do if you cannot use parts of this service",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service's accessibility",
        "Compliance status",
        "Non-accessible content",
        "Non-compliance with the accessibility regulations",
        "Disproportionate burden",
        "Content that's not within the scope of the accessibility regulations",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]
    positions = [html.index(f">{heading}</h") for heading in headings]
    assert positions == sorted(positions)
    assert "Web Content Accessibility Guidelines version 2.2</a> AA standard" in html
    assert "Equality and Human Rights Commission (EHRC)" in html
    assert 'href="https://www.equalityadvisoryservice.com/"' in html
    assert "(No. 2) Accessibility Regulations 2018" in html
    assert "This statement was prepared on 1 December 2026." in html


def test_it_names_the_known_problems_honestly(client, db, settings):
    settings.SESSION_IDLE_SECONDS, settings.SESSION_MAX_SECONDS = 30 * 60, 10 * 60 * 60
    html = statement(client)
    assert "signed out after 30 minutes without using the service, 10 hours after" in html
    assert "1.4.10 (reflow)" in html and "2.2.1 (timing adjustable)" in html
    assert "1.4.1 (use of colour)" in html
    assert "the same figures are in the table beside the chart" in html
    assert "automated scans with axe-core" in html
    assert "375 pixels wide and at 200% zoom" in html


def test_the_session_length_is_the_one_the_service_is_set_to(client, db, settings):
    settings.SESSION_IDLE_SECONDS, settings.SESSION_MAX_SECONDS = 15 * 60, 90 * 60
    assert (
        "Your session ends after 15 minutes without activity, and 1 hour 30 minutes after you"
        " sign in" in statement(client)
    )


def test_the_contact_is_the_one_the_force_sets(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@force.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "01632 960 000"
    settings.ACCESSIBILITY_REPLY_DAYS = 3
    html = statement(client)
    assert 'href="mailto:access@force.example">access@force.example</a>' in html
    assert "call 01632 960 000" in html
    assert "within 3 working days" in html


def test_no_phone_is_offered_when_none_is_set(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_PHONE = ""
    settings.ACCESSIBILITY_REPLY_DAYS = 1
    html = statement(client)
    assert "call " not in html
    assert "within 1 working day." in html


@pytest.mark.parametrize("path", ["/accounts/login/", "/accessibility/", "/no-such-page/"])
def test_every_page_links_to_it_from_the_footer(client, db, path):
    html = client.get(path).content.decode()
    footer = html[html.index('<footer class="govuk-footer">') :]
    assert (
        '<a class="govuk-footer__link" href="/accessibility/">Accessibility statement</a>' in footer
    )


def test_a_signed_in_page_links_to_it_from_the_footer(client, manager):
    client.force_login(manager)
    html = client.get("/", follow=True).content.decode()
    assert "Sign out" in html
    assert 'href="/accessibility/">Accessibility statement</a>' in html


def test_it_only_answers_get(client, db):
    assert client.post("/accessibility/").status_code == 405
