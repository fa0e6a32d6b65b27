"""A supply offence from authorisation to acceptance: the manager authorises it from the
queue, the custody officer sees the answer, opens the referral and records acceptance."""

from playwright.sync_api import expect

from diversion.accounts.roles import Role
from diversion.cases.models import OfficerDecision
from diversion.people.models import Person
from diversion.policy.models import OffenceType
from tests.factories import PASSWORD, PersonFactory, UserFactory, refer


def supply_referral(officer):
    person = PersonFactory(given_names="Jordan", family_name="Ellis")
    return refer(
        person,
        officer,
        OfficerDecision.OFFER,
        offence_type=OffenceType.objects.get(code="supply-own-use"),
    )


def test_a_manager_authorises_and_the_officer_records_acceptance(page, sign_in, assert_accessible):
    officer = UserFactory(roles=[Role.CUSTODY_OFFICER], first_name="Sam", last_name="Okafor")
    manager = UserFactory(roles=[Role.MANAGER], first_name="Ada", last_name="Price")
    referral = supply_referral(officer)

    # The manager finds it in the queue and authorises it.
    sign_in(page, manager, PASSWORD)
    page.get_by_role("link", name="Authorisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals awaiting authorisation")
    queue = page.get_by_test_id("queue")
    expect(queue).to_contain_text("Jordan Ellis")
    expect(queue).to_contain_text("Drug supply linked to own use needs authorisation")
    assert_accessible(page)
    queue.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorise or refuse the offer")
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for your decision")
    assert_accessible(page)
    page.get_by_label("Authorise: the custody officer can make the offer").check()
    page.get_by_label("Your reason").fill("Low-level supply to fund own use; first arrest.")
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_url(f"{page.url.split('/referrals/')[0]}/referrals/authorisations/")
    expect(page.get_by_role("alert")).to_contain_text(f"{referral.reference} is authorised")
    expect(page.get_by_test_id("empty")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # The custody officer sees the answer and records the person's acceptance.
    sign_in(page, officer, PASSWORD)
    banner = page.get_by_test_id("authorisation-results")
    expect(banner).to_contain_text(f"{referral.reference} (Jordan Ellis)")
    expect(banner).to_contain_text("Authorised – record the person's decision")
    assert_accessible(page)
    banner.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {referral.reference}")
    expect(page.get_by_test_id("authorisation")).to_contain_text("Ada Price")
    assert_accessible(page)

    page.get_by_role("link", name="Print the offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your offer to take part in Checkpoint"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Back to the referral").click()

    page.get_by_role("button", name="Record the person's decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the person's decision")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Select the person's decision")
    assert_accessible(page)
    page.get_by_label("Accepted the offer").check()
    page.get_by_role("button", name="Save decision").click()

    expect(page.get_by_role("alert")).to_contain_text(
        f"{referral.reference} is now in the caseworkers' queue"
    )
    expect(page.get_by_test_id("status")).to_contain_text("Accepted")
    expect(page.get_by_test_id("history")).to_contain_text("From offered to accepted.")
    assert_accessible(page)
    assert Person.objects.get(pk=referral.person.pk).referrals.get().status == "accepted"
