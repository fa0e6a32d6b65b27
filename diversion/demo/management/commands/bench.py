"""`manage.py bench` (`make bench`): timings on a throwaway database, never the main one.

The benchmark database is the main database's name plus `_bench`, dropped and made afresh
on each run and migrated; it is left in place afterwards for a closer look. Each benchmark
is a function in BENCHMARKS taking a Bench and returning (label, value) figures; add new ones
there (person search, dashboards, ...). `--million` adds seeding a million referrals, on the
database made afresh again, before the benchmarks after it.

Work under test runs in a child process pointed at the benchmark database through
DATABASE_URL, so its peak memory is its own (the database server's is not counted).
"""

import csv
import datetime
import io
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg2
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg2 import sql

from diversion.accounts.models import User
from diversion.cases.models import (
    OPEN,
    OfficerDecision,
    Programme,
    Referral,
    ReferralStatus,
    RiskBand,
)
from diversion.demo.bench_dashboards import bench_dashboards
from diversion.demo.bench_lists import bench_lists
from diversion.demo.databases import connect, database_url
from diversion.lib.db import use_owner
from diversion.people.models import ObservedEthnicity, Person, SelfDefinedEthnicity, Sex
from diversion.people.names import normalise_name, sound_key
from diversion.people.pnc import check_letter
from diversion.people.search import find_people, search_queryset, swapped_day_and_month
from diversion.policy.models import CustodySuite, OffenceType, PolicyVersion

BENCH_SUFFIX = "_bench"


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mb: float
    output: str


# What a benchmark reports: labels and values (None for a line of text).
Figures = list[tuple[str, str | None]]


@dataclass
class Bench:
    """The benchmark database and how to run manage.py against it."""

    db: dict
    name: str
    referrals: int
    people: int = 1_000_000
    env: dict = field(init=False)

    def __post_init__(self):
        # A database of its own, made for the benchmark: demo data is allowed in it, and the
        # benchmarks run as the owner, which made the database: one role, both URLs. Pages
        # are timed for users already signed in: the second factor is a step of signing in,
        # not a cost of each page.
        url = database_url(self.db, self.name)
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "DATABASE_OWNER_URL": url,
            "DEMO": "true",
            "REQUIRE_2FA": "false",
        }

    def connect(self):
        return connect(self.db, self.name)

    def recreate(self):
        """Drop the benchmark database, make it afresh and migrate it; returns the run."""
        try:
            conn = connect(self.db, "postgres")
        except psycopg2.OperationalError as error:
            raise CommandError(f"Cannot reach the database server: {error}") from None
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        conn.close()
        return self.manage("migrate", "--no-input", "-v", "0")

    def manage(self, *args):
        """Run `manage.py ARGS` on the benchmark database; time it and read its peak memory."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        started = time.perf_counter()
        # Progress bars go to our stderr; the output is kept for the report.
        # Our own interpreter and manage.py, with arguments from this module.
        child = subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, text=True)  # noqa: S603
        assert child.stdout is not None  # piped above
        output = child.stdout.read()
        # wait4 gives this child's own resource use, not the sum over every child so far.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
        if child.returncode:
            raise CommandError(f"{' '.join(args)} failed (exit {child.returncode}):\n{output}")
        # Linux reports ru_maxrss in kilobytes.
        return ChildRun(seconds, usage.ru_maxrss / 1024, output)

    def table_rows(self):
        """Exact row counts of every table in the benchmark database."""
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            tables = [name for (name,) in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
        conn.close()
        return counts


def bench_seed_demo(bench, referrals=None):
    """seed_demo at scale: the target is 100,000 referrals in under 60 s, and a million in
    under 1 GB of memory."""
    referrals = referrals or bench.referrals
    before = bench.table_rows()
    run = bench.manage("seed_demo", "--referrals", str(referrals))
    after = bench.table_rows()
    added = {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
    rows = sum(added.values())
    figures = [
        ("referrals", f"{referrals:,}"),
        ("time (with ANALYZE)", f"{run.seconds:.1f} s"),
        ("rows added", f"{rows:,}"),
        ("rows per second", f"{rows / run.seconds:,.0f}"),
        ("referrals per second", f"{referrals / run.seconds:,.0f}"),
        ("peak memory (seed process)", f"{run.peak_rss_mb:,.0f} MB"),
    ]
    if referrals == 100_000:
        met = run.seconds < 60 and run.peak_rss_mb < 1024
        figures.append(("target: under 60 s and 1 GB", "met" if met else "MISSED"))
    if referrals == 1_000_000:
        figures.append(("target: under 1 GB", "met" if run.peak_rss_mb < 1024 else "MISSED"))
    figures += staffing(bench)
    figures += [(f"  {table}", f"{count:,}") for table, count in sorted(added.items())]
    return figures


def bench_seed_demo_million(bench):
    """seed_demo's million referrals, on a database made afresh (run with --million)."""
    bench.recreate()
    return bench_seed_demo(bench, 1_000_000)


def staffing(bench):
    """The demo staff by role, and the open cases each caseworker holds."""
    with bench.connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT g.name, count(*) FROM {groups} g JOIN {members} m ON m.group_id = g.id "
                "GROUP BY g.name ORDER BY g.name"
            ).format(
                groups=sql.Identifier(Group._meta.db_table),
                members=sql.Identifier(User.groups.through._meta.db_table),
            )
        )
        roles = cursor.fetchall()
        cursor.execute(
            sql.SQL(
                "SELECT count(*) FROM {programme} WHERE status = ANY(%s) "
                "AND caseworker_id IS NOT NULL GROUP BY caseworker_id"
            ).format(programme=sql.Identifier(Programme._meta.db_table)),
            [list(OPEN)],
        )
        caseloads = sorted(n for (n,) in cursor.fetchall())
    conn.close()
    figures = [(f"staff: {role}", f"{count:,}") for role, count in roles]
    if caseloads:
        figures += [
            ("open cases per caseworker: median", f"{statistics.median(caseloads):,.0f}"),
            ("open cases per caseworker: most", f"{caseloads[-1]:,}"),
        ]
    return figures


# --- Person search ---------------------------------------------------------------------
# fmt: off
BENCH_GIVEN_NAMES = [
    # Male, roughly most common first.
    "John", "David", "Michael", "James", "Paul", "Mark", "Daniel", "Thomas", "Christopher",
    "Andrew", "Robert", "Stephen", "Richard", "Matthew", "Peter", "Jack", "Ryan", "Liam",
    "Callum", "Connor", "Lewis", "Jordan", "Kieran", "Nathan", "Luke", "Adam", "Ben", "Joshua",
    "Jamie", "Sean", "Craig", "Lee", "Darren", "Gary", "Wayne", "Dean", "Scott", "Shane",
    "Mohammed", "Muhammad", "Ahmed", "Ali", "Imran", "Omar", "Bilal", "Tariq", "Kofi",
    "Chidi", "Jerome", "Marcus", "Tyrone", "Patryk", "Kamil", "Tomasz", "Piotr", "Andrei",
    "Ionut", "Arjun", "Harpreet", "Sanjay", "Wei", "Jun", "Steven", "Jon", "Stephan", "Declan",
    "Aidan", "Reece", "Rhys", "Harvey", "Mason", "Oliver", "Oscar", "Finn", "Kai", "Leon",
    # Female.
    "Sarah", "Emma", "Laura", "Rebecca", "Gemma", "Claire", "Nicola", "Amy", "Rachel",
    "Hannah", "Jessica", "Charlotte", "Chloe", "Megan", "Jade", "Kayleigh", "Stacey",
    "Danielle", "Natalie", "Kelly", "Lisa", "Michelle", "Catherine", "Kathryn", "Katie", "Leah",
    "Aisha", "Fatima", "Amina", "Priya", "Sadia", "Zofia", "Aneta", "Niamh", "Siobhan",
]
BENCH_FAMILY_NAMES = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt",
    "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
    "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon",
    "Harvey", "Smyth", "Smithson", "Thomson", "O'Brien", "McAllister", "Da Silva", "Nowak",
    "Kowalczyk", "Wiśniewski", "Okafor", "Mensah", "Ahmed", "Rahman", "Chowdhury", "Zhang",
]
BENCH_SURNAME_STARTS = [
    "Ald", "Ash", "Brack", "Bram", "Carr", "Cold", "Dun", "Elm", "Fern", "Gar", "Hal", "Hol",
    "Kes", "Lang", "Mar", "Nor", "Oak", "Pen", "Quar", "Rad", "Stan", "Thorn", "Wen", "Wick",
    "Yar", "Bar", "Crow", "Drum", "Fair", "Glen", "Hart", "Ink", "Kirk", "Lind", "Moss",
]
BENCH_SURNAME_ENDS = [
    "bury", "by", "cott", "den", "field", "ford", "gate", "ham", "hurst", "ley", "lock", "mere",
    "more", "ridge", "stead", "ton", "well", "wick", "wood", "worth", "brook", "combe", "dale",
    "holm", "ington", "shaw", "thwaite", "wright",
]
# fmt: on
BENCH_DISTRICTS = ["CB1", "CB2", "CB4", "CB21", "PE1", "PE13", "PE19", "NR1", "IP4", "SW1A"]
PERSON_COLUMNS = [
    "given_names", "family_name", "date_of_birth", "sex", "observed_ethnicity",
    "self_defined_ethnicity", "pnc_id", "postcode_district", "phone", "email",
    "given_names_key", "family_name_key", "given_names_sound", "family_name_sound",
    "created_at", "updated_at",
]  # fmt: skip
SEARCH_QUERIES = 200
SEARCH_TARGET_MS = 50


def zipf_weights(count, skew, offset):
    """Weights for names ranked by frequency: a few very common, a long tail."""
    return [1 / (rank + offset) ** skew for rank in range(count)]


def cumulative(weights):
    return list(itertools.accumulate(weights))


class NamePool:
    """Names drawn with realistic frequencies, each with its search keys from names.py
    (computed once per distinct name, as Person.refresh_name_keys() would)."""

    def __init__(self, rng):

        self.rng = rng
        self.given = BENCH_GIVEN_NAMES
        # The commonest (John) about 3% of people.
        self.given_weights = cumulative(zipf_weights(len(self.given), skew=0.6, offset=5))
        made_up = [a + b for a in BENCH_SURNAME_STARTS for b in BENCH_SURNAME_ENDS]
        self.family = BENCH_FAMILY_NAMES + made_up
        # Real surnames for 30% of people (Smith about 1.3%, as in England and Wales), an even
        # tail of made-up ones for the rest.
        common = zipf_weights(len(BENCH_FAMILY_NAMES), skew=0.7, offset=4)
        scale = 0.3 / sum(common)
        self.family_weights = cumulative(
            [w * scale for w in common] + [0.7 / len(made_up)] * len(made_up)
        )
        self.keys = {}
        for name in self.given + self.family:
            self.keys[name] = (normalise_name(name), sound_key(name))

    def person(self):
        rng = self.rng
        given = rng.choices(self.given, cum_weights=self.given_weights)[0]
        if rng.random() < 0.25:
            middle = rng.choices(self.given, cum_weights=self.given_weights)[0]
            given_key, given_sound = self.keys[given]
            middle_key, middle_sound = self.keys[middle]
            return (
                f"{given} {middle}",
                f"{given_key} {middle_key}",
                f"{given_sound} {middle_sound}",
                *self.surname(),
            )
        return (given, *self.keys[given], *self.surname())

    def surname(self):
        family = self.rng.choices(self.family, cum_weights=self.family_weights)[0]
        return (family, *self.keys[family])


def load_people(bench, count, seed=2026):
    """COPY `count` fictional people into the benchmark database, through a staging table so
    that a PNC ID already in use (by seed_demo's people) is left blank, then ANALYZE."""

    rng = random.Random(seed)
    pool = NamePool(rng)
    first_birthday = datetime.date(1945, 1, 1)
    birth_days = (datetime.date(2007, 12, 31) - first_birthday).days
    now = datetime.datetime.now(datetime.UTC).isoformat()
    observed, self_defined = ObservedEthnicity.values, SelfDefinedEthnicity.values
    columns = ", ".join(PERSON_COLUMNS)
    with bench.connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE bench_person ON COMMIT DROP AS "
                "SELECT {columns} FROM people_person WITH NO DATA"
            ).format(columns=sql.SQL(", ").join(map(sql.Identifier, PERSON_COLUMNS)))
        )
        chunk = 100_000
        for start in range(0, count, chunk):
            buffer = io.StringIO()
            out = csv.writer(buffer, lineterminator="\n")
            for index in range(start, min(start + chunk, count)):
                given, given_key, given_sound, family, family_key, family_sound = pool.person()
                born = first_birthday + datetime.timedelta(days=rng.randrange(birth_days))
                pnc = "\\N"
                if rng.random() < 0.6:
                    year = min(born.year + rng.randint(14, 30), 2025)
                    # A bijection of the index, so serials never repeat within a year.
                    serial = 1 + (index * 7_368_787) % 9_999_999
                    pnc = f"{year:04d}/{serial:07d}{check_letter(year, serial)}"
                out.writerow(
                    [
                        given,
                        family,
                        born.isoformat(),
                        rng.choice(Sex.values),
                        rng.choice(observed),
                        rng.choice(self_defined),
                        pnc,
                        rng.choice(BENCH_DISTRICTS),
                        "",
                        "",
                        given_key,
                        family_key,
                        given_sound,
                        family_sound,
                        now,
                        now,
                    ]
                )
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY bench_person ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
        # Indexes are quicker built once than kept up row by row: set aside all but those
        # of the primary key and PNC ID (the load needs the latter), and made again below.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_person' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        others = [sql.Identifier(c) for c in PERSON_COLUMNS if c != "pnc_id"]
        cursor.execute(
            sql.SQL(
                "INSERT INTO people_person ({columns}, pnc_id) "
                "SELECT {staged}, CASE WHEN p.id IS NULL THEN s.pnc_id END "
                "FROM bench_person s LEFT JOIN people_person p ON p.pnc_id = s.pnc_id"
            ).format(
                columns=sql.SQL(", ").join(others),
                staged=sql.SQL(", ").join(sql.SQL("s.") + c for c in others),
            )
        )
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
    conn.close()
    conn = bench.connect()
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE people_person")
    conn.close()


def bench_person_search(bench):
    """Person search (people.search.find_people) over a million people: the target is a
    median under 50 ms for a mix of real searches."""
    started = time.perf_counter()
    load_people(bench, bench.people)
    loaded = time.perf_counter() - started
    run = bench.manage(
        "shell",
        "--no-imports",
        "-c",
        "from diversion.demo.management.commands.bench import time_person_search; "
        f"time_person_search({SEARCH_QUERIES})",
    )
    result = json.loads(run.output.strip().splitlines()[-1])
    timings = result["milliseconds"]
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    figures: Figures = [
        ("people", f"{result['people']:,}"),
        ("load and ANALYZE", f"{loaded:.1f} s"),
        ("queries (after one warm-up pass)", f"{len(timings)}"),
        ("median", f"{median:.1f} ms"),
        ("95th percentile", f"{p95:.1f} ms"),
        ("max", f"{max(timings):.1f} ms"),
        ("first pass median (cold)", f"{statistics.median(result['cold']):.1f} ms"),
        ("SQL queries per search", f"{result['queries_per_search']}"),
        (
            "intended person in the top 20",
            f"{len(timings) - len(result['missed']) - result['crowded']} of {len(timings)}",
        ),
        ("  not, among more than 20 matches", f"{result['crowded']}"),
        ("  not found at all", f"{len(result['missed'])}"),
        (f"target: median under {SEARCH_TARGET_MS} ms", "met" if median < 50 else "MISSED"),
    ]
    figures += [(f"  {kind}", f"{ms:.1f} ms median") for kind, ms in result["by_kind"].items()]
    figures += [(f"not found at all: {search}", None) for search in result["missed"]]
    for title, plan in result["plans"]:
        figures.append((f"EXPLAIN ANALYZE: {title}", None))
        figures += [(f"    {line}", None) for line in plan.splitlines()]
    return figures


def misspell(rng, name):
    """One typing slip: a letter dropped, doubled, swapped with the next, or a vowel changed."""
    letters = list(name)
    if len(letters) < 4:
        return name + name[-1]
    at = rng.randrange(1, len(letters) - 1)
    slip = rng.choice(["drop", "double", "swap", "vowel"])
    if slip == "drop":
        del letters[at]
    elif slip == "double":
        letters.insert(at, letters[at])
    elif slip == "swap":
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    else:
        vowels = [i for i, c in enumerate(letters) if c in "aeiouy"] or [at]
        letters[rng.choice(vowels)] = rng.choice("aeiouy")
    return "".join(letters)


# The custody desk's searches, in proportion: each person sampled gets the next in turn.
SEARCH_KINDS = [
    *["misspelt name and date of birth"] * 4,
    *["exact name and date of birth"] * 2,
    *["misspelt family name, no date of birth"] * 3,
    "misspelt given and family names, no date of birth",
    *["transposed date of birth"] * 2,
    "middle name left out, with date of birth",
    *["middle name left out, no date of birth"] * 2,
    "family name and date of birth",
    "family name only",
    "date of birth only",
    "PNC ID, short form",
    "PNC ID, long form",
    "PNC ID, without the slash",
    "family name first, in capitals",
    "family name and initial",
]


def search_mix(count, rng):
    """Searches like the custody desk's, each with the person it is looking for."""

    records = list(
        Referral.objects.order_by("?").values_list("custody_record_number", "person_id")[:5]
    )
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    people = list(Person.objects.filter(pk__in=rng.sample(range(1, top + 1), count * 3)))
    rng.shuffle(people)
    searches: list[tuple[str, str, datetime.date | None, int]] = [
        ("custody record number", number, None, pk) for number, pk in records
    ]
    kinds = iter(SEARCH_KINDS * count)
    for person in people:
        if len(searches) >= count:
            break
        given = person.given_names.split()
        first, family, born = given[0], person.family_name, person.date_of_birth
        text, on = {
            "misspelt name and date of birth": (
                f"{misspell(rng, first)} {misspell(rng, family)}",
                born,
            ),
            "exact name and date of birth": (person.full_name, born),
            "misspelt family name, no date of birth": (f"{first} {misspell(rng, family)}", None),
            "misspelt given and family names, no date of birth": (
                f"{misspell(rng, first)} {misspell(rng, family)}",
                None,
            ),
            "transposed date of birth": (person.full_name, swapped_day_and_month(born)),
            "middle name left out, with date of birth": (f"{first} {family}", born),
            "middle name left out, no date of birth": (f"{first} {family}", None),
            "family name and date of birth": (family, born),
            "family name only": (family, None),
            "date of birth only": ("", born),
            "PNC ID, short form": (short_pnc(person.pnc_id), None),
            "PNC ID, long form": (person.pnc_id, None),
            "PNC ID, without the slash": (person.pnc_id and person.pnc_id.replace("/", ""), None),
            "family name first, in capitals": (f"{family.upper()} {first.upper()}", None),
            "family name and initial": (f"{family} {first[0]}", born),
        }[kind := next(kinds)]
        # Not everyone has a date that can be transposed, a PNC ID or a middle name.
        if (
            (kind.startswith("transposed") and on is None)
            or (kind.startswith("PNC") and text is None)
            or (kind.startswith("middle") and len(given) == 1)
        ):
            continue
        searches.append((kind, text, on, person.pk))
    return searches


def short_pnc(pnc_id):
    """2012/0034567X as 12/34567X."""
    if not pnc_id:
        return None
    year, rest = pnc_id.split("/")
    return f"{year[2:]}/{int(rest[:-1])}{rest[-1]}"


def make_referrals(count=100_000):
    """Referrals for the custody record number searches, if seed_demo has not made any:
    the plainest a custody officer can record (not offered)."""

    if Referral.objects.exists():
        return
    officer, _ = User.objects.get_or_create(username="bench-custody-officer")
    suites = list(CustodySuite.objects.all())
    offence, policy = OffenceType.objects.first(), PolicyVersion.objects.first()
    arrested = timezone.now() - datetime.timedelta(days=1)
    people = Person.objects.order_by("pk").values_list("pk", flat=True)[:count]
    Referral.objects.bulk_create(
        (
            Referral(
                person_id=person_id,
                arrested_at=arrested,
                offence_date=arrested.date(),
                custody_suite=suites[index % len(suites)],
                custody_record_number=f"{suites[index % len(suites)].code}-{index:08d}-26",
                crime_reference=f"CR-{index:08d}-26",
                offence_type=offence,
                gravity_score=2,
                risk_band=RiskBand.LOW,
                policy_version=policy,
                eligible=False,
                officer_decision=OfficerDecision.DECLINE,
                decision_rationale="Benchmark data.",
                status=ReferralStatus.NOT_OFFERED,
                created_by=officer,
            )
            for index, person_id in enumerate(people)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Referral._meta.db_table)}")


def time_person_search(count):
    """Run in the child process, on the benchmark database: time find_people over a mix of
    searches and print the figures as one line of JSON."""

    rng = random.Random(7)
    make_referrals()
    searches = search_mix(count, rng)

    def run_all():
        times: list[float] = []
        missed: list[str] = []
        crowded: list[str] = []
        for kind, text, born, wanted in searches:
            started = time.perf_counter()
            matches = find_people(Person.objects.all(), text=text, date_of_birth=born)
            times.append((time.perf_counter() - started) * 1000)
            if not any(m.person.pk == wanted for m in matches):
                described = f"{kind}: {text!r}" + (f", born {born:%d/%m/%Y}" if born else "")
                # Among more than 20 matches (a common name, no date of birth) the page asks
                # for more to narrow it down: not a failure to match.
                (crowded if matches.more else missed).append(described)
        return times, missed, crowded

    cold, *_ = run_all()
    with CaptureQueriesContext(connection) as queries:
        timings, missed, crowded = run_all()
    by_kind: dict[str, list[float]] = {}
    for (kind, *_), ms in zip(searches, timings, strict=True):
        by_kind.setdefault(kind, []).append(ms)
    plans = []
    for kind in ("misspelt name and date of birth", "misspelt family name, no date of birth"):
        _, text, born, _ = next(s for s in searches if s[0] == kind)
        people = search_queryset(Person.objects.all(), text=text, date_of_birth=born)
        title = f"{kind}: {text!r}" + (f", born {born:%d/%m/%Y}" if born else "")
        plans.append((title, people[:21].explain(analyze=True, buffers=True)))
    print(  # noqa: T201 - the parent process reads this line
        json.dumps(
            {
                "people": Person.objects.count(),
                "milliseconds": timings,
                "cold": cold,
                "missed": missed,
                "crowded": len(crowded),
                "queries_per_search": len(queries) / len(searches),
                "by_kind": {k: statistics.median(v) for k, v in by_kind.items()},
                "plans": plans,
            }
        )
    )


# Each benchmark: (name, function). Other modules append their own. Those in OPTIONAL run
# only when asked for, with --million or --only.
BENCHMARKS: list[tuple[str, Callable[[Bench], Figures]]] = [
    ("seed_demo", bench_seed_demo),
    ("seed_demo_million", bench_seed_demo_million),
    # The lists read whatever was seeded last: a million referrals with --million.
    ("lists", bench_lists),
    ("person_search", bench_person_search),
    # The dashboards, on the same data: a refresh, then the page under each filter.
    ("dashboards", bench_dashboards),
]
OPTIONAL = {"seed_demo_million"}


class Command(BaseCommand):
    help = "Run the benchmarks on a fresh throwaway database (the main database's name + _bench)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--referrals", type=int, default=100_000, help="Demo referrals to seed (100,000)."
        )
        parser.add_argument(
            "--people",
            type=int,
            default=1_000_000,
            help="People to load for the person search (1,000,000).",
        )
        parser.add_argument(
            "--million",
            action="store_true",
            help="Also seed a million referrals on a fresh database (several minutes).",
        )
        parser.add_argument(
            "--only",
            choices=[name for name, _ in BENCHMARKS],
            action="append",
            help="Run only this benchmark (may be repeated).",
        )

    def handle(self, *args, referrals, people, only, million, **options):
        # The owner may create databases; the service role may not.
        use_owner(connection)
        db = settings.DATABASES["default"]
        name = f"{db['NAME']}{BENCH_SUFFIX}"
        if name == db["NAME"]:  # a guard against editing mistakes
            raise CommandError("The benchmark database must not be the main database.")
        bench = Bench(db=db, name=name, referrals=referrals, people=people)
        run = bench.recreate()
        self.stdout.write(
            f"Benchmark database {name}: made afresh, migrated in {run.seconds:.1f} s"
        )
        for bench_name, function in BENCHMARKS:
            wanted = bench_name in only if only else million or bench_name not in OPTIONAL
            if not wanted:
                continue
            self.stdout.write(f"\n{bench_name}")
            for label, value in function(bench):
                # A value of None marks a line of text, such as a query plan.
                if value is None:
                    self.stdout.write(f"  {label}")
                else:
                    self.stdout.write(f"  {label:<44} {value:>14}")
