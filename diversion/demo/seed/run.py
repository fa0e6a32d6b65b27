"""Topping up the demo data to the number of referrals wanted, then ANALYZE.

Demo referrals are identifiable: a demo custody officer made them, and their custody record
serials lie in a range reserved for demo data (90000000 upwards), the serial's last digits
being the referral's demo index. A run counts the demo referrals already present and adds
only the missing ones, so running it twice adds nothing and a larger number tops up. Each
referral is drawn from its own random stream (seed and index), so a seed gives the same data
whether it was made in one run or topped up over several.
"""

import collections
import contextlib
import sys
import time

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from tqdm import tqdm

from diversion.accounts.models import User
from diversion.cases.models import Referral
from diversion.demo.seed import people, referrals, staff
from diversion.demo.seed.context import SERIAL_BASE, Demo
from diversion.demo.seed.copy import Writer, generated

MAX_DEMO_REFERRALS = 10_000_000
DEMO_RECORD_REGEX = r"^[A-Z]{2}-9[0-9]{7}-[0-9]{2}$"
# Serialises concurrent runs, which would otherwise both top up the same indices.
ADVISORY_LOCK_KEY = 0x5EED_DE30


def demo_referrals():
    return Referral.objects.filter(
        custody_record_number__regex=DEMO_RECORD_REGEX,
        created_by__username__regex=staff.CUSTODY_USERNAME_REGEX,
    )


def demo_index():
    return Cast(Substr("custody_record_number", 4, 8), IntegerField()) - SERIAL_BASE


class Generator:
    """Makes batches of referrals for copy.generated(), on its thread."""

    def __init__(self, demo):
        self.demo = demo

    def batch(self, start, stop):
        batch = self.demo.new_batch(stop - start)
        for index in range(start, stop):
            referrals.referral(self.demo, index)
        return batch


def load_window(demo, next_index):
    """For a top-up: the earlier referrals a repeat arrest may come from."""
    rows = (
        demo_referrals()
        .annotate(index=demo_index())
        .filter(index__gte=next_index - people.REPEAT_WINDOW, index__lt=next_index)
        .values_list("index", "person_id", "person__date_of_birth", "offence_date", "person__sex")
    )
    demo.window = {index: rest for index, *rest in rows}


def seed(wanted, *, seed, batch_size, out):
    """Top the demo data up to `wanted` demo referrals; returns the figures of the run."""
    if not 0 <= wanted <= MAX_DEMO_REFERRALS:
        raise CommandError(f"--referrals must be between 0 and {MAX_DEMO_REFERRALS:,}.")
    if batch_size < 1:
        raise CommandError("--batch-size must be at least 1.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        try:
            top_up(wanted, seed, batch_size, cursor, out)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def top_up(wanted, seed, batch_size, cursor, out):
    started = time.monotonic()
    found = demo_referrals().aggregate(last=Max(demo_index()))
    existing = demo_referrals().count()
    missing = wanted - existing
    next_index = 0 if found["last"] is None else found["last"] + 1
    if next_index + missing > MAX_DEMO_REFERRALS:
        raise CommandError("The demo custody record range is full.")
    # Staff for every index up to the last one made, which is past `wanted` if demo
    # referrals were deleted since.
    team = staff.ensure_staff(max(wanted, next_index + missing))
    if missing <= 0:
        out.write(f"Demo data already present ({existing:,} demo referrals); nothing added.")
        return
    demo = Demo(seed=seed, staff=team)
    demo.check_patterns()
    referrals.prepare(demo)
    load_window(demo, next_index)
    ranges = [
        (start, min(start + batch_size, next_index + missing))
        for start in range(next_index, next_index + missing, batch_size)
    ]
    writer = Writer(cursor)
    counts: collections.Counter[str] = collections.Counter()
    show = missing >= 1000 and sys.stderr.isatty()
    with (
        contextlib.closing(generated(Generator(demo), ranges)) as batches,
        tqdm(total=missing, unit=" referrals", disable=not show, file=sys.stderr) as bar,
    ):
        for batch in batches:
            writer.write(batch)
            counts.update(batch.counts)
            bar.update(batch.size)
    written = time.monotonic()
    writer.analyze(User, User.groups.through)
    out.write(
        f"Added {counts['referrals']:,} demo referrals ({counts['people']:,} people, "
        f"{counts['programmes']:,} programmes; {writer.rows:,} rows) in "
        f"{written - started:.1f}s, ANALYZE {time.monotonic() - written:.1f}s; "
        f"{existing + missing:,} demo referrals in all."
    )
