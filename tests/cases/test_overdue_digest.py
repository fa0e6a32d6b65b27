"""`manage.py send_overdue_digest`: caseworkers' lists of overdue work and managers' team
summaries, once a day at most, naming no one on the scheme."""

import datetime
import io
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from diversion.accounts.roles import Role
from diversion.cases.models import DigestSent, Milestone
from tests.factories import PersonFactory, UserFactory

# Signed on 5 January 2026: the needs assessment is due on the 12th, the first intervention
# on the 19th.
SIGNED = datetime.date(2026, 1, 5)


def at(day):
    return time_machine.travel(datetime.datetime(*day, 7, tzinfo=datetime.UTC), tick=False)


def send(*args):
    out = io.StringIO()
    call_command("send_overdue_digest", *args, stdout=out)
    return out.getvalue()


def sent_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture
def staff(caseworker, other_caseworker, manager):
    for n, user in enumerate((caseworker, other_caseworker, manager)):
        user.email = f"staff{n}@example.com"
        user.save()
    return {"caseworker": caseworker, "other": other_caseworker, "manager": manager}


@pytest.fixture
def people(db):
    return [
        PersonFactory(given_names="Imogen", family_name="Quartermaine"),
        PersonFactory(given_names="Bartholomew", family_name="Fennimore"),
    ]


@pytest.fixture
def signed(staff, people, make_case):
    with at((2026, 1, 5)):
        return {
            "mine": make_case(caseworker=staff["caseworker"], signed_on=SIGNED, person=people[0]),
            "theirs": make_case(caseworker=staff["other"], signed_on=SIGNED, person=people[1]),
        }


def test_nothing_is_sent_on_the_day_work_is_due(signed):
    with at((2026, 1, 12)):
        output = send()
    assert mail.outbox == []
    assert output.startswith("Sent 0 digests; 0 already sent today")


def test_the_day_after_each_caseworker_gets_their_own_overdue_work(staff, signed):
    with at((2026, 1, 13)):
        output = send()
    assert output.startswith("Sent 3 digests; 0 already sent today")
    (message,) = sent_to(staff["caseworker"])
    reference = signed["mine"].referral.reference
    assert message.subject == "Checkpoint: 1 overdue milestone on your cases"
    assert f"{reference}: Needs assessment" in message.body
    assert "Due 12 January 2026 (1 day overdue)" in message.body
    assert f"/cases/{signed['mine'].pk}/" in message.body
    assert signed["theirs"].referral.reference not in message.body
    (theirs,) = sent_to(staff["other"])
    assert signed["theirs"].referral.reference in theirs.body
    assert reference not in theirs.body


def test_a_caseworker_gets_every_overdue_milestone_oldest_first(staff, signed):
    with at((2026, 1, 20)):
        send()
    (message,) = sent_to(staff["caseworker"])
    assert message.subject == "Checkpoint: 2 overdue milestones on your cases"
    assert "2 milestones on 1 case are past their due date" in message.body
    assert message.body.index("Needs assessment") < message.body.index("First intervention")
    assert "Due 12 January 2026 (8 days overdue)" in message.body


def test_managers_get_a_team_summary(staff, signed, make_case):
    make_case()  # waiting for a caseworker
    with at((2026, 1, 20)):
        send()
    (message,) = sent_to(staff["manager"])
    assert message.subject == (
        "Checkpoint: 4 overdue milestones and 1 unassigned case on 20 January 2026"
    )
    assert f"{staff['caseworker']}: 2 milestones on 1 case" in message.body
    assert f"{staff['other']}: 2 milestones on 1 case" in message.body
    assert "Cases waiting for a caseworker: 1" in message.body
    assert "/cases/?tab=overdue" in message.body


def test_managers_hear_of_unassigned_cases_even_with_nothing_overdue(staff, make_case):
    make_case()
    send()
    (message,) = sent_to(staff["manager"])
    assert "Overdue milestones: 0" in message.body
    assert "Cases waiting for a caseworker: 1" in message.body
    assert sent_to(staff["caseworker"]) == []


def test_nobody_hears_anything_when_nothing_is_overdue_or_waiting(staff):
    assert send().startswith("Sent 0 digests")
    assert mail.outbox == []


def test_no_email_names_anyone_on_the_scheme(staff, signed, people, make_case):
    make_case(person=people[0])
    with at((2026, 1, 20)):
        send()
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        for person in people:
            for name in (person.given_names, person.family_name):
                assert name not in message.body
                assert name not in message.subject


def test_a_second_run_the_same_day_sends_nothing(staff, signed):
    with at((2026, 1, 13)):
        send()
        mail.outbox.clear()
        output = send()
    assert mail.outbox == []
    assert output.startswith("Sent 0 digests; 3 already sent today")
    assert DigestSent.objects.filter(sent_on=datetime.date(2026, 1, 13)).count() == 3
    assert set(DigestSent.objects.values_list("kind", flat=True)) == {"caseworker", "manager"}


def test_the_next_day_they_are_sent_again(staff, signed):
    with at((2026, 1, 13)):
        send()
    with at((2026, 1, 14)):
        output = send()
    assert output.startswith("Sent 3 digests")
    assert len(mail.outbox) == 6


def test_work_done_drops_out_of_the_next_digest(staff, signed):
    Milestone.objects.filter(programme=signed["mine"], code="needs_assessment").update(
        status="done", completed_on=datetime.date(2026, 1, 13)
    )
    with at((2026, 1, 14)):
        send()
    assert sent_to(staff["caseworker"]) == []


def test_a_digest_that_fails_to_send_is_tried_again_next_run(staff, signed):
    with (
        at((2026, 1, 13)),
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        pytest.raises(OSError),
    ):
        send()
    assert not DigestSent.objects.exists()
    with at((2026, 1, 13)):
        assert send().startswith("Sent 3 digests")


def test_the_date_can_be_given(staff, signed):
    with at((2026, 1, 20)):
        send("--date", "2026-01-13")
    (message,) = sent_to(staff["caseworker"])
    assert "First intervention" not in message.body
    assert DigestSent.objects.filter(sent_on=datetime.date(2026, 1, 13)).count() == 3


def test_a_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="--date must be a date like"):
        send("--date", "13/01/2026")


def test_staff_without_an_email_address_are_listed_not_sent_to(staff, signed):
    staff["other"].email = ""
    staff["other"].save()
    with at((2026, 1, 13)):
        output = send()
    assert "Sent 2 digests" in output
    assert f"No email address, so not sent: {staff['other'].username}" in output


def test_caseworkers_and_managers_who_have_left_get_nothing(staff, signed):
    for user in (staff["other"], staff["manager"]):
        user.is_active = False
        user.save()
    with at((2026, 1, 13)):
        send()
    assert [message.to for message in mail.outbox] == [[staff["caseworker"].email]]


def test_every_active_manager_gets_the_summary(staff, signed):
    second = UserFactory(roles=[Role.MANAGER], email="second@example.com")
    with at((2026, 1, 13)):
        send()
    assert len(sent_to(staff["manager"])) == 1
    assert len(sent_to(second)) == 1


# --- Later offences during a running contract ---------------------------------------------


def offence(programme, day, actor):
    from diversion.people import services as people_services
    from diversion.policy.models import OffenceType

    return people_services.record_later_offence(
        programme.referral.person,
        actor=actor,
        offence_date=day,
        offence_type=OffenceType.objects.get(code="theft"),
        source="custody",
    )


def test_a_later_offence_during_a_running_contract_is_in_the_caseworkers_digest(
    staff, signed, custody_officer
):
    # Nothing is overdue on the 8th: the digest is for the offence alone.
    with at((2026, 1, 8)):
        offence(signed["mine"], datetime.date(2026, 1, 7), custody_officer)
        send()
    (message,) = sent_to(staff["caseworker"])
    assert message.subject == "Checkpoint: 1 later offence on your cases"
    reference = signed["mine"].referral.reference
    assert f"{reference}: a later offence dated 7 January 2026" in message.body
    assert f"/cases/{signed['mine'].pk}/" in message.body
    assert "breaks its condition not to reoffend" in message.body
    # Named no further: not the offence, nor the person.
    assert "Theft" not in message.body
    assert signed["mine"].referral.person.family_name not in message.body
    assert sent_to(staff["other"]) == []
    (summary,) = sent_to(staff["manager"])
    assert "Running cases with a later offence during the contract: 1" in summary.body


def test_an_offence_joins_the_overdue_work_in_one_digest(staff, signed, custody_officer):
    with at((2026, 1, 13)):
        offence(signed["mine"], datetime.date(2026, 1, 12), custody_officer)
        send()
    (message,) = sent_to(staff["caseworker"])
    assert message.subject == ("Checkpoint: 1 overdue milestone and 1 later offence on your cases")
    assert "Needs assessment" in message.body
    assert "a later offence dated 12 January 2026" in message.body


def test_an_offence_before_the_contract_or_on_a_closed_case_is_not_in_the_digest(
    staff, signed, custody_officer, manager
):
    from diversion.cases.models import ProgrammeStatus
    from diversion.cases.services import programme as services

    with at((2026, 1, 8)):
        offence(signed["mine"], datetime.date(2026, 1, 4), custody_officer)
        offence(signed["theirs"], datetime.date(2026, 1, 6), custody_officer)
        services.end(
            signed["theirs"],
            ProgrammeStatus.WITHDRAWN,
            actor=manager,
            outcome_on=datetime.date(2026, 1, 7),
            reason="moved_away",
        )
        assert send().startswith("Sent 0 digests")


def test_an_offence_after_the_day_reported_on_waits_for_its_own_digest(
    staff, signed, custody_officer
):
    with at((2026, 1, 20)):
        offence(signed["mine"], datetime.date(2026, 1, 19), custody_officer)
        send("--date", "2026-01-13")
    (message,) = sent_to(staff["caseworker"])
    assert "later offence" not in message.body
