"""Someone who has not signed in finds the accessibility statement from the footer of the
sign-in page and reads it, on a desktop, on a 375 px phone and at 200% zoom. Each view is
checked for accessibility."""

import pytest
from playwright.sync_api import expect


def test_the_statement_is_linked_from_the_sign_in_page_and_readable(page, assert_accessible):
    page.goto("/accounts/login/")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url("/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for Checkpoint"
    )
    expect(page.get_by_role("heading", name="Enforcement procedure")).to_be_visible()
    expect(page.get_by_test_id("contact").get_by_role("link")).to_have_attribute(
        "href", "mailto:checkpoint@localhost"
    )
    assert_accessible(page)


@pytest.mark.parametrize(
    ("width", "zoom"), [(375, 1), (1280, 2)], ids=["375px", "200 percent zoom"]
)
def test_the_statement_fits_a_phone_and_a_zoomed_screen(
    browser, live_server, assert_accessible, width, zoom
):
    # Zoom at 200% halves the width in CSS pixels and doubles each pixel.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width // zoom, "height": 800},
        device_scale_factor=zoom,
    )
    page = context.new_page()
    page.goto("/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert_accessible(page)
    context.close()
