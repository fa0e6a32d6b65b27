"""Erasing a case at its review: nothing of the person remains anywhere, the dashboard's
figures do not change, and the history tables stay closed to every other DELETE."""

import datetime
import threading

import pytest
from django.db import DatabaseError, connection, transaction

from diversion.accounts.roles import Role
from diversion.audit.models import AccessLogEntry, Action
from diversion.cases.models import (
    AssessmentStage,
    OfficerDecision,
    OutcomeReason,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralDraft,
    ReferralHistory,
    Victim,
)
from diversion.cases.services import casework
from diversion.cases.services import programme as programme_services
from diversion.governance import retention
from diversion.governance.models import Outcome, RetentionDecision, RetentionReview
from diversion.lib.dates import today
from diversion.people.models import LaterOffence, Person, PersonHistory
from diversion.policy.models import OffenceType
from diversion.reporting import queries
from diversion.reporting.models import ErasedReferralFacts, Tally
from tests.cases.casework_helpers import all_scores
from tests.conftest import restore_reference_data
from tests.factories import PersonFactory, UserFactory
from tests.governance.conftest import years_ago
from tests.reporting.measures import Cases, offence, on, read, work_out

# A name no table could hold by chance.
NAME = "Quorntwistle"
DAY = datetime.timedelta(days=1)


def erase_all_due(manager):
    for review in list(retention.due()):
        retention.erase(review.pk, actor=manager, was_due_on=review.review_on)


def old_cases(cases, manager, person=None):
    """One case of each ending, made seven or eight years ago, for `person` (someone
    named NAME by default), with text about them in every kind of record."""
    start, end = years_ago(8), years_ago(7)
    person = person or PersonFactory(
        given_names="Ezekiel",
        family_name=NAME,
        phone="01632 960 123",
        email=f"{NAME.lower()}@example.org",
        pnc_id=None,
    )
    declined = cases.declined(start, person=person, victim=Victim.CONSULTED)
    Referral.objects.filter(pk=declined.pk).update(victim_views=f"{NAME} apologised.")
    cases.refer(start, person=person, officer_decision=OfficerDecision.DECLINE)
    refused = cases.exception(start, person=person)
    with on(start + DAY):
        cases.refuse(refused)
    completed = cases.signed(start, person=person, victim=Victim.RESTORATIVE)
    with on(start + 2 * DAY):
        casework.record_assessment(
            completed, actor=cases.caseworker, stage=AssessmentStage.ENTRY, scores=all_scores(3)
        )
        casework.add_note(completed, actor=cases.caseworker, text=f"Met {NAME} at the hub.")
    with on(start + 60 * DAY):
        casework.record_assessment(
            completed, actor=cases.caseworker, stage=AssessmentStage.EXIT, scores=all_scores(1)
        )
    cases.complete(completed, start + 130 * DAY)
    with on(start + 140 * DAY):
        programme_services.reopen(completed, actor=manager, reason=f"{NAME}: closed in error.")
    completed.refresh_from_db()
    cases.complete(completed, start + 150 * DAY)
    breached = cases.signed(end, person=person)
    cases.end(
        breached,
        ProgrammeStatus.BREACHED,
        OutcomeReason.REOFFENDED,
        end + 30 * DAY,
        detail=f"{NAME} was arrested again.",
        new_offence={
            "offence_date": end + 20 * DAY,
            "offence_type": offence("theft"),
            "source": "pnc",
        },
    )
    with on(end + 40 * DAY):
        cases.later_offence(person, end + 35 * DAY)
    withdrawn = cases.accepted(end, person=person)
    cases.end(withdrawn, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, end + DAY)
    # An unfinished referral of theirs, long left to expire.
    with on(end):
        ReferralDraft.objects.create(
            owner=cases.officer,
            person=person,
            answers={"custody": {"note": [NAME]}},
            step="custody",
        )
    return person


def dashboard():
    """Every figure the dashboard shows, and every tally behind them."""
    latest = queries.latest_refresh()
    tallies = set(
        Tally.objects.filter(refresh=latest).values_list(
            "suite", "offence_group", "policy_version", "month", "measure", "key", "value"
        )
    )
    panels = [
        (panel.slug, table.caption, table.head, [[cell.text for cell in row] for row in table.rows])
        for panel in read().dashboard.panels
        for table in panel.tables
    ]
    return tallies, panels


def tables_holding(text):
    """Every table and column whose text (names, notes, JSON, lists) contains `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND (data_type IN ('text', 'character varying', "
            "'json', 'jsonb', 'ARRAY'))"
        )
        found = []
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',  # noqa: S608
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_erasing_every_case_of_a_person_leaves_nothing_of_them_in_any_table(cases, manager):
    person = old_cases(cases, manager)
    referrals = list(Referral.objects.filter(person=person).values_list("pk", flat=True))
    due = list(retention.due().values_list("pk", flat=True))
    assert sorted(due) == sorted(referrals)
    # One kept at an earlier review, its reason naming them.
    first = retention.due().first()
    retention.retain(
        first.pk,
        actor=manager,
        reason=f"{NAME} is a witness in an open case.",
        next_review_on=today() + DAY,
        was_due_on=first.review_on,
    )
    RetentionReview.objects.filter(pk=first.pk).update(review_on=today())
    assert len(tables_holding(NAME)) > 10

    erase_all_due(manager)

    assert tables_holding(NAME) == []
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Referral.objects.filter(pk__in=referrals).exists()
    assert not LaterOffence.objects.exists()
    # What stays: who erased each record, by number, and the decisions to erase.
    erased = AccessLogEntry.objects.filter(action=Action.ERASURE)
    assert set(
        erased.filter(record_type="cases.referral").values_list("record_id", flat=True)
    ) == set(referrals)
    assert erased.filter(record_type="people.person", record_id=person.pk).count() == 1
    assert set(erased.values_list("detail", flat=True)) == {"erased at its retention review"}
    decisions = RetentionDecision.objects.all()
    assert {(d.referral_id, d.outcome, d.reason) for d in decisions} == {
        (pk, Outcome.ERASE, "") for pk in referrals
    }
    assert ErasedReferralFacts.objects.count() == len(referrals)


def test_erasing_cases_leaves_every_figure_on_the_dashboard_as_it_was(cases, manager):
    old_cases(cases, manager)
    # Cases still held, some of them the same age: their figures are read beside the kept.
    cases.declined(years_ago(7))
    live = cases.signed(today() - 30 * DAY)
    cases.later_offence(live.referral.person, today() - DAY)
    cases.declined(today() - 3 * DAY)
    work_out()
    before = dashboard()
    assert before[0]

    erase_all_due(manager)
    work_out()

    assert dashboard() == before


def test_a_person_with_another_referral_keeps_their_record_and_offences(cases, manager):
    person = PersonFactory(family_name=NAME)
    old = cases.declined(years_ago(7), person=person)
    recent = cases.declined(today() - DAY, person=person)
    cases.later_offence(person, today() - DAY)
    review = RetentionReview.objects.get(pk=old.pk)
    assert not retention.erasure_of(old).person_erased

    retention.erase(old.pk, actor=manager, was_due_on=review.review_on)

    assert list(Referral.objects.filter(person=person)) == [recent]
    assert LaterOffence.objects.filter(person=person).count() == 1
    assert PersonHistory.objects.filter(pgh_obj=person).exists()
    assert not ReferralHistory.objects.filter(pgh_obj_id=old.pk).exists()
    assert ReferralHistory.objects.filter(pgh_obj=recent).exists()


def test_a_merged_record_is_erased_with_the_person_it_was_merged_into(cases, manager):
    kept = PersonFactory()
    merged = PersonFactory(family_name=NAME)
    Person.objects.filter(pk=merged.pk).update(merged_into=kept)
    referral = cases.declined(years_ago(7), person=kept)
    assert retention.erasure_of(referral).merged == 1
    erase_all_due(manager)
    assert not Person.objects.filter(pk__in=[kept.pk, merged.pk]).exists()
    assert tables_holding(NAME) == []


def test_erasing_twice_at_once_erases_once_and_tells_the_second(due_case, manager):
    review = RetentionReview.objects.get(pk=due_case.pk)
    retention.erase(due_case.pk, actor=manager, was_due_on=review.review_on)
    with pytest.raises(retention.RetentionError, match=r"CP-\d+ was erased by .* on "):
        retention.erase(due_case.pk, actor=manager, was_due_on=review.review_on)
    assert RetentionDecision.objects.filter(outcome=Outcome.ERASE).count() == 1


def test_an_erasure_committed_first_by_someone_else_is_refused_with_a_message(due_case, manager):
    review = RetentionReview.objects.get(pk=due_case.pk)
    # As if another manager's erasure had been recorded the moment before this one's.
    RetentionDecision.objects.create(
        referral_id=due_case.pk,
        outcome=Outcome.ERASE,
        decided_by=manager,
        was_due_on=review.review_on,
    )
    with pytest.raises(retention.RetentionError, match="has just been erased by someone else"):
        retention.erase(due_case.pk, actor=manager, was_due_on=review.review_on)
    assert Referral.objects.filter(pk=due_case.pk).exists()


def test_the_history_refuses_a_direct_delete_but_not_the_erasure_function(due_case, manager):
    person = due_case.person
    # The service role may not delete (its privileges), and the trigger refuses the owner.
    refused = "permission denied|Cannot update or delete"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        PersonHistory.objects.filter(pgh_obj_id=person.pk).delete()
    RetentionDecision.objects.create(
        referral_id=0,
        outcome=Outcome.RETAIN,
        decided_by=manager,
        reason="Needed.",
        was_due_on=today(),
        next_review_on=today() + DAY,
    )
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        RetentionDecision.objects.all().delete()
    # The function refuses while the records it names still exist.
    with (
        pytest.raises(DatabaseError, match="a record named still exists"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT governance_erase_history(%s, %s, %s, %s, %s)",
            [[person.pk], [due_case.pk], [], [], []],
        )
    assert PersonHistory.objects.filter(pgh_obj_id=person.pk).exists()

    review = RetentionReview.objects.get(pk=due_case.pk)
    retention.erase(due_case.pk, actor=manager, was_due_on=review.review_on)

    assert not PersonHistory.objects.filter(pgh_obj_id=person.pk).exists()
    # The triggers are ignored inside the function only: afterwards they refuse again.
    other = PersonFactory()
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        PersonHistory.objects.filter(pgh_obj_id=other.pk).delete()


def test_only_what_the_facts_need_is_kept_of_an_erased_case(cases, manager):
    programme = cases.signed(years_ago(8), offence_type=OffenceType.objects.get(code="theft"))
    with on(years_ago(8) + DAY):
        casework.record_assessment(
            programme, actor=cases.caseworker, stage=AssessmentStage.ENTRY, scores=all_scores(2)
        )
    cases.end(programme, ProgrammeStatus.WITHDRAWN, OutcomeReason.MOVED_AWAY, years_ago(7))
    erase_all_due(manager)
    kept = ErasedReferralFacts.objects.get()
    assert kept.programme_status == ProgrammeStatus.WITHDRAWN
    assert {n["pathway"] for n in kept.needs} and {n["entry"] for n in kept.needs} == {2}
    assert all(set(rule) == {"rule", "met"} for rule in kept.eligibility_reasons)
    assert not Programme.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_managers_erasing_at_once_erase_once_and_the_other_is_told():
    restore_reference_data()
    referral = Cases().declined(years_ago(7))
    was_due_on = RetentionReview.objects.get(pk=referral.pk).review_on
    managers = [UserFactory(roles=[Role.MANAGER]) for _ in range(2)]
    start = threading.Barrier(len(managers))
    results = []

    def erase(manager):
        try:
            start.wait()
            retention.erase(referral.pk, actor=manager, was_due_on=was_due_on)
            results.append("erased")
        except retention.RetentionError as error:
            results.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=erase, args=(manager,)) for manager in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2 and results.count("erased") == 1
    told = next(r for r in results if r != "erased")
    assert told.startswith(f"{referral.reference} was erased by ")
    assert RetentionDecision.objects.filter(outcome=Outcome.ERASE).count() == 1
    assert not Referral.objects.filter(pk=referral.pk).exists()
