"""The load test's simulated staff (`make loadtest`, run by locust in a virtualenv of its own:
this file imports nothing of the service's).

Each simulated user signs in as one of the accounts `manage.py load_accounts` made (its file
is LOAD_ACCOUNTS), with the password and then its authenticator's code, and does its role's
journeys, pausing 1 to 5 seconds after each page as a person reading it does. A page is a
failure if it answers anything but 200 (after redirects), or shows a form's error summary
where none was expected. Pages are grouped by what they are, not their address, so the
report reads by page ("case overview"), whichever case was opened.
"""

import datetime
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from html.parser import HTMLParser

from locust import HttpUser, constant, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
PASSWORD = ACCOUNTS["password"]
# Each simulated user of a role takes the next account of that role.
NEXT_ACCOUNT = {role: itertools.count() for role in ACCOUNTS["accounts"]}
# Family names common in the demo data (diversion.demo.seed.people), to search by.
SURNAMES = ["Patel", "Khan", "Singh", "Ali", "Ahmed", "Hussain", "Begum", "Shah", "Wong"]
ERROR_SUMMARY = "govuk-error-summary"


def totp(key_hex: str, at: float) -> str:
    """The six-digit code (RFC 6238: 30-second steps, HMAC-SHA1) an authenticator shows."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Form(HTMLParser):
    """The fields of a page's POST forms, as a browser would send them untouched: hidden
    inputs, text as filled in, the checked radios and boxes, each select's chosen option.
    Also every option offered, by field, for answers that pick one."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.action: str | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._label = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form" and a.get("method", "").lower() == "post" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.options.setdefault(name, []).append((a.get("value", "on"), ""))
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind != "submit":
                self.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self.values.setdefault(name, []).append("")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            self._option, self._label = a.get("value", ""), ""
            if "selected" in a:
                self.values[self._select] = [self._option]

    def handle_data(self, data):
        if self._option is not None:
            self._label += data

    def handle_endtag(self, tag):
        if tag == "option" and self._select and self._option is not None:
            self.options.setdefault(self._select, []).append((self._option, self._label.strip()))
            self._option = None
        elif tag == "select":
            self._select = None

    def choose(self, name: str, label_has: str = "") -> str:
        """The first option of `name` (not the empty one) whose label contains `label_has`."""
        return next(v for v, label in self.options[name] if v and label_has in label)


def date_parts(name: str, day: datetime.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def links(html: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({pattern})"', html)))


class Staff(HttpUser):
    """Signs in once, as its own account, then does its role's journeys."""

    abstract = True
    role = ""
    # The pause is after every page (Staff.read), not only between journeys.
    wait_time = constant(0)

    def on_start(self):
        account = ACCOUNTS["accounts"][self.role][next(NEXT_ACCOUNT[self.role])]
        page = self.get("/accounts/login/", "sign in")
        self.post(page, "/accounts/login/", "sign in", username=account["username"])
        page = self.get("/accounts/two-factor/", "two-factor")
        self.post(
            page, "/accounts/two-factor/", "two-factor", code=totp(account["key"], time.time())
        )

    def get(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
        return self.read(response.text)

    @staticmethod
    def read(page: str) -> str:
        """A person reads each page, or fills in its form, for 1 to 5 seconds."""
        time.sleep(random.uniform(1, 5))
        return page

    def post(self, page: str, path: str, name: str, **answers) -> str:
        """Send the form on `page` to `path` with `answers` over what it already holds; a
        value of None leaves a field out, a list gives it several values."""
        form = Form(page)
        data = {**form.values, "password": [PASSWORD]} if "password" in form.values else form.values
        for field, value in answers.items():
            if value is None:
                data.pop(field, None)
            else:
                data[field] = value if isinstance(value, list) else [value]
        headers = {"Referer": self.host + path}
        with self.client.post(
            path, data=data, name=name, headers=headers, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif ERROR_SUMMARY in response.text:
                refused = re.findall(r'<a href="#[^"]*">([^<]*)</a>', response.text)
                response.failure(f"the form was refused: {'; '.join(refused)}")
        return self.read(response.text)


class CustodyOfficer(Staff):
    role = "Custody officer"
    weight = 3

    @task(3)
    def search(self):
        self.get("/referrals/", "referrals home")
        found = self.get(f"/people/?q={random.choice(SURNAMES)}", "person search")
        people = links(found, r"/people/\d+/")
        if people:
            self.get(random.choice(people), "person")

    @task(1)
    def refer(self):
        """A whole referral, as the custody desk makes one: find the person, then each
        question of the journey, the check page and the submission."""
        found = self.get(f"/people/?q={random.choice(SURNAMES)}", "person search")
        people = [int(p.split("/")[2]) for p in links(found, r"/people/\d+/")]
        if not people:
            return
        yesterday = datetime.date.today() - datetime.timedelta(days=1)
        start = f"/referrals/new/?person={random.choice(people)}"
        page = self.get(start, "referral: custody")
        form = Form(page)
        # Seven digits: never taken for a demo record (diversion.demo.seed, eight from 9).
        number = random.randrange(10**6, 10**7)
        page = self.post(
            page,
            start,
            "referral: custody",
            custody_suite=form.choose("custody_suite"),
            custody_record_number=f"LT-{number}-26",
            crime_reference=f"CR-{number}-26",
            arrest_time="11:15",
            **date_parts("arrest_date", yesterday),
        )
        for step, answers in self.steps(yesterday):
            if step not in page:
                break
            page = self.post(
                page, self.draft_path(page, step), f"referral: {step}", **answers(page)
            )
        # A person already on a programme is referred again only once the officer says so;
        # said always, since another officer's referral may open one after the page was read.
        understood = {"open_programme_understood": "on"}
        self.post(page, self.draft_path(page, "check"), "referral: submit", **understood)

    def steps(self, day):
        return [
            (
                "offence",
                lambda page: {
                    "offence_type": Form(page).choose("offence_type", "Possession of"),
                    "gravity_score": "2",
                    "risk_band": Form(page).choose("risk_band"),
                    **date_parts("offence_date", day),
                },
            ),
            ("victim", lambda page: {"victim": Form(page).choose("victim")}),
            ("circumstances", lambda page: {"circumstances": "none"}),
            (
                "decision",
                lambda page: {
                    "officer_decision": "offer",
                    "decision_rationale": "First arrest; treatment place available.",
                },
            ),
            (
                "offer",
                lambda page: {
                    "person_decision": Form(page).choose("person_decision"),
                    **date_parts("decide_by", day + datetime.timedelta(days=3)),
                    **date_parts("answered_on", day + datetime.timedelta(days=1)),
                },
            ),
        ]

    @staticmethod
    def draft_path(page: str, step: str) -> str:
        draft = re.search(r"/referrals/drafts/(\d+)/", page)
        return f"/referrals/drafts/{draft.group(1) if draft else 0}/{step}/"


class Caseworker(Staff):
    role = "Caseworker"
    weight = 4

    @task
    def caseload(self):
        page = self.get("/cases/", "caseload")
        cases = links(page, r"/cases/\d+/")
        if not cases:
            return
        case = random.choice(cases)
        self.get(case, "case overview")
        self.get(f"{case}notes/", "case notes")
        self.get(f"{case}appointments/", "case appointments")


class Manager(Staff):
    role = "Manager"
    weight = 2

    @task(2)
    def dashboard(self):
        self.get("/dashboards/", "dashboard")
        this_year = datetime.date.today().year
        # Referred from January this year (the filter form: start month, then year).
        self.get(f"/dashboards/?start_0=1&start_1={this_year}", "dashboard, filtered")

    @task(1)
    def queues(self):
        self.get("/referrals/authorisations/", "authorisations")
        self.get("/cases/", "team caseload")


class Auditor(Staff):
    role = "Auditor"
    weight = 1

    @task
    def audit(self):
        self.get("/audit/", "access log")
        found = self.get(f"/audit/people/?q={random.choice(SURNAMES)}", "audit: find a person")
        people = links(found, r"/audit/people/\d+/")
        if people:
            self.get(random.choice(people), "audit: person's trail")
        self.get("/audit/staff/", "audit: staff")


__all__ = ["CustodyOfficer", "Caseworker", "Manager", "Auditor"]
