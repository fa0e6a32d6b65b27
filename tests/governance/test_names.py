from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log
from diversion.governance.names import name_of, name_records
from tests.factories import PersonFactory


def test_records_are_named_with_whom_they_are_about(manager, programme):
    referral = programme.referral
    person = referral.person
    entries = [
        log(manager, Action.CONSULTATION, record) for record in (person, referral, programme)
    ]
    names = name_records(entries)
    assert [str(name_of(names, e)) for e in entries] == [
        f"Person record of {person.full_name}",
        f"Referral {referral.reference} (crime reference {referral.crime_reference}) of "
        f"{person.full_name}",
        f"Case {referral.reference} of {person.full_name}",
    ]


def test_records_are_named_in_one_query_per_kind_of_record(
    manager, make_referral, django_assert_num_queries
):
    referrals = [make_referral(person=PersonFactory()) for _ in range(5)]
    entries = [log(manager, Action.CONSULTATION, r) for r in referrals]
    entries += [log(manager, Action.CONSULTATION, r.person) for r in referrals]
    with django_assert_num_queries(2):
        names = name_records(entries)
    assert len(names) == 10


def test_a_record_no_longer_held_is_named_by_its_kind_and_number(manager):
    entry = AccessLogEntry.objects.create(
        actor=manager, action=Action.ERASURE, record_type="cases.referraldraft", record_id=7
    )
    assert str(name_of(name_records([entry]), entry)) == "Referral draft 7 (no longer held)"


def test_a_name_on_a_page_is_isolated_from_the_text_around_it(manager):
    person = PersonFactory(given_names="Zebedee", family_name="Quarrendon-Vaux")
    entry = log(manager, Action.CONSULTATION, person)
    html = name_of(name_records([entry]), entry).html()
    assert html == "Person record of <bdi>Zebedee Quarrendon-Vaux</bdi>"
