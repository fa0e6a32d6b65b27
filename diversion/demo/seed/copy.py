"""Rows written with PostgreSQL COPY, one transaction per batch of referrals, with the change
history the services would have written for them.

COPY is many times faster than INSERT at demo scale. The database's CHECK, UNIQUE and
foreign-key constraints still apply to every row. The history triggers (lib.history) would
copy each row only once, as it ends up, at the moment of the COPY: so the seed writes the
history itself, a copy of the row after each change a service would have made, with that
change's context (who, why and when, as `lib.history.changes_by` records it), and the
tracked tables' history triggers are skipped for the batch's COPYs (pgtrigger.ignore: in
this session only, so anyone else's writes meanwhile are recorded as ever).

A `Record` is one tracked row and its history; an `Action` is the context of one change,
shared by every row the change writes, as a service's writes share its pghistory context.
"""

import csv
import functools
import io
import itertools
import json
import queue
import threading
import uuid
from dataclasses import dataclass

import pghistory.trigger
import pgtrigger
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction

from diversion.cases.models import (
    Appointment,
    Condition,
    Milestone,
    PathwayAssessment,
    Programme,
    ProsecutionReturn,
    Referral,
)
from diversion.people.models import LaterOffence, Person

NULL = "\\N"
ID_CHUNK = 5000
# Large reads while copying, so the writer seldom waits for the generating thread's GIL.
COPY_CHUNK = 8 << 20
# The tables the seed writes, parents first; each has its history table.
TRACKED = (
    Person,
    Referral,
    LaterOffence,
    Programme,
    ProsecutionReturn,
    Condition,
    Milestone,
    Appointment,
    PathwayAssessment,
)
# What pghistory stores beside the row's own columns (pgh_id is the table's identity).
HISTORY_COLUMNS = ("pgh_created_at", "pgh_label", "pgh_context", "pgh_context_id", "pgh_obj_id")


def nullable(value):
    return NULL if value is None else value


@functools.cache
def history_models():
    """Each tracked model's history model (the pghistory event model that tracks it)."""
    return {m.pgh_tracked_model: m for m in apps.get_models() if hasattr(m, "pgh_tracked_model")}


def history_triggers():
    """The pghistory triggers of the tables the seed writes, as pgtrigger names them: only
    these are skipped, so every CHECK, UNIQUE and foreign key still holds."""
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if model in TRACKED and isinstance(trigger, pghistory.trigger.Event)
    ]


@dataclass
class Layout:
    """A tracked model's columns, in the order both its table and its history hold them."""

    model: type
    table: str
    history: str
    fields: list
    index: dict
    defaults: list
    required: frozenset
    version: int | None
    updated_at: int | None


def _default(field):
    """The column's text when the seed gives none: the field's default, else empty."""
    if field.has_default() and field.default in (list, dict):
        return "{}" if isinstance(field, ArrayField) else json.dumps(field.default())
    if field.has_default() and not callable(field.default):
        return nullable(field.default)
    return NULL if field.null else ""


@functools.cache
def layout(model):
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    assert names[0] == "id"  # the history's pgh_obj_id is taken from the first column
    index = {name: i for i, name in enumerate(names)}
    return Layout(
        model=model,
        table=model._meta.db_table,
        history=history_models()[model]._meta.db_table,
        fields=names,
        index=index,
        defaults=[_default(f) for f in fields],
        # A default such as "now" is never the demo's moment: the seed must give it.
        required=frozenset(
            f.attname
            for f in fields
            if f.has_default() and callable(f.default) and f.default not in (list, dict)
        ),
        # Raised by every change, as lib.concurrency and auto_now raise them.
        version=index.get("version"),
        updated_at=index.get("updated_at"),
    )


@functools.lru_cache(maxsize=8192)
def _json_text(text):
    return json.dumps(text)


class Action:
    """One change's context, as lib.history.changes_by records it: the actor, the reason
    and the moment, and the id pghistory gives every write of one change."""

    __slots__ = ("at", "context", "context_id")

    def __init__(self, actor, at, reason, context_id):
        self.at = at
        self.context = (
            f'{{"user": {"null" if actor is None else actor}, "reason": {_json_text(reason)}, '
            f'"at": "{at.isoformat()}"}}'
        )
        self.context_id = context_id


class ContextIds:
    """Context ids for a run: unique, and cheaper than a fresh uuid4 for each change."""

    def __init__(self):
        self.prefix = str(uuid.uuid4())[:24]
        self.counter = itertools.count()

    def __next__(self):
        return f"{self.prefix}{next(self.counter):012x}"


class Record:
    """One row of a tracked table, changed as the services change it. Each `insert` and
    `update` adds a copy of the row to its history; `save` writes the row as it ends up."""

    __slots__ = ("batch", "layout", "values")

    def __init__(self, batch, model, values):
        self.batch = batch
        self.layout = spec = layout(model)
        if not spec.required <= values.keys():
            raise ValueError(f"A demo {model.__name__} needs {sorted(spec.required)}")
        self.values = row = list(spec.defaults)
        index = spec.index
        for name, value in values.items():
            row[index[name]] = NULL if value is None else value

    def __getitem__(self, name):
        value = self.values[self.layout.index[name]]
        return None if value is NULL else value

    def insert(self, action):
        self.batch.copy_history(self.layout, "insert", action, self.values)

    def update(self, action, **changes):
        spec, row = self.layout, self.values
        for name, value in changes.items():
            row[spec.index[name]] = NULL if value is None else value
        if spec.version is not None:
            row[spec.version] += 1
        if spec.updated_at is not None:
            row[spec.updated_at] = action.at
        self.batch.copy_history(spec, "update", action, row)

    def save(self):
        self.batch.out[self.layout.table].writerow(self.values)


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


def make_tables():
    """The COPY statement for each table by name: the tracked tables, parents first, then
    their histories."""
    tables = {}
    for model in TRACKED:
        tables[layout(model).table] = CopyTable(model, layout(model).fields)
    for model in TRACKED:
        history = history_models()[model]
        tables[layout(model).history] = CopyTable(
            history, HISTORY_COLUMNS + tuple(layout(model).fields)
        )
    return tables


class Batch:
    """The rows of a batch of referrals and their history, as CSV per table, for COPY."""

    def __init__(self, size, context_ids):
        self.size = size
        self.context_ids = context_ids
        names = [layout(m).table for m in TRACKED] + [layout(m).history for m in TRACKED]
        # UTF-8 bytes, which a StringIO would hold as four bytes a character.
        self.buffers = {name: io.BytesIO() for name in names}
        self.texts = {
            name: io.TextIOWrapper(buffer, encoding="utf-8", newline="")
            for name, buffer in self.buffers.items()
        }
        self.out = {name: csv.writer(t, lineterminator="\n") for name, t in self.texts.items()}
        self.people = []  # (record, action): checked for PNC ID clashes just before writing
        self.counts = {"people": 0, "referrals": 0, "programmes": 0}

    def action(self, actor, at, reason="", *, same_as=None):
        """The context of a change by `actor` at `at`; `same_as` an earlier part of the
        same change (a service's inner step recorded with its own reason)."""
        context_id = same_as.context_id if same_as else next(self.context_ids)
        return Action(actor, at, reason, context_id)

    def record(self, model, **values):
        return Record(self, model, values)

    def inserted(self, model, values, action):
        """A row (all its columns, in order) made by `action` and never changed since."""
        spec = layout(model)
        self.out[spec.table].writerow(values)
        self.copy_history(spec, "insert", action, values)

    def copy_history(self, spec, label, action, values):
        self.out[spec.history].writerow(
            (action.at, label, action.context, action.context_id, values[0], *values)
        )

    def write(self, tables, cursor):
        """COPY every table. A demo PNC ID that happens to be in use already is left blank.

        The PNC ID query runs first, through Django's cursor, which also carries the
        setting of pgtrigger.ignore (local to the transaction) ahead of the COPYs, which
        do not go through it."""
        pnc = layout(Person).index["pnc_id"]
        pncs = [r.values[pnc] for r, _ in self.people if r.values[pnc] != NULL]
        cursor.execute("SELECT pnc_id FROM people_person WHERE pnc_id = ANY(%s)", [pncs])
        taken = {value for (value,) in cursor.fetchall()}
        for record, action in self.people:
            if record.values[pnc] in taken:
                record.values[pnc] = NULL
            record.insert(action)
            record.save()
        for name, table in tables.items():
            self.texts[name].flush()
            buffer = self.buffers[name]
            buffer.seek(0)
            cursor.copy_expert(table.sql, buffer, size=COPY_CHUNK)
            table.total += max(cursor.rowcount, 0)


class Writer:
    """Writes batches, each in its own transaction, so a failed batch leaves none of its rows
    and none of its history."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.tables = make_tables()
        self.skipped = history_triggers()

    def write(self, batch):
        # The transaction inside: a failed batch is rolled back before pgtrigger resets its
        # setting, which it could not do in an aborted transaction.
        with pgtrigger.ignore(*self.skipped), transaction.atomic():
            batch.write(self.tables, self.cursor)

    @property
    def rows(self):
        return sum(table.total for table in self.tables.values())

    def analyze(self, *extra):
        """ANALYZE every table written, and those of `extra` models, so the planner knows
        the data before anyone measures it (autovacuum would get there only later)."""
        names = [table.name for table in self.tables.values()]
        names += [model._meta.db_table for model in extra]
        self.cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, names)))


class IdPool:
    """Primary keys reserved from a table's sequence, so rows can refer to each other and
    their history can name them.

    Used from the generating thread, so on that thread's own connection: nextval() is not
    transactional, so it needs no part in the writer's transaction.
    """

    def __init__(self, model: type[models.Model]):
        self.table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, "id"])
            self.sequence = cursor.fetchone()[0]
        self.ids: list[int] = []

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
    handoff: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=2)
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
