"""Every page that shows a person's name, date of birth or PNC ID logs a consultation of a
record about them, in the same request (DPA 2018 s62: consultation must be logged).

Nothing can be left out by forgetting it: every URL pattern of the project is read from the
resolver and must be in PAGES (how to reach it with real data) or SKIPPED (why not), and
each is opened by every role. Every record is about its own person, with a name, date of
birth and PNC ID that no other text on a page could contain, so whatever a page shows of
anyone is found in its body, and that person's entries (governance.records) must have
grown in that request. What the address itself holds (a name searched for) does not count
as shown: the page only echoes it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import unquote_plus

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils.dateformat import format as format_date

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry
from diversion.cases.access import drafts_of
from diversion.cases.caseload import Tab
from diversion.cases.models import OfficerDecision, OutcomeReason, ProgrammeStatus
from diversion.cases.services import programme as programme_services
from diversion.cases.views.intake import SLUGS, SUBMITTED
from diversion.governance.records import PERSON_RECORDS, log_entries_about
from diversion.lib.dates import today
from diversion.people import services as people_services
from diversion.people.models import OffenceSource
from diversion.people.pnc import check_letter
from diversion.policy.models import OffenceType
from tests.factories import PersonFactory, refer
from tests.test_error_summaries import INTAKE_ANSWERS, NO_FORM_NAMESPACES, World, url_names

# Names no page could contain by chance (nor one name inside another), each person's own.
GIVEN = [
    "Quillon", "Ottrina", "Ixabel", "Marivone", "Barnholt", "Perpetuo", "Lysandre",
    "Clemvira", "Thaddero", "Aramintha", "Evandrel", "Philippo", "Wenceslava", "Oriandel",
]  # fmt: skip
FAMILY = [
    "Zephyrine-Abbot", "Vashtarian", "Pellucidar", "Quennevais", "Thistlewort", "Oakenmire",
    "Brackenvell", "Fetherstoake", "Wolverhame", "Ravensquill", "Ashbourne-Kell",
    "Dunstanvire", "Gildersleeve-Ott", "Marchbankes",
]  # fmt: skip


class Records(World):
    """The records behind every page, each about a person of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.people: list = []

    def someone(self):
        n = len(self.people)
        year, serial = 1990 + n, 4_321_000 + n
        person = PersonFactory(
            given_names=GIVEN[n],
            family_name=FAMILY[n],
            date_of_birth=datetime.date(1960, 1, 1) + datetime.timedelta(days=397 * n),
            pnc_id=f"{year}/{serial:07d}{check_letter(year, serial)}",
        )
        self.people.append(person)
        return person

    def referral(self, **details: Any):
        return refer(self.someone(), self.officer, OfficerDecision.OFFER, **details)

    @cached_property
    def person(self):
        return self.someone()

    @cached_property
    def duplicate(self):
        return self.someone()

    @cached_property
    def later_offence(self):
        return people_services.record_later_offence(
            self.signed_case.referral.person,
            actor=self.officer,
            offence_date=today(),
            offence_type=OffenceType.objects.get(code="possession-class-b"),
            source=OffenceSource.values[0],
        )

    @cached_property
    def breached_case(self):
        return programme_services.end(
            self.signed(),
            ProgrammeStatus.BREACHED,
            actor=self.caseworker,
            outcome_on=today(),
            reason=OutcomeReason.NON_ATTENDANCE,
            detail="Missed four appointments.",
        )

    @cached_property
    def returned(self):
        return self.breached_case.returns.get()

    @cached_property
    def draft(self):
        """An unfinished referral with every question answered, made at the custody desk."""
        desk = Client()
        desk.force_login(self.officer)
        page = reverse("referrals:new") + f"?person={self.someone().pk}"
        for slug in SLUGS:
            page = desk.post(page, INTAKE_ANSWERS[slug]())["Location"]
        return drafts_of(self.officer).get()

    def everything(self) -> None:
        """Make every record before any page is walked, so every list shows them all."""
        for name in (
            "person",
            "duplicate",
            "offered",
            "awaiting_authorisation",
            "unassigned_case",
            "unsigned_case",
            "appointment",
            "closed_case",
            "later_offence",
            "returned",
            "draft",
            "panel_to_download",
            "due_for_review",
        ):
            getattr(self, name)


@dataclass
class Visit:
    """One way to open a page: the address's arguments and query string from the records,
    and anything to do first (with the signed-in client)."""

    kwargs: Callable[[Records], dict[str, Any]] = lambda r: {}
    query: Callable[[Records], str] = lambda r: ""
    before: Callable[[Any, Records], None] = lambda client, r: None


def pk(attribute: str, key: str = "pk") -> Callable[[Records], dict[str, Any]]:
    def kwargs(records: Records) -> dict[str, Any]:
        value = records
        for part in attribute.split("."):
            value = getattr(value, part)
        return {key: value.pk}

    return kwargs


def signed_case_and(**more: Callable[[Records], Any]) -> Callable[[Records], dict[str, Any]]:
    return lambda r: {"pk": r.signed_case.pk, **{k: f(r) for k, f in more.items()}}


def submitted(client, records: Records) -> None:
    """The officer has just made the referral `offered` (the confirmation page's session)."""
    session = client.session
    session[SUBMITTED] = {"draft": 0, "referral": records.offered.pk}
    session.save()


SIGNED_PERSON = "signed_case.referral.person"

PAGES: dict[str, list[Visit]] = {
    "home": [Visit()],
    "healthz": [Visit()],
    "accessibility": [Visit()],
    "login": [Visit()],
    "people:search": [
        Visit(),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.family_name}"),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.given_names}"),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.pnc_id}"),
        Visit(
            query=lambda r: (
                f"?q=&date_of_birth_0={r.person.date_of_birth.day}"
                f"&date_of_birth_1={r.person.date_of_birth.month}"
                f"&date_of_birth_2={r.person.date_of_birth.year}"
            )
        ),
    ],
    "people:new": [Visit(), Visit(query=lambda r: f"?q={r.person.family_name}")],
    "people:detail": [Visit(pk(SIGNED_PERSON)), Visit(pk("person")), Visit(pk("duplicate"))],
    "people:correct": [Visit(pk(SIGNED_PERSON))],
    "people:later_offence": [Visit(pk(SIGNED_PERSON))],
    "people:merge": [
        Visit(pk("person")),
        Visit(pk("person"), query=lambda r: f"?q={r.duplicate.family_name}"),
    ],
    "people:merge_check": [Visit(lambda r: {"pk": r.person.pk, "other": r.duplicate.pk})],
    "referrals:home": [Visit()],
    "referrals:mine": [Visit()],
    "referrals:new": [Visit(), Visit(query=lambda r: f"?person={r.person.pk}")],
    "referrals:new_confirmation": [Visit(), Visit(before=submitted)],
    "referrals:draft": [Visit(pk("draft"))],
    "referrals:discard_draft": [Visit(pk("draft"))],
    "referrals:draft_print": [Visit(pk("draft"))],
    "referrals:draft_step": [
        Visit(lambda r, s=slug: {"pk": r.draft.pk, "step": s}) for slug in [*SLUGS, "check"]
    ],
    "referrals:authorisations": [Visit()],
    "referrals:returned": [Visit(), Visit(query=lambda r: "?show=actioned")],
    "referrals:actioned": [Visit(pk("returned"))],
    "referrals:detail": [
        Visit(pk("signed_case.referral")),
        Visit(pk("breached_case.referral")),
        Visit(pk("awaiting_authorisation")),
    ],
    "referrals:print": [Visit(pk("offered"))],
    "referrals:decision": [Visit(pk("offered"))],
    "referrals:authorisation": [Visit(pk("awaiting_authorisation"))],
    "cases:home": [
        Visit(),
        *(Visit(query=lambda r, t=tab: f"?tab={t}") for tab in Tab.values),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.family_name}"),
    ],
    "cases:take": [Visit(pk("unassigned_case"))],
    "cases:assign": [Visit(pk("unassigned_case"))],
    "cases:reassign": [Visit(), Visit(query=lambda r: f"?from={r.caseworker.pk}")],
    "cases:case": [Visit(pk("signed_case")), Visit(pk("unassigned_case"))],
    "cases:needs": [
        Visit(pk("signed_case")),
        Visit(pk("signed_case"), query=lambda r: "?stage=entry"),
    ],
    "cases:contract": [Visit(pk("signed_case")), Visit(pk("unsigned_case"))],
    "cases:contract_print": [Visit(pk("signed_case"))],
    "cases:condition": [Visit(signed_case_and(number=lambda r: 1))],
    "cases:milestone": [
        Visit(signed_case_and(milestone_id=lambda r: r.signed_case.milestones.first().pk))
    ],
    "cases:appointments": [Visit(pk("signed_case"))],
    "cases:appointment": [Visit(signed_case_and(appointment_id=lambda r: r.appointment.pk))],
    "cases:notes": [Visit(pk("signed_case"))],
    "cases:outcome": [Visit(pk("signed_case")), Visit(pk("closed_case"))],
    "cases:reopen": [Visit(pk("closed_case"))],
    "dashboards:home": [Visit()],
    "dashboards:refresh": [Visit()],
    "dashboards:methodology": [Visit()],
    "dashboards:sample": [Visit()],
    "dashboards:export": [Visit(lambda r: r.panel_to_download)],
    "governance:log": [Visit()],
    "governance:people": [
        Visit(),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.family_name}"),
        Visit(query=lambda r: f"?q={r.signed_case.referral.person.pnc_id}"),
    ],
    "governance:person_trail": [Visit(pk(SIGNED_PERSON))],
    "governance:person_export": [Visit(pk(SIGNED_PERSON))],
    "governance:staff": [Visit(), Visit(query=lambda r: f"?q={r.officer.username}")],
    "governance:staff_activity": [Visit(pk("officer")), Visit(pk("caseworker"))],
    "governance:staff_export": [Visit(pk("officer"))],
    "governance:subject_access": [Visit(query=lambda r: f"?person={r.person.pk}")],
    "governance:retention": [Visit()],
    "governance:retention_case": [Visit(pk("due_for_review"))],
    "governance:retention_erase": [Visit(pk("due_for_review"))],
    "two_factor:verify": [Visit()],
    "two_factor:set_up": [Visit()],
    "two_factor:recovery_codes": [Visit()],
    "password_change": [Visit()],
}

SKIPPED = {
    # Opened, it would sign the walker out of the pages after it; it shows nothing.
    "logout": "the sign-out button",
}


def test_every_address_is_walked_or_skipped_with_a_reason(db):
    names = {name for name in url_names() if name.split(":")[0] not in NO_FORM_NAMESPACES}
    assert sorted(names - set(PAGES) - set(SKIPPED)) == [], "Add each address to PAGES"
    assert set(PAGES) | set(SKIPPED) <= names, "Entries for addresses that are gone"


def test_the_admin_site_shows_no_record_about_a_person():
    """The admin namespace is not walked: no record about a person is registered there."""
    assert not set(PERSON_RECORDS) & set(admin.site._registry)


def shown_of(person) -> list[str]:
    """What a page could show that identifies `person`."""
    born = person.date_of_birth
    return [
        person.given_names,
        person.family_name,
        format_date(born, "j F Y"),
        format_date(born, "j M Y"),
        person.pnc_id,
    ]


def visits():
    for name, ways in PAGES.items():
        for number, visit in enumerate(ways):
            yield f"{name}#{number}", name, visit


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.name.lower())
def test_every_page_that_shows_a_person_logs_consulting_them(client, db, role):
    records = Records()
    records.everything()
    user = records.users[role]
    client.force_login(user)
    unlogged, opened = [], 0
    for label, name, visit in visits():
        visit.before(client, records)
        url = reverse(name, kwargs=visit.kwargs(records)) + visit.query(records)
        latest = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        assert response.status_code < 500, f"{label} {url} answered {response.status_code}"
        if not hasattr(response, "content"):
            continue
        body = response.content.decode(errors="replace")
        asked = unquote_plus(url)
        for person in records.people:
            shown = [text for text in shown_of(person) if text in body and text not in asked]
            if not shown:
                continue
            opened += 1
            logged = log_entries_about(person).filter(pk__gt=latest, actor=user)
            if not logged.exists():
                unlogged.append(f"{label} {url} ({response.status_code}) shows {shown}")
    assert not unlogged, "Pages showing a person without logging it:\n" + "\n".join(unlogged)
    if role != Role.AUDITOR:
        assert opened, "No page showed anyone: the walk reached nothing"
