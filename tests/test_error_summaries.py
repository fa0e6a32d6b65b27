"""Every form of the service, sent empty, shows an error summary whose links each reach an
element on the page (GOV.UK error summary: each link moves focus to the input to correct).

Nothing can be left out by forgetting it: every URL pattern of the project is read from the
resolver, and each must be in FORM_PAGES (how to reach its form, which role sends it) or in
NO_FORM (why it has none). A new address without an entry fails
test_every_address_is_listed_with_its_form_or_why_it_has_none.

"Empty" is what a browser sends when the person fills in nothing and presses the form's
first button: hidden inputs as the page gave them, text boxes and date parts blank, no
radio or checkbox ticked, each select on its empty choice.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from diversion.accounts.roles import Role
from diversion.cases.models import (
    ConditionStatus,
    DeclineReason,
    MilestoneStatus,
    OfficerDecision,
    PersonDecision,
)
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as programme_services
from diversion.cases.services import referral as referral_services
from diversion.cases.views.intake import SLUGS
from diversion.lib.dates import today
from diversion.policy.models import CustodySuite, MilestoneKind, OffenceType
from diversion.reporting import refresh
from tests.factories import PersonFactory, UserFactory, refer
from tests.html import Element, Page
from tests.two_factor import give_authenticator

# Whole namespaces with no form of the service's own.
NO_FORM_NAMESPACES = {
    "admin": "Django's own admin site, with its own forms and error lists, for administrators",
}

NO_FORM = {
    "home": "sends each user on to their role's home page",
    "healthz": "a health check for the hosting platform",
    "logout": "the sign-out button: nothing to fill in",
    "people:detail": "the person's record: links only",
    "referrals:home": "sends the user on to their list",
    "referrals:mine": "a list with no search or filters",
    "referrals:new_confirmation": "says the referral was made and what happens next",
    "referrals:draft": "resumes an unfinished referral at the page reached: sends on",
    "referrals:discard_draft": "the Discard button, after a warning: nothing to fill in",
    "accessibility": "the accessibility statement: text only",
    "referrals:authorisations": "a list with no search or filters",
    "referrals:detail": "the referral's record: links only",
    "referrals:print": "the printable offer",
    "referrals:returned": "the cases returned for prosecution: a list with no search or filters",
    "referrals:actioned": "the Mark as actioned button: nothing to fill in",
    "referrals:draft_print": "the printable offer, at the desk before the person answers",
    "cases:contract_print": "the printable contract, to sign",
    "cases:take": "the Take this case button: nothing to fill in",
    "cases:case": "the case's overview and timeline: links only",
    "dashboards:refresh": "the Work out new figures button: nothing to fill in",
    "dashboards:methodology": "how each figure is measured: text only",
    "two_factor:recovery_codes": "the new recovery codes, shown once: text only",
    "governance:staff": "a search of staff by name or username: any text is a good search",
    "governance:retention": "the retention review queue: a list with no search or filters",
}


# --- The records the forms need, made as the service's users would make them --------------


class World:
    """The people and records behind the form pages, each made when first asked for."""

    def __init__(self) -> None:
        self.users = {
            role: UserFactory(roles=[role], first_name="Sam", last_name=role.value.split()[-1])
            for role in Role
        }
        self.officer = self.users[Role.CUSTODY_OFFICER]
        self.caseworker = self.users[Role.CASEWORKER]
        self.manager = self.users[Role.MANAGER]

    def referral(self, **details: Any):
        return refer(PersonFactory(), self.officer, OfficerDecision.OFFER, **details)

    def accepted(self, *, days_ago: int = 0):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago)):
            referral = self.referral()
            referral_services.record_person_decision(
                referral, actor=self.officer, decision=PersonDecision.ACCEPTED
            )
        return referral.programme

    def signed(self, *, days_ago: int = 20):
        """A case the caseworker took and signed `days_ago`, with an intervention."""
        programme = self.accepted(days_ago=days_ago)
        # Signed and recorded that day, as a contract signed then is.
        with time_machine.travel(timezone.now() - datetime.timedelta(days=days_ago)):
            allocation.take(programme, actor=self.caseworker)
            return programme_services.sign_contract(
                programme,
                actor=self.caseworker,
                signed_on=today(),
                conditions=[{"kind": "intervention", "description": "Drug treatment sessions"}],
            )

    @cached_property
    def person(self):
        return PersonFactory(given_names="Jon", family_name="Smith")

    @cached_property
    def duplicate(self):
        return PersonFactory(
            given_names="John", family_name="Smith", date_of_birth=self.person.date_of_birth
        )

    @cached_property
    def awaiting_authorisation(self):
        return self.referral(offence_type=OffenceType.objects.get(code="supply-own-use"))

    @cached_property
    def offered(self):
        return self.referral()

    @cached_property
    def unassigned_case(self):
        return self.accepted()

    @cached_property
    def unsigned_case(self):
        programme = self.accepted()
        return allocation.take(programme, actor=self.caseworker)

    @cached_property
    def signed_case(self):
        return self.signed()

    @cached_property
    def appointment(self):
        """An appointment two days ago, not yet recorded: it can be recorded or moved."""
        return casework.add_appointment(
            self.signed_case,
            actor=self.caseworker,
            kind="intervention",
            starts_at=timezone.now() - datetime.timedelta(days=2),
        )

    @cached_property
    def completable_case(self):
        """A running case with every condition met and the final review done."""
        case = self.signed()
        for condition in case.conditions.all():
            casework.update_condition(
                case, condition.number, actor=self.caseworker, status=ConditionStatus.MET
            )
        casework.record_milestone(
            case,
            case.milestones.get(code=MilestoneKind.FINAL_REVIEW),
            actor=self.caseworker,
            status=MilestoneStatus.DONE,
            completed_on=today(),
        )
        return case

    @cached_property
    def closed_case(self):
        case = self.signed()
        return programme_services.end(
            case,
            "withdrawn",
            actor=self.manager,
            outcome_on=today(),
            reason="moved_away",
        )

    @cached_property
    def due_for_review(self):
        """A referral the person declined seven years ago: due for its retention review."""
        with time_machine.travel(timezone.now() - datetime.timedelta(days=7 * 366)):
            referral = self.referral()
            referral_services.record_person_decision(
                referral,
                actor=self.officer,
                decision=PersonDecision.DECLINED,
                decline_reason=DeclineReason.PREFERS_COURT,
            )
        return referral

    @cached_property
    def panel_to_download(self):
        """A dashboard panel's address arguments, once there are figures to download."""
        self.offered  # noqa: B018 - something to count
        refresh.refresh()
        return {"slug": "funnel"}


# --- Reaching each form ---------------------------------------------------------------------


def get_page(client, world, url):
    return client.get(url)


def with_authenticator(client, world, url):
    """The code page asks only a user who has an authenticator (the others set one up)."""
    give_authenticator(world.manager)
    return client.get(url)


def yesterday():
    return today() - datetime.timedelta(days=1)


def date_parts(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# Good answers to each question of the referral journey, to reach the ones after it.
INTAKE_ANSWERS: dict[str, Callable[[], dict[str, Any]]] = {
    "custody": lambda: {
        "custody_suite": CustodySuite.objects.get(code="NG").pk,
        "custody_record_number": "NG-00012345-26",
        "crime_reference": "CR-1234567-26",
        **date_parts("arrest_date", yesterday()),
        "arrest_time": "09:30",
    },
    "offence": lambda: {
        "offence_type": OffenceType.objects.get(code="possession-class-b").pk,
        **date_parts("offence_date", yesterday()),
        "gravity_score": "2",
        "risk_band": "low",
    },
    "victim": lambda: {"victim": "none"},
    "circumstances": lambda: {"circumstances": ["none"]},
    "decision": lambda: {"officer_decision": "offer", "decision_rationale": "Admitted."},
    "offer": lambda: {"person_decision": "accepted"},
}


def intake_at(step, *, person=lambda world: PersonFactory()):
    """Open the referral journey's page `step`, having answered every question before it
    for `person`: the first page is the person's, and answering it makes the draft whose
    address the later pages have."""

    def reach(client, world, url):
        page = reverse("referrals:new") + f"?person={person(world).pk}"
        for earlier in SLUGS[: SLUGS.index(step)] if step in SLUGS else SLUGS:
            answered = client.post(page, INTAKE_ANSWERS[earlier]())
            assert answered.status_code == 302, f"{earlier}: {answered.content[:2000]!r}"
            page = answered["Location"]
        return client.get(page)

    return reach


def new_person_matching(client, world, url):
    """The page asking whether the person being added is someone already on file."""
    on_file = PersonFactory(given_names="John", family_name="Smith")
    details = {
        "given_names": on_file.given_names,
        "family_name": on_file.family_name,
        **date_parts("date_of_birth", on_file.date_of_birth),
        "sex": on_file.sex,
    }
    return client.post(url, details)


@dataclass
class FormPage:
    """One form: who sends it, the address's arguments (from the records), and how to open
    the page that shows it. `form` picks the form when a page has several: attribute values
    of the <form> or of an element inside it. `fill` is typed into it where an empty form
    is a good one (a search, a filter), to bring up its errors."""

    role: Role | None
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    query: str = ""
    open: Callable[..., Any] = get_page
    form: dict[str, str] = field(default_factory=dict)
    fill: dict[str, str] = field(default_factory=dict)
    label: str = ""


# A date no calendar has, for the filters whose empty form is a good one.
NO_DAY = {"start_0": "31", "start_1": "2", "start_2": "2026"}


def case(attribute: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"pk": getattr(world, attribute).pk}


FORM_PAGES: dict[str, list[FormPage]] = {
    "login": [FormPage(None)],
    "two_factor:verify": [FormPage(Role.MANAGER, open=with_authenticator)],
    "two_factor:set_up": [FormPage(Role.MANAGER)],
    "password_change": [FormPage(Role.CASEWORKER)],
    "people:search": [FormPage(Role.CUSTODY_OFFICER)],
    "people:new": [
        FormPage(Role.CUSTODY_OFFICER, label="details"),
        FormPage(Role.CUSTODY_OFFICER, open=new_person_matching, label="someone on file"),
    ],
    "people:correct": [FormPage(Role.CUSTODY_OFFICER, case("person"))],
    "people:merge": [FormPage(Role.MANAGER, case("person"))],
    "people:merge_check": [
        FormPage(Role.MANAGER, lambda world: {"pk": world.person.pk, "other": world.duplicate.pk})
    ],
    "people:later_offence": [
        FormPage(Role.CUSTODY_OFFICER, lambda world: {"pk": world.offered.person.pk})
    ],
    # The first question, for the person in the address; the rest are the draft's pages
    # (the draft's key, unknown until the first is answered, is read from where it leads).
    "referrals:new": [FormPage(Role.CUSTODY_OFFICER, query="?person=0", open=intake_at("custody"))],
    "referrals:draft_step": [
        *(
            FormPage(
                Role.CUSTODY_OFFICER,
                lambda world, s=slug: {"pk": 0, "step": s},
                open=intake_at(slug),
            )
            for slug in SLUGS[1:]
        ),
        # The check page asks for something only when the person has an open programme.
        FormPage(
            Role.CUSTODY_OFFICER,
            lambda world: {"pk": 0, "step": "check"},
            open=intake_at("check", person=lambda world: world.unassigned_case.referral.person),
        ),
    ],
    "referrals:decision": [FormPage(Role.CUSTODY_OFFICER, case("offered"))],
    "referrals:authorisation": [FormPage(Role.MANAGER, case("awaiting_authorisation"))],
    # Empty is a good search and no filter: a search too long is the error.
    "cases:home": [
        FormPage(Role.CASEWORKER, form={"role": "search"}, fill={"q": "x" * 101}),
        FormPage(Role.MANAGER, form={"role": "search"}, fill={"q": "x" * 101}),
    ],
    "cases:assign": [FormPage(Role.MANAGER, case("unassigned_case"))],
    "cases:reassign": [FormPage(Role.MANAGER)],
    "cases:needs": [FormPage(Role.CASEWORKER, case("signed_case"), query="?stage=entry")],
    "cases:contract": [FormPage(Role.CASEWORKER, case("unsigned_case"))],
    "cases:condition": [
        FormPage(Role.CASEWORKER, lambda world: {"pk": world.signed_case.pk, "number": 2})
    ],
    "cases:milestone": [
        FormPage(
            Role.CASEWORKER,
            lambda world: {
                "pk": world.signed_case.pk,
                "milestone_id": world.signed_case.milestones.get(code="review_1").pk,
            },
        )
    ],
    "cases:appointments": [FormPage(Role.CASEWORKER, case("signed_case"))],
    "cases:appointment": [
        FormPage(
            Role.CASEWORKER,
            lambda world: {"pk": world.signed_case.pk, "appointment_id": world.appointment.pk},
            form={"data-testid": action},
            label=action,
        )
        for action in ("record-form", "reschedule-form")
    ],
    "cases:notes": [FormPage(Role.CASEWORKER, case("signed_case"))],
    "cases:outcome": [
        FormPage(
            Role.CASEWORKER,
            case("completable_case"),
            form={"name": "action", "value": "complete"},
            label="complete",
        ),
        *(
            FormPage(
                Role.CASEWORKER,
                case("signed_case"),
                form={"name": "action", "value": action},
                label=action,
            )
            for action in ("breach", "withdraw")
        ),
    ],
    # The reopen form is on the outcome tab of a closed case, and sends to its own address.
    "cases:reopen": [
        FormPage(
            Role.MANAGER,
            case("closed_case"),
            open=lambda client, world, url: client.get(
                reverse("cases:outcome", args=[world.closed_case.pk])
            ),
        )
    ],
    # Empty is the whole dashboard: a month that does not exist is the error.
    "dashboards:home": [
        FormPage(
            Role.MANAGER,
            form={"aria-label": "Filter the figures"},
            fill={"start_0": "13", "start_1": "2025"},
        )
    ],
    "dashboards:sample": [FormPage(Role.MANAGER)],
    "dashboards:export": [FormPage(Role.MANAGER, lambda world: world.panel_to_download)],
    # The person is named in the query, as the person's page and the auditor's search link.
    "governance:subject_access": [
        FormPage(
            role,
            open=lambda client, world, url: client.get(f"{url}?person={world.person.pk}"),
        )
        for role in (Role.MANAGER, Role.AUDITOR)
    ],
    # The auditor's lists: empty is the whole log; a date that does not exist is the error.
    "governance:log": [FormPage(Role.AUDITOR, form={"aria-label": "Filter entries"}, fill=NO_DAY)],
    "governance:people": [FormPage(Role.AUDITOR)],
    "governance:person_trail": [
        FormPage(Role.AUDITOR, case("person"), form={"aria-label": "Filter entries"}, fill=NO_DAY)
    ],
    "governance:person_export": [FormPage(Role.AUDITOR, case("person"))],
    "governance:staff_activity": [
        FormPage(
            Role.AUDITOR,
            lambda world: {"pk": world.manager.pk},
            form={"aria-label": "Filter entries"},
            fill=NO_DAY,
        )
    ],
    "governance:staff_export": [FormPage(Role.AUDITOR, lambda world: {"pk": world.manager.pk})],
    "governance:retention_case": [
        FormPage(Role.MANAGER, case("due_for_review"), form={"data-testid": "retain-form"})
    ],
    "governance:retention_erase": [
        FormPage(Role.MANAGER, case("due_for_review"), form={"data-testid": "erase-form"})
    ],
}


# --- The project's addresses ----------------------------------------------------------------


def url_names(patterns=None, namespace=""):
    """Every URL pattern of the project as its name ("cases:outcome"), or its route where
    it has none, walking the resolver through every include."""
    found = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            found.add(f"{namespace}{pattern.name or pattern.pattern}")
    return found


def listed(name):
    return name in FORM_PAGES or name in NO_FORM or name.split(":")[0] in NO_FORM_NAMESPACES


def test_every_address_is_listed_with_its_form_or_why_it_has_none(db):
    names = url_names()
    assert not [name for name in sorted(names) if not listed(name)], (
        "Add each address to FORM_PAGES (its form, the role that sends it) or to NO_FORM "
        "(why it has none)"
    )
    assert set(FORM_PAGES) | set(NO_FORM) <= names, "Entries for addresses that are gone"
    assert not set(FORM_PAGES) & set(NO_FORM)


def test_every_question_of_the_referral_journey_is_listed(db):
    steps = [page.kwargs(None)["step"] for page in FORM_PAGES["referrals:draft_step"]]
    assert {SLUGS[0], *steps} == {*SLUGS, "check"}


# --- Sending each form empty ----------------------------------------------------------------


def find_form(page: Page, form_page: FormPage) -> Element:
    forms = [
        form
        for form in page.select("form")
        if not form.attrs.get("action", "").endswith(reverse("logout"))
    ]
    if form_page.form:
        forms = [
            form
            for form in forms
            if any(
                all(element.attrs.get(k) == v for k, v in form_page.form.items())
                for element in [form, *page.inside(form)]
            )
        ]
    assert len(forms) == 1, f"{len(forms)} forms match {form_page.form or 'on the page'}"
    return forms[0]


def empty_submission(page: Page, form: Element) -> dict[str, Any]:
    """What a browser sends for `form` with nothing filled in and its first button pressed."""
    data: dict[str, Any] = {}
    pressed = False
    for element in page.inside(form):
        name, kind = element.attrs.get("name"), element.attrs.get("type", "").lower()
        if element.tag == "button" or (element.tag == "input" and kind in ("submit", "image")):
            if not pressed and kind in ("", "submit", "image"):
                pressed = True
                if name:
                    data[name] = element.attrs.get("value", "")
            continue
        if not name or element.tag not in ("input", "textarea", "select"):
            continue
        if element.tag == "input" and kind == "hidden":
            data.setdefault(name, []).append(element.attrs.get("value", ""))
        elif element.tag == "input" and kind in ("checkbox", "radio", "file"):
            continue
        elif element.tag == "select":
            options = page.inside(element, "option")
            values = [o.attrs.get("value", o.text) for o in options]
            data[name] = "" if "" in values or not values else values[0]
        else:
            data[name] = ""
    return data


def send(client, url, form: Element, data: dict[str, Any]):
    action = urljoin(url, form.attrs.get("action", "") or url)
    if form.attrs.get("method", "get").lower() == "post":
        return client.post(action, data)
    return client.get(urlsplit(action).path + "?" + urlencode(data, doseq=True))


def cases_of_form_pages():
    for name, form_pages in FORM_PAGES.items():
        for form_page in form_pages:
            role = form_page.role.value if form_page.role else "signed out"
            step = ""
            if name == "referrals:draft_step":
                step = form_page.kwargs(None)["step"]
                if step == "check":
                    step += " with an open programme"
            ident = "-".join(part for part in (name, step or form_page.label, role) if part)
            yield pytest.param(name, form_page, id=ident)


@pytest.mark.parametrize(("name", "form_page"), list(cases_of_form_pages()))
def test_each_error_summary_link_reaches_an_element_on_the_page(client, db, name, form_page):
    world = World()
    if form_page.role is not None:
        client.force_login(world.users[form_page.role])
    url = reverse(name, kwargs=form_page.kwargs(world)) + form_page.query
    opened = form_page.open(client, world, url)
    assert opened.status_code == 200, f"The form's page answered {opened.status_code}"
    # The address the page was opened at, which a form without an action sends to.
    url = opened.request["PATH_INFO"] + "?" + opened.request.get("QUERY_STRING", "")
    page = Page(opened.content.decode())
    form = find_form(page, form_page)

    sent = send(client, url, form, {**empty_submission(page, form), **form_page.fill})

    assert sent.status_code == 200, f"The empty form answered {sent.status_code}, not its errors"
    answer = Page(sent.content.decode())
    summaries = [
        e for e in answer.select("div") if "govuk-error-summary" in e.attrs.get("class", "").split()
    ]
    links = [
        link.attrs["href"]
        for summary in summaries
        for link in answer.inside(summary, "a")
        if link.attrs.get("href", "").startswith("#")
    ]
    assert links, "The empty form showed no error summary links"
    ids = {element.attrs["id"] for element in answer.elements if "id" in element.attrs}
    missing = [href for href in links if href[1:] not in ids]
    assert not missing, f"Error summary links to no element: {missing}"
