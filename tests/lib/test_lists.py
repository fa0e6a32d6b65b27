"""The list component (lib.lists): sorting, sortable headings, keyset pages, what it says
about a link it cannot use, and its capped count. Exercised on the access log's entries."""

import datetime
import re

import django_tables2 as tables
import pytest
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from diversion.audit.models import AccessLogEntry
from diversion.lib.lists import (
    NUMBERED_PAGE,
    STALE_LINK,
    USER_TEXT,
    ListPage,
    ListTable,
    Sort,
)
from tests.factories import UserFactory

BASE = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)


class EntryTable(ListTable):
    when = tables.Column(accessor="at", verbose_name="When")
    record = tables.Column(accessor="record_id", verbose_name="Record")
    detail = tables.Column(verbose_name="Detail")

    caption = "Entries"
    sorts = {
        "when": Sort("at"),
        # A missing record number last, whichever way the list runs.
        "record": Sort(
            Coalesce("record_id", Value(2**62)), descending=[Coalesce("record_id", Value(-1))]
        ),
    }


class AgeTable(EntryTable):
    """The entries by age: an age grows as the moment falls, so its sort runs against it."""

    age = tables.Column(accessor="at", verbose_name="Age")

    sorts = {**EntryTable.sorts, "age": Sort("at", inverted=True)}


@pytest.fixture
def entries(db):
    actor = UserFactory()

    def make(count, **kwargs):
        return AccessLogEntry.objects.bulk_create(
            AccessLogEntry(
                actor=actor,
                action="consultation",
                record_type="cases.referral",
                **({"record_id": n, "at": BASE + datetime.timedelta(minutes=n // 2)} | kwargs),
            )
            for n in range(count)
        )

    return make


def listing(query="", **kwargs):
    request = RequestFactory().get(f"/list/{query}")
    kwargs.setdefault("default_sort", "when")
    return ListPage(
        request,
        AccessLogEntry.objects.all(),
        table_class=kwargs.pop("table_class", EntryTable),
        noun=("entry", "entries"),
        page_size=kwargs.pop("page_size", 5),
        **kwargs,
    )


def walk(query, rel="next"):
    """Every row of the list, following `rel` links from the page `query`."""
    rows, seen = [], set()
    while query is not None:
        assert query not in seen
        seen.add(query)
        page = listing(query)
        rows += page.rows if rel == "next" else page.rows[::-1]
        query = page.pages()[rel]
    return rows


# --- Sorting ----------------------------------------------------------------------------


def test_the_default_sort_breaks_ties_by_primary_key(entries):
    made = entries(6)
    assert listing().rows == made[:5]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("when", [0, 1, 2, 3, 4, 5, None]), ("-when", [None, 5, 4, 3, 2, 1, 0])],
)
def test_a_sort_runs_both_ways(entries, sort, expected):
    made = entries(6) + entries(1, record_id=None, at=BASE + datetime.timedelta(hours=1))
    rows = listing(f"?sort={sort}", page_size=10).rows
    assert [r.record_id for r in rows] == expected
    assert set(rows) == set(made)


@pytest.mark.parametrize(
    ("sort", "expected"), [("record", [0, 1, 2, None]), ("-record", [2, 1, 0, None])]
)
def test_a_missing_value_sorts_last_both_ways(entries, sort, expected):
    entries(3)
    entries(1, record_id=None)
    assert [r.record_id for r in listing(f"?sort={sort}").rows] == expected


def test_headings_say_how_the_list_is_sorted_and_link_to_the_other_way(entries):
    entries(1)
    headings = {h["label"]: h for h in listing("?sort=when").headings()}
    assert headings["When"]["aria_sort"] == "ascending"
    assert headings["When"]["href"] == "?sort=-when"
    assert headings["Record"]["aria_sort"] == "none"
    assert headings["Record"]["href"] == "?sort=record"
    assert "aria_sort" not in headings["Detail"]
    assert {h["label"]: h for h in listing("?sort=-when").headings()}["When"]["href"] == (
        "?sort=when"
    )


def test_the_table_template_marks_the_sorted_heading_with_aria_sort(entries):
    entries(2)
    page = listing("?sort=-record")
    html = render_to_string("lib/list.html", {"listing": page, "action": "/list/"})
    assert re.search(r'aria-sort="descending"><a [^>]*href="\?sort=record">Record', html)
    assert (
        'aria-sort="none"><a class="govuk-link govuk-link--no-visited-state" href="?sort=when"'
        in html
    )
    assert '<th scope="col" class="govuk-table__header">Detail</th>' in html


class ActionsTable(EntryTable):
    detail = tables.Column(verbose_name="Detail", attrs=USER_TEXT)
    actions = tables.Column(
        accessor="pk", verbose_name=mark_safe('<span class="govuk-visually-hidden">Actions</span>')
    )


def test_each_cell_carries_its_column_name_for_a_narrow_screen(entries):
    """Below the width its columns need the table stacks, each cell headed by its data-label
    (static/scss/_lists.scss), except a column whose heading is hidden."""
    entries(1)
    page = listing(table_class=ActionsTable)
    html = render_to_string("lib/list.html", {"listing": page, "action": "/list/"})
    assert '<div class="app-table-stack app-table-stack--4">' in html
    assert '<table class="govuk-table app-table--sortable"' in html
    cells = re.findall(r"<td( data-label=\"[^\"]*\")? class=\"([^\"]*)\">", html)
    assert cells == [
        (' data-label="When"', "govuk-table__cell"),
        (' data-label="Record"', "govuk-table__cell"),
        (' data-label="Detail"', "govuk-table__cell app-user-text"),
        ("", "govuk-table__cell"),
    ]


@pytest.mark.parametrize("sort", ["bogus", "--when", "-", "detail", "actor__password"])
def test_an_unknown_sort_is_left_out_and_named(entries, sort):
    made = entries(3)
    page = listing(f"?sort={sort}")
    assert page.rows == made
    assert page.ignored == ["sort order"]
    assert page.headings()[0]["href"] == "?sort=-when"


def test_an_inverted_sort_runs_against_its_keys_and_its_heading_says_what_it_shows(entries):
    made = entries(7)
    youngest_first = listing("?sort=age", table_class=AgeTable, page_size=10)
    assert youngest_first.rows == sorted(made, key=lambda e: (e.at, e.pk), reverse=True)
    oldest_first = listing("?sort=-age", table_class=AgeTable, page_size=10)
    assert oldest_first.rows == made
    headings = {h["label"]: h for h in oldest_first.headings()}
    assert (headings["Age"]["aria_sort"], headings["Age"]["href"]) == ("descending", "?sort=age")


@pytest.mark.parametrize("sort", ["age", "-age"])
def test_an_inverted_sort_pages_through_every_row_once(entries, sort):
    entries(11)
    everything = listing(f"?sort={sort}", table_class=AgeTable, page_size=100).rows
    rows, query = [], f"?sort={sort}"
    while query is not None:
        page = listing(query, table_class=AgeTable)
        rows += page.rows
        query = page.pages()["next"]
    assert rows == everything


# --- Keyset pages -----------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["when", "-when", "record", "-record"])
def test_next_links_walk_every_row_once_in_order(entries, sort):
    entries(11)
    entries(2, record_id=None)
    everything = listing(f"?sort={sort}", page_size=100).rows
    assert walk(f"?sort={sort}") == everything


def test_previous_links_walk_back_from_the_last_page(entries):
    entries(15)
    everything = listing(page_size=100).rows
    assert walk("?page=last", rel="previous") == everything[::-1]


def test_the_last_page_is_full_and_has_no_next(entries):
    made = entries(12)
    page = listing("?page=last")
    assert page.rows == made[-5:]
    assert page.has_previous and not page.has_next
    assert page.pages()["first"] == "?"


def test_going_back_near_the_start_shows_the_first_page_whole(entries):
    made = entries(12)
    page = listing(f"?before={made[2].pk}")
    assert page.rows == made[:5]
    assert not page.has_previous
    assert page.notes == []


def test_a_deep_page_costs_what_the_first_does(entries, django_assert_num_queries):
    made = entries(40)
    with django_assert_num_queries(2):
        listing()
    # And one more to read the sort key of the row the page starts after.
    with django_assert_num_queries(3):
        page = listing(f"?after={made[30].pk}")
    assert page.rows == made[31:36]


@pytest.mark.parametrize(
    "query", ["?after=abc", "?after=999999999", "?before=-1", "?after=" + "9" * 40, "?after=1e3"]
)
def test_an_altered_page_link_shows_the_first_page_and_says_so(entries, query):
    made = entries(7)
    page = listing(query)
    assert page.rows == made[:5]
    assert page.notes == [STALE_LINK]


@pytest.mark.parametrize("number", ["2", "2000", "0", "x"])
def test_a_page_number_shows_the_first_page_and_says_so(entries, number):
    made = entries(7)
    page = listing(f"?page={number}")
    assert page.rows == made[:5]
    assert page.notes == [NUMBERED_PAGE]


def test_a_row_outside_the_list_cannot_start_a_page(entries):
    made = entries(7)
    request = RequestFactory().get(f"/list/?after={made[0].pk}")
    page = ListPage(
        request,
        AccessLogEntry.objects.exclude(pk=made[0].pk),
        table_class=EntryTable,
        default_sort="when",
    )
    assert page.notes == [STALE_LINK]


def test_links_keep_the_pages_own_values_and_the_sort(entries):
    made = entries(7)
    request = RequestFactory().get("/list/?sort=-when&tab=x")
    page = ListPage(
        request,
        AccessLogEntry.objects.all(),
        table_class=EntryTable,
        default_sort="when",
        keep={"tab": "open"},
        page_size=5,
    )
    assert page.pages()["next"] == f"?tab=open&sort=-when&after={made[2].pk}"


def test_a_prefixed_list_reads_and_writes_only_its_own_names(entries):
    made = entries(7)
    # Another list's sort and page on the same page are not this list's.
    page = listing("?sort=junk&after=1&drafts-sort=-when", prefix="drafts-")
    assert (page.ignored, page.notes) == ([], [])
    assert page.rows == made[::-1][:5]
    following = page.pages()["next"]
    assert following == f"?drafts-sort=-when&drafts-after={made[2].pk}"
    assert listing(following, prefix="drafts-").rows == made[:2][::-1]
    assert page.headings()[0]["href"] == "?drafts-sort=when"
    assert listing("?drafts-page=last", prefix="drafts-").rows == made[2:]
    assert listing("?drafts-after=x", prefix="drafts-").notes == [STALE_LINK]


# --- The count --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("made", "text"),
    [(0, "0 entries"), (1, "1 entry"), (5, "5 entries"), (6, "More than 5 entries")],
)
def test_the_count_stops_at_its_cap(entries, made, text):
    entries(made)
    assert listing(cap=5).count_text() == text


def test_counting_reads_no_more_than_the_cap(entries, django_assert_num_queries):
    entries(9)
    with django_assert_num_queries(2) as captured:
        listing(cap=5)
    assert "LIMIT 6" in captured.captured_queries[0]["sql"]


def test_an_empty_list_says_so(db):
    page = listing(empty="Nothing yet.")
    assert page.rows == []
    assert page.empty_message == "Nothing yet."
    assert not page.has_next and not page.has_previous
