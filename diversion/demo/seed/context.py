"""What every demo referral draws on, loaded once a run: the policy versions and their
rules, offence types, custody suites, the staff, the clock and the ids to hand out."""

import datetime
import itertools
import random
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from diversion.cases.models import (
    Appointment,
    Condition,
    Milestone,
    PathwayAssessment,
    Programme,
    ProsecutionReturn,
    Referral,
)
from diversion.demo.seed.copy import Batch, ContextIds, IdPool
from diversion.demo.seed.draw import weighted
from diversion.people.models import LaterOffence, Person
from diversion.policy.eligibility import Rules
from diversion.policy.models import CustodySuite, OffenceType, PolicyVersion

SERIAL_BASE = 90_000_000
# Each suite's share of arrests, in turn.
SUITE_WEIGHTS = [45, 35, 20]


@dataclass
class Policy:
    id: int
    name: str
    effective_from: datetime.date
    index: int
    rules: Rules
    schedule: list


@dataclass
class Offence:
    id: int
    code: str
    name: str
    group: str


def load_policies(today):
    """The policy versions in force by `today`, oldest first: a version that comes into force
    later covers no demo offence yet."""
    versions = PolicyVersion.objects.filter(effective_from__lte=today).order_by("effective_from")
    policies = [
        Policy(
            id=version.pk,
            name=version.name,
            effective_from=version.effective_from,
            index=index,
            rules=Rules.of(version),
            schedule=version.milestone_schedule,
        )
        for index, version in enumerate(versions)
    ]
    if not policies:
        raise CommandError("No policy version is in force yet: run the migrations first.")
    return policies


def suite_prefix(code):
    letters = re.sub("[^A-Z]", "", code.upper())
    return (letters + "XX")[:2]


class Demo:
    """The run's shared state; `batch` is the batch being made."""

    def __init__(self, *, seed, staff):
        self.seed = seed
        self.staff = staff
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        # Every stored moment is at most `latest`, so never in the database's future.
        self.latest = self.now - datetime.timedelta(minutes=1)
        self.today = timezone.localdate(self.now)
        self.policies = load_policies(self.today)
        self.offences = [
            Offence(o.pk, o.code, o.name, o.group) for o in OffenceType.objects.order_by("code")
        ]
        self.offences_by_code = {o.code: o for o in self.offences}
        suites = list(CustodySuite.objects.order_by("pk"))
        if not suites:
            raise CommandError("No custody suites: run the migrations first.")
        self.suites = weighted(
            ((s.pk, suite_prefix(s.code)), w)
            for s, w in zip(suites, itertools.cycle(SUITE_WEIGHTS))
        )
        self.window = {}  # referral index -> (person id, date of birth, offence date, sex)
        self.pools = {
            "person": IdPool(Person),
            "referral": IdPool(Referral),
            "programme": IdPool(Programme),
            "return": IdPool(ProsecutionReturn),
            "condition": IdPool(Condition),
            "milestone": IdPool(Milestone),
            "appointment": IdPool(Appointment),
            "assessment": IdPool(PathwayAssessment),
            "later_offence": IdPool(LaterOffence),
        }
        self.context_ids = ContextIds()
        self.batch = None

    def rng(self, index):
        """The referral's own random stream: the same seed and index give the same case,
        whether made in one run or topped up over several."""
        return random.Random(self.seed * 100_000_007 + index)

    def new_batch(self, size):
        self.batch = Batch(size, self.context_ids)
        return self.batch

    def policy_on(self, day):
        """The version in force on `day` (PolicyVersion.in_force_on, without a query)."""
        return next(p for p in reversed(self.policies) if p.effective_from <= day)

    def cap(self, moment):
        return min(moment, self.latest)

    def at(self, day, hour, minute=0):
        """A local time of day, in UTC: arithmetic on zoned datetimes is wall-clock time and
        would go backwards across a change to summer time."""
        moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        return moment.astimezone(datetime.UTC)

    def during(self, rng, day, *, after, before):
        """A working-hours moment on `day`, kept between `after` and `before` (and never in
        the future): when someone recorded something that happened that day."""
        moment = self.at(day, rng.randint(9, 17), rng.randint(0, 59))
        return max(after, min(moment, before, self.latest))

    def local_date(self, moment):
        return moment.astimezone(self.tz).date()

    def check_patterns(self):
        """The demo's numbers must pass this force's patterns, or the pages would refuse them."""
        prefix = self.suites[0][0][1]
        samples = [
            (f"{prefix}-{SERIAL_BASE}-26", settings.CUSTODY_RECORD_PATTERN, "custody record"),
            ("CR-1234567-26", settings.CRIME_REFERENCE_PATTERN, "crime reference"),
        ]
        for sample, pattern, what in samples:
            if not re.match(pattern, sample):
                raise CommandError(
                    f"Demo {what} numbers look like {sample}, which this force's pattern "
                    f"{pattern} rejects."
                )
