"""The caseload page /cases/: its lists (tabs), search, sorting, filters, pagination, the
overdue badge, who may see it, and what it costs in queries."""

import datetime
import re

import pytest
import time_machine
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import Programme, ProgrammeStatus
from diversion.policy.models import CustodySuite, OffenceType
from tests.factories import PersonFactory, UserFactory

# Signed on a Monday: the needs assessment is due 7 days later, on 12 January.
SIGNED = datetime.date(2026, 1, 5)


def at(day, hour=12):
    return time_machine.travel(datetime.datetime(*day, hour, tzinfo=datetime.UTC), tick=False)


def caseload(client, user, query=""):
    client.force_login(user)
    return client.get(f"/cases/{query}")


def shown(response):
    return list(response.context["listing"].rows)


def named(family, given="Alex"):
    return PersonFactory(given_names=given, family_name=family)


# --- The lists --------------------------------------------------------------------------


@pytest.fixture
def cases(make_case, caseworker, other_caseworker):
    """One of each kind of case, as a caseworker and a manager see them."""
    return {
        "mine": make_case(caseworker=caseworker),
        "mine_closed": make_case(caseworker=caseworker, closed=True),
        "theirs": make_case(caseworker=other_caseworker),
        "theirs_closed": make_case(caseworker=other_caseworker, closed=True),
        "unassigned": make_case(),
        "unassigned_closed": make_case(closed=True),
    }


def test_a_caseworker_starts_on_their_own_open_cases(client, caseworker, cases):
    response = caseload(client, caseworker)
    assert response.status_code == 200
    assert shown(response) == [cases["mine"]]
    assert '<a class="moj-sub-navigation__link" href="?tab=mine" aria-current="page">' in (
        response.content.decode()
    )


def test_a_manager_starts_on_every_open_case(client, manager, cases):
    response = caseload(client, manager)
    assert set(shown(response)) == {cases["mine"], cases["theirs"], cases["unassigned"]}
    assert 'href="?tab=open" aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER])
def test_unassigned_lists_open_cases_waiting_for_a_caseworker(client, cases, role, request):
    user = request.getfixturevalue(role.name.lower())
    assert shown(caseload(client, user, "?tab=unassigned")) == [cases["unassigned"]]


def test_closed_shows_a_caseworker_only_their_own_closed_cases(client, caseworker, cases):
    assert shown(caseload(client, caseworker, "?tab=closed")) == [cases["mine_closed"]]


def test_closed_shows_a_manager_every_closed_case(client, manager, cases):
    assert set(shown(caseload(client, manager, "?tab=closed"))) == {
        cases["mine_closed"],
        cases["theirs_closed"],
        cases["unassigned_closed"],
    }


def test_a_caseworker_has_no_all_open_list_and_a_manager_no_my_cases(
    client, caseworker, manager, cases
):
    caseworker_tabs = caseload(client, caseworker).context["tab_links"]
    manager_tabs = caseload(client, manager).context["tab_links"]
    assert [t["text"] for t in caseworker_tabs] == ["My cases", "Unassigned", "Overdue", "Closed"]
    assert [t["text"] for t in manager_tabs] == ["All open", "Unassigned", "Overdue", "Closed"]


def test_a_caseworker_asking_for_every_open_case_gets_their_own_and_is_told(
    client, caseworker, cases
):
    response = caseload(client, caseworker, "?tab=open")
    assert shown(response) == [cases["mine"]]
    assert "could not be used, so it was left out: list" in response.content.decode()


def test_someone_with_both_roles_has_every_list(client, make_case, db):
    both = UserFactory(roles=[Role.CASEWORKER, Role.MANAGER])
    tabs = caseload(client, both).context["tab_links"]
    assert [t["text"] for t in tabs] == ["My cases", "All open", "Unassigned", "Overdue", "Closed"]
    assert [t["text"] for t in tabs if t["active"]] == ["All open"]


@pytest.mark.parametrize(
    ("tab", "message"),
    [
        ("", "There are no open cases assigned to you."),
        ("?tab=unassigned", "No cases are waiting for a caseworker."),
        ("?tab=overdue", "No open cases have overdue milestones."),
        ("?tab=closed", "There are no closed cases."),
    ],
)
def test_an_empty_list_says_so(client, caseworker, tab, message):
    response = caseload(client, caseworker, tab)
    assert message in response.content.decode()
    assert b"0 cases" in response.content


# --- Overdue ------------------------------------------------------------------------------


@pytest.fixture
def signed_cases(make_case, caseworker, other_caseworker):
    """A case each for two caseworkers, signed on 5 January 2026."""
    with at((2026, 1, 5)):
        return {
            "mine": make_case(caseworker=caseworker, signed_on=SIGNED),
            "theirs": make_case(caseworker=other_caseworker, signed_on=SIGNED),
        }


def test_a_milestone_is_overdue_the_day_after_it_is_due_not_on_the_day(
    client, caseworker, signed_cases
):
    with at((2026, 1, 12)):
        response = caseload(client, caseworker)
        assert shown(response)[0].overdue == 0
        assert b'data-testid="overdue"' not in response.content
        assert shown(caseload(client, caseworker, "?tab=overdue")) == []
    with at((2026, 1, 13)):
        response = caseload(client, caseworker)
        assert (
            '<strong class="moj-badge moj-badge--red" data-testid="overdue">1 overdue</strong>'
            in (response.content.decode())
        )
        assert shown(caseload(client, caseworker, "?tab=overdue")) == [signed_cases["mine"]]
    with at((2026, 1, 20)):
        # The first intervention was due on the 19th.
        assert b">2 overdue</strong>" in caseload(client, caseworker).content


def test_overdue_shows_a_caseworker_their_own_and_a_manager_everyones(
    client, caseworker, manager, signed_cases
):
    with at((2026, 1, 13)):
        assert shown(caseload(client, caseworker, "?tab=overdue")) == [signed_cases["mine"]]
        assert set(shown(caseload(client, manager, "?tab=overdue"))) == set(signed_cases.values())


def test_a_milestone_done_is_not_overdue(client, caseworker, signed_cases):
    signed_cases["mine"].milestones.filter(code="needs_assessment").update(
        status="done", completed_on=datetime.date(2026, 1, 10)
    )
    with at((2026, 1, 13)):
        assert shown(caseload(client, caseworker, "?tab=overdue")) == []


def test_a_closed_case_has_no_overdue_badge(client, manager, signed_cases):
    Programme.objects.filter(pk=signed_cases["mine"].pk).update(
        status=ProgrammeStatus.WITHDRAWN,
        outcome_on=datetime.date(2026, 1, 10),
        outcome_reason="moved_away",
    )
    with at((2026, 1, 20)):
        closed = shown(caseload(client, manager, "?tab=closed"))
        assert [(p, p.overdue) for p in closed] == [(signed_cases["mine"], 0)]


# --- Later offences during the contract --------------------------------------------------


def offence_on(programme, day, code="theft", by=None):
    """A later offence on the person's record, as the person page records it."""
    from diversion.people import services as people_services

    return people_services.record_later_offence(
        programme.referral.person,
        actor=by or programme.caseworker,
        offence_date=day,
        offence_type=OffenceType.objects.get(code=code),
        source="custody",
    )


def test_a_later_offence_during_the_contract_is_a_badge_on_the_case(
    client, caseworker, signed_cases
):
    with at((2026, 1, 20)):
        offence_on(signed_cases["mine"], datetime.date(2026, 1, 18))
        response = caseload(client, caseworker)
    (row,) = shown(response)
    assert row.new_offences == 1
    assert (
        '<strong class="moj-badge moj-badge--red" data-testid="new-offence">New offence</strong>'
        in response.content.decode()
    )
    with at((2026, 1, 21)):
        offence_on(signed_cases["mine"], datetime.date(2026, 1, 21), code="fraud")
        assert b">2 new offences</strong>" in caseload(client, caseworker).content


def test_an_offence_before_the_contract_or_after_it_ended_is_no_badge(
    client, manager, signed_cases
):
    from diversion.cases.services import programme as services

    with at((2026, 1, 20)):
        offence_on(signed_cases["mine"], datetime.date(2026, 1, 4))
        services.end(
            signed_cases["theirs"],
            ProgrammeStatus.WITHDRAWN,
            actor=manager,
            outcome_on=datetime.date(2026, 1, 15),
            reason="moved_away",
        )
        offence_on(signed_cases["theirs"], datetime.date(2026, 1, 14))
        rows = shown(caseload(client, manager, "?tab=open")) + shown(
            caseload(client, manager, "?tab=closed")
        )
        response = caseload(client, manager, "?tab=closed")
    assert [row.new_offences for row in rows] == [0, 0]
    assert b'data-testid="new-offence"' not in response.content


# --- Each row -----------------------------------------------------------------------------


def test_each_row_shows_the_case_and_links_to_it(client, manager, make_case, caseworker):
    with at((2026, 1, 5)):
        programme = make_case(
            person=named("Ashbury", "Kai"), caseworker=caseworker, signed_on=SIGNED
        )
    with at((2026, 1, 10)):
        html = caseload(client, manager).content.decode()
    reference = programme.referral.reference
    assert f'<a class="govuk-link" href="/cases/{programme.pk}/">{reference}</a>' in html
    assert "Kai Ashbury" in html
    assert escape(str(programme.referral.offence_type)) in html
    assert escape(str(caseworker)) in html
    assert "5 May 2026 (115 days left)" in html
    assert ">Active</strong>" in html


def test_an_unassigned_case_says_so(client, manager, make_case):
    make_case()
    assert b'">Unassigned</td>' in caseload(client, manager).content


@pytest.mark.parametrize(
    ("day", "text"),
    [
        ((2026, 5, 4), "5 May 2026 (1 day left)"),
        ((2026, 5, 5), "5 May 2026 (ends today)"),
        ((2026, 5, 6), "5 May 2026 (ended yesterday)"),
        ((2026, 5, 9), "5 May 2026 (ended 4 days ago)"),
    ],
)
def test_the_days_left_read_naturally_at_the_end(client, manager, signed_cases, day, text):
    with at(day):
        assert text in caseload(client, manager).content.decode()


def test_a_caseworker_can_take_an_unassigned_case_from_the_list(
    client, caseworker, make_case, cases
):
    html = caseload(client, caseworker, "?tab=unassigned").content.decode()
    assert f'action="/cases/{cases["unassigned"].pk}/take/"' in html
    assert "Take this case" in html
    # Not on their own cases.
    assert "Take this case" not in caseload(client, caseworker).content.decode()


def test_a_manager_is_offered_assign_and_reassign_not_take(client, manager, cases):
    html = caseload(client, manager).content.decode()
    assert "Take this case" not in html
    assert f'href="/cases/{cases["unassigned"].pk}/assign/">Assign<' in html
    assert f'href="/cases/{cases["mine"].pk}/assign/">Reassign<' in html
    assert 'href="/cases/reassign/"' in html


def test_viewing_the_caseload_is_logged_for_each_case_shown(client, manager, make_case):
    for _ in range(27):
        make_case()
    page = shown(caseload(client, manager))
    logged = AccessLogEntry.objects.filter(
        actor=manager, action=Action.CONSULTATION, record_type="cases.programme"
    )
    assert sorted(logged.values_list("record_id", flat=True)) == sorted(p.pk for p in page)
    assert len(page) == 25


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def people_cases(make_case):
    return {
        "smith": make_case(person=named("Smith", "John Paul")),
        "smithson": make_case(person=named("Smithson", "Zoë")),
        "jones": make_case(person=named("Jones", "Paula")),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith", {"smith", "smithson"}),
        ("SMITHSON", {"smithson"}),
        ("paul", {"smith", "jones"}),
        ("john smith", {"smith"}),
        ("zoe", {"smithson"}),
        ("  Jones ", {"jones"}),
        ("nobody", set()),
        ("!!!", set()),
    ],
)
def test_search_finds_people_by_any_part_of_their_names(
    client, manager, people_cases, query, expected
):
    response = caseload(client, manager, f"?q={query}")
    assert set(shown(response)) == {people_cases[name] for name in expected}


def test_search_finds_a_case_by_its_reference_or_number(client, manager, people_cases):
    programme = people_cases["jones"]
    number = programme.referral_id
    for query in (f"CP-{number:06d}", f"cp{number:06d}", str(number), f"CP-{number}"):
        assert shown(caseload(client, manager, f"?q={query}")) == [programme], query


def test_a_search_too_long_is_an_error_and_the_list_is_not_narrowed(client, manager, people_cases):
    response = caseload(client, manager, "?q=" + "a" * 101)
    assert set(shown(response)) == set(people_cases.values())
    html = response.content.decode()
    assert "The search must be 100 characters or fewer" in html
    assert '<a href="#id_q">' in html
    assert "Error – Checkpoint" in html


def test_no_match_says_so(client, manager, people_cases):
    assert b"No cases match the search and filters." in caseload(client, manager, "?q=zzz").content


# --- Sorting ------------------------------------------------------------------------------


@pytest.fixture
def sortable(make_case, caseworker, other_caseworker, manager):
    caseworker.last_name, other_caseworker.last_name = "Abbott", "Zeller"
    caseworker.save()
    other_caseworker.save()
    with at((2026, 1, 5)):
        early = make_case(person=named("Carr"), caseworker=other_caseworker, signed_on=SIGNED)
    with at((2026, 1, 20)):
        late = make_case(
            person=named("Aldous"), caseworker=caseworker, signed_on=datetime.date(2026, 1, 20)
        )
        unsigned = make_case(person=named("Brack"))
    return {"early": early, "late": late, "unsigned": unsigned}


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("reference", ["early", "late", "unsigned"]),
        ("-reference", ["unsigned", "late", "early"]),
        ("name", ["late", "unsigned", "early"]),
        ("-name", ["early", "unsigned", "late"]),
        ("ends", ["early", "late", "unsigned"]),
        ("-ends", ["late", "early", "unsigned"]),
        ("status", ["unsigned", "early", "late"]),
        ("-status", ["late", "early", "unsigned"]),
        ("caseworker", ["late", "early", "unsigned"]),
        ("-caseworker", ["early", "late", "unsigned"]),
    ],
)
def test_the_list_sorts_by_each_column_both_ways(client, manager, sortable, sort, order):
    with at((2026, 2, 1)):
        response = caseload(client, manager, f"?sort={sort}")
    assert shown(response) == [sortable[name] for name in order]


def headings(response):
    """Each sortable column heading: its label, aria-sort and link."""
    found = re.findall(
        r'<th scope="col" class="govuk-table__header[^"]*" aria-sort="(\w+)">'
        r'<a [^>]*href="([^"]*)">([A-Za-z ]+)',
        response.content.decode(),
    )
    return {
        label.strip(): (aria_sort, href.replace("&amp;", "&")) for aria_sort, href, label in found
    }


def test_the_sorted_column_says_so_and_its_link_sorts_the_other_way(client, manager, sortable):
    columns = headings(caseload(client, manager, "?sort=name&q=a"))
    assert columns == {
        "Reference": ("none", "?tab=open&q=a&sort=reference"),
        "Person": ("ascending", "?tab=open&q=a&sort=-name"),
        "Caseworker": ("none", "?tab=open&q=a&sort=caseworker"),
        "Contract ends": ("none", "?tab=open&q=a&sort=ends"),
        "Status": ("none", "?tab=open&q=a&sort=status"),
    }
    columns = headings(caseload(client, manager, "?sort=-name"))
    assert columns["Person"] == ("descending", "?tab=open&sort=name")


def test_by_default_open_cases_end_soonest_first_and_closed_most_recent_first(
    client, manager, sortable
):
    with at((2026, 2, 1)):
        response = caseload(client, manager)
    assert shown(response) == [sortable["early"], sortable["late"], sortable["unsigned"]]
    assert headings(response)["Contract ends"] == ("ascending", "?tab=open&sort=-ends")
    assert caseload(client, manager, "?tab=closed").context["listing"].sort == "-ends"


def test_an_unknown_sort_is_ignored_and_named(client, manager, sortable):
    with at((2026, 2, 1)):
        response = caseload(client, manager, "?sort=person__date_of_birth")
    assert shown(response) == [sortable["early"], sortable["late"], sortable["unsigned"]]
    assert "left out: sort order." in response.content.decode()


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def filterable(make_case, caseworker, other_caseworker):
    suites = list(CustodySuite.objects.order_by("pk"))
    theft = OffenceType.objects.get(code="theft")
    with at((2026, 1, 5)):
        return {
            "active": make_case(caseworker=caseworker, signed_on=SIGNED),
            "awaiting": make_case(caseworker=other_caseworker, custody_suite=suites[1]),
            "theft": make_case(offence_type=theft, custody_suite=suites[1]),
        }


def test_filter_by_status(client, manager, filterable):
    with at((2026, 1, 6)):
        active = shown(caseload(client, manager, "?status=active"))
        awaiting = shown(caseload(client, manager, "?status=awaiting_contract"))
        both = shown(caseload(client, manager, "?status=active&status=awaiting_contract"))
    assert active == [filterable["active"]]
    assert set(awaiting) == {filterable["awaiting"], filterable["theft"]}
    assert len(both) == 3


def test_the_status_filter_offers_the_statuses_of_the_list(client, manager):
    open_choices = caseload(client, manager).context["form"].fields["status"].choices
    closed_choices = (
        caseload(client, manager, "?tab=closed").context["form"].fields["status"].choices
    )
    assert [v for v, _ in open_choices] == ["awaiting_contract", "active"]
    assert [v for v, _ in closed_choices] == ["completed", "breached", "withdrawn"]


def test_filter_by_caseworker(client, manager, other_caseworker, filterable):
    with at((2026, 1, 6)):
        response = caseload(client, manager, f"?caseworker={other_caseworker.pk}")
    assert shown(response) == [filterable["awaiting"]]


def test_a_force_of_caseworkers_is_a_select_of_one_not_a_wall_of_checkboxes(
    client, manager, other_caseworker, filterable
):
    UserFactory.create_batch(12, roles=[Role.CASEWORKER])
    with at((2026, 1, 6)):
        html = caseload(client, manager).content.decode()
        assert re.search(
            r'<select class="govuk-select" id="id_caseworker" name="caseworker">', html
        )
        assert not re.search(r'<input(?=[^>]*type="checkbox")(?=[^>]*name="caseworker")', html)
        chosen = caseload(client, manager, f"?caseworker={other_caseworker.pk}&status=")
        anyone = caseload(client, manager, "?caseworker=")
    assert shown(chosen) == [filterable["awaiting"]]
    # "Any" is no filter, and nothing is named as left out.
    assert 'data-testid="ignored"' not in anyone.content.decode()
    assert len(shown(anyone)) == len(shown(caseload(client, manager)))


def test_filter_by_custody_suite(client, manager, filterable):
    suite = CustodySuite.objects.order_by("pk")[1]
    with at((2026, 1, 6)):
        response = caseload(client, manager, f"?suite={suite.pk}")
    assert set(shown(response)) == {filterable["awaiting"], filterable["theft"]}


def test_filter_by_offence_group(client, manager, filterable):
    with at((2026, 1, 6)):
        response = caseload(client, manager, "?offence=acquisitive&offence=violence")
    assert shown(response) == [filterable["theft"]]


def test_filters_combine_with_each_other_and_with_search(client, manager, filterable):
    suite = CustodySuite.objects.order_by("pk")[1]
    with at((2026, 1, 6)):
        response = caseload(client, manager, f"?suite={suite.pk}&status=awaiting_contract")
        assert set(shown(response)) == {filterable["awaiting"], filterable["theft"]}
        reference = filterable["theft"].referral.reference
        response = caseload(client, manager, f"?suite={suite.pk}&q={reference}")
        assert shown(response) == [filterable["theft"]]


def test_selected_filters_are_tags_that_remove_themselves_and_can_be_cleared(
    client, manager, filterable
):
    suite = CustodySuite.objects.order_by("pk")[1]
    html = caseload(
        client, manager, f"?q=a&sort=name&suite={suite.pk}&offence=acquisitive&offence=violence"
    ).content.decode()
    assert 'data-testid="selected-filters"' in html
    tag = (
        f'<a class="moj-filter__tag" href="?tab=open&amp;q=a&amp;sort=name&amp;suite={suite.pk}'
        '&amp;offence=violence"><span class="govuk-visually-hidden">Remove this filter</span> '
        "Theft, burglary and fraud</a>"
    )
    assert tag in html
    assert escape(suite.name) in html
    assert 'href="?tab=open&amp;q=a&amp;sort=name">Clear filters</a>' in html


def test_the_filter_panel_starts_closed_so_a_phone_shows_the_cases_first(
    client, manager, filterable
):
    """Without JavaScript the panel is a closed details element, which says how many filters
    are in use; static/js/filter.js opens it and adds MoJ Frontend's Show filter button to
    the action bar (tests/browser/test_narrow_screens.py)."""
    html = caseload(client, manager, "?status=active&offence=violence").content.decode()
    assert '<details class="govuk-details app-filter-details">' in html
    assert "Filter cases (2 in use)" in html
    assert 'data-module="app-filter"' in html
    assert '<div class="moj-action-bar__filter"></div>' in html
    assert html.index('data-testid="filter"') < html.index('data-testid="result-count"')


def test_the_filter_and_search_forms_keep_each_others_values(client, manager, filterable):
    html = caseload(client, manager, "?tab=unassigned&q=smith&offence=acquisitive").content
    html = html.decode()
    filter_form, search_form = html.split('aria-label="Filter cases"')[1].split('role="search"')
    assert '<input type="hidden" name="q" value="smith">' in filter_form
    assert '<input type="hidden" name="tab" value="unassigned">' in filter_form
    assert (
        '<input type="hidden" name="offence" value="acquisitive">'
        in search_form.split("</form>")[0]
    )


def test_a_caseworker_has_no_caseworker_filter_and_cannot_see_others_by_asking(
    client, caseworker, other_caseworker, filterable
):
    with at((2026, 1, 6)):
        response = caseload(client, caseworker, f"?caseworker={other_caseworker.pk}")
    assert shown(response) == [filterable["active"]]
    assert "caseworker" not in response.context["form"].fields


def test_unassigned_has_no_caseworker_filter(client, manager):
    assert "caseworker" not in caseload(client, manager, "?tab=unassigned").context["form"].fields


def test_unknown_filter_values_are_ignored_and_named_and_good_ones_kept(
    client, manager, filterable
):
    with at((2026, 1, 6)):
        response = caseload(
            client,
            manager,
            "?status=active&status=bogus&caseworker=999999&suite=x&offence=nope&page=zz",
        )
    assert response.status_code == 200
    assert shown(response) == [filterable["active"]]
    html = response.content.decode()
    assert "left out: status, caseworker, custody suite, offence group." in html
    assert "There is a problem" not in html


@pytest.mark.parametrize(
    "query",
    [
        "?tab=%00",
        "?tab=closed&status=active",
        "?sort=",
        "?sort=-",
        "?suite=1&suite=1",
        "?q=%25%27%22",
        "?page=-1",
        "?page=99999999999999999999",
        "?q=CP-99999999999",
        "?q=a%00b",
        "?caseworker=%00",
    ],
)
def test_odd_addresses_never_break_the_page(client, manager, filterable, query):
    assert caseload(client, manager, query).status_code == 200


# --- Pagination ---------------------------------------------------------------------------


def page_link(response, rel):
    match = re.search(rf'href="([^"]*)" rel="{rel}"', response.content.decode())
    return match[1].replace("&amp;", "&") if match else None


def test_the_list_is_paginated_keeping_search_sort_and_filters(client, manager, make_case):
    for n in range(27):
        make_case(person=named(f"Wick{chr(97 + n // 26)}{chr(97 + n % 26)}"))
    first = caseload(client, manager, "?q=wick&sort=-name&offence=drug_possession")
    assert len(shown(first)) == 25
    assert page_link(first, "prev") is None
    last_shown = shown(first)[-1]
    assert page_link(first, "next") == (
        f"?tab=open&q=wick&sort=-name&offence=drug_possession&after={last_shown.pk}"
    )
    second = caseload(client, manager, page_link(first, "next"))
    assert [p.referral.person.family_name for p in shown(second)] == ["Wickab", "Wickaa"]
    assert page_link(second, "next") is None
    back = caseload(client, manager, page_link(second, "prev"))
    assert shown(back) == shown(first)


def test_the_last_page_is_one_link_away(client, manager, make_case):
    for n in range(27):
        make_case(person=named(f"Wick{chr(97 + n // 26)}{chr(97 + n % 26)}"))
    first = caseload(client, manager, "?sort=name")
    html = first.content.decode()
    assert 'href="?tab=open&amp;sort=name&amp;page=last">Last' in html
    last = caseload(client, manager, "?tab=open&sort=name&page=last")
    assert [p.referral.person.family_name for p in shown(last)][-2:] == ["Wickaz", "Wickba"]
    assert len(shown(last)) == 25
    assert page_link(last, "next") is None
    assert 'href="?tab=open&amp;sort=name">First' in last.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "2000", "-1"])
def test_an_old_page_number_shows_the_first_page_and_says_so(client, manager, make_case, page):
    cases = [make_case() for _ in range(27)]
    response = caseload(client, manager, f"?page={page}")
    assert shown(response) == cases[:25]
    assert "no longer opens at a page number" in response.content.decode()


@pytest.mark.parametrize("cursor", ["after=abc", "before=999999999", "after=-5", "after=9" * 30])
def test_an_altered_page_link_shows_the_first_page_and_says_so(client, manager, make_case, cursor):
    cases = [make_case() for _ in range(27)]
    response = caseload(client, manager, f"?{cursor}")
    assert response.status_code == 200
    assert shown(response) == cases[:25]
    assert "could not be used (the list may have changed since)" in response.content.decode()


def test_a_link_from_a_case_outside_the_users_reach_is_refused(
    client, caseworker, other_caseworker, make_case
):
    mine = make_case(caseworker=caseworker)
    theirs = make_case(caseworker=other_caseworker)
    response = caseload(client, caseworker, f"?after={theirs.pk}")
    assert shown(response) == [mine]
    assert "could not be used" in response.content.decode()


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_only_caseworkers_and_managers_see_the_caseload(client, db, role):
    assert caseload(client, UserFactory(roles=[role])).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/cases/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_caseload_only_answers_get(client, manager):
    client.force_login(manager)
    assert client.post("/cases/").status_code == 405


# --- Cost ---------------------------------------------------------------------------------

# Session, user and roles; custody suites and caseworkers for the filters; the count and the
# page of cases; the access log; the savepoint pair of the request's transaction; and, on
# the unassigned list, the queue's size and oldest wait (a caseworker has no caseworker
# filter to read).
MAX_QUERIES = 10
TABS = {
    "caseworker": ["mine", "unassigned", "overdue", "closed"],
    "manager": ["open", "unassigned", "overdue", "closed"],
}


def queries_per_tab(client, users, django_assert_max_num_queries):
    counts = {}
    for role, tabs in TABS.items():
        client.force_login(users[role])
        for tab in tabs:
            with django_assert_max_num_queries(MAX_QUERIES) as captured:
                response = client.get(f"/cases/?tab={tab}&sort=name&q=a&offence=drug_possession")
            assert response.context["listing"].rows, (role, tab)
            counts[role, tab] = len(captured)
    return counts


def test_every_list_costs_the_same_queries_for_3_or_30_cases(
    client, caseworker, manager, make_case, django_assert_max_num_queries
):
    def add(count):
        with at((2026, 1, 5)):
            for _ in range(count):
                person = named("Brackley", "Sam")
                signed = make_case(caseworker=caseworker, signed_on=SIGNED, person=person)
                offence_on(signed, SIGNED, by=caseworker)
                make_case(person=person)
                make_case(caseworker=caseworker, closed=True, person=person)

    users = {"caseworker": caseworker, "manager": manager}
    add(3)
    with at((2026, 2, 1)):
        few = queries_per_tab(client, users, django_assert_max_num_queries)
    add(27)
    with at((2026, 2, 1)):
        many = queries_per_tab(client, users, django_assert_max_num_queries)
    assert few == many
