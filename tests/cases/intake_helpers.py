"""Helpers shared by the referral journey tests: a custody officer answering its pages, for
a referral keyed in on 10 June 2026 (NOW) for an arrest that morning."""

import datetime
import re

from diversion.policy.models import CustodySuite, OffenceType
from tests.factories import date_fields

NOW = datetime.datetime(2026, 6, 10, 15, 0, tzinfo=datetime.UTC)  # 16:00 in London


CUSTODY = {
    "custody_record_number": "NG-00012345-26",
    "crime_reference": "CR-1234567-26",
    **date_fields("arrest_date", datetime.date(2026, 6, 10)),
    "arrest_time": "09:30",
}
DRAFT_PAGE = re.compile(r"^/referrals/drafts/(\d+)/([a-z]+)/$")


def offence(code="possession-class-b", day=datetime.date(2026, 6, 9), gravity=2, risk="low"):
    return {
        "offence_type": OffenceType.objects.get(code=code).pk,
        **date_fields("offence_date", day),
        "gravity_score": str(gravity),
        "risk_band": risk,
    }


def custody(**overrides):
    return {**CUSTODY, "custody_suite": CustodySuite.objects.get(code="NG").pk, **overrides}


class Journey:
    """One referral of `person` as `client` makes it: the first page is the person's, and
    answering it makes the draft whose pages the rest are."""

    def __init__(self, client, person):
        self.client = client
        self.person = person
        self.draft_pk = None
        response = client.get(self.start_url)
        assert response.status_code == 200, response.status_code

    @property
    def start_url(self):
        return f"/referrals/new/?person={self.person.pk}"

    def url(self, step):
        if self.draft_pk is None:
            assert step == "custody", "the journey has no draft until the first page is answered"
            return self.start_url
        return f"/referrals/drafts/{self.draft_pk}/{step}/"

    def get(self, step):
        return self.client.get(self.url(step))

    def post(self, step, data):
        response = self.client.post(self.url(step), data)
        if response.status_code == 302 and self.draft_pk is None:
            found = DRAFT_PAGE.match(response["Location"])
            if found:
                self.draft_pk = int(found[1])
        return response

    def answer(self, step, data, expect_next=None):
        response = self.post(step, data)
        if expect_next:
            assert response.status_code == 302, response.content.decode()[:3000]
            assert response["Location"] == self.url(expect_next)
        return response

    def walk_to_decision(self, offence_data=None, circumstances=("none",), custody_data=None):
        self.answer("custody", custody_data or custody(), "offence")
        self.answer("offence", offence_data or offence(), "victim")
        self.answer("victim", {"victim": "none"}, "circumstances")
        self.answer("circumstances", {"circumstances": list(circumstances)}, "decision")
        return self

    def walk_to_offer(self, custody_data=None, offence_data=None):
        """Through every question up to the person's answer to an offer made at the desk."""
        self.walk_to_decision(offence_data, custody_data=custody_data)
        self.decide("offer", "Admitted.", "offer")
        return self

    def decide(self, decision="decline", rationale="No.", expect_next="check"):
        return self.answer(
            "decision",
            {"officer_decision": decision, "decision_rationale": rationale},
            expect_next,
        )

    def token(self):
        page = self.get("check")
        assert page.status_code == 200, page.status_code
        return page.context["form"].initial["token"]

    def submit(self, **data):
        token = self.token()
        return self.post("check", {"token": token, **data}), token
