"""Working out the dashboard's tallies from the cases, safely under cron.

One run reads every referral once into a temporary table of facts (one row per referral:
its cell, each stage it reached, its dates, its person's groups and its later offences),
counts each family of measures from the facts at the finest cell, then rolls those counts up
to every combination of "all suites", "all groups" and "all versions" (SQL CUBE). All of it
happens in one transaction that ends by replacing the tallies, so a dashboard read meanwhile
sees the previous figures, complete; PostgreSQL's MVCC means readers never wait for it.

An advisory lock lets one run at a time: a second run started meanwhile (a manager's request
while cron runs, say) returns at once and leaves the figures to the first.
"""

import datetime
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from diversion.accounts.models import User
from diversion.cases.models import (
    CLOSED,
    AssessmentStage,
    Condition,
    ConditionKind,
    ConditionStatus,
    Milestone,
    MilestoneStatus,
    OfficerDecision,
    PathwayAssessment,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralHistory,
    ReferralStatus,
    Victim,
)
from diversion.cases.overdue import overdue_milestones
from diversion.people.models import LaterOffence, Person
from diversion.policy.models import MilestoneKind, OffenceType, PolicyVersion
from diversion.reporting import groups
from diversion.reporting.models import (
    ALL_GROUPS,
    ALL_MONTHS,
    ALL_SUITES,
    ErasedReferralFacts,
    Refresh,
    RefreshStatus,
    Tally,
)
from diversion.reporting.queries import latest_refresh

# Serialises runs (any number: cron, a manager's request, a second cron).
ADVISORY_LOCK_KEY = 0xDA5B0A2D
# A run still marked running after this long has died without saying so.
STALE_AFTER = datetime.timedelta(minutes=15)
TZ = "Europe/London"
# Memory for this transaction only: the refresh groups millions of rows at once, which with
# PostgreSQL's defaults (4 MB a sort or hash, 8 MB of temporary tables) it would do on disk.
WORK_MEM = "256MB"
TEMP_BUFFERS = "1GB"


def _give_memory(cursor) -> None:
    cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
    # Only possible before the session's first temporary table (as in the command's own
    # process); a session that has had one keeps its size.
    try:
        with transaction.atomic():
            cursor.execute("SELECT set_config('temp_buffers', %s, true)", [TEMP_BUFFERS])
    except DatabaseError:
        pass


def _case(column: str, mapping: dict[str, list[str]]) -> str:
    """SQL giving each value's group label, from a {label: [values]} mapping."""
    whens = " ".join(
        f"WHEN {column} IN ({', '.join(_lit(v) for v in values)}) THEN {_lit(label)}"
        for label, values in mapping.items()
    )
    return f"CASE {whens} END"


def _lit(value: object) -> str:
    """A literal from the code (a status, a label), quoted for SQL."""
    return "'" + str(value).replace("'", "''") + "'"


def _in(values) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _age_band() -> str:
    age = "date_part('year', age(r.offence_date, pe.date_of_birth))"
    whens = " ".join(
        f"WHEN {age} >= {low}"
        + ("" if high is None else f" AND {age} <= {high}")
        + f" THEN {_lit(label)}"
        for label, low, high in groups.AGE_BANDS
    )
    return f"CASE {whens} ELSE {_lit(groups.NOT_STATED)} END"


def _local_date(column: str) -> str:
    return f"({column} AT TIME ZONE '{TZ}')::date"


def _months_after(column: str, months: int) -> str:
    return f"({column} + interval '{months} months')::date"


def _matures(column: str, today: datetime.date) -> str:
    """Whether each reoffending window after the index date `column` has matured by `today`
    (its window and waiting months have passed), as columns mature_6, mature_12 …"""
    return ", ".join(
        f"{_months_after(column, w + groups.WAITING_MONTHS)} < {_lit(today)}::date AS mature_{w}"
        for w in groups.REOFFENDING_WINDOWS
    )


def facts_sql(today: datetime.date, *, only: Sequence[int] | None = None) -> str:
    """One row per referral, with everything the measures count; with `only`, the rows of
    those referrals alone (an erasure keeps them: keep_erased_facts)."""
    t = {
        m.__name__: m._meta.db_table
        for m in (
            Referral,
            Programme,
            Person,
            OffenceType,
            PolicyVersion,
            Milestone,
            Condition,
            LaterOffence,
            ReferralHistory,
        )
    }
    overdue, params = (
        overdue_milestones(today).values("programme").annotate(n=Count("pk")).order_by()
    ).query.sql_with_params()
    with connection.cursor() as cursor:
        overdue = cursor.mogrify(overdue, params).decode()
    index = (
        f"CASE WHEN p.signed_on IS NOT NULL THEN p.signed_on "
        f"WHEN r.status = {_lit(ReferralStatus.DECLINED)} THEN {_local_date('r.decided_at')} END"
    )
    offences = ", ".join(
        f"count(*) FILTER (WHERE l.offence_date <= {_months_after('b.index_date', w)}) "
        f"AS offences_{w}"
        for w in groups.REOFFENDING_WINDOWS
    )
    matures = _matures("b.index_date", today)
    where = "true" if only is None else f"r.id IN ({', '.join(str(int(pk)) for pk in only)})"
    windowed = ", ".join(
        f"coalesce(lo.offences_{w}, 0) AS offences_{w}" for w in groups.REOFFENDING_WINDOWS
    )
    return f"""
    WITH b AS (
      SELECT
        r.id, r.person_id,
        date_trunc('month', r.created_at AT TIME ZONE '{TZ}')::date AS month,
        r.custody_suite_id AS suite, o."group" AS grp, r.policy_version_id AS version,
        r.status, r.eligible, r.offered_at IS NOT NULL AS offered,
        r.officer_decision = {_lit(OfficerDecision.EXCEPTION)} AS exception,
        r.needs_authorisation, r.victim, r.decline_reason,
        {_local_date("r.offered_at")} - {_local_date("r.arrested_at")} AS arrest_to_offer,
        floor(extract(epoch FROM coalesce(r.authorised_at, rf.refused_at) - r.created_at)
          / 3600)::int AS authorisation_hours,
        p.id AS programme, p.status AS programme_status, p.caseworker_id,
        p.signed_on, p.ends_on, p.outcome_on, p.outcome_reason,
        p.signed_on - {_local_date("r.offered_at")} AS offer_to_contract,
        ms.first_intervention - p.signed_on AS contract_to_intervention,
        p.ends_on + v.closure_grace_days AS close_by,
        coalesce(od.n, 0) AS overdue,
        coalesce(ms.recorded, 0) = 0 AND (ms.first_due IS NULL OR ms.first_due < {_lit(today)})
          AS no_milestones_recorded,
        rc.programme_id IS NOT NULL AS restorative_set, coalesce(rc.met, false) AS restorative_met,
        {_case("pe.observed_ethnicity", groups.OBSERVED_GROUPS)} AS observed,
        {_case("pe.self_defined_ethnicity", groups.SELF_DEFINED_GROUPS)} AS self_defined,
        {_case("pe.sex", groups.SEX_GROUPS)} AS sex,
        {_age_band()} AS age_band,
        pe.pnc_id IS NULL AS no_pnc,
        {index} AS index_date
      FROM {t["Referral"]} r
      JOIN {t["OffenceType"]} o ON o.id = r.offence_type_id
      JOIN {t["Person"]} pe ON pe.id = r.person_id
      JOIN {t["PolicyVersion"]} v ON v.id = r.policy_version_id
      LEFT JOIN {t["Programme"]} p ON p.referral_id = r.id
      LEFT JOIN (
        SELECT programme_id,
          count(*) FILTER (WHERE status <> {_lit(MilestoneStatus.DUE)}) AS recorded,
          min(due_on) AS first_due,
          min(completed_on) FILTER (WHERE code = {_lit(MilestoneKind.FIRST_INTERVENTION)}
            AND status = {_lit(MilestoneStatus.DONE)}) AS first_intervention
        FROM {t["Milestone"]} GROUP BY programme_id
      ) ms ON ms.programme_id = p.id
      LEFT JOIN ({overdue}) od ON od.programme = p.id
      LEFT JOIN (
        SELECT programme_id, bool_or(status = {_lit(ConditionStatus.MET)}) AS met
        FROM {t["Condition"]} WHERE kind = {_lit(ConditionKind.RESTORATIVE)}
        GROUP BY programme_id
      ) rc ON rc.programme_id = p.id
      LEFT JOIN (
        SELECT pgh_obj_id, min(pgh_created_at) AS refused_at FROM {t["ReferralHistory"]}
        WHERE status = {_lit(ReferralStatus.AUTHORISATION_REFUSED)} GROUP BY pgh_obj_id
      ) rf ON rf.pgh_obj_id = r.id
      WHERE {where}
    )
    SELECT b.*, {matures},
      coalesce(lo.during, 0) AS offences_during, {windowed}
    FROM b LEFT JOIN (
      SELECT b.id, {offences},
        count(*) FILTER (WHERE l.offence_date <= least(b.outcome_on, b.ends_on)) AS during
      FROM b JOIN {t["LaterOffence"]} l
        ON l.person_id = b.person_id AND l.offence_date > b.index_date
      GROUP BY b.id
    ) lo ON lo.id = b.id
    """  # noqa: S608 - SQL of the code's own constants and table names


@dataclass(frozen=True)
class Family:
    """Measures counted together from the facts: each `measures` entry is a name and an SQL
    aggregate; `key` (SQL) breaks them down; `source` joins more rows to the facts."""

    measures: dict[str, str]
    key: str = "''"
    where: str = "true"
    source: str = "facts f"
    # For a source other than the facts: the same rows of the erased referrals
    # (ErasedReferralFacts), whose rows in the facts have no referral or programme to join.
    erased_source: str = ""


def _count(condition: str = "true") -> str:
    return f"count(*) FILTER (WHERE {condition})"


SIGNED = "f.signed_on IS NOT NULL"
CLOSED_SIGNED = f"{SIGNED} AND f.programme_status IN {_in(CLOSED)}"
OFFERS = "f.offered"


def _signed_and(status: str) -> str:
    """A contract signed and now in `status`."""
    return f"{SIGNED} AND f.programme_status = {_lit(status)}"


# The stages of the funnel, as SQL conditions; each is within the one before it, except
# exceptions, which are offers made to people the policy did not make eligible.
STAGES: dict[str, str] = {
    "referred": "true",
    "eligible": "f.eligible",
    "offered": "f.offered AND f.eligible",
    "offers": OFFERS,
    "accepted": f"f.status = {_lit(ReferralStatus.ACCEPTED)}",
    "signed": SIGNED,
    "completed": _signed_and(ProgrammeStatus.COMPLETED),
    "breached": _signed_and(ProgrammeStatus.BREACHED),
}


ERASED = ErasedReferralFacts._meta.db_table
# The facts an erased referral keeps: its row of the facts, but for the keys to records and
# the maturity of its windows (worked out again each run), and the two details read from
# elsewhere for a few families (ErasedReferralFacts).
ERASED_DETAILS = ("eligibility_reasons", "needs")
ERASED_COLUMNS = [
    f.column
    for f in ErasedReferralFacts._meta.concrete_fields
    if not f.primary_key and f.name not in ERASED_DETAILS
]


def _exit_score_join(assessments: str) -> str:
    """An entry assessment `e`'s exit score `x`, for the same case and pathway."""
    return (
        f"LEFT JOIN {assessments} x ON x.programme_id = e.programme_id "
        f"AND x.pathway = e.pathway AND x.stage = {_lit(AssessmentStage.EXIT)}"
    )


def _families(today: datetime.date) -> list[Family]:
    assessments = PathwayAssessment._meta.db_table
    status = "f.programme_status"
    # Contracts whose end date and grace period have passed: due to have closed.
    due = f"{SIGNED} AND f.close_by < {_lit(today)}"
    core = {
        **{stage: _count(condition) for stage, condition in STAGES.items()},
        "exceptions": _count("f.offered AND NOT f.eligible"),
        "declined": _count(f"f.status = {_lit(ReferralStatus.DECLINED)}"),
        "deciding": _count(
            f"f.status IN {_in([ReferralStatus.OFFERED, ReferralStatus.CONSIDERING])}"
        ),
        "withdrawn": _count(_signed_and(ProgrammeStatus.WITHDRAWN)),
        "active": _count(_signed_and(ProgrammeStatus.ACTIVE)),
        "withdrawn_unsigned": _count(
            f"f.signed_on IS NULL AND {status} = {_lit(ProgrammeStatus.WITHDRAWN)}"
        ),
        "awaiting_contract": _count(f"{status} = {_lit(ProgrammeStatus.AWAITING_CONTRACT)}"),
        "due_to_close": _count(due),
        "closed_on_time": _count(
            f"{due} AND {status} IN {_in(CLOSED)} AND f.outcome_on <= f.close_by"
        ),
        "overdue_now": "sum(f.overdue)",
        "unassigned": _count(
            f"f.programme IS NOT NULL AND {status} NOT IN {_in(CLOSED)} AND f.caseworker_id IS NULL"
        ),
        "authorisations": _count("f.needs_authorisation"),
        "authorised": _count("f.needs_authorisation AND f.offered"),
        "refused": _count(f"f.status = {_lit(ReferralStatus.AUTHORISATION_REFUSED)}"),
        "awaiting_authorisation": _count(
            f"f.status = {_lit(ReferralStatus.AWAITING_AUTHORISATION)}"
        ),
        "exceptions_granted": _count("f.exception AND f.offered"),
        "exceptions_asked": _count("f.exception"),
        "victim_consulted": _count(f"f.victim <> {_lit(Victim.NONE)}"),
        "restorative_requested": _count(f"f.victim = {_lit(Victim.RESTORATIVE)}"),
        "restorative_set": _count(f"f.victim = {_lit(Victim.RESTORATIVE)} AND f.restorative_set"),
        "restorative_met": _count(
            f"f.victim = {_lit(Victim.RESTORATIVE)} AND f.restorative_set AND f.restorative_met"
        ),
        "closed_signed": _count(CLOSED_SIGNED),
        "reoffended_during": _count(f"{CLOSED_SIGNED} AND f.offences_during > 0"),
        "offences_during": f"sum(f.offences_during) FILTER (WHERE {CLOSED_SIGNED})",
        "no_pnc": _count("f.no_pnc"),
        "observed_not_stated": _count(f"f.observed = {_lit(groups.NOT_STATED)}"),
        "self_defined_not_stated": _count(f"f.self_defined = {_lit(groups.NOT_STATED)}"),
        "no_milestones_recorded": _count(f"{SIGNED} AND f.no_milestones_recorded"),
    }
    histograms = {
        "days_arrest_to_offer": "f.arrest_to_offer",
        "days_offer_to_contract": "f.offer_to_contract",
        "days_contract_to_intervention": "f.contract_to_intervention",
        "hours_to_authorisation": "f.authorisation_hours",
    }
    cohort = (
        f"CASE WHEN {CLOSED_SIGNED} THEN f.programme_status "
        f"WHEN f.status = {_lit(ReferralStatus.DECLINED)} THEN {_lit(ReferralStatus.DECLINED)} END"
    )
    return [
        Family(core),
        Family({"referred_by_group": _count()}, key="f.grp"),
        *(
            Family({name: _count()}, key=f"{column}::text", where=f"{column} IS NOT NULL")
            for name, column in histograms.items()
        ),
        Family(
            {"not_offered_rule": _count()},
            key="e.item ->> 'rule'",
            where="NOT f.offered AND NOT f.eligible AND NOT (e.item ->> 'met')::boolean",
            # The rules checked are read from the referral for these few rows only, so the
            # facts of every referral need not carry them.
            source=f"facts f JOIN {Referral._meta.db_table} r ON r.id = f.id "
            "CROSS JOIN LATERAL jsonb_array_elements(r.eligibility_reasons) AS e(item)",
            erased_source=f"{ERASED} f "
            "CROSS JOIN LATERAL jsonb_array_elements(f.eligibility_reasons) AS e(item)",
        ),
        Family(
            {"not_offered_status": _count()}, key="f.status", where="NOT f.offered AND f.eligible"
        ),
        Family(
            {"decline_reason": _count()},
            key="f.decline_reason",
            where=f"f.status = {_lit(ReferralStatus.DECLINED)}",
        ),
        Family(
            {"outcome_reason": _count()},
            key="f.programme_status || ':' || f.outcome_reason",
            where=f"{SIGNED} AND f.programme_status IN "
            f"{_in([ProgrammeStatus.BREACHED, ProgrammeStatus.WITHDRAWN])}",
        ),
        *(
            Family(
                {f"{dimension}:{stage}": _count(condition) for stage, condition in STAGES.items()},
                key=f"f.{dimension}",
            )
            for dimension in ("observed", "self_defined", "sex", "age_band")
        ),
        *(
            Family(
                {
                    f"reoffending_{w}:cohort": _count(),
                    f"reoffending_{w}:people": _count(f"f.offences_{w} > 0"),
                    f"reoffending_{w}:offences": f"sum(f.offences_{w})",
                },
                key=cohort,
                where=f"f.mature_{w} AND ({cohort}) IS NOT NULL",
            )
            for w in groups.REOFFENDING_WINDOWS
        ),
        # Each entry score, with the same pathway's exit score if there is one (one of each
        # at most: assessment_once_per_stage), so entry and exit are compared for the same
        # people without grouping millions of assessments by case first.
        Family(
            {
                "needs_entry": _count(),
                "needs_entry_total": "sum(e.score)",
                "needs_paired": "count(x.score)",
                "needs_paired_entry_total": "sum(e.score) FILTER (WHERE x.score IS NOT NULL)",
                "needs_paired_exit_total": "sum(x.score)",
            },
            key="e.pathway",
            source=f"facts f JOIN {assessments} e ON e.programme_id = f.programme "
            f"AND e.stage = {_lit(AssessmentStage.ENTRY)} {_exit_score_join(assessments)}",
            # Each kept pair of scores as the entry `e` and exit `x` the measures read.
            erased_source=f"{ERASED} f CROSS JOIN LATERAL "
            "jsonb_to_recordset(f.needs) AS n(pathway text, entry int, exit int) "
            "CROSS JOIN LATERAL (SELECT n.pathway, n.entry AS score) e "
            "CROSS JOIN LATERAL (SELECT n.exit AS score) x",
        ),
        Family(
            {"caseload": _count(), "caseload_overdue": "sum(f.overdue)"},
            key="f.caseworker_id::text",
            where=f"f.caseworker_id IS NOT NULL AND f.programme_status NOT IN {_in(CLOSED)}",
        ),
    ]


def _family_sql(family: Family, source: str) -> str:
    names = list(family.measures)
    aggregates = ", ".join(f"{sql} AS v{n}" for n, sql in enumerate(family.measures.values()))
    values = ", ".join(f"({_lit(name)}, g.v{n})" for n, name in enumerate(names))
    return f"""
    INSERT INTO fine (month, suite, grp, version, measure, key, value)
    SELECT g.month, g.suite, g.grp, g.version, m.measure, g.key, m.value
    FROM (
      SELECT f.month, f.suite, f.grp, f.version, coalesce({family.key}, '') AS key, {aggregates}
      FROM {source} WHERE {family.where} GROUP BY 1, 2, 3, 4, 5
    ) g CROSS JOIN LATERAL (VALUES {values}) AS m(measure, value)
    WHERE m.value <> 0
    """  # noqa: S608 - SQL of the code's own constants


@dataclass(frozen=True)
class Step:
    """One statement of a run and how long it took, for `manage.py bench`."""

    label: str
    sql: str
    seconds: float


def _timed(
    cursor, steps: list[Step], label: str, sql: str, params: list[object] | None = None
) -> None:
    started = time.monotonic()
    cursor.execute(sql, params)
    steps.append(Step(label, " ".join(sql.split()), time.monotonic() - started))


def _write_tallies(cursor, run: Refresh, today: datetime.date, steps: list[Step]) -> int:
    _timed(
        cursor, steps, "facts", f"CREATE TEMPORARY TABLE facts ON COMMIT DROP AS {facts_sql(today)}"
    )
    # The erased referrals' facts, named column by column, with their windows' maturity.
    columns = ", ".join(ERASED_COLUMNS)
    matured = ", ".join(f"mature_{w}" for w in groups.REOFFENDING_WINDOWS)
    kept = f"INSERT INTO facts ({columns}, {matured}) SELECT {columns}, "
    kept += f"{_matures('index_date', today)} FROM {ERASED}"  # noqa: S608 - as above
    _timed(cursor, steps, "facts of erased referrals", kept)
    _timed(cursor, steps, "analyze", "ANALYZE facts")
    cursor.execute(
        "CREATE TEMPORARY TABLE fine (month date, suite bigint, grp text, version bigint, "
        "measure text, key text, value bigint) ON COMMIT DROP"
    )
    for family in _families(today):
        label = f"count {', '.join(family.measures)}"
        _timed(cursor, steps, label, _family_sql(family, family.source))
        if family.erased_source:
            _timed(cursor, steps, f"{label} (erased)", _family_sql(family, family.erased_source))
    table = Tally._meta.db_table
    _timed(
        cursor,
        steps,
        "roll up to all months, suites and groups, and write",
        f"""
        INSERT INTO {table} (refresh_id, suite, offence_group, policy_version_id, month,
          measure, key, value)
        SELECT %s, coalesce(suite, %s), coalesce(grp, %s), version, coalesce(month, %s),
          measure, key, sum(value)
        FROM fine GROUP BY version, measure, key, CUBE (month, suite, grp)
        """,  # noqa: S608 - the table's own name
        [run.pk, ALL_SUITES, ALL_GROUPS, ALL_MONTHS],
    )
    rows = cursor.rowcount
    cursor.execute("DROP TABLE facts, fine")
    # Keep the figures readers use now, beside the new ones; drop any older.
    current = latest_refresh()
    started = time.monotonic()
    Tally.objects.exclude(refresh__in=[run] + ([current] if current else [])).delete()
    steps.append(
        Step(
            "drop older refreshes",
            "DELETE FROM reporting_tally WHERE refresh_id NOT IN (…)",
            time.monotonic() - started,
        )
    )
    return rows


def keep_erased_facts(referral_ids: Sequence[int], today: datetime.date) -> int:
    """Copy the facts of referrals about to be erased into ErasedReferralFacts, so that the
    dashboard's figures do not change when they go; returns the rows kept. Their rules
    checked keep only the rule and whether it was met; their needs, the pairs of scores."""
    if not referral_ids:
        return 0
    assessments = PathwayAssessment._meta.db_table
    columns = ", ".join(ERASED_COLUMNS)
    sql = f"""
    INSERT INTO {ERASED} ({columns}, eligibility_reasons, needs)
    SELECT {", ".join(f"f.{c}" for c in ERASED_COLUMNS)},
      (SELECT coalesce(jsonb_agg(jsonb_build_object('rule', i.item -> 'rule',
          'met', i.item -> 'met')), '[]'::jsonb)
        FROM {Referral._meta.db_table} r
        CROSS JOIN LATERAL jsonb_array_elements(r.eligibility_reasons) AS i(item)
        WHERE r.id = f.id),
      (SELECT coalesce(jsonb_agg(jsonb_build_object('pathway', e.pathway, 'entry', e.score,
          'exit', x.score)), '[]'::jsonb)
        FROM {assessments} e {_exit_score_join(assessments)}
        WHERE e.programme_id = f.programme AND e.stage = {_lit(AssessmentStage.ENTRY)})
    FROM ({facts_sql(today, only=referral_ids)}) f
    """  # noqa: S608 - SQL of the code's own constants, table names and integer keys
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


@dataclass
class Outcome:
    refresh: Refresh | None
    ran: bool
    message: str = ""
    steps: list[Step] = field(default_factory=list)


def refresh(*, requested_by: User | None = None) -> Outcome:
    """Work the tallies out again, unless another run holds the lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return Outcome(None, ran=False, message="A refresh is already running.")
        try:
            return _run(cursor, requested_by)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def _run(cursor, requested_by: User | None) -> Outcome:
    now = timezone.now()
    waiting = list(Refresh.objects.filter(status=RefreshStatus.REQUESTED))
    run = waiting[0] if waiting else Refresh(requested_at=now, requested_by=requested_by)
    run.status, run.started_at = RefreshStatus.RUNNING, now
    run.save()
    started = time.monotonic()
    steps: list[Step] = []
    try:
        with transaction.atomic():
            _give_memory(cursor)
            cursor.execute("SELECT now()")
            as_of = cursor.fetchone()[0]
            rows = _write_tallies(cursor, run, timezone.localdate(as_of), steps)
    except Exception:
        run.status, run.finished_at = RefreshStatus.FAILED, timezone.now()
        run.save()
        raise
    seconds = time.monotonic() - started
    finished = timezone.now()
    # Requests made while this ran are answered by it too.
    Refresh.objects.filter(pk__in=[r.pk for r in waiting[1:]]).update(
        status=RefreshStatus.DONE, started_at=now, as_of=as_of, finished_at=finished
    )
    run.status, run.as_of, run.finished_at = RefreshStatus.DONE, as_of, finished
    run.seconds, run.rows = seconds, rows
    run.save()
    message = f"Worked out {rows:,} figures in {seconds:.1f} s."
    return Outcome(run, ran=True, message=message, steps=steps)


def request(user: User) -> tuple[Refresh, bool]:
    """A manager's request for new figures: (the refresh, whether it was newly asked for).
    A refresh already asked for or running answers it; otherwise one starts in the
    background, as its own process, so the page does not wait for it."""
    current = in_progress()
    if current is not None:
        return current, False
    run = Refresh.objects.create(requested_by=user, requested_at=timezone.now())
    try:
        start_in_background()
    except OSError:
        # The process could not start (no memory, say): the page says so; nothing waits.
        run.status = RefreshStatus.FAILED
        run.save(update_fields=["status"])
    return run, True


def in_progress() -> Refresh | None:
    """A refresh asked for or running, and not stale."""
    return (
        Refresh.objects.filter(
            status__in=[RefreshStatus.REQUESTED, RefreshStatus.RUNNING],
            requested_at__gte=timezone.now() - STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )


def start_in_background() -> None:
    subprocess.Popen(  # noqa: S603 - this service's own command, no input from the request
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "refresh_dashboards"],
        cwd=settings.BASE_DIR,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
