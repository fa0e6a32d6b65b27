import datetime
import io
import itertools
import re

import pytest
import time_machine
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.models import (
    VOLUNTARY_HOURS,
    Condition,
    ConditionKind,
    Milestone,
    OfficerDecision,
    OutcomeReason,
    Programme,
    ProgrammeStatus,
    Referral,
    ReferralStatus,
)
from diversion.cases.services.programme import completion_problem, milestone_dates
from diversion.cases.services.referral import assessment_for, custody_decision
from diversion.demo.seed import copy, staff
from diversion.lib.dates import contract_end
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
            programmes.get(r.pk),
            offences.get(r.person_id),
        )
        for r in Referral.objects.select_related("person", "offence_type", "policy_version")
    )


def delete_demo_data():
    Programme.objects.all().delete()
    LaterOffence.objects.all().delete()
    Referral.objects.all().delete()
    Person.objects.all().delete()


@pytest.fixture
def seeded(db):
    with time_machine.travel(NOW, tick=False):
        return seed(referrals=300)


def test_there_is_a_demo_login_for_every_role_with_the_printed_password(client, db):
    output = seed(referrals=0)

    logins = re.findall(r"^ +(\w+) +(.+?) {2,}(\S+)$", output, flags=re.MULTILINE)
    assert {username for username, _, _ in logins} == {
        "custody",
        "caseworker",
        "caseworker2",
        "manager",
        "auditor",
    }
    assert {role for _, role, _ in logins} == {role.value for role in Role}
    for username, role, password in logins:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert client.login(username=username, password=password)
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
        tables["milestone"].sql = "COPY no_such_table FROM STDIN"
        return tables

    make_tables = copy.make_tables
    monkeypatch.setattr(copy, "make_tables", broken_tables)

    with pytest.raises(Exception, match="no_such_table"):
        seed(referrals=40)

    assert not Referral.objects.exists()
    assert not Person.objects.exists()
    assert User.objects.filter(username="custody").exists()


def walked(record, model):
    """The record's statuses from its events, each move checked against the model's map."""
    events = list(record.events.order_by("at", "pk").values_list("from_status", "to_status", "at"))
    first_from, first_to, _ = events[0]
    assert first_from == ""
    assert first_to in getattr(model, "INITIAL", {model._meta.get_field("status").default})
    for (_, before, at_before), (after_from, after, at_after) in itertools.pairwise(events):
        assert after_from == before
        assert after in model.TRANSITIONS.get(before, set()), (before, after)
        assert at_after >= at_before
    return events[-1][1]


def test_every_status_is_reached_by_moves_the_transition_maps_allow(seeded):
    for referral in Referral.objects.all():
        assert walked(referral, Referral) == referral.status, referral.custody_record_number
    for programme in Programme.objects.all():
        assert walked(programme, Programme) == programme.status, programme.pk


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
        assert (
            completion_problem(
                programme.conditions.values_list("status", flat=True),
                dict(programme.milestones.values_list("code", "status")),
            )
            is None
        )


def test_a_person_given_time_to_decide_keeps_the_deadline_after_answering(seeded):
    answered = Referral.objects.filter(
        events__from_status=ReferralStatus.CONSIDERING,
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.DECLINED],
    )
    assert answered.exists()
    assert not answered.filter(decide_by=None).exists()


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
    # Each manager allocates only to their own team.
    for allocation in Allocation.objects.exclude(by=F("caseworker")).select_related("by"):
        assert allocation.by.groups.filter(name=Role.MANAGER.value).exists()
    only_named = User.objects.exclude(username__in=[n for n, *_ in staff.DEMO_USERS])
    assert not any(user.has_usable_password() for user in only_named)


def test_a_million_referrals_have_a_force_of_staff_not_two_caseworkers():
    team = staff.headcount(1_000_000)

    assert team[Role.CUSTODY_OFFICER] == 1_000
    assert 800 <= team[Role.CASEWORKER] <= 900
    assert team[Role.MANAGER] == team[Role.CASEWORKER] // staff.CASEWORKERS_PER_MANAGER + 1


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
