"""A person declines the offer, in a browser: the custody officer who made it must say why,
and the referral page shows the reason. Each page is checked for accessibility."""

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import DeclineReason, OfficerDecision, Referral, ReferralStatus
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def test_a_decline_is_recorded_with_why_the_person_declined(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
    referral = refer(
        PersonFactory(given_names="Sam", family_name="Okafor"), officer, OfficerDecision.OFFER
    )

    sign_in(page, officer, PASSWORD)
    page.goto(f"/referrals/{referral.pk}/")
    page.get_by_role("button", name="Record the person's decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the person's decision")
    assert_accessible(page)
    page.get_by_label("Declined the offer").check()
    page.get_by_role("button", name="Save decision").click()

    expect(page.get_by_role("alert")).to_contain_text("Select why the person declined")
    reasons = page.get_by_role("group", name="Why did they decline?")
    expect(reasons).to_contain_text("Select why the person declined")
    assert_accessible(page)
    # The summary's link takes the officer to the question.
    page.get_by_role("alert").get_by_role("link", name="Select why the person declined").click()
    expect(reasons.get_by_label("Would rather go to court")).to_be_focused()

    reasons.get_by_label("Denies the offence or disputes the evidence").check()
    page.get_by_label("Note (optional)").fill("Says the drugs were not theirs.")
    page.get_by_role("button", name="Save decision").click()

    expect(page.get_by_role("alert")).to_contain_text(
        f"{referral.reference}: the person declined the offer"
    )
    offer = page.get_by_test_id("offer")
    expect(offer).to_contain_text("Why they declined")
    expect(offer).to_contain_text("Denies the offence or disputes the evidence")
    expect(page.get_by_test_id("history")).to_contain_text("Says the drugs were not theirs.")
    assert_accessible(page)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.decline_reason) == (
        ReferralStatus.DECLINED,
        DeclineReason.DISPUTES_OFFENCE,
    )
