"""Hostile input to every form of the service: whatever is sent, the service answers with
the form's errors or does what was asked, never a server error, never stores a row its own
rules refuse, and never takes a POST that does not carry the CSRF token.

The forms are the ones tests/test_error_summaries.py lists (FORM_PAGES), reached the same
way, so a form added there is sent hostile input too. Each form is opened once; each
example is sent inside a savepoint that is rolled back, so examples are cheap and do not
see each other's writes.

After each example the rows it wrote (PostgreSQL's xmin tells) are checked against the
models' rules, and the page must show any HTML sent in escaped.

At least TOTAL_EXAMPLES examples are sent in each run, shared equally between the forms.
They are derandomized (hypothesis's derandomize setting): each run sends the same values,
so a failure in CI is the same failure on a laptop.
"""

import datetime
import json
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin

import pghistory.models
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversion.lib.text import BIDI_CONTROLS
from tests.audit.test_s62_coverage import PAGES, Records
from tests.factories import PASSWORD
from tests.html import Element, Page
from tests.test_error_summaries import (
    INTAKE_ANSWERS,
    FormPage,
    World,
    cases_of_form_pages,
    empty_submission,
    find_form,
    send,
    yesterday,
)

FORMS = list(cases_of_form_pages())
TOTAL_EXAMPLES = 10_000
EXAMPLES_PER_FORM = math.ceil(TOTAL_EXAMPLES / len(FORMS))

# Marks an HTML snippet sent in: the page must show it escaped.
INJECTED = "<b id=hostile>"

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\t\n\r\x0b\x0c\x85\u2028\u2029",
    "\r\n" * 50,
    "x" * 501,
    "x" * 2_001,
    "x" * 5_001,
    "x" * 100_001,
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202egnp.exe",
    "\u2066isolated\u2069 \u200f\u200e\u061c",
    "e\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308",
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\U0001f1ec\U0001f1e7",
    "\ufeff\u200b\u00a0",
    "'; DROP TABLE people_person; --",
    "' OR '1'='1",
    "%",
    "_",
    "\\",
    '"',
    f'"><script>alert(1)</script>{INJECTED}',
    "{{ request }}{% debug %}",
    "../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
]
HOSTILE_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 40,
    "\u0663",
    "\uff11\uff12",
    " 2 ",
]
HOSTILE_DATE_PARTS = ["31", "29", "13", "0", "00", "0000", "0001", "9999", "99999", "1"]
# Whole dates (day, month, year; a month input takes the month and year) that are not real,
# or at the ends of the calendar.
HOSTILE_DATES = [
    ("31", "2", "2026"),
    ("29", "2", "2100"),
    ("31", "4", "2025"),
    ("0", "0", "0"),
    ("1", "1", "0000"),
    ("1", "1", "0001"),
    ("31", "12", "9999"),
    ("1", "1", "99999"),
    ("-1", "-1", "-2025"),
]
HOSTILE_TIMES = ["24:00", "23:60", "9.5", "-1:00", "99:99", "12:3", "1230", "12:30:00"]
# Names the form does not show, which it must ignore: but for "confirm", the button of the
# page that asks to check an outcome before it is recorded, sent here straight away.
EXTRA_FIELDS = [
    "id",
    "pk",
    "status",
    "person",
    "caseworker",
    "is_superuser",
    "actor",
    "next",
    "confirm",
]


@dataclass
class Input:
    """One named input of a form, as the page gives it: its kind, the value the page puts
    in it, and the values a person could pick (a select's options, a radio's values)."""

    name: str
    kind: str
    value: str | None = None
    options: list[str] = field(default_factory=list)


def inputs_of(page: Page, form: Element) -> dict[str, Input]:
    """The named inputs of `form`, by name (a group of radios or checkboxes is one)."""
    found: dict[str, Input] = {}
    for element in page.inside(form):
        name = element.attrs.get("name")
        kind = element.attrs.get("type", element.tag).lower()
        if not name or element.tag not in ("input", "textarea", "select"):
            continue
        if kind in ("submit", "image", "button"):
            continue
        entry = found.setdefault(name, Input(name, kind))
        if element.tag == "select":
            entry.options += [o.attrs.get("value", o.text) for o in page.inside(element, "option")]
        elif kind in ("radio", "checkbox"):
            entry.options.append(element.attrs.get("value", "on"))
        elif element.tag == "textarea":
            entry.value = "".join(element.parts).strip()
        else:
            entry.value = element.attrs.get("value")
    return found


# --- What is sent ---------------------------------------------------------------------------


# Right answers to the questions with a format of their own.
FORMATTED = {
    "pnc_id": "2012/0034567E",
    "postcode_district": "NG1",
    "phone": "01632 960 001",
    "email": "name@example.com",
}

# Dates a person could well give: today, lately, and a date of birth.
GOOD_DATES = [0, 1, 7, 20, 30 * 365 + 7]


def dates_of(inputs: dict[str, Input], answers: dict[str, Any]) -> dict[str, int]:
    """The form's date inputs without a known answer, each with how many parts it has
    (GOV.UK's date input: day, month and year, as "name_0", "name_1" and "name_2"; a month
    input has the last two)."""
    return {
        name[:-2]: 3 if f"{name[:-2]}_2" in inputs else 2
        for name in inputs
        if name.endswith("_0") and name not in answers and inputs[name].kind != "hidden"
    }


def good_values(inputs: dict[str, Input], answers: dict[str, Any]) -> st.SearchStrategy[dict]:
    """What a person could well send: a right answer where one is known, else the value the
    page gave, one of the options, a recent date (each date's parts together) or plausible
    text."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, entry in inputs.items():
        if entry.kind == "hidden":
            continue
        # A form with a prefix (two on one page) names its inputs "breach-detail".
        if (question := name.rsplit("-", 1)[-1]) in answers:
            fields[name] = st.just(answers[question])
        elif entry.kind == "checkbox":
            fields[name] = st.lists(st.sampled_from(entry.options), unique=True, min_size=1)
        elif entry.options:
            fields[name] = st.sampled_from([o for o in entry.options if o] or entry.options)
        elif entry.value:
            fields[name] = st.just(entry.value)
        elif "time" in name:
            fields[name] = st.just("09:30")
        elif not name.endswith(("_0", "_1", "_2")):
            fields[name] = st.just("Seen at the clinic.")
    dates = dates_of(inputs, answers)
    for date in dates:
        fields[date] = st.sampled_from(GOOD_DATES).map(
            lambda days: yesterday() + datetime.timedelta(1 - days)
        )

    def parts(values: dict[str, Any]) -> dict[str, Any]:
        for date, size in dates.items():
            day = values.pop(date)
            given = (day.day, day.month, day.year)[-size:]
            values.update({f"{date}_{n}": str(part) for n, part in enumerate(given)})
        return values

    return st.fixed_dictionaries(fields).map(parts)


def hostile_value(ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(HOSTILE_NUMBERS + HOSTILE_DATE_PARTS + HOSTILE_TIMES),
        st.sampled_from(ids),
        st.text(max_size=20),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.from_regex(r"\A-?[0-9]{1,3}[:./-][0-9]{1,3}\Z"),
    )


SPOILS = st.sampled_from(["hostile", "twice", "missing"])
UNREAL_DATES = st.sampled_from(HOSTILE_DATES)


def submissions(inputs: dict[str, Input], base: dict[str, Any], answers, ids):
    """A submission of the form, sent well but for a few inputs (none, often): each of
    those sent hostile, sent twice or left out, or a whole date sent as one that is not
    real; and maybe inputs the form does not have. Hidden inputs (a draft's key, the CSRF
    token) are sent as the page gave them unless spoiled.

    The strategies are made once: made for each example, they cost more than sending it."""
    good, hostile = good_values(inputs, answers), hostile_value(ids)
    dates = dates_of(inputs, answers)
    spoiled = st.lists(st.sampled_from(sorted([*inputs, *dates])), max_size=3, unique=True)
    extra = st.lists(st.sampled_from(EXTRA_FIELDS), max_size=2, unique=True)

    @st.composite
    def submission(draw) -> dict[str, Any]:
        data: dict[str, Any] = {**base, **draw(good)}
        for name in draw(spoiled):
            how = draw(SPOILS)
            if name in dates:
                given = draw(UNREAL_DATES)[-dates[name] :]
                data.update({f"{name}_{n}": part for n, part in enumerate(given)})
            elif how == "missing":
                data.pop(name, None)
            elif how == "hostile":
                data[name] = draw(hostile)
            else:
                first = data.get(name, [])
                data[name] = [*(first if isinstance(first, list) else [first]), draw(hostile)]
        for name in draw(extra):
            data[name] = draw(hostile)
        return data

    return submission()


# --- What was stored ------------------------------------------------------------------------


def service_models():
    """The service's own tables, without the history's event tables (copies written by
    triggers of rows checked here) and the reporting summaries (written by the refresh)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("diversion.")
        and model._meta.managed
        and not model._meta.proxy
        and not issubclass(model, pghistory.models.Event)
        and model._meta.app_label != "reporting"
    ]


def rows_written(*, since: set[str] | None = None) -> list[tuple[str, str, str]]:
    """The rows of the service's tables as (model, key, version), the version being
    PostgreSQL's xmin, the transaction that last wrote the row; `since` the versions there
    were, to have only the rows written since (in an example's savepoint)."""
    models = service_models()
    where = " WHERE NOT xmin::text = ANY(%s)" if since is not None else ""
    sql = " UNION ALL ".join(
        f"SELECT %s, {m._meta.pk.column}::text, xmin::text FROM {m._meta.db_table}{where}"  # noqa: S608 - the models' own names
        for m in models
    )
    params = [p for m in models for p in (m._meta.label, *([sorted(since)] if where else []))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def refused(label: str, keys: list[str]) -> dict[str, Any]:
    """What the rules say of stored rows: the model's own (each field's validators and
    choices, its clean), and the rule every form keeps, that typed text has no
    bidirectional controls (lib.text). Their unique and check constraints are the
    database's, which held as they were stored."""
    found: dict[str, Any] = {}
    for row in apps.get_model(label).objects.filter(pk__in=keys):
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            found[row.pk] = error.message_dict
            continue
        text = {
            f.name: json.dumps(getattr(row, f.attname), ensure_ascii=False, default=str)
            for f in row._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        }
        if bidi := [name for name, value in text.items() if BIDI_CONTROLS.search(value)]:
            found[row.pk] = dict.fromkeys(bidi, "bidirectional control characters")
    return found


# --- The tests ------------------------------------------------------------------------------


def open_form(client, name: str, form_page: FormPage):
    world = World()
    if form_page.role is not None:
        client.force_login(world.users[form_page.role])
    url = reverse(name, kwargs=form_page.kwargs(world)) + form_page.query
    opened = form_page.open(client, world, url)
    assert opened.status_code == 200
    url = opened.request["PATH_INFO"] + "?" + opened.request.get("QUERY_STRING", "")
    page = Page(opened.content.decode())
    return world, url, page, find_form(page, form_page)


def send_as_browser(client, url: str, form: Element, data: dict[str, Any]):
    """Send `data` with `form` as a browser does: a POST form's fields URL-encoded (none of
    the service's forms sends files), a GET form's in the query string."""
    if form.attrs.get("method", "get").lower() != "post":
        return send(client, url, form, data)
    action = urljoin(url, form.attrs.get("action", "") or url)
    body = urlencode(data, doseq=True)
    return client.post(action, body, content_type="application/x-www-form-urlencoded")


def test_each_form_is_sent_at_least_the_examples_asked_for():
    assert EXAMPLES_PER_FORM * len(FORMS) >= TOTAL_EXAMPLES


@pytest.mark.parametrize(("name", "form_page"), FORMS)
def test_hostile_input_is_refused_or_stored_by_the_rules(client, db, name, form_page):
    world, url, page, form = open_form(client, name, form_page)
    inputs = inputs_of(page, form)
    base = empty_submission(page, form)
    answers = {k: v for answer in INTAKE_ANSWERS.values() for k, v in answer().items()}
    answers |= {"username": world.officer.username, "password": PASSWORD, **FORMATTED}
    rows = rows_written()
    versions = {version for _, _, version in rows}
    # Keys of every record there is, most of them outside the form's reach, and some of none.
    ids = sorted({pk for _, pk, _ in rows} | {"-1", "0", "2147483647"}, key=lambda k: (len(k), k))
    # A sign-in gives the session a new key, which the rollback takes away: each example
    # starts from the cookies the form was opened with.
    cookies = client.cookies
    sent = 0

    @settings(
        max_examples=EXAMPLES_PER_FORM,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=submissions(inputs, base, answers, ids))
    def send_hostile(data):
        nonlocal sent
        sent += 1
        client.cookies = cookies.__class__(cookies)
        with transaction.atomic():
            response = send_as_browser(client, url, form, data)
            assert response.status_code < 500
            assert INJECTED.encode() not in response.content, "HTML sent in is shown unescaped"
            written: dict[str, list[str]] = {}
            for label, pk, _ in rows_written(since=versions):
                written.setdefault(label, []).append(pk)
            bad = {label: why for label, pks in written.items() if (why := refused(label, pks))}
            assert not bad, "Stored against its rules"
            transaction.set_rollback(True)

    send_hostile()
    assert sent >= EXAMPLES_PER_FORM


@pytest.mark.parametrize(("name", "form_page"), FORMS)
def test_each_form_refuses_a_post_without_the_csrf_token(client, db, name, form_page):
    world, url, page, form = open_form(client, name, form_page)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    data = empty_submission(page, form)
    token = data.pop("csrfmiddlewaretoken", None)
    action = urljoin(url, form.attrs.get("action", "") or url)

    assert strict.post(action, data).status_code == 403
    if token:
        # With the token the same post passes the check (and gets the form's errors).
        assert strict.post(action, {**data, "csrfmiddlewaretoken": token}).status_code != 403


def test_every_address_refuses_a_post_without_the_csrf_token(client, db):
    """Not only the forms: every address of the service, buttons and pages alike, with the
    record keys the walk of every address uses (tests/audit/test_s62_coverage.py)."""
    records = Records()
    records.everything()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(records.manager)
    accepted = [
        url
        for name, visits in PAGES.items()
        for visit in visits
        if strict.post(url := reverse(name, kwargs=visit.kwargs(records))).status_code != 403
    ]
    assert accepted == []
    assert strict.post(reverse("logout")).status_code == 403


# Every name the service reads from an address's query string (a page's own, the list
# component's sort, page and keyset, the filters'), each given hostile values at once.
QUERY_NAMES = [
    "q", "person", "tab", "stage", "show", "page", "next", "from", "sort", "after", "before",
    "action", "offence", "caseworker", "start_0", "start_1", "start_2", "end_2",
    "date_of_birth_0", "date_of_birth_2", "security_page", "security_after",
]  # fmt: skip
JUNK = ["\x00", "-1", "99999999999999999999", "²", "' OR 1=1 --", "<b id=hostile>", "‮x"]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_every_page_answers_a_hostile_query_string_without_failing(client, db, junk):
    records = Records()
    records.everything()
    query = urlencode([(name, junk) for name in QUERY_NAMES])
    failed = []
    for role, user in records.users.items():
        client.force_login(user)
        for name, visits in PAGES.items():
            for visit in visits:
                url = f"{reverse(name, kwargs=visit.kwargs(records))}?{query}"
                response = client.get(url)
                if response.status_code >= 500 or INJECTED.encode() in response.content:
                    failed.append(f"{role.name} {url}: {response.status_code}")
    assert failed == []
