"""Rows written with PostgreSQL COPY, one transaction per batch of referrals.

COPY is many times faster than INSERT at demo scale. The database's CHECK and UNIQUE
constraints still apply to every row, and so would any row trigger: `Writer.write` is the
one place a batch reaches the database, so anything a write needs set first (a history
context, say) goes there.
"""

import csv
import io
import queue
import threading

from django.db import connection, transaction

from diversion.cases.models import (
    Allocation,
    Appointment,
    Condition,
    Milestone,
    PathwayAssessment,
    Programme,
    ProgrammeEvent,
    Referral,
    ReferralEvent,
)
from diversion.people.models import LaterOffence, Person

NULL = "\\N"
ID_CHUNK = 5000
# Large reads while copying, so the writer seldom waits for the generating thread's GIL.
COPY_CHUNK = 8 << 20
# Where a person row holds its PNC ID (see make_tables).
PNC_COLUMN = 7


def nullable(value):
    return NULL if value is None else value


class CopyTable:
    """One table's COPY statement, and how many rows it has written."""

    def __init__(self, model, fields):
        columns = ", ".join(
            connection.ops.quote_name(model._meta.get_field(f).column) for f in fields
        )
        self.name = model._meta.db_table
        table = connection.ops.quote_name(self.name)
        self.sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        self.total = 0


TABLE_NAMES = (
    "person",
    "referral",
    "referral_event",
    "later_offence",
    "programme",
    "programme_event",
    "condition",
    "milestone",
    "appointment",
    "assessment",
    "allocation",
)


def make_tables():
    """The COPY statement for each table, in TABLE_NAMES order (parents first). Each
    lists the columns in the order the seed writes a row's values."""
    columns = {
        "person": (
            Person,
            "id given_names family_name date_of_birth sex observed_ethnicity "
            "self_defined_ethnicity pnc_id postcode_district phone email given_names_key "
            "family_name_key given_names_sound family_name_sound created_at updated_at",
        ),
        "referral": (
            Referral,
            "id person arrested_at offence_date custody_suite custody_record_number "
            "crime_reference offence_type gravity_score risk_band victim victim_views "
            "circumstances policy_version eligible eligibility_reasons officer_decision "
            "decision_rationale needs_authorisation authorised_by authorised_at "
            "authorisation_reason offered_at person_decision decide_by decided_at status "
            "created_by created_at",
        ),
        "referral_event": (ReferralEvent, "referral from_status to_status actor at reason"),
        "later_offence": (
            LaterOffence,
            "id person offence_date offence_type source recorded_by recorded_at notes",
        ),
        "programme": (
            Programme,
            "id referral caseworker status signed_on ends_on outcome_on outcome_reason "
            "outcome_detail breach_offence created_at updated_at",
        ),
        "programme_event": (ProgrammeEvent, "programme from_status to_status actor at reason"),
        "condition": (
            Condition,
            "programme number kind description voluntary_hours status status_reason evidence",
        ),
        "milestone": (Milestone, "programme code label due_on status completed_on"),
        "appointment": (
            Appointment,
            "id programme kind starts_at took_place attendance rescheduled_to "
            "reschedule_requested_by reschedule_reason notes",
        ),
        "assessment": (PathwayAssessment, "programme stage pathway score notes assessed_on"),
        "allocation": (Allocation, "programme caseworker previous_caseworker by at reason"),
    }
    tables = {name: CopyTable(model, fields.split()) for name, (model, fields) in columns.items()}
    assert tuple(tables) == TABLE_NAMES
    return tables


class Batch:
    """The rows of a batch of referrals, as CSV per table, ready for COPY."""

    def __init__(self, size):
        self.size = size
        self.buffers = {name: io.StringIO() for name in TABLE_NAMES}
        self.out = {name: csv.writer(b, lineterminator="\n") for name, b in self.buffers.items()}
        self.people = []  # checked for PNC ID clashes just before writing
        self.counts = {"people": 0, "referrals": 0, "programmes": 0}

    def write(self, tables, cursor):
        """COPY every table. A demo PNC ID that happens to be in use already is left blank."""
        pncs = [row[PNC_COLUMN] for row in self.people if row[PNC_COLUMN] != NULL]
        if pncs:
            cursor.execute("SELECT pnc_id FROM people_person WHERE pnc_id = ANY(%s)", [pncs])
            taken = {pnc for (pnc,) in cursor.fetchall()}
            for row in self.people:
                if row[PNC_COLUMN] in taken:
                    row[PNC_COLUMN] = NULL
        self.out["person"].writerows(self.people)
        for name, table in tables.items():
            buffer = self.buffers[name]
            buffer.seek(0)
            cursor.copy_expert(table.sql, buffer, size=COPY_CHUNK)
            table.total += max(cursor.rowcount, 0)


class Writer:
    """Writes batches, each in its own transaction, so a failed batch leaves none of its rows."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.tables = make_tables()

    def write(self, batch):
        # Row triggers fire on COPY too. A history context (pghistory.context) reaches the
        # triggers only through settings made in this transaction, which pghistory adds to
        # statements run through Django's cursor.execute but not to COPY: a context for
        # the seed would be set here, with set_config(..., true), before the COPYs.
        with transaction.atomic():
            batch.write(self.tables, self.cursor)

    @property
    def rows(self):
        return sum(table.total for table in self.tables.values())

    def analyze(self, *models):
        """ANALYZE every table written, and those of `models`, so the planner knows the data
        before anyone measures it (autovacuum would get there only later)."""
        names = [table.name for table in self.tables.values()]
        names += [model._meta.db_table for model in models]
        self.cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, names)))


class IdPool:
    """Primary keys reserved from a table's sequence, so rows can refer to each other.

    Used from the generating thread, so on that thread's own connection: nextval() is not
    transactional, so it needs no part in the writer's transaction.
    """

    def __init__(self, model):
        self.table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, "id"])
            self.sequence = cursor.fetchone()[0]
        self.ids = []

    def __next__(self):
        if not self.ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, ID_CHUNK]
                )
                self.ids = [row[0] for row in reversed(cursor.fetchall())]
        return self.ids.pop()


def generated(generator, ranges):
    """Yield the batches, generating the next on a thread while the caller writes this one.

    Generating is Python work and writing mostly waits on PostgreSQL (psycopg2 lets go of
    the GIL meanwhile), so the two overlap. At most two batches wait in memory.
    """
    handoff = queue.Queue(maxsize=2)
    stopping = threading.Event()

    def hand_over(item):
        while not stopping.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce():
        try:
            for start, stop in ranges:
                if stopping.is_set():
                    return
                hand_over(generator.batch(start, stop))
            hand_over(None)
        except BaseException as error:  # handed to the caller, raised there
            hand_over(error)
        finally:
            connection.close()  # this thread's own connection, used for ids

    thread = threading.Thread(target=produce, name="seed_demo-generate", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopping.set()
        thread.join()
