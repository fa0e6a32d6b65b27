from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.governance.records import PERSON_RECORDS, log_entries_about
from tests.factories import PersonFactory


def test_a_persons_log_entries_cover_their_records_and_no_one_elses(
    manager, make_referral, django_assert_num_queries
):
    referral = make_referral()
    other = make_referral(person=PersonFactory())
    mine = [
        log(manager, Action.CONSULTATION, referral.person),
        log(manager, Action.CONSULTATION, referral),
    ]
    theirs = [
        log(manager, Action.CONSULTATION, other),
        log(manager, Action.CONSULTATION, other.person),
    ]
    # The keys of the person's records, then the log entries on them.
    with django_assert_num_queries(2):
        found = {e.pk for e in log_entries_about(referral.person)}
    assert {e.pk for e in mine} <= found
    assert not {e.pk for e in theirs} & found
    # Making the referral was logged too, as a collection of it.
    assert {e.record_id for e in log_entries_about(referral.person)} == {
        referral.pk,
        referral.person.pk,
    }


def test_a_record_merged_into_the_person_is_theirs(manager, make_referral):
    kept = PersonFactory()
    merged = PersonFactory()
    merged.merged_into = kept
    merged.save(update_fields=["merged_into"])
    entry = log(manager, Action.CONSULTATION, merged)
    assert list(log_entries_about(kept)) == [entry]


def test_every_kind_of_record_about_a_person_is_named():
    labels = {model._meta.label_lower for model in PERSON_RECORDS}
    assert labels == {
        "people.person",
        "people.lateroffence",
        "cases.referral",
        "cases.referraldraft",
        "cases.programme",
        "cases.prosecutionreturn",
    }
