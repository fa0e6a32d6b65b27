"""Reoffending during a contract: a later offence on the person's record dated while their
contract ran (Programme.contract_days). Condition 1 of every contract is not to reoffend,
so a running case with one needs its caseworker's decision on a breach.

One definition, used by the case page, the caseload's badge, the overdue digest and the
referral page.
"""

import datetime

from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Least

from diversion.cases.models import RUNNING, Programme
from diversion.people.models import LaterOffence


def offences_during(programme: Programme) -> QuerySet[LaterOffence]:
    """The later offences dated during the programme's contract, oldest first (none before
    it is signed)."""
    days = programme.contract_days()
    if days is None:
        return LaterOffence.objects.none()
    return (
        LaterOffence.objects.filter(
            person_id=programme.referral.person_id, offence_date__range=days
        )
        .select_related("offence_type", "recorded_by")
        .order_by("offence_date", "pk")
    )


def with_new_offence_count(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """Annotate each programme with `new_offences`: the later offences dated during its
    contract while it runs (0 once it has ended, when they are its outcome's). A running
    contract has no outcome yet, so its days are from signing to its end (contract_days).
    A correlated subquery on the offences' index by person and date, counted only for a
    page's rows, as cases.overdue.with_overdue_count is."""
    counts = (
        LaterOffence.objects.filter(
            person_id=OuterRef("referral__person_id"),
            offence_date__gte=OuterRef("signed_on"),
            offence_date__lte=OuterRef("ends_on"),
        )
        .order_by()
        .values("person_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return programmes.annotate(
        new_offences=Case(
            When(
                status__in=RUNNING,
                then=Coalesce(Subquery(counts, output_field=IntegerField()), 0),
            ),
            default=Value(0),
        )
    )


# The path from a programme to its person's later offences, for running_offences().
OFFENCE = "referral__person__later_offences__"


def running_offences(on: datetime.date) -> QuerySet[Programme]:
    """Running programmes, once for each later offence dated during the contract (from
    signing to its end, as it has no outcome yet) and by the day `on`. Read the offence
    with `.values(offence_date=F(OFFENCE + "offence_date"))`: values() reuses this join,
    where a further filter() on the offences would join them again. For the overdue digest."""
    return Programme.objects.filter(
        status__in=RUNNING,
        **{
            f"{OFFENCE}offence_date__gte": F("signed_on"),
            f"{OFFENCE}offence_date__lte": Least(F("ends_on"), Value(on)),
        },
    )
