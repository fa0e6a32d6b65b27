from diversion.audit.models import AccessLogEntry, Action
from diversion.audit.services import log_many

# The auditor's pages that read the log are tested in tests/governance/test_trail.py.


def test_a_disclosure_of_many_records_is_logged_in_one_insert_with_its_recipient(
    manager, make_referral, django_assert_num_queries
):
    referrals = [make_referral() for _ in range(3)]
    with django_assert_num_queries(1):
        log_many(
            manager,
            Action.DISCLOSURE,
            referrals,
            detail="scrutiny panel sample",
            reason="Quarterly panel",
            recipient="Police and Crime Commissioner's office",
        )
    entries = AccessLogEntry.objects.filter(action=Action.DISCLOSURE)
    assert sorted(e.record_id for e in entries) == sorted(r.pk for r in referrals)
    assert {(e.reason, e.recipient) for e in entries} == {
        ("Quarterly panel", "Police and Crime Commissioner's office")
    }
