"""The dashboard's panels, each built from summed tallies (reporting.queries.Counts): its
tables, with small numbers suppressed over each table (figures.Grid), and its chart. The
methodology page defines each measure under the panel's slug."""

import datetime
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial

from django.utils.safestring import SafeString

from diversion.accounts.models import User
from diversion.cases.models import (
    BREACH_REASONS,
    WITHDRAWAL_REASONS,
    DeclineReason,
    OutcomeReason,
    Pathway,
    ProgrammeStatus,
    ReferralStatus,
)
from diversion.policy.models import OffenceGroup, PolicyVersion
from diversion.reporting import charts, groups, stats
from diversion.reporting.figures import (
    Cell,
    Chart,
    Grid,
    Panel,
    Table,
    days,
    label,
    mean,
    number,
    percent,
    symbol,
)
from diversion.reporting.queries import Counts

Row = list[Cell]
BLANK = label("")
# The funnel's stages: measure, words, and the stage its rate is of (domain.md, Reporting:
# stage rates use the stage before as the denominator).
FUNNEL = [
    ("referred", "Arrests referred", None),
    ("eligible", "Eligible under the policy", "referred"),
    ("offered", "Offered: eligible people", "eligible"),
    ("exceptions", "Offered as an exception (not eligible)", None),
    ("offers", "All offers", None),
    ("accepted", "Accepted the offer", "offers"),
    ("declined", "Declined the offer", "offers"),
    ("deciding", "Still deciding", "offers"),
    ("signed", "Contract signed", "accepted"),
    ("awaiting_contract", "Accepted, awaiting the contract", "accepted"),
    ("withdrawn_unsigned", "Withdrawn before signing", "accepted"),
    ("completed", "Completed", "signed"),
    ("breached", "Breached", "signed"),
    ("withdrawn", "Withdrawn after signing", "signed"),
    ("active", "Contract still running", "signed"),
]
# The stages compared across groups, with the stage each rate is of.
FAIR_STAGES = [
    ("referred", "Referred", None),
    ("eligible", "Eligible", "referred"),
    ("offered", "Offered", "eligible"),
    ("accepted", "Accepted", "offers"),
    ("signed", "Contract signed", "accepted"),
    ("completed", "Completed", "signed"),
    ("breached", "Breached", "signed"),
]
NOT_OFFERED_STATUS = {
    ReferralStatus.NOT_OFFERED: "Eligible, but the custody officer decided not to offer it",
    ReferralStatus.AUTHORISATION_REFUSED: "A manager refused authorisation",
    ReferralStatus.AWAITING_AUTHORISATION: "Awaiting a manager's authorisation",
}
COHORTS = [
    (ProgrammeStatus.COMPLETED, "Completed"),
    (ProgrammeStatus.BREACHED, "Breached"),
    (ProgrammeStatus.WITHDRAWN, "Withdrawn after signing"),
    (ReferralStatus.DECLINED, "Declined the offer"),
]
CONTRACT_COHORTS = [status for status, _ in COHORTS if status != ReferralStatus.DECLINED]
INTERVALS = [
    ("days_arrest_to_offer", "Arrest to offer"),
    ("days_offer_to_contract", "Offer to contract signed"),
    ("days_contract_to_intervention", "Contract signed to first intervention"),
]
# Caseworkers named in the workload table.
TOP_CASEWORKERS = 15


def _bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[Row],
    column: int,
    *,
    name: str,
    unit: str = "",
    maximum: float | None = None,
) -> Chart:
    """A bar chart of one column of a table, each bar labelled by its row's heading and
    showing the table's symbol where the figure is not shown."""
    series = _column(name, rows, column)
    return partial(
        charts.bar_chart,
        chart_id,
        title,
        description,
        [row[0].text for row in rows],
        [series],
        unit=unit,
        maximum=maximum,
    )


def _column(name: str, rows: Sequence[Row], column: int) -> charts.Series:
    """One column of a table as a chart's series: its figures, and its symbols where a
    figure is not shown."""
    return charts.Series(
        name, [row[column].value for row in rows], [row[column].text for row in rows]
    )


def funnel(c: Counts, g: Grid) -> Panel:
    for measure, _, _ in FUNNEL:
        g.add(measure, c[measure])
    g.add("not_offered", c["referred"] - c["offers"])
    g.total("referred", ["offers", "not_offered"])
    g.total("offers", ["offered", "exceptions"])
    g.total("offers", ["accepted", "declined", "deciding"])
    g.total("accepted", ["signed", "awaiting_contract", "withdrawn_unsigned"])
    g.total("signed", ["completed", "breached", "withdrawn", "active"])
    rows = [g.row(words, m, of) for m, words, of in FUNNEL]
    charted = [row for row, (m, _, of) in zip(rows, FUNNEL, strict=True) if of or m == "referred"]
    return Panel(
        "funnel",
        "From arrest to outcome",
        "Each stage's rate is of the stage before it: offers of eligible referrals, "
        "acceptances of all offers, contracts of acceptances, outcomes of contracts.",
        [
            Table(
                "Referrals at each stage",
                ["Stage", "Referrals", "Rate of the stage before"],
                rows,
            ),
            _not_offered(c, g),
            _reasons(
                g,
                "Why people declined the offer",
                "decline_reason",
                c.keyed("decline_reason"),
                DeclineReason.choices,
                "declined",
                "Declined the offer",
            ),
        ],
        _bars(
            "chart-funnel",
            "Referrals at each stage",
            "The number of referrals reaching each stage, from arrest to outcome.",
            charted,
            1,
            name="Referrals",
        ),
    )


def _not_offered(c: Counts, g: Grid) -> Table:
    """Why referrals were not offered: each rule not met (a referral may fail several), or
    what stopped an eligible one."""
    total = "not_offered"
    reasons = []
    for rule, value in sorted(c.keyed("not_offered_rule").items(), key=lambda kv: (-kv[1], kv[0])):
        reasons.append((g.add(("rule", rule), value), f"Not eligible: {rule[0].lower()}{rule[1:]}"))
    statuses = c.keyed("not_offered_status")
    # Counted for eligible referrals only: an ineligible one's reasons are its rules, above.
    for status, words in NOT_OFFERED_STATUS.items():
        reasons.append((g.add(("status", status), statuses.get(status, 0)), words))
    rows = [g.row(words, key, total) for key, words in reasons]
    rows.append(g.row("Referrals not offered", total))
    return Table(
        "Why referrals were not offered",
        ["Reason", "Referrals", "Share of those not offered"],
        rows,
        notes=[
            "A referral that failed more than one rule is counted under each, so the reasons "
            "can add up to more than the referrals not offered."
        ],
    )


def _reasons(
    g: Grid,
    caption: str,
    kind: Hashable,
    values: dict[str, int],
    choices: Sequence[tuple[str, str]],
    total: Hashable,
    total_words: str,
) -> Table:
    """A table of reasons (counts `(kind, reason)`) that add up to the count `total`, each
    with its share of it."""
    keys = [(g.add((kind, key), values.get(key, 0)), words) for key, words in choices]
    g.total(total, [key for key, _ in keys])
    rows = [g.row(words, key, total) for key, words in keys]
    rows.append(g.row(total_words, total))
    return Table(caption, ["Reason", "Cases", "Share"], rows)


def volumes(c: Counts, by_month: dict[datetime.date, dict[str, int]], g: Grid) -> Panel:
    months = list(by_month)
    supply = ("referred_by_group", OffenceGroup.DRUG_SUPPLY.value)
    for month, by_group in by_month.items():
        g.add(("month", month), sum(by_group.values()))
        g.add(("supply", month), by_group.get(OffenceGroup.DRUG_SUPPLY, 0))
    g.add("referred", c["referred"])
    g.add(supply, c.keyed("referred_by_group").get(OffenceGroup.DRUG_SUPPLY, 0))
    g.total("referred", [("month", m) for m in months])
    g.total(supply, [("supply", m) for m in months])
    keys: list[tuple[str, Hashable, Hashable]] = [
        (f"{m:%b %Y}", ("month", m), ("supply", m)) for m in months
    ]
    keys.append(("All months", "referred", supply))
    monthly_rows = [[label(words), g.count(n), g.count(s), g.rate(s, n)] for words, n, s in keys]
    by_group = c.keyed("referred_by_group")
    present = sorted(
        (group for group in OffenceGroup if group.value in by_group), key=lambda g: -by_group[g]
    )
    # The largest groups each have a colour; the rest are stacked together.
    named = (
        present[: charts.SERIES_COLOURS - 1] if len(present) > charts.SERIES_COLOURS else present
    )
    series = [
        charts.Series(group.label, [float(by_month[m].get(group, 0)) for m in months])
        for group in named
    ]
    rest = [group for group in present if group not in named]
    if rest:
        series.append(
            charts.Series(
                "Other offence groups",
                [float(sum(by_month[m].get(group, 0) for group in rest)) for m in months],
            )
        )
    chart = months and partial(
        charts.column_chart,
        "chart-volumes",
        "Referrals per month by offence group",
        "Stacked columns: each month's referrals, split by offence group. The table below "
        "gives each month's figures.",
        [f"{m:%b %Y}" for m in months],
        series,
    )
    return Panel(
        "volumes",
        "Referrals over time",
        "Referrals by the month they were made, and the share that are drug supply offences "
        "linked to the person's own use.",
        [
            Table(
                "Referrals per month",
                ["Month", "Referrals", "Supply-linked", "Share supply-linked"],
                monthly_rows,
            ),
            _reasons(
                g,
                "Referrals by offence group",
                "referred_by_group",
                by_group,
                [(group.value, group.label) for group in present],
                "referred",
                "All offence groups",
            ),
        ],
        chart or "",
    )


def outcomes(c: Counts, g: Grid) -> Panel:
    ends = [
        ("completed", "Completed"),
        ("breached", "Breached"),
        ("withdrawn", "Withdrawn after signing"),
        ("active", "Still running"),
    ]
    g.add("signed", c["signed"])
    for key, _ in ends:
        g.add(key, c[key])
    g.total("signed", [key for key, _ in ends])
    rows = [g.row(words, key, "signed") for key, words in ends]
    rows.append(g.row("Contracts signed", "signed"))
    reasons = c.keyed("outcome_reason")

    def reasons_for(status: str, allowed: list[OutcomeReason], caption: str) -> Table:
        prefix = f"{status}:"
        return _reasons(
            g,
            caption,
            ("outcome_reason", status),
            {k.removeprefix(prefix): v for k, v in reasons.items() if k.startswith(prefix)},
            [(reason.value, reason.label) for reason in allowed],
            status,
            dict(ends)[status],
        )

    return Panel(
        "outcomes",
        "Outcomes",
        "Completion, breach and withdrawal as shares of contracts signed, with the reasons.",
        [
            Table(
                "Outcomes of contracts signed",
                ["Outcome", "Contracts", "Share of contracts signed"],
                rows,
            ),
            reasons_for(ProgrammeStatus.BREACHED, BREACH_REASONS, "Why contracts were breached"),
            reasons_for(
                ProgrammeStatus.WITHDRAWN,
                WITHDRAWAL_REASONS,
                "Why contracts were withdrawn after signing",
            ),
        ],
        _bars(
            "chart-outcomes",
            "Outcomes of contracts signed",
            "The share of contracts signed ending in each outcome.",
            rows[:-1],
            2,
            name="Share of contracts",
            unit="%",
            maximum=100,
        ),
    )


def timeliness(c: Counts, caseworkers: dict[int, User], g: Grid) -> Panel:
    rows = []
    for measure, words in INTERVALS:
        histogram = c.histogram(measure)
        n = sum(histogram.values())
        median, p90 = stats.percentile(histogram, 0.5), stats.percentile(histogram, 0.9)
        cases = g.count(g.add((measure, "cases"), n))
        rows.append([label(words), cases, days(median, n), days(p90, n)])
    g.add("due_to_close", c["due_to_close"])
    g.add("closed_on_time", c["closed_on_time"])
    closing = Table(
        "Contracts closed within four months and the grace period",
        ["Contracts", "Count", "Share"],
        [
            g.row("Past their end date and grace period", "due_to_close"),
            g.row("Outcome recorded by then", "closed_on_time", "due_to_close"),
        ],
    )
    caseload, overdue = c.keyed("caseload"), c.keyed("caseload_overdue")
    loads: dict[int, int] = {}
    for value in caseload.values():
        loads[value] = loads.get(value, 0) + 1
    median_load = stats.percentile(loads, 0.5)
    workload = Table(
        "Open cases and overdue work",
        ["Measure", "Figure"],
        [
            [label("Milestones overdue now"), number(c["overdue_now"])],
            [label("Open cases with no caseworker"), number(c["unassigned"])],
            [label("Caseworkers with open cases"), number(len(caseload))],
            [
                label("Median open cases per caseworker"),
                days(median_load, len(caseload), suppress=False),
            ],
            [label("Most open cases held by one caseworker"), number(max(loads, default=0))],
        ],
    )
    ranked = sorted(caseload, key=lambda k: (-overdue.get(k, 0), -caseload[k], k))
    busiest = []
    for key in ranked[:TOP_CASEWORKERS]:
        user = caseworkers.get(int(key))
        name = (user.get_full_name() or user.username) if user else "No longer a caseworker"
        busiest.append([label(name), number(caseload[key]), number(overdue.get(key, 0))])
    return Panel(
        "timeliness",
        "Timeliness and workload",
        "How long each step takes, whether cases close on time, and the work waiting now.",
        [
            Table(
                "Days between the steps of a case",
                ["Interval", "Cases", "Median days", "90th percentile days"],
                rows,
            ),
            closing,
            workload,
            Table(
                f"Caseworkers with the most overdue work (up to {TOP_CASEWORKERS})",
                ["Caseworker", "Open cases", "Overdue milestones"],
                busiest,
                notes=["Workload figures are for managing the work, so they are shown in full."],
            ),
        ],
        partial(
            charts.bar_chart,
            "chart-timeliness",
            "Days between the steps of a case",
            "The median and 90th percentile days for each interval.",
            [row[0].text for row in rows],
            [
                _column("Median", rows, 2),
                _column("90th percentile", rows, 3),
            ],
        ),
    )


def authorisations(c: Counts, g: Grid) -> Panel:
    for key in (
        "authorisations",
        "authorised",
        "refused",
        "awaiting_authorisation",
        "exceptions_asked",
        "exceptions_granted",
    ):
        g.add(key, c[key])
    g.add("authorisations_decided", c["authorised"] + c["refused"])
    g.total("authorisations", ["authorised", "refused", "awaiting_authorisation"])
    g.total("authorisations_decided", ["authorised", "refused"])
    hours = c.histogram("hours_to_authorisation")
    n = sum(hours.values())
    counted = [
        g.row("Referrals needing authorisation", "authorisations"),
        g.row("Authorised", "authorised", "authorisations_decided"),
        g.row("Refused", "refused", "authorisations_decided"),
        g.row("Awaiting a decision", "awaiting_authorisation"),
        g.row("Exceptions asked for (not eligible)", "exceptions_asked"),
        g.row("Exceptions granted", "exceptions_granted", "exceptions_asked"),
    ]
    waits = [
        [label("Median wait for a decision (hours)"), days(stats.percentile(hours, 0.5), n), BLANK],
        [label("90th percentile wait (hours)"), days(stats.percentile(hours, 0.9), n), BLANK],
    ]
    return Panel(
        "authorisations",
        "Authorisations",
        "Offers that needed a manager's authorisation: how many, how long they waited, and "
        "how many were refused. Shares authorised and refused are of decisions made.",
        [
            Table(
                "Authorisations asked for and decided",
                ["Measure", "Figure", "Share"],
                counted + waits,
            )
        ],
        _bars(
            "chart-authorisations",
            "Authorisations",
            "Referrals needing authorisation and the decisions on them.",
            counted,
            1,
            name="Referrals",
        ),
    )


def needs(c: Counts, g: Grid) -> Panel:
    entry, entry_total = c.keyed("needs_entry"), c.keyed("needs_entry_total")
    paired = c.keyed("needs_paired")
    before_total = c.keyed("needs_paired_entry_total")
    after_total = c.keyed("needs_paired_exit_total")
    rows = []
    for pathway in Pathway:
        n, both = entry.get(pathway, 0), paired.get(pathway, 0)
        before_sum, after_sum = before_total.get(pathway, 0), after_total.get(pathway, 0)
        before, after = mean(before_sum, both), mean(after_sum, both)
        if before.value is None:
            change = share = before
        else:
            change = number((after_sum - before_sum) / both, 2)
            share = (
                percent((after_sum - before_sum) / before_sum)
                if before_sum
                else (symbol(stats.NOT_APPLICABLE))
            )
        rows.append(
            [
                label(pathway.label),
                g.count(g.add(("needs_entry", pathway), n)),
                mean(entry_total.get(pathway, 0), n),
                g.count(g.add(("needs_paired", pathway), both)),
                before,
                after,
                change,
                share,
            ]
        )
    return Panel(
        "needs",
        "Needs",
        "Need on each pathway, scored from 0 (none) to 4 (severe) at entry and at exit. The "
        "change compares the same people's entry and exit scores.",
        [
            Table(
                "Need by pathway",
                [
                    "Pathway",
                    "Assessed at entry",
                    "Average at entry",
                    "Assessed at entry and exit",
                    "Average at entry (both)",
                    "Average at exit (both)",
                    "Change",
                    "Change (%)",
                ],
                rows,
            )
        ],
        partial(
            charts.bar_chart,
            "chart-needs",
            "Average need at entry and exit, by pathway",
            "For people assessed at both entry and exit: the average need score, from 0 "
            "(none) to 4 (severe).",
            [row[0].text for row in rows],
            [
                _column("Entry", rows, 4),
                _column("Exit", rows, 5),
            ],
            maximum=4,
        ),
    )


def victims(c: Counts, g: Grid) -> Panel:
    steps = [
        ("referred", "Referrals", None),
        ("victim_consulted", "A victim consulted", "referred"),
        ("restorative_requested", "Victim asked for a restorative approach", "victim_consulted"),
        ("restorative_set", "Restorative condition set", "restorative_requested"),
        ("restorative_met", "Restorative condition met", "restorative_set"),
    ]
    for key, _, _ in steps:
        g.add(key, c[key])
    rows = [g.row(words, k, of) for k, words, of in steps]
    return Panel(
        "victims",
        "Victims",
        "How often a victim was consulted, and restorative justice from the victim's "
        "request to a condition set and met. Each share is of the row above it.",
        [Table("Victims and restorative justice", ["Measure", "Referrals", "Share"], rows)],
        _bars(
            "chart-victims",
            "Victims and restorative justice",
            "Referrals with a victim consulted, and restorative justice from request to "
            "condition met.",
            rows,
            1,
            name="Referrals",
        ),
    )


def reoffending(c: Counts, as_of: datetime.date, g: Grid) -> Panel:
    for key in ("closed_signed", "reoffended_during", "offences_during"):
        g.add(key, c[key])
    tables = [
        Table(
            "Reoffending during the contract (contracts ended)",
            ["Measure", "Figure", "Rate"],
            [
                g.row("Contracts ended", "closed_signed"),
                g.row("Reoffended during the contract", "reoffended_during", "closed_signed"),
                [
                    label("Offences during the contract, per 100 contracts"),
                    g.count("offences_during"),
                    g.per_100("offences_during", "closed_signed"),
                ],
            ],
        )
    ]
    series = []
    for window in groups.REOFFENDING_WINDOWS:
        rows = []
        for key, words in COHORTS:
            measures = [f"reoffending_{window}:{part}" for part in ("cohort", "people", "offences")]
            cohort, people, events = (g.add((m, key), c.keyed(m).get(key, 0)) for m in measures)
            rows.append(
                [
                    label(words),
                    g.count(cohort),
                    g.count(people),
                    g.rate(people, cohort),
                    g.per_100(events, cohort),
                ]
            )
        series.append(_column(f"Within {window} months", rows, 3))
        tables.append(
            Table(
                f"Reoffending within {window} months, for index dates up to "
                f"{groups.mature_to(as_of, window):%-d %B %Y}",
                ["Cohort", "Cases", "Reoffended", "Reoffended (%)", "Offences per 100 cases"],
                rows,
            )
        )
    return Panel(
        "reoffending",
        "Reoffending",
        "Later offences after the index date: the contract's signing, or the decision for "
        "those who declined. A cohort counts only once its window and a further "
        f"{groups.WAITING_MONTHS}-month waiting period have passed.",
        tables,
        partial(
            charts.bar_chart,
            "chart-reoffending",
            "Share reoffending, by outcome and window",
            "The percentage of each cohort with a later offence within 6, 12 and 24 months.",
            [words for _, words in COHORTS],
            series,
            unit="%",
            maximum=100,
        ),
    )


# What the policy versions table needs of each version's tallies.
VERSION_MEASURES = [
    "referred",
    "eligible",
    "offered",
    "offers",
    "accepted",
    "signed",
    "completed",
    "breached",
    "due_to_close",
    "closed_on_time",
    *(measure for measure, _ in INTERVALS[:2]),
    f"reoffending_{groups.HEADLINE_WINDOW}:cohort",
    f"reoffending_{groups.HEADLINE_WINDOW}:people",
]


def versions(
    by_version: dict[int, Counts],
    every: list[PolicyVersion],
    selected: PolicyVersion | None,
    g: Grid,
) -> Panel:
    shown = [version for version in every if version.pk in by_version]
    counted = VERSION_MEASURES[:10]
    for version in shown:
        counts = by_version[version.pk]
        for measure in counted:
            g.add((version.pk, measure), counts[measure])
        window = groups.HEADLINE_WINDOW
        for part in ("cohort", "people"):
            values = counts.keyed(f"reoffending_{window}:{part}")
            g.add((version.pk, part), sum(values.get(status, 0) for status in CONTRACT_COHORTS))
    # The other panels show each count for the versions filtered: their sum, or the one.
    summed = [selected] if selected else shown
    for measure in counted:
        g.total(measure, [(version.pk, measure) for version in summed])
    rows: list[Row] = []

    def row(words: str, cell: Callable[[int, Counts], Cell]) -> None:
        rows.append([label(words), *(cell(v.pk, by_version[v.pk]) for v in shown)])

    def rate(of: str, to: str) -> Callable[[int, Counts], Cell]:
        return lambda pk, _: g.rate((pk, of), (pk, to))

    row("Referrals", lambda pk, _: g.count((pk, "referred")))
    row("Eligible (of referrals)", rate("eligible", "referred"))
    row("Offered (of eligible)", rate("offered", "eligible"))
    row("Accepted (of offers)", rate("accepted", "offers"))
    row("Contract signed (of accepted)", rate("signed", "accepted"))
    row("Completed (of contracts)", rate("completed", "signed"))
    row("Breached (of contracts)", rate("breached", "signed"))
    row(
        f"Reoffended within {groups.HEADLINE_WINDOW} months (of contracts ended)",
        rate("people", "cohort"),
    )
    row("Closed on time (of contracts due)", rate("closed_on_time", "due_to_close"))
    for measure, words in INTERVALS[:2]:

        def median(_: int, counts: Counts, measure: str = measure) -> Cell:
            histogram = counts.histogram(measure)
            return days(stats.percentile(histogram, 0.5), sum(histogram.values()))

        row(f"Median days, {words.lower()}", median)
    names = [f"{v.name} (selected)" if selected and v.pk == selected.pk else v.name for v in shown]
    charted = [2, 3, 5, 6]
    return Panel(
        "versions",
        "Policy versions side by side",
        "The same headline measures for each policy version, so a change of policy reads "
        "before and after. It compares every version, so it does not apply the policy "
        "version filter; the version selected is marked.",
        [Table("Headline measures by policy version", ["Measure", *names], rows)],
        partial(
            charts.bar_chart,
            "chart-versions",
            "Headline rates by policy version",
            "Offer, acceptance, completion and breach rates for each policy version.",
            [rows[i][0].text for i in charted],
            [
                _column(name, [rows[i] for i in charted], n + 1)
                for n, name in enumerate(names[: charts.SERIES_COLOURS])
            ],
            unit="%",
            maximum=100,
        )
        if shown
        else "",
    )


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    names: list[str]
    # The group others are compared with, for the relative rate index.
    reference: str | None = None


DIMENSIONS = [
    Dimension("observed", "Officer-observed ethnicity", list(groups.OBSERVED_GROUPS), groups.WHITE),
    Dimension(
        "self_defined", "Self-defined ethnicity", list(groups.SELF_DEFINED_GROUPS), groups.WHITE
    ),
    Dimension("sex", "Sex", list(groups.SEX_GROUPS)),
    Dimension("age_band", "Age on the offence date", [band for band, _, _ in groups.AGE_BANDS]),
]
ALL = "All"


def fairness(c: Counts, g: Grid) -> Panel:
    tables: list[Table] = []
    chart: Chart = ""
    for dimension in DIMENSIONS:
        _fairness_counts(c, g, dimension)
        tables.append(_stage_rates(g, dimension))
        if dimension.reference:
            tables += _relative_rates(g, dimension)
        if dimension.key == "observed":
            chart = partial(_relative_rate_chart, g, dimension)
    return Panel(
        "fairness",
        "Fairness",
        "Each stage's rate by group, and the relative rate index against the White reference "
        "group. 'Not stated' is shown as a group of its own, never dropped.",
        tables,
        chart,
    )


def _fairness_counts(c: Counts, g: Grid, dimension: Dimension) -> None:
    """Each group's count at each stage; each stage's groups add up to the stage's count
    for everyone (the funnel's)."""
    for stage in [stage for stage, _, _ in FAIR_STAGES] + ["offers"]:
        values = c.keyed(f"{dimension.key}:{stage}")
        for name in dimension.names:
            g.add((dimension.key, name, stage), values.get(name, 0))
        g.add(stage, c[stage])
        g.total(stage, [(dimension.key, name, stage) for name in dimension.names])


def _cell_of(dimension: Dimension, name: str, stage: str) -> Hashable:
    """The count of group `name` at `stage`; for All, the stage's count for everyone."""
    return stage if name == ALL else (dimension.key, name, stage)


def _stage_rates(g: Grid, dimension: Dimension) -> Table:
    head = ["Group"]
    for _, words, of in FAIR_STAGES:
        head += [words, f"{words} (rate)"] if of else [words]
    rows = []
    for name in [*dimension.names, ALL]:
        cells = [label(name)]
        for stage, _, of in FAIR_STAGES:
            cells.append(g.count(_cell_of(dimension, name, stage)))
            if of:
                cells.append(
                    g.rate(_cell_of(dimension, name, stage), _cell_of(dimension, name, of))
                )
        rows.append(cells)
    return Table(f"{dimension.title}: each stage and its rate", head, rows)


def _relative_rates(g: Grid, dimension: Dimension) -> list[Table]:
    ref = dimension.reference
    compared = FAIR_STAGES[1:]
    rows = []
    for name in dimension.names:
        cells = [label(name)]
        for stage, _, of in compared:
            if name == ref:
                cells.append(label("Reference"))
            else:
                key, ref_key = dimension.key, (dimension.key, ref)
                cells.append(
                    g.ratio((key, name, stage), (key, name, of), (*ref_key, stage), (*ref_key, of))
                )
        rows.append(cells)
    missing = [label("Not stated, as a share of all")]
    missing += [
        g.rate((dimension.key, groups.NOT_STATED, stage), stage) for stage, _, _ in FAIR_STAGES
    ]
    return [
        Table(
            f"{dimension.title}: relative rate index against the White group, with its 95% "
            "confidence interval",
            ["Group", *(words for _, words, _ in compared)],
            rows,
            notes=["1 means the same rate as the White group at that stage."],
        ),
        Table(
            f"{dimension.title}: the share not stated at each stage",
            ["Measure", *(words for _, words, _ in FAIR_STAGES)],
            [missing],
        ),
    ]


def _relative_rate_chart(g: Grid, dimension: Dimension) -> SafeString:
    ref = dimension.reference
    names = [n for n in dimension.names if n not in (ref, groups.NOT_STATED)]
    k = dimension.key
    keys = [
        ((k, n, "offered"), (k, n, "eligible"), (k, ref, "offered"), (k, ref, "eligible"))
        for n in names
    ]
    cells = [g.ratio(*key) for key in keys]
    return charts.interval_chart(
        "chart-fairness",
        f"Relative rate of being offered the scheme, by {dimension.title.lower()}",
        "Each group's rate of offers to eligible people divided by the White group's, with "
        "its 95% confidence interval.",
        names,
        [g.interval(*key) for key in keys],
        reference=1.0,
        reference_label="1 = the same rate as the White group",
        symbols=[cell.text for cell in cells],
    )


def data_quality(c: Counts, g: Grid) -> Panel:
    gaps = [
        ("no_pnc", "Referrals of people with no PNC ID", "referred"),
        ("observed_not_stated", "Officer-observed ethnicity not known", "referred"),
        ("self_defined_not_stated", "Self-defined ethnicity not stated", "referred"),
        ("no_milestones_recorded", "Contracts with no milestone recorded, one due", "signed"),
    ]
    for key in ("referred", "signed", *(key for key, _, _ in gaps)):
        g.add(key, c[key])
    rows = [g.row(words, key, of) for key, words, of in gaps]
    return Panel(
        "quality",
        "Data quality",
        "Gaps that weaken the figures above. Shares are of referrals, or of contracts signed "
        "for milestones.",
        [Table("Gaps in the records", ["Gap", "Count", "Share"], rows)],
        _bars(
            "chart-quality",
            "Gaps in the records",
            "The share of records with each gap.",
            rows,
            2,
            name="Share",
            unit="%",
            maximum=100,
        ),
    )
