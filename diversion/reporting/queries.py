"""Read-only reporting queries. Each aggregates in SQL: one query, whatever the volume."""

from django.db.models import Count, Q

from diversion.cases.models import Programme, ProgrammeStatus, Referral, ReferralStatus
from diversion.policy.models import PolicyVersion


def _counts_by_status(queryset, statuses):
    """[(label, count)] for each status, in the order the workflow defines them."""
    totals = queryset.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in statuses}
    )
    return [(status.label, totals[status.value]) for status in statuses]


def referrals_by_status():
    return _counts_by_status(Referral.objects.all(), ReferralStatus)


def programmes_by_status():
    return _counts_by_status(Programme.objects.all(), ProgrammeStatus)


def outcomes_by_policy_version():
    """For each policy version: referrals, acceptances and programme outcomes."""

    def programmes(status):
        return Count("referral__programme", filter=Q(referral__programme__status=status))

    return PolicyVersion.objects.order_by("effective_from").annotate(
        referrals=Count("referral"),
        accepted=Count("referral", filter=Q(referral__status=ReferralStatus.ACCEPTED)),
        active=programmes(ProgrammeStatus.ACTIVE),
        completed=programmes(ProgrammeStatus.COMPLETED),
        breached=programmes(ProgrammeStatus.BREACHED),
        withdrawn=programmes(ProgrammeStatus.WITHDRAWN),
    )
