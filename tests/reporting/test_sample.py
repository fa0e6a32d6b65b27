"""The scrutiny panel's sample: which cases can be drawn, that a seed draws the same sample
again, that the file identifies no one, and that each case in it is logged as disclosed."""

import csv
import datetime
import io
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    OutcomeReason,
    PersonDecision,
    ProgrammeStatus,
    RiskBand,
    Victim,
)
from diversion.cases.services import programme as services
from diversion.policy.models import OffenceType
from diversion.reporting import groups, refresh, sample
from tests.factories import PersonFactory, sign

UTC = datetime.UTC
# The tests run on 16 June 2025; contracts were signed on 3 February 2025.
NOW = datetime.datetime(2025, 6, 16, 12, tzinfo=UTC)
SIGNED_AT = datetime.datetime(2025, 2, 3, 10, tzinfo=UTC)
SIGNED_ON = SIGNED_AT.date()
MARCH, APRIL = datetime.date(2025, 3, 20), datetime.date(2025, 4, 10)
RECIPIENT = "Police and Crime Commissioner's office"


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def close(make_referral, caseworker):
    """Make a case and close it: a contract signed on 3 February 2025 (unless `signed` is
    False), then withdrawn, or breached, on `closed_on`."""

    def make(
        closed_on=MARCH,
        *,
        status=ProgrammeStatus.WITHDRAWN,
        reason=OutcomeReason.MOVED_AWAY,
        conditions=(),
        signed=True,
        **referral,
    ):
        with time_machine.travel(SIGNED_AT):
            made = make_referral(decision=PersonDecision.ACCEPTED, **referral)
            if signed:
                sign(made.programme, actor=caseworker, signed_on=SIGNED_ON, conditions=conditions)
        services.end(
            made.programme,
            status,
            actor=caseworker,
            outcome_on=closed_on,
            reason=reason,
            detail="Moved to Lerwick to live with her sister Philippa Quillfeather",
        )
        return made

    return make


def choices(size=5, first=(3, 2025), last=(4, 2025), **more):
    """The sample form as a manager fills it in."""
    return {
        "size": str(size),
        "offence_type": "",
        "closed_from_0": str(first[0]),
        "closed_from_1": str(first[1]),
        "closed_to_0": str(last[0]),
        "closed_to_1": str(last[1]),
        "seed": "",
        "recipient": RECIPIENT,
        "reason": "",
        **more,
    }


def read(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def rows_of(lines):
    """The cases: the lines after the column heads."""
    return lines[lines.index(sample.HEAD) + 1 :]


def header_of(lines):
    return {line[0]: line[1:] for line in lines[: lines.index([])] if line}


def download(client, **data):
    return client.post("/dashboards/sample/", {**choices(**data), "download": "1"})


def drawn_ids(after=0):
    """The referrals the downloads disclosed (those logged after entry `after`), in the
    order logged."""
    return list(
        AccessLogEntry.objects.filter(action=Action.DISCLOSURE, pk__gt=after)
        .order_by("pk")
        .values_list("record_id", flat=True)
    )


def test_the_form_asks_what_the_panel_wants(signed_in):
    response = signed_in.get("/dashboards/sample/")
    assert response.status_code == 200
    page = response.content.decode()
    for words in [
        "Draw a scrutiny panel sample",
        "How many cases?",
        "Any offence",
        "Cases closed from",
        "Cases closed up to the end of",
        "Seed (optional)",
        "Who is this for?",
    ]:
        assert words in page


def test_the_manager_sees_what_was_drawn_and_its_seed_before_downloading(signed_in, close):
    for _ in range(3):
        close()
    response = signed_in.post("/dashboards/sample/", choices(size=2))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    seed = response.context["sample"].asked.seed
    assert sample.CHOSEN_SEEDS[0] <= seed <= sample.CHOSEN_SEEDS[1]
    page = response.content.decode()
    assert f'data-testid="seed">{seed}<' in page
    assert "2 of 3 closed cases" in page
    assert "March 2025 to April 2025" in page
    # Drawing is not yet a disclosure: downloading is.
    assert not drawn_ids()
    # The download button sends the same choices with the seed drawn, so it gives the very
    # sample shown.
    resubmit = dict(response.context["resubmit"])
    assert resubmit["seed"] == str(seed)
    assert resubmit["size"] == "2" and resubmit["recipient"] == RECIPIENT
    downloaded = signed_in.post("/dashboards/sample/", {**resubmit, "download": "1"})
    lines = read(downloaded)
    assert header_of(lines)["Seed"][0] == str(seed)
    assert drawn_ids() == response.context["sample"].ids


def test_changing_the_choices_shows_the_form_as_it_was_filled_in(signed_in, close):
    close()
    response = signed_in.post("/dashboards/sample/", {**choices(seed="4321"), "change": "1"})
    assert response.status_code == 200
    assert response.templates[0].name == "reporting/sample.html"
    page = response.content.decode()
    assert 'value="4321"' in page and RECIPIENT.replace("'", "&#x27;") in page
    assert not drawn_ids()


def test_the_file_is_named_and_headed_by_what_was_asked_for(signed_in, manager, close):
    theft = OffenceType.objects.get(code="theft")
    for _ in range(3):
        close(offence_type=theft)
    response = download(signed_in, size=2, seed="777", offence_type=str(theft.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="checkpoint-scrutiny-sample_2025-03_2025-04_theft_seed-777'
        '_drawn-2025-06-16-1300.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    lines = read(response)
    assert lines[0] == ["Scrutiny panel sample of closed cases"]
    header = header_of(lines)
    assert header["Cases closed"] == ["March 2025 to April 2025"]
    assert header["Offence type"] == ["Theft, including shoplifting"]
    assert header["Sample size asked for"] == ["2"]
    assert header["Cases drawn"] == ["2"]
    assert header["Closed cases to draw from"] == ["3"]
    assert header["Seed"][0] == "777"
    assert header["Drawn at"] == ["16 June 2025, 13:00"]
    assert header["Drawn by"] == [manager.get_full_name()]
    assert header["For"] == [RECIPIENT]
    assert header["Panel grading: one of"] == [
        "appropriate; appropriate with observations; inappropriate; panel could not agree"
    ]
    assert len(rows_of(lines)) == 2


def test_each_case_shows_what_the_panel_grades_it_on(signed_in, close, make_referral):
    person = PersonFactory(date_of_birth=datetime.date(1980, 1, 1))
    with time_machine.travel(datetime.datetime(2024, 6, 1, 10, tzinfo=UTC)):
        make_referral(person=person, decision=PersonDecision.DECLINED)
        make_referral(person=person, officer_decision="decline")
    close(
        person=person,
        offence_type=OffenceType.objects.get(code="theft"),
        gravity_score=2,
        risk_band=RiskBand.MODERATE,
        victim=Victim.CONSULTED,
        victim_views="Wants to hear the apology",
        status=ProgrammeStatus.BREACHED,
        reason=OutcomeReason.FAILED_CONDITION,
        conditions=[
            {"kind": "intervention", "description": "Drug treatment sessions"},
            {"kind": "voluntary_work", "voluntary_hours": 24},
        ],
    )
    # A later referral of the same person is not part of this case's history.
    make_referral(person=person, officer_decision="decline")
    # Withdrawn before the contract was signed, on an offence with no victim.
    close(APRIL, signed=False)
    lines = read(download(signed_in, seed="1"))
    rows = sorted(rows_of(lines), key=lambda row: row[1])
    assert [row[0] for row in rows_of(lines)] == ["Case 1", "Case 2"]
    assert rows[1][1:] == [
        "Theft, including shoplifting",
        "Theft, burglary and fraud",
        "2",
        "Moderate",
        "45 to 54",
        "2",
        "Yes",
        "Do not reoffend; Take part in an intervention; Voluntary work (24 hours)",
        "Breached",
        "Failed a condition",
        "Feb 2025",
        "Mar 2025",
        "Roll-out rules",
        "",
        "",
    ]
    assert rows[0][1:] == [
        "Possession of a controlled drug – Class B",
        "Drug possession",
        "2",
        "Low",
        "25 to 34",
        "0",
        "No",
        "None",
        "Withdrawn",
        "Moved away",
        "Not signed",
        "Apr 2025",
        "Roll-out rules",
        "",
        "",
    ]


def test_the_sample_names_no_one_and_holds_no_identifier_or_free_text(signed_in, close):
    person = PersonFactory(
        given_names="Zebedee",
        family_name="Quillfeather",
        date_of_birth=datetime.date(1987, 11, 23),
        pnc_id="2012/0034567E",
        postcode_district="ZE2",
        phone="07700 900123",
        email="zebedee@example.invalid",
    )
    case = close(
        person=person,
        custody_record_number="NG-98765432-25",
        crime_reference="CR-7654321-25",
        victim=Victim.RESTORATIVE,
        victim_views="Mrs Trelawney wants a letter of apology",
        conditions=[{"kind": "intervention", "description": "Sessions at the Harbour Clinic"}],
    )
    text = download(signed_in, seed="5").content.decode("utf-8-sig")
    assert "Case 1" in text
    for secret in [
        "Zebedee",
        "Quillfeather",
        "Philippa",
        "2012/0034567E",
        "0034567",
        "ZE2",
        "07700",
        "example.invalid",
        "1987",
        "23/11",
        "NG-98765432-25",
        "98765432",
        "CR-7654321-25",
        "Trelawney",
        "Harbour Clinic",
        "Lerwick",
        "Admitted possession",
        case.reference,
        "CP-",
    ]:
        assert secret not in text, secret


def test_only_cases_closed_in_the_period_of_the_offence_type_are_drawn(
    signed_in, close, make_referral, caseworker
):
    theft = OffenceType.objects.get(code="theft")
    wanted = [close(offence_type=theft, closed_on=day) for day in (MARCH, APRIL)]
    close(offence_type=theft, closed_on=datetime.date(2025, 5, 1))  # after the period
    close(closed_on=MARCH)  # another offence
    # Not closed: still running, still to decide, declined.
    with time_machine.travel(SIGNED_AT):
        running = make_referral(decision=PersonDecision.ACCEPTED, offence_type=theft)
        sign(running.programme, actor=caseworker, signed_on=SIGNED_ON)
        make_referral(offence_type=theft)
        make_referral(offence_type=theft, decision=PersonDecision.DECLINED)
    response = download(signed_in, size=10, offence_type=str(theft.pk))
    assert sorted(drawn_ids()) == sorted(case.pk for case in wanted)
    assert len(rows_of(read(response))) == 2


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(signed_in, close):
    cases = [close() for _ in range(12)]
    download(signed_in, size=4, seed="2024")
    first = drawn_ids()
    logged = AccessLogEntry.objects.latest("pk").pk
    download(signed_in, size=4, seed="2024")
    assert drawn_ids(after=logged) == first
    logged = AccessLogEntry.objects.latest("pk").pk
    download(signed_in, size=4, seed="2025")
    assert set(drawn_ids(after=logged)) != set(first)
    # The draw is random.Random(seed) over the candidates in primary-key order, so anyone
    # holding the seed can check it.
    ids = sorted(case.pk for case in cases)
    assert first == random.Random(2024).sample(ids, 4)


def test_fewer_cases_than_asked_for_are_all_drawn_and_it_says_so(signed_in, close):
    for _ in range(3):
        close()
    page = signed_in.post("/dashboards/sample/", choices(size=10))
    assert b"You asked for 10, but only 3 closed cases match" in page.content
    lines = read(download(signed_in, size=10, seed="9"))
    assert header_of(lines)["Cases drawn"] == [
        "3",
        "Fewer than the 10 asked for: only 3 closed cases match, so every one of them is in "
        "the sample",
    ]
    assert len(rows_of(lines)) == 3


def test_when_no_case_matches_the_form_says_so_and_gives_no_file(signed_in, close):
    close(closed_on=datetime.date(2025, 5, 2))
    theft = OffenceType.objects.get(code="theft")
    for data, message in [
        ({}, "No cases were closed between March 2025 and the end of April 2025. "),
        (
            {"offence_type": str(theft.pk)},
            "with the offence type Theft, including shoplifting. Choose other months or "
            "another offence type",
        ),
    ]:
        response = download(signed_in, **data)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode()
        assert 'href="#id_closed_from_0"' in response.content.decode()
    assert not drawn_ids()


def test_the_download_logs_a_disclosure_of_each_case_with_its_recipient(signed_in, manager, close):
    cases = [close() for _ in range(3)]
    download(signed_in, size=3, reason="March panel: possession cases")
    entries = AccessLogEntry.objects.filter(action=Action.DISCLOSURE)
    assert sorted(entry.record_id for entry in entries) == sorted(case.pk for case in cases)
    for entry in entries:
        assert entry.actor == manager
        assert entry.record_type == "cases.referral"
        assert entry.recipient == RECIPIENT
        assert entry.reason == "March panel: possession cases"
        assert entry.detail == "scrutiny panel sample"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"size": "0"}, "size", "Enter a sample size between 1 and 200"),
        ({"size": "10000000"}, "size", "Enter a sample size between 1 and 200"),
        ({"size": "201"}, "size", "Enter a sample size between 1 and 200"),
        ({"size": ""}, "size", "Enter a sample size between 1 and 200"),
        (
            {"size": "ten"},
            "size",
            "Enter the sample size as a whole number between 1 and 200, like 20",
        ),
        (
            {"size": "2.5"},
            "size",
            "Enter the sample size as a whole number between 1 and 200, like 20",
        ),
        (
            {"first": (5, 2025), "last": (3, 2025)},
            "closed_to",
            "The last month must be the same as or after the first month",
        ),
        ({"first": ("", "")}, "closed_from", "Enter the first month"),
        ({"last": ("13", "2025")}, "closed_to", "The last month must be a real date"),
        ({"last": (7, 2025)}, "closed_to", "The last month must be between"),
        ({"offence_type": "999999"}, "offence_type", "Select an offence type from the list"),
        ({"offence_type": "theft"}, "offence_type", "Select an offence type from the list"),
        ({"seed": "lucky"}, "seed", "Enter the seed as a whole number, like 482913"),
        ({"seed": "-1"}, "seed", "Enter a seed from 0 to 999999999"),
        ({"recipient": ""}, "recipient", "Enter who this is for"),
        ({"recipient": "x" * 201}, "recipient", "must be 200 characters or fewer"),
    ],
)
def test_bad_choices_are_named_next_to_their_field_and_nothing_is_drawn(
    signed_in, close, data, field, message
):
    close()
    response = download(signed_in, reason="For the panel in July", **data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    assert "For the panel in July" in page
    assert not drawn_ids()


def _queries_to_download(client, size):
    with CaptureQueriesContext(connection) as captured:
        response = download(client, size=size, seed="3")
    assert response.status_code == 200
    return len(captured)


def test_the_download_costs_the_same_queries_for_2_or_12_cases(signed_in, close):
    for _ in range(12):
        close(conditions=[{"kind": "voluntary_work", "voluntary_hours": 20}])
    few = _queries_to_download(signed_in, 2)
    many = _queries_to_download(signed_in, 12)
    assert few == many
    # Sign-in and roles (3), the request's savepoint (2), the candidates' ids, the cases
    # drawn, their conditions and the access log's one insert (4).
    assert few <= 9


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        ("2007-02-04", "2025-02-03", groups.NOT_STATED),  # 17, a day short of 18
        ("2007-02-03", "2025-02-03", "18 to 24"),
        ("2000-02-29", "2025-02-28", "18 to 24"),  # a leap-day birthday: 24 until 1 March
        ("2000-02-29", "2025-03-01", "25 to 34"),
        ("1990-05-17", "2025-05-16", "25 to 34"),
        ("1990-05-17", "2025-05-17", "35 to 44"),
        ("1970-01-01", "2024-12-31", "45 to 54"),
        ("1970-01-01", "2025-01-01", "55 and over"),
        ("1930-06-30", "2025-06-30", "55 and over"),
    ],
)
def test_a_persons_age_band_is_the_one_the_dashboard_counts_them_in(db, born, on, band):
    born, on = datetime.date.fromisoformat(born), datetime.date.fromisoformat(on)
    assert groups.age_band(born, on) == band
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {refresh._age_band()} FROM (SELECT %s::date AS offence_date) r, "  # noqa: S608
            "(SELECT %s::date AS date_of_birth) pe",
            [on, born],
        )
        assert cursor.fetchone()[0] == band


def test_the_methodology_page_says_how_the_sample_is_drawn_and_graded(signed_in):
    page = signed_in.get("/dashboards/methodology/").content.decode()
    assert "the seed picks the sample from them" in page
    assert "; ".join(sample.GRADES) in page
