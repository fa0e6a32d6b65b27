"""List page benchmarks for `manage.py bench`: each list page, through its real view, on the
demo data at scale (1,000,000 referrals with `--million`).

For each page: the median and 95th percentile of the whole request over several runs (after
one warm-up), its number of SQL queries, and EXPLAIN ANALYZE of its main query (the page of
rows), for the first page, a deep page, the last page, a sort by name, a filter by offence
and a search by name. The target is 50 ms a page.
"""

import datetime
import json
import statistics
import time
from urllib.parse import urlencode

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry
from diversion.cases.models import Programme, Referral
from diversion.demo.clients import signed_in
from diversion.lib.dates import today

TARGET_MS = 50
RUNS = 7
# A deep page: the row this far down the list starts it (2,000 pages of 25).
DEEP_ROW = 50_000
ACCESS_LOG_ROWS = 1_000_000


def bench_lists(bench):
    """Figures for the parent `manage.py bench`; the timing runs in a child process on the
    benchmark database (see bench.Bench)."""
    figures = ensure_seeded(bench)
    run = bench.manage(
        "shell",
        "--no-imports",
        "-c",
        f"from diversion.demo.bench_lists import time_lists; time_lists({RUNS})",
    )
    result = json.loads(run.output.strip().splitlines()[-1])
    figures += [
        ("referrals", f"{result['referrals']:,}"),
        ("cases", f"{result['programmes']:,}"),
        ("access log entries", f"{result['access_log']:,}"),
        (f"runs per page (after a warm-up); target {TARGET_MS} ms", f"{RUNS}"),
    ]
    for page in result["pages"]:
        met = "met" if page["median"] < TARGET_MS else "MISSED"
        figures.append((page["title"], None))
        figures += [
            ("    median", f"{page['median']:.1f} ms"),
            ("    95th percentile", f"{page['p95']:.1f} ms"),
            ("    SQL queries", f"{page['queries']}"),
            ("    rows shown / count shown", f"{page['rows']} / {page['count']}"),
            ("    main query (EXPLAIN ANALYZE)", f"{page['sql_ms']:.1f} ms"),
            (f"    target: median under {TARGET_MS} ms", met),
        ]
        figures += [(f"      {line}", None) for line in page["plan"]]
    return figures


def ensure_seeded(bench):
    """Seed the benchmark database up to its referrals if an earlier benchmark has not."""
    seeded = bench.manage(
        "shell",
        "--no-imports",
        "-c",
        "from diversion.cases.models import Referral; print(Referral.objects.count())",
    )
    figures: list[tuple[str, str | None]] = []
    if int(seeded.output.strip().splitlines()[-1]) < bench.referrals:
        run = bench.manage("seed_demo", "--referrals", str(bench.referrals))
        figures.append(("seed_demo (not timed as a benchmark)", f"{run.seconds:.1f} s"))
    return figures


def time_lists(runs):
    """Run in the child process, on the benchmark database: request each list page through
    the test client, and print the figures as one line of JSON."""
    # The test client records each response's context: the list read, for its deep rows.
    setup_test_environment()
    # VACUUM as well as ANALYZE: it moves the rows just loaded from the trigram index's
    # pending list into the index proper, as autovacuum would on a live database.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def user(role):
        return Group.objects.get(name=role.value).user_set.order_by("pk").first()

    manager, auditor = user(Role.MANAGER), user(Role.AUDITOR)
    officer = Referral.objects.order_by("pk").values_list("created_by", flat=True).first()
    caseworker = (
        Programme.objects.exclude(caseworker=None).values_list("caseworker", flat=True).first()
    )
    fill_access_log(auditor)

    def deep(client, url, row=DEEP_ROW):
        """`url` starting after the list's row `row` (or its middle, if shorter)."""
        listing = client.get(url).context["listing"]
        ordered = listing.ordered()
        total = ordered.count()
        after = ordered.values_list("pk", flat=True)[min(row, total // 2)]
        return f"{url}&after={after}"

    clients = {}
    for name, pk in (
        ("manager", manager.pk),
        ("caseworker", caseworker),
        ("officer", officer),
        ("auditor", auditor.pk),
    ):
        clients[name] = signed_in(type(manager).objects.get(pk=pk))
    m = clients["manager"]
    pages = [
        ("All open, page 1", m, "/cases/?tab=open"),
        ("All open, a deep page", m, deep(m, "/cases/?tab=open")),
        ("All open, the last page", m, "/cases/?tab=open&page=last"),
        ("All open, sorted by name", m, "/cases/?tab=open&sort=name"),
        ("All open, sorted by name, a deep page", m, deep(m, "/cases/?tab=open&sort=name")),
        ("All open, filtered by offence (violence)", m, "/cases/?tab=open&offence=violence"),
        ("All open, search 'Hussain'", m, "/cases/?tab=open&q=Hussain"),
        ("Closed, page 1", m, "/cases/?tab=closed"),
        ("Closed, page 2,000 (a deep page)", m, deep(m, "/cases/?tab=closed")),
        ("Closed, the last page", m, "/cases/?tab=closed&page=last"),
        ("Closed, sorted by name", m, "/cases/?tab=closed&sort=name"),
        ("Closed, sorted by name, a deep page", m, deep(m, "/cases/?tab=closed&sort=name")),
        ("Closed, sorted by status descending", m, "/cases/?tab=closed&sort=-status"),
        ("Closed, filtered by offence (violence)", m, "/cases/?tab=closed&offence=violence"),
        ("Closed, search 'Hussain'", m, "/cases/?tab=closed&q=Hussain"),
        ("Unassigned, page 1 (longest waiting first)", m, "/cases/?tab=unassigned"),
        ("Unassigned, shortest waiting first", m, "/cases/?tab=unassigned&sort=waiting"),
        ("Overdue, page 1", m, "/cases/?tab=overdue"),
        ("A caseworker's cases, page 1", clients["caseworker"], "/cases/?tab=mine"),
        ("A caseworker's closed cases", clients["caseworker"], "/cases/?tab=closed"),
        ("Authorisation queue, page 1 (longest waiting first)", m, "/referrals/authorisations/"),
        (
            "Authorisation queue, shortest waiting first",
            m,
            "/referrals/authorisations/?sort=waiting",
        ),
        ("Returned for prosecution, to action", clients["officer"], "/referrals/returned/"),
        (
            "Returned for prosecution, actioned",
            clients["officer"],
            "/referrals/returned/?show=actioned",
        ),
        ("Your referrals, page 1", clients["officer"], "/referrals/mine/"),
        (
            "Your referrals, a deep page",
            clients["officer"],
            deep(clients["officer"], "/referrals/mine/?sort=-referred"),
        ),
        ("Your referrals, the last page", clients["officer"], "/referrals/mine/?page=last"),
        ("Access log, page 1", clients["auditor"], "/audit/"),
        ("Access log, a deep page", clients["auditor"], deep(clients["auditor"], "/audit/?")),
        ("Access log, the last page", clients["auditor"], "/audit/?page=last"),
        ("Access log, disclosures only", clients["auditor"], "/audit/?action=disclosure"),
        ("Access log, the last week", clients["auditor"], f"/audit/?{last_week()}"),
        (
            "A person's audit trail",
            clients["auditor"],
            f"/audit/people/{Referral.objects.order_by('pk')[10].person_id}/",
        ),
        (
            "A member of staff's activity (every entry of the log)",
            clients["auditor"],
            f"/audit/staff/{auditor.pk}/",
        ),
        (
            "A member of staff's activity, the last week",
            clients["auditor"],
            f"/audit/staff/{auditor.pk}/?{last_week()}",
        ),
        ("Retention review, page 1 (oldest due first)", m, "/audit/retention/"),
        ("Retention review, a deep page", m, deep(m, "/audit/retention/?")),
        ("Retention review, the last page", m, "/audit/retention/?page=last"),
    ]
    results = []
    for title, client, url in pages:
        client.get(url)  # warm-up
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (title, response.status_code)  # noqa: S101
        listing = response.context["listing"]
        main = next(q["sql"] for q in queries.captured_queries if "LIMIT 26" in q["sql"])
        plan = explain(connection, main)
        results.append(
            {
                "title": f"{title}: {url}",
                "median": statistics.median(timings),
                "p95": statistics.quantiles(timings, n=20)[-1],
                "queries": len(queries),
                "rows": len(listing.rows),
                "count": listing.count_text(),
                "sql_ms": float(plan[-1].split(":")[1].split()[0]),
                "plan": plan,
            }
        )
    print(  # noqa: T201 - the parent process reads this line
        json.dumps(
            {
                "referrals": Referral.objects.count(),
                "programmes": Programme.objects.count(),
                "access_log": AccessLogEntry.objects.count(),
                "pages": results,
            }
        )
    )


def last_week():
    """The auditor's period filter for the seven days to today, as a query string."""
    end = today()
    start = end - datetime.timedelta(days=7)
    return urlencode(
        {
            f"{name}_{n}": part
            for name, day in (("start", start), ("end", end))
            for n, part in enumerate((day.day, day.month, day.year))
        }
    )


def explain(connection, query):
    """EXPLAIN ANALYZE of one captured query: its plan's top nodes and its times."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
        lines = [line for (line,) in cursor.fetchall()]
    nodes = [line for line in lines if "->" in line or not line.startswith(" ")][:8]
    times = [line for line in lines if line.startswith(("Planning Time", "Execution Time"))]
    return [line for line in nodes if line not in times] + times


def fill_access_log(actor):
    """An access log of ACCESS_LOG_ROWS entries, one a second back from now, if shorter."""
    missing = ACCESS_LOG_ROWS - AccessLogEntry.objects.count()
    if missing <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accesslogentry "
            "(at, actor_id, action, record_type, record_id, detail, reason, recipient) "
            "SELECT now() - make_interval(secs => g), %s, 'consultation', 'cases.referral', "
            "g, 'benchmark', '', '' FROM generate_series(1, %s) AS g",
            [actor.pk, missing],
        )
        cursor.execute("ANALYZE audit_accesslogentry")
