import datetime
import io
import itertools
import re

import pytest
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.models import (
    VOLUNTARY_HOURS,
    Condition,
    ConditionKind,
    DeclineReason,
    Milestone,
    MilestoneStatus,
    OfficerDecision,
    OutcomeReason,
    PersonDecision,
    Programme,
    ProgrammeHistory,
    ProgrammeStatus,
    ProsecutionReturn,
    Referral,
    ReferralHistory,
    ReferralStatus,
    ReturnStatus,
    contract_end,
)
from diversion.cases.services.allocation import TAKEN_REASON
from diversion.cases.services.programme import milestone_dates, still_to_do
from diversion.cases.services.referral import assessment_for, custody_decision
from diversion.cases.timeline import case_timeline, referral_moves
from diversion.demo.seed import copy, staff
from diversion.lib.history import changes, changes_by
from diversion.lib.workflow import moves
from diversion.people.models import LaterOffence, Person
from diversion.people.pnc import normalise_pnc
from diversion.policy.models import PolicyVersion

# A fixed moment, so runs compared with each other share "now".
NOW = datetime.datetime(2026, 3, 16, 11, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The demo logins are made with the project's hasher; a cheap one keeps these tests fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def snapshot():
    """Everything about the demo data except database ids, which differ run to run."""
    programmes = {
        p.referral_id: (
            p.status,
            p.signed_on,
            p.ends_on,
            p.outcome_on,
            p.outcome_reason,
            p.caseworker.username if p.caseworker else None,
            tuple(p.conditions.values_list("number", "kind", "voluntary_hours", "status")),
            tuple(p.milestones.values_list("code", "due_on", "status", "completed_on")),
            tuple(p.appointments.values_list("kind", "starts_at", "took_place", "attendance")),
            tuple(p.assessments.values_list("stage", "pathway", "score", "assessed_on")),
            tuple(p.returns.values_list("returned_on", "status", "actioned_at")),
        )
        for p in Programme.objects.select_related("caseworker")
    }
    offences = {
        person_id: tuple(
            LaterOffence.objects.filter(person_id=person_id).values_list(
                "offence_date",
                "offence_type__code",
                "source",
                "breached_programme__referral__custody_record_number",
            )
        )
        for person_id in LaterOffence.objects.values_list("person_id", flat=True)
    }
    return sorted(
        (
            r.custody_record_number,
            r.crime_reference,
            str(r.person),
            r.person.date_of_birth,
            r.person.pnc_id,
            r.person.observed_ethnicity,
            r.person.self_defined_ethnicity,
            r.arrested_at,
            r.offence_date,
            r.offence_type.code,
            r.policy_version.name,
            r.eligibility_reasons,
            r.status,
            r.decline_reason,
            programmes.get(r.pk),
            offences.get(r.person_id),
        )
        for r in Referral.objects.select_related("person", "offence_type", "policy_version")
    )


def delete_demo_data():
    ProsecutionReturn.objects.all().delete()
    Programme.objects.all().delete()
    LaterOffence.objects.all().delete()
    Referral.objects.all().delete()
    Person.objects.all().delete()


@pytest.fixture
def seeded(db):
    with time_machine.travel(NOW, tick=False):
        return seed(referrals=300)


@pytest.mark.parametrize("debug, demo", [(False, True), (True, False)])
def test_demo_data_is_made_with_demo_or_debug_on(db, settings, debug, demo):
    settings.DEBUG, settings.DEMO = debug, demo
    assert "Demo logins:" in seed(referrals=0)


def test_demo_logins_are_never_made_without_demo_or_debug(db, settings):
    """Their passwords are published: a live service must never have them."""
    settings.DEBUG = settings.DEMO = False
    with pytest.raises(CommandError, match="runs only with DEMO=true"):
        seed(referrals=0)
    assert not User.objects.exists()


def test_there_is_a_demo_login_for_every_role_with_the_printed_password(client, db):
    output = seed(referrals=0)

    # username, the name the pages show, role, password: columns two or more spaces apart.
    logins = re.findall(r"^ +(\w+) +(.+?) {2,}(.+?) {2,}(\S+)$", output, flags=re.MULTILINE)
    assert {username for username, *_ in logins} == {
        "custody",
        "caseworker",
        "caseworker2",
        "manager",
        "auditor",
    }
    assert {role for _, _, role, _ in logins} == {role.value for role in Role}
    for username, shown_as, role, password in logins:
        user = User.objects.get(username=username)
        assert str(user) == shown_as
        assert list(user.groups.values_list("name", flat=True)) == [role]
        # Through the sign-in page: the lockout's backend needs the request.
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302
        client.logout()


def test_demo_password_meets_the_password_rules(db):
    from django.contrib.auth.password_validation import validate_password

    for username, *_ in staff.DEMO_USERS:
        validate_password(staff.DEMO_PASSWORD, User(username=username))


def test_demo_data_covers_every_status_and_both_policy_versions(seeded):
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(Programme.objects.values_list("status", flat=True)) == set(ProgrammeStatus.values)
    assert set(Referral.objects.values_list("policy_version__name", flat=True)) == set(
        PolicyVersion.objects.values_list("name", flat=True)
    )
    awaiting = Programme.objects.filter(status=ProgrammeStatus.AWAITING_CONTRACT)
    assert awaiting.filter(caseworker=None).exists()
    assert awaiting.exclude(caseworker=None).exists()
    withdrawn = Programme.objects.filter(status=ProgrammeStatus.WITHDRAWN)
    assert withdrawn.filter(signed_on=None).exists()
    assert withdrawn.exclude(signed_on=None).exists()
    assert set(Referral.objects.values_list("officer_decision", flat=True)) == set(
        OfficerDecision.values
    )


def test_every_referral_is_assessed_under_the_policy_in_force_on_its_offence_date(seeded):
    versions = list(PolicyVersion.objects.order_by("-effective_from"))
    for referral in Referral.objects.all():
        in_force = next(v for v in versions if v.effective_from <= referral.offence_date)
        assert referral.policy_version_id == in_force.pk, referral.custody_record_number


def test_eligibility_reasons_are_the_ones_the_service_would_record(seeded):
    referrals = Referral.objects.select_related("person", "offence_type")
    for referral in referrals:
        assessment = assessment_for(
            referral.person,
            offence_type=referral.offence_type,
            offence_date=referral.offence_date,
            arrested_at=referral.arrested_at,
            gravity_score=referral.gravity_score,
            circumstances=referral.circumstances,
        )
        assert referral.eligibility_reasons == assessment.rules
        assert referral.eligible == assessment.eligible
        assert referral.needs_authorisation == (
            assessment.needs_authorisation or referral.officer_decision == OfficerDecision.EXCEPTION
        )
        if referral.officer_decision == OfficerDecision.OFFER:
            assert referral.eligible


def test_every_contract_ends_four_months_after_signing_with_its_schedule(seeded):
    signed = Programme.objects.exclude(signed_on=None).select_related("referral__policy_version")
    assert signed.exists()
    for programme in signed:
        assert programme.ends_on == contract_end(programme.signed_on)
        schedule = programme.referral.policy_version.milestone_schedule
        expected = {
            step["code"]: due for step, due in milestone_dates(schedule, programme.signed_on)
        }
        assert dict(programme.milestones.values_list("code", "due_on")) == expected
    assert not Milestone.objects.filter(programme__signed_on=None).exists()


def test_conditions_start_with_not_reoffending_and_voluntary_work_is_18_to_36_hours(seeded):
    assert set(Condition.objects.filter(number=1).values_list("kind", flat=True)) == {
        ConditionKind.NO_REOFFENDING
    }
    hours = Condition.objects.filter(kind=ConditionKind.VOLUNTARY_WORK).values_list(
        "voluntary_hours", flat=True
    )
    assert hours and all(VOLUNTARY_HOURS[0] <= h <= VOLUNTARY_HOURS[1] for h in hours)


def test_breaches_for_reoffending_record_the_offence_and_completers_some_later_ones(seeded):
    reoffended = Programme.objects.filter(
        status=ProgrammeStatus.BREACHED, outcome_reason=OutcomeReason.REOFFENDED
    ).select_related("breach_offence", "referral")
    assert reoffended.exists()
    for programme in reoffended:
        offence = programme.breach_offence
        assert offence.person_id == programme.referral.person_id
        assert programme.signed_on <= offence.offence_date <= programme.outcome_on
    assert not Programme.objects.exclude(outcome_reason=OutcomeReason.REOFFENDED).exclude(
        breach_offence=None
    )
    completed = Programme.objects.filter(status=ProgrammeStatus.COMPLETED)
    after = LaterOffence.objects.filter(
        breached_programme=None,
        person__referrals__programme__in=completed,
        offence_date__gt=F("person__referrals__programme__outcome_on"),
    )
    assert after.exists()
    assert not LaterOffence.objects.filter(offence_date__gte=NOW.date())


def test_every_breach_returns_the_case_to_its_officer_most_then_actioned(seeded):
    breached = Programme.objects.filter(status=ProgrammeStatus.BREACHED).select_related("referral")
    assert breached.exists()
    for programme in breached:
        (returned,) = programme.returns.all()
        assert (returned.officer_id, returned.returned_on) == (
            programme.referral.created_by_id,
            programme.outcome_on,
        )
        if returned.is_actioned:
            assert returned.actioned_by_id == returned.officer_id
            assert returned.actioned_at > returned.returned_at
    assert not ProsecutionReturn.objects.exclude(programme__status=ProgrammeStatus.BREACHED)
    assert ProsecutionReturn.objects.filter(status=ReturnStatus.ACTIONED).exists()


def test_demo_numbers_follow_the_force_formats_and_name_keys_are_filled(seeded):
    for number, reference in Referral.objects.values_list(
        "custody_record_number", "crime_reference"
    ):
        assert re.match(django_settings.CUSTODY_RECORD_PATTERN, number)
        assert re.match(django_settings.CRIME_REFERENCE_PATTERN, reference)
    people = list(Person.objects.all())
    assert any(person.pnc_id for person in people)
    for person in people:
        if person.pnc_id:
            assert normalise_pnc(person.pnc_id) == person.pnc_id
        keys = (
            person.given_names_key,
            person.family_name_key,
            person.given_names_sound,
            person.family_name_sound,
        )
        person.refresh_name_keys()
        assert keys == (
            person.given_names_key,
            person.family_name_key,
            person.given_names_sound,
            person.family_name_sound,
        )


def test_a_second_run_adds_nothing(seeded):
    before = row_counts()

    with time_machine.travel(NOW, tick=False):
        output = seed(referrals=300)

    assert "already present" in output
    assert "checkpoint-demo-2026" in output
    assert row_counts() == before


def test_the_same_seed_gives_the_same_data(db):
    with time_machine.travel(NOW, tick=False):
        seed(referrals=80, seed=7)
        first = snapshot()
        delete_demo_data()
        seed(referrals=80, seed=7)
        assert snapshot() == first
        delete_demo_data()
        seed(referrals=80, seed=8)
        assert snapshot() != first


def test_a_larger_number_tops_up_to_the_same_data_as_one_run(db):
    with time_machine.travel(NOW, tick=False):
        seed(referrals=50)
        output = seed(referrals=120, batch_size=30)
        assert "Added 70 demo referrals" in output
        assert Referral.objects.count() == 120
        topped_up = snapshot()
        delete_demo_data()
        seed(referrals=120)
        assert snapshot() == topped_up


def test_a_failed_batch_leaves_none_of_its_rows(db, monkeypatch):
    def broken_tables():
        tables = make_tables()
        tables["cases_milestone"].sql = "COPY no_such_table FROM STDIN"
        return tables

    make_tables = copy.make_tables
    monkeypatch.setattr(copy, "make_tables", broken_tables)

    with pytest.raises(Exception, match="no_such_table"):
        seed(referrals=40)

    assert not Referral.objects.exists()
    assert not Person.objects.exists()
    assert User.objects.filter(username="custody").exists()


def walked(history, model):
    """A record's statuses from its history, each move checked against the model's map."""
    found = moves(changes(history))
    assert found[0].from_status == ""
    assert found[0].to_status in getattr(
        model, "INITIAL", {model._meta.get_field("status").default}
    )
    for before, after in itertools.pairwise(found):
        assert after.from_status == before.to_status
        assert after.to_status in model.TRANSITIONS.get(before.to_status, set())
        assert after.at >= before.at
    return found[-1].to_status


def test_every_status_is_reached_by_moves_the_transition_maps_allow(seeded):
    for referral in Referral.objects.all():
        assert walked(referral.history.all(), Referral) == referral.status
    for programme in Programme.objects.all():
        assert walked(programme.history.all(), Programme) == programme.status, programme.pk


def test_no_referral_is_one_the_service_would_refuse_to_record(seeded):
    for referral in Referral.objects.select_related("person", "offence_type"):
        assessment = assessment_for(
            referral.person,
            offence_type=referral.offence_type,
            offence_date=referral.offence_date,
            arrested_at=referral.arrested_at,
            gravity_score=referral.gravity_score,
            circumstances=referral.circumstances,
        )
        assert custody_decision(assessment, referral.officer_decision)


def test_completed_programmes_meet_the_rules_for_completion(seeded):
    completed = Programme.objects.filter(status=ProgrammeStatus.COMPLETED)
    assert completed.exists()
    for programme in completed:
        assert still_to_do(programme) == []


def test_a_person_given_time_to_decide_keeps_the_deadline_after_answering(seeded):
    answered = Referral.objects.filter(
        history__status=ReferralStatus.CONSIDERING,
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.DECLINED],
    )
    assert answered.exists()
    assert not answered.filter(decide_by=None).exists()


def test_every_declined_referral_says_why_for_the_dashboard(seeded):
    declined = Referral.objects.filter(status=ReferralStatus.DECLINED)
    assert declined.count() >= 10
    assert not declined.filter(decline_reason="").exists()
    assert len(set(declined.values_list("decline_reason", flat=True))) >= 3
    others = Referral.objects.exclude(person_decision=PersonDecision.DECLINED)
    assert not others.exclude(decline_reason="").exists()
    # Only someone given time to decide can have run out of it.
    assert not declined.filter(
        decide_by=None, decline_reason=DeclineReason.NO_ANSWER_IN_TIME
    ).exists()
    for referral in declined:
        decline = referral_moves(referral)[-1]
        assert decline.to_status == ReferralStatus.DECLINED
        assert decline.after["decline_reason"] == referral.decline_reason


def test_staff_grow_with_the_volume_so_caseloads_stay_realistic(db, monkeypatch):
    monkeypatch.setattr(staff, "REFERRALS_PER_CUSTODY_OFFICER", 200)
    monkeypatch.setattr(staff, "REFERRALS_PER_CASEWORKER", 100)
    monkeypatch.setattr(staff, "CASEWORKERS_PER_MANAGER", 2)
    with time_machine.travel(NOW, tick=False):
        seed(referrals=600)

    def holders(role):
        return User.objects.filter(groups__name=role.value)

    assert holders(Role.CUSTODY_OFFICER).count() == 3
    assert holders(Role.CASEWORKER).count() == 6
    assert holders(Role.MANAGER).count() == 3
    assert holders(Role.AUDITOR).count() == 1
    made = Referral.objects.values("created_by__username").annotate(n=Count("pk"))
    assert {row["created_by__username"]: row["n"] for row in made} == {
        "custody": 200,
        "custody2": 200,
        "custody3": 200,
    }
    held = Programme.objects.values("caseworker__username").annotate(n=Count("pk"))
    caseloads = {row["caseworker__username"]: row["n"] for row in held if row["n"]}
    assert set(caseloads) - {None} == {
        f"caseworker{n}" if n > 1 else "caseworker" for n in range(1, 7)
    }
    # Each manager allocates only to their own team; a caseworker takes only for themselves.
    usernames = dict(User.objects.values_list("pk", "username"))
    allocations = [
        change
        for change in changes(ProgrammeHistory.objects.all())
        if change.kind == "update" and change.moved("caseworker_id")
    ]
    assert allocations
    managers = 0
    for change in allocations:
        caseworker = usernames[change.after["caseworker_id"]]
        if change.user_id == change.after["caseworker_id"]:
            assert change.reason == TAKEN_REASON
            continue
        managers += 1
        number = int(caseworker.removeprefix("caseworker") or 1) - 1
        team_manager = staff.username(Role.MANAGER, number // staff.CASEWORKERS_PER_MANAGER)
        assert usernames[change.user_id] == team_manager, caseworker
    assert 0 < managers < len(allocations)
    only_named = User.objects.exclude(username__in=[n for n, *_ in staff.DEMO_USERS])
    assert not any(user.has_usable_password() for user in only_named)


def test_a_million_referrals_have_a_force_of_staff_not_two_caseworkers():
    team = staff.headcount(1_000_000)

    assert team[Role.CUSTODY_OFFICER] == 1_000
    assert 800 <= team[Role.CASEWORKER] <= 900
    assert team[Role.MANAGER] == team[Role.CASEWORKER] // staff.CASEWORKERS_PER_MANAGER + 1


# manage.py seed_demo runs as the owner: only a table's owner may ANALYZE it.
@pytest.mark.as_owner
def test_the_seed_ends_with_analyze_so_the_planner_knows_the_row_counts(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [["cases_referral", "cases_programme", "people_person"]],
        )
        estimates = dict(cursor.fetchall())
    assert estimates == {
        "cases_referral": Referral.objects.count(),
        "cases_programme": Programme.objects.count(),
        "people_person": Person.objects.count(),
    }


def test_a_top_up_after_deletions_has_staff_for_every_new_referral(db, monkeypatch):
    monkeypatch.setattr(staff, "REFERRALS_PER_CUSTODY_OFFICER", 20)
    with time_machine.travel(NOW, tick=False):
        seed(referrals=40)
        unfollowed = Referral.objects.filter(programme=None).order_by("pk")
        Referral.objects.filter(pk__in=list(unfollowed.values_list("pk", flat=True)[:10])).delete()

        output = seed(referrals=40)

    assert "Added 10 demo referrals" in output
    assert Referral.objects.filter(created_by__username="custody3").count() == 10


def test_every_demo_row_has_its_insert_in_the_history_and_no_other(seeded):
    """Every row the seed wrote has exactly one insert in its history (the seed's own,
    none from the triggers at load), and its last copy in the history is the row itself."""
    for model in copy.TRACKED:
        history = copy.history_models()[model]
        table, history_table = model._meta.db_table, history._meta.db_table
        columns = ", ".join(copy.layout(model).fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(DISTINCT pgh_obj_id) FROM {history_table} "  # noqa: S608
                "WHERE pgh_label = 'insert'"
            )
            inserts, records = cursor.fetchone()
            cursor.execute(
                f"SELECT count(*) FROM {table} t JOIN (SELECT DISTINCT ON (pgh_obj_id) * "  # noqa: S608
                f"FROM {history_table} ORDER BY pgh_obj_id, pgh_id DESC) h ON h.id = t.id "
                f"WHERE ROW(h.{columns.replace(', ', ', h.')}) "
                f"IS DISTINCT FROM ROW(t.{columns.replace(', ', ', t.')})"
            )
            (differ,) = cursor.fetchone()
        assert inserts == records == model.objects.count() > 0, model.__name__
        assert differ == 0, model.__name__
        assert history.objects.exclude(pgh_label__in=["insert", "update"]).count() == 0


def test_each_change_is_recorded_at_the_moment_in_its_context_by_a_demo_user(seeded):
    staff_ids = set(User.objects.values_list("pk", flat=True))
    for model in copy.TRACKED:
        rows = copy.history_models()[model].objects.values_list("pgh_created_at", "pgh_context")
        for created_at, context in rows:
            assert datetime.datetime.fromisoformat(context["at"]) == created_at
            assert created_at <= NOW
            assert context["user"] in staff_ids
            assert isinstance(context["reason"], str)


def test_a_seeded_case_timeline_shows_its_moves_with_who_and_when_in_order(seeded):
    programme = (
        Programme.objects.filter(status=ProgrammeStatus.COMPLETED)
        .select_related("referral", "caseworker")
        .first()
    )
    items = case_timeline(
        programme,
        milestones=list(programme.milestones.all()),
        conditions=list(programme.conditions.all()),
    )
    oldest_first = list(reversed(items))
    moved = [item for item in oldest_first if item.kind in ("status", "allocation")]
    assert [item.title for item in moved if item.kind == "status"] == [
        "Case opened",
        "Contract signed",
        "Completed",
    ]
    assert [item.kind for item in moved] == ["status", "allocation", "status", "status"]
    assert moved[0].by == programme.referral.created_by
    assert moved[0].at == programme.referral.decided_at == programme.created_at
    assert moved[1].title in (
        f"Taken by {programme.caseworker}",
        f"Given to {programme.caseworker}",
    )
    # Signing and completion sit on their days, saying who recorded them.
    assert moved[2].by == programme.caseworker
    assert timezone.localdate(moved[2].at) == programme.signed_on
    assert moved[3].by == programme.caseworker
    assert timezone.localdate(moved[3].at) == programme.outcome_on
    assert moved[-1].recorded_at == programme.updated_at
    assert [item.placed for item in moved] == sorted(item.placed for item in moved)
    # The casework of the four months happened between signing and completion.
    kinds = {item.kind for item in items}
    assert {"condition", "milestone", "appointment", "assessment"} <= kinds
    for item in items:
        if item.kind in ("condition", "milestone"):
            assert moved[2].placed <= item.placed <= moved[3].placed
            assert item.by is not None


def test_missed_milestones_say_why_on_the_milestone_and_in_the_timeline(seeded):
    missed = Milestone.objects.filter(status=MilestoneStatus.MISSED).select_related("programme")
    assert missed.exists()
    assert not missed.filter(missed_reason="").exists()
    milestone = missed.first()
    programme = milestone.programme
    items = case_timeline(programme, milestones=[], conditions=[])
    lines = [item.lines for item in items if item.title == f"{milestone.label} missed"]
    assert lines and milestone.missed_reason in lines[0]


def test_each_referral_status_history_ends_in_its_status_with_who_and_when(seeded):
    referrals = Referral.objects.select_related("authorised_by", "created_by")
    for referral in referrals:
        found = referral_moves(referral)
        assert found[0].from_status == "" and found[0].actor == referral.created_by
        assert found[0].at == referral.created_at
        assert found[0].reason == referral.decision_rationale
        assert found[-1].to_status == referral.status
        assert all(move.actor is not None for move in found)
        if referral.authorised_by:
            authorised = next(m for m in found if m.to_status == ReferralStatus.OFFERED)
            assert authorised.actor == referral.authorised_by
            assert authorised.at == referral.authorised_at == referral.offered_at
            assert authorised.reason == referral.authorisation_reason
        if referral.decided_at:
            assert found[-1].at == referral.decided_at


def test_changes_after_seeding_are_recorded_by_the_triggers_again(seeded):
    programme = Programme.objects.first()
    before = ProgrammeHistory.objects.filter(pgh_obj=programme).count()
    manager = User.objects.get(username="manager")

    with changes_by(manager, "Checked after seeding"):
        Programme.objects.filter(pk=programme.pk).update(version=F("version") + 1)

    assert ProgrammeHistory.objects.filter(pgh_obj=programme).count() == before + 1
    assert ReferralHistory.objects.filter(pgh_obj=programme.referral_id).exists()
