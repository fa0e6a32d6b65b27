"""Allocating cases: a caseworker takes one from the queue, a manager assigns or reassigns
one, or moves a whole caseload. The services, then the pages."""

from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.utils.html import escape

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import Programme
from diversion.cases.services import allocation
from diversion.lib.concurrency import StaleEdit
from diversion.lib.dates import today
from tests.factories import UserFactory
from tests.history import caseworker_changes

allocations = caseworker_changes


def alterations(programme):
    return list(
        AccessLogEntry.objects.filter(
            action=Action.ALTERATION, record_type="cases.programme", record_id=programme.pk
        ).values_list("actor", "detail")
    )


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Taking a case from the queue --------------------------------------------------------


def test_a_caseworker_takes_an_unassigned_case(caseworker, programme):
    version = programme.version
    allocation.take(programme, actor=caseworker)
    programme.refresh_from_db()
    assert programme.caseworker == caseworker
    assert programme.version == version + 1
    assert allocations(programme) == [
        (None, caseworker.pk, caseworker.pk, "Taken from the unassigned queue")
    ]
    assert (caseworker.pk, "taken") in alterations(programme)


def test_a_case_taken_first_by_someone_else_is_refused_with_who_took_it(
    caseworker, other_caseworker, programme
):
    # Both opened the queue while the case was unassigned.
    seen_by_other = Programme.objects.get(pk=programme.pk)
    allocation.take(programme, actor=caseworker)
    with pytest.raises(allocation.AlreadyTaken) as refused:
        allocation.take(seen_by_other, actor=other_caseworker)
    assert str(refused.value) == f"{programme.referral.reference} was already taken by {caseworker}"
    programme.refresh_from_db()
    assert programme.caseworker == caseworker
    assert len(allocations(programme)) == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_only_a_caseworker_takes_a_case(programme, db, role):
    with pytest.raises(allocation.AllocationError, match="Only a caseworker"):
        allocation.take(programme, actor=UserFactory(roles=[role]))
    assert Programme.objects.get(pk=programme.pk).caseworker is None


def test_a_closed_case_is_not_taken(caseworker, make_case):
    closed = make_case(closed=True)
    with pytest.raises(allocation.AllocationError, match="is closed"):
        allocation.take(closed, actor=caseworker)
    assert not allocations(closed)


# --- Assigning one case -----------------------------------------------------------------


def test_a_manager_assigns_an_unassigned_case(manager, caseworker, programme):
    allocation.assign(programme, actor=manager, caseworker=caseworker, reason="  Knows him  ")
    assert Programme.objects.get(pk=programme.pk).caseworker == caseworker
    assert allocations(programme) == [(None, caseworker.pk, manager.pk, "Knows him")]
    assert (manager.pk, "assigned") in alterations(programme)


def test_a_manager_reassigns_a_case_and_both_moves_are_kept(
    manager, caseworker, other_caseworker, programme
):
    allocation.assign(programme, actor=manager, caseworker=caseworker)
    allocation.assign(programme, actor=manager, caseworker=other_caseworker, reason="Leave")
    assert Programme.objects.get(pk=programme.pk).caseworker == other_caseworker
    assert allocations(programme) == [
        (None, caseworker.pk, manager.pk, ""),
        (caseworker.pk, other_caseworker.pk, manager.pk, "Leave"),
    ]
    assert (manager.pk, "reassigned") in alterations(programme)


def test_a_case_is_not_assigned_to_the_caseworker_who_has_it(manager, caseworker, programme):
    allocation.assign(programme, actor=manager, caseworker=caseworker)
    with pytest.raises(allocation.AllocationError, match="is already assigned to"):
        allocation.assign(programme, actor=manager, caseworker=caseworker)
    assert len(allocations(programme)) == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_a_case_is_only_assigned_to_a_caseworker(manager, programme, role):
    with pytest.raises(allocation.AllocationError, match="is not an active caseworker"):
        allocation.assign(programme, actor=manager, caseworker=UserFactory(roles=[role]))
    assert not allocations(programme)


def test_a_case_is_not_assigned_to_a_caseworker_who_has_left(manager, programme):
    left = UserFactory(roles=[Role.CASEWORKER], is_active=False)
    with pytest.raises(allocation.AllocationError, match="is not an active caseworker"):
        allocation.assign(programme, actor=manager, caseworker=left)


def test_only_a_manager_assigns(caseworker, other_caseworker, programme):
    with pytest.raises(allocation.AllocationError, match="Only a manager"):
        allocation.assign(programme, actor=caseworker, caseworker=other_caseworker)


def test_an_assignment_made_on_an_out_of_date_page_is_refused(
    manager, caseworker, other_caseworker, programme
):
    seen = programme.version
    allocation.assign(programme, actor=manager, caseworker=caseworker)
    with pytest.raises(StaleEdit):
        allocation.assign(
            programme, actor=manager, caseworker=other_caseworker, expected_version=seen
        )
    assert Programme.objects.get(pk=programme.pk).caseworker == caseworker


# --- Moving a caseload ------------------------------------------------------------------


@pytest.fixture
def leaver_cases(make_case, caseworker, other_caseworker):
    """The caseworker's open and closed cases, and someone else's."""
    return {
        "awaiting": make_case(caseworker=caseworker),
        "active": make_case(caseworker=caseworker, signed_on=today()),
        "closed": make_case(caseworker=caseworker, closed=True),
        "other": make_case(caseworker=other_caseworker),
    }


def test_moving_a_caseload_moves_only_the_open_cases_and_records_each(
    manager, caseworker, other_caseworker, leaver_cases
):
    newcomer = UserFactory(roles=[Role.CASEWORKER])
    moved = allocation.reassign_caseload(
        actor=manager, from_caseworker=caseworker, to_caseworker=newcomer, reason="Left the team"
    )
    assert moved == 2
    holders = dict(Programme.objects.values_list("pk", "caseworker"))
    assert holders[leaver_cases["awaiting"].pk] == newcomer.pk
    assert holders[leaver_cases["active"].pk] == newcomer.pk
    assert holders[leaver_cases["closed"].pk] == caseworker.pk
    assert holders[leaver_cases["other"].pk] == other_caseworker.pk
    for name in ("awaiting", "active"):
        case = leaver_cases[name]
        assert allocations(case)[-1] == (caseworker.pk, newcomer.pk, manager.pk, "Left the team")
        assert (manager.pk, "caseload reassigned") in alterations(case)
        assert Programme.objects.get(pk=case.pk).version == case.version + 1
    assert len(allocations(leaver_cases["closed"])) == 1


def test_a_caseload_moves_from_someone_who_has_left(manager, caseworker, leaver_cases):
    left = UserFactory(roles=[Role.CASEWORKER])
    Programme.objects.filter(caseworker=caseworker).update(caseworker=left)
    left.is_active = False
    left.save()
    allocation.reassign_caseload(
        actor=manager, from_caseworker=left, to_caseworker=caseworker, reason="Left"
    )
    assert Programme.objects.filter(caseworker=left).count() == 1  # the closed case


def test_moving_a_caseload_is_all_or_nothing(manager, caseworker, other_caseworker, leaver_cases):
    with (
        # The last write of the move fails: the cases moved before it stay where they were.
        mock.patch.object(allocation, "log_many", side_effect=RuntimeError("disk")),
        pytest.raises(RuntimeError),
    ):
        allocation.reassign_caseload(
            actor=manager, from_caseworker=caseworker, to_caseworker=other_caseworker, reason="x"
        )
    assert Programme.objects.filter(caseworker=caseworker).count() == 3


def test_moving_an_empty_caseload_moves_nothing(manager, caseworker, other_caseworker):
    assert (
        allocation.reassign_caseload(
            actor=manager, from_caseworker=caseworker, to_caseworker=other_caseworker, reason="x"
        )
        == 0
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "  "}, "Enter the reason"),
        ({"to_caseworker": "same"}, "Choose a different caseworker"),
        ({"to_caseworker": "custody"}, "is not an active caseworker"),
        ({"actor": "caseworker"}, "Only a manager"),
    ],
)
def test_a_caseload_move_the_rules_do_not_allow_is_refused(
    manager, caseworker, custody_officer, other_caseworker, leaver_cases, change, message
):
    people = {"same": caseworker, "custody": custody_officer, "caseworker": caseworker}
    arguments = {
        "actor": manager,
        "from_caseworker": caseworker,
        "to_caseworker": other_caseworker,
        "reason": "Left",
    }
    arguments.update({k: people.get(v, v) for k, v in change.items()})
    with pytest.raises(allocation.AllocationError, match=message):
        allocation.reassign_caseload(**arguments)
    assert Programme.objects.filter(caseworker=caseworker).count() == 3


def test_caseworkers_are_listed_with_their_open_caseloads(
    caseworker, other_caseworker, leaver_cases
):
    UserFactory(roles=[Role.CASEWORKER], is_active=False)
    UserFactory(roles=[Role.MANAGER])
    counts = {user: user.open_cases for user in allocation.caseworkers()}
    assert counts == {caseworker: 2, other_caseworker: 1}


# --- The take button --------------------------------------------------------------------


def queue_token(client, caseworker, programme):
    """The token behind the "Take this case" button, as the caseworker's queue shows it."""
    client.force_login(caseworker)
    response = client.get("/cases/?tab=unassigned")
    row = next(p for p in response.context["listing"].rows if p.pk == programme.pk)
    return row.take_token


def test_taking_a_case_goes_to_the_case_page(client, caseworker, programme):
    token = queue_token(client, caseworker, programme)
    response = client.post(f"/cases/{programme.pk}/take/", {"token": token})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{programme.pk}/"
    assert messages_of(response) == [f"{programme.referral.reference} is now one of your cases"]
    assert Programme.objects.get(pk=programme.pk).caseworker == caseworker


def test_the_taken_case_is_then_in_my_cases(client, caseworker, programme):
    client.force_login(caseworker)
    client.post(f"/cases/{programme.pk}/take/")
    assert list(client.get("/cases/").context["listing"].rows) == [programme]
    assert list(client.get("/cases/?tab=unassigned").context["listing"].rows) == []


def test_a_late_take_is_told_who_took_the_case_first(
    client, caseworker, other_caseworker, programme
):
    token = queue_token(client, other_caseworker, programme)
    allocation.take(programme, actor=caseworker)
    response = client.post(f"/cases/{programme.pk}/take/", {"token": token})
    assert response["Location"] == "/cases/?tab=unassigned"
    assert messages_of(response) == [
        f"{programme.referral.reference} was already taken by {caseworker}"
    ]
    page = client.get(response["Location"])
    assert escape(f"was already taken by {caseworker}") in page.content.decode()
    assert Programme.objects.get(pk=programme.pk).caseworker == caseworker


def test_a_take_racing_another_is_refused_under_the_lock(
    client, caseworker, other_caseworker, programme
):
    """The case was still unassigned when the page checked, but taken before the lock."""
    client.force_login(other_caseworker)
    real_take = allocation.take

    def taken_just_before(case, *, actor):
        real_take(Programme.objects.get(pk=case.pk), actor=caseworker)
        return real_take(case, actor=actor)

    with mock.patch.object(allocation, "take", taken_just_before):
        response = client.post(f"/cases/{programme.pk}/take/")
    assert response["Location"] == "/cases/?tab=unassigned"
    assert messages_of(response) == [
        f"{programme.referral.reference} was already taken by {caseworker}"
    ]


def test_taking_a_case_twice_is_harmless(client, caseworker, programme):
    client.force_login(caseworker)
    client.post(f"/cases/{programme.pk}/take/")
    response = client.post(f"/cases/{programme.pk}/take/")
    assert response["Location"] == f"/cases/{programme.pk}/"
    assert len(allocations(programme)) == 1


def test_another_caseworkers_case_cannot_be_taken_and_is_not_found(
    client, caseworker, other_caseworker, make_case
):
    theirs = make_case(caseworker=other_caseworker)
    client.force_login(caseworker)
    assert client.post(f"/cases/{theirs.pk}/take/").status_code == 404
    # Nor with a token made for another case or another person.
    for pk, user in ((theirs.pk + 1, caseworker), (theirs.pk, other_caseworker)):
        token = signing.dumps([pk, user.pk], salt="cases.take")
        assert client.post(f"/cases/{theirs.pk}/take/", {"token": token}).status_code == 404
    assert client.post("/cases/999999/take/").status_code == 404


def test_a_closed_unassigned_case_is_not_taken(client, caseworker, make_case):
    closed = make_case(closed=True)
    client.force_login(caseworker)
    response = client.post(f"/cases/{closed.pk}/take/")
    assert response["Location"] == "/cases/?tab=unassigned"
    assert "is closed" in messages_of(response)[0]


def test_taking_is_a_post(client, caseworker, programme):
    client.force_login(caseworker)
    assert client.get(f"/cases/{programme.pk}/take/").status_code == 405


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_only_caseworkers_take_cases(client, programme, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.post(f"/cases/{programme.pk}/take/").status_code == 403


# --- The assign page --------------------------------------------------------------------


def test_the_assign_page_lists_caseworkers_with_their_open_caseloads(
    client, manager, caseworker, other_caseworker, make_case, programme
):
    make_case(caseworker=caseworker)
    make_case(caseworker=caseworker)
    make_case(caseworker=caseworker, closed=True)
    client.force_login(manager)
    response = client.get(f"/cases/{programme.pk}/assign/")
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(f"{caseworker} – 2 open cases") in html
    assert escape(f"{other_caseworker} – 0 open cases") in html
    assert "Assign the case" in html
    assert AccessLogEntry.objects.filter(
        actor=manager, action=Action.CONSULTATION, record_id=programme.pk
    ).exists()


def test_a_manager_assigns_a_case_from_its_page(client, manager, caseworker, programme):
    client.force_login(manager)
    response = client.post(
        f"/cases/{programme.pk}/assign/",
        {"caseworker": caseworker.pk, "reason": "Nearest office", "version": programme.version},
    )
    assert response["Location"] == f"/cases/{programme.pk}/"
    assert messages_of(response) == [
        f"{programme.referral.reference} is now assigned to {caseworker}"
    ]
    assert allocations(programme) == [(None, caseworker.pk, manager.pk, "Nearest office")]


def test_the_caseworker_who_has_the_case_is_marked_and_refused(
    client, manager, caseworker, make_case
):
    theirs = make_case(caseworker=caseworker)
    client.force_login(manager)
    html = client.get(f"/cases/{theirs.pk}/assign/").content.decode()
    assert "Reassign the case" in html
    assert escape(f"{caseworker} – 1 open case (has this case)") in html
    response = client.post(f"/cases/{theirs.pk}/assign/", {"caseworker": caseworker.pk})
    assert response.status_code == 200
    assert escape(f"{caseworker} already has this case: choose a different caseworker") in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select the caseworker to give the case to"),
        ({"caseworker": "999999"}, "Select a caseworker from the list"),
        ({"caseworker": "abc"}, "Select a caseworker from the list"),
        ({"caseworker": "custody"}, "Select a caseworker from the list"),
        (
            {"caseworker": "ok", "reason": "x" * 2001},
            "The reason must be 2,000 characters or fewer",
        ),
    ],
)
def test_the_assign_page_refuses_bad_input(
    client, manager, caseworker, custody_officer, programme, data, message
):
    people = {"custody": custody_officer.pk, "ok": caseworker.pk}
    data = {k: people.get(v, v) for k, v in data.items()}
    client.force_login(manager)
    response = client.post(f"/cases/{programme.pk}/assign/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not allocations(programme)


def test_an_assignment_from_an_out_of_date_page_changes_nothing_and_says_why(
    client, manager, caseworker, other_caseworker, programme
):
    seen = programme.version
    allocation.assign(programme, actor=manager, caseworker=other_caseworker)
    client.force_login(manager)
    response = client.post(
        f"/cases/{programme.pk}/assign/", {"caseworker": caseworker.pk, "version": seen}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This case changed since you opened it" in html
    assert escape(f"Given to {other_caseworker} by {manager}") in html
    assert response.context["form"]["caseworker"].value() == str(caseworker.pk)
    assert Programme.objects.get(pk=programme.pk).caseworker == other_caseworker


def test_a_closed_case_has_no_assign_form(client, manager, caseworker, make_case):
    closed = make_case(closed=True)
    client.force_login(manager)
    html = client.get(f"/cases/{closed.pk}/assign/").content.decode()
    assert 'data-testid="closed"' in html
    assert "Assign the case</button>" not in html
    response = client.post(f"/cases/{closed.pk}/assign/", {"caseworker": caseworker.pk})
    assert "is closed" in response.content.decode()
    assert not allocations(closed)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_only_managers_assign(client, programme, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(f"/cases/{programme.pk}/assign/").status_code == 403
    assert client.post(f"/cases/{programme.pk}/assign/").status_code == 403


def test_assigning_a_case_that_does_not_exist_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get("/cases/999999/assign/").status_code == 404


def test_the_assign_page_answers_get_and_post_only(client, manager, programme):
    client.force_login(manager)
    assert client.put(f"/cases/{programme.pk}/assign/").status_code == 405


# --- The caseload move page -------------------------------------------------------------


def test_the_move_page_offers_those_with_open_cases_and_the_caseworkers(
    client, manager, caseworker, other_caseworker, leaver_cases
):
    client.force_login(manager)
    form = client.get("/cases/reassign/").context["form"]
    assert {label for _, label in form.fields["from_caseworker"].choices} == {
        "Choose a caseworker",
        f"{caseworker} – 2 open cases",
        f"{other_caseworker} – 1 open case",
    }
    assert len(form.fields["to_caseworker"].choices) == 3


def test_moving_a_caseload_shows_how_many_cases_will_move_then_moves_them(
    client, manager, caseworker, other_caseworker, leaver_cases
):
    client.force_login(manager)
    answers = {
        "from_caseworker": caseworker.pk,
        "to_caseworker": other_caseworker.pk,
        "reason": "Left the team",
    }
    check = client.post("/cases/reassign/", answers)
    assert check.status_code == 200
    assert escape(f"2 open cases will move from {caseworker} to {other_caseworker}.") in (
        check.content.decode()
    )
    assert Programme.objects.filter(caseworker=caseworker).count() == 3  # nothing moved yet
    done = client.post("/cases/reassign/", {**answers, "confirmed": "True"})
    assert done["Location"] == f"/cases/?tab=open&caseworker={other_caseworker.pk}"
    assert messages_of(done) == [f"2 open cases moved from {caseworker} to {other_caseworker}"]
    assert Programme.objects.filter(caseworker=caseworker).count() == 1


def test_changing_the_answers_goes_back_to_the_form_with_them(
    client, manager, caseworker, other_caseworker, leaver_cases
):
    client.force_login(manager)
    response = client.post(
        "/cases/reassign/",
        {
            "from_caseworker": caseworker.pk,
            "to_caseworker": other_caseworker.pk,
            "reason": "Left",
            "confirmed": "True",
            "change": "1",
        },
    )
    assert response.status_code == 200
    assert "confirming" not in response.context
    assert "Left</textarea>" in response.content.decode()
    assert Programme.objects.filter(caseworker=caseworker).count() == 3


def test_a_move_confirmed_after_the_cases_went_elsewhere_says_none_moved(
    client, manager, caseworker, other_caseworker, make_case
):
    case = make_case(caseworker=caseworker)
    client.force_login(manager)
    answers = {
        "from_caseworker": caseworker.pk,
        "to_caseworker": other_caseworker.pk,
        "reason": "Left",
        "confirmed": "True",
    }
    with mock.patch.object(allocation, "reassign_caseload", return_value=0):
        response = client.post("/cases/reassign/", answers)
    assert messages_of(response) == [f"{caseworker} has no open cases now, so none were moved"]
    assert Programme.objects.get(pk=case.pk).caseworker == caseworker


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select the caseworker whose cases are to move"),
        ({"from_caseworker": "nobody"}, "Select a caseworker who has open cases"),
        ({"to_caseworker": "same"}, "Choose a different caseworker to move the cases to"),
        ({"to_caseworker": "custody"}, "Select a caseworker from the list"),
        ({"reason": ""}, "Enter the reason for moving the cases"),
        ({"reason": "   "}, "Enter the reason for moving the cases"),
    ],
)
def test_the_move_page_refuses_bad_input(
    client, manager, caseworker, other_caseworker, custody_officer, leaver_cases, data, message
):
    idle = UserFactory(roles=[Role.CASEWORKER])
    people = {"same": caseworker.pk, "custody": custody_officer.pk, "nobody": idle.pk}
    answers = {
        "from_caseworker": caseworker.pk,
        "to_caseworker": other_caseworker.pk,
        "reason": "Left",
        "confirmed": "True",
    }
    if data:
        answers.update({k: people.get(v, v) for k, v in data.items()})
    else:
        answers = {}
    client.force_login(manager)
    response = client.post("/cases/reassign/", answers)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Programme.objects.filter(caseworker=caseworker).count() == 3


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.CUSTODY_OFFICER, Role.AUDITOR])
def test_only_managers_move_caseloads(client, db, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get("/cases/reassign/").status_code == 403
    assert client.post("/cases/reassign/").status_code == 403


def test_the_move_page_answers_get_and_post_only(client, manager):
    client.force_login(manager)
    assert client.delete("/cases/reassign/").status_code == 405
