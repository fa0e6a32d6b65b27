"""Overdue work: a milestone still due after its due date, on a programme that is running.

One definition, used by the caseload, the case page and the overdue digest.
"""

import datetime

from django.db.models import Count, Q, QuerySet

from diversion.cases.models import Milestone, MilestoneStatus, Programme, ProgrammeStatus
from diversion.lib.dates import today


def overdue_milestones(on: datetime.date | None = None) -> QuerySet[Milestone]:
    return Milestone.objects.filter(
        status=MilestoneStatus.DUE,
        due_on__lt=on or today(),
        programme__status=ProgrammeStatus.ACTIVE,
    )


def overdue_filter(on: datetime.date | None = None, prefix: str = "milestones__") -> Q:
    """A Q for a programme's overdue milestones, for Count(filter=...) or Exists."""
    return Q(
        **{
            f"{prefix}status": MilestoneStatus.DUE,
            f"{prefix}due_on__lt": on or today(),
            "status": ProgrammeStatus.ACTIVE,
        }
    )


def with_overdue_count(
    programmes: QuerySet[Programme], on: datetime.date | None = None
) -> QuerySet[Programme]:
    """Annotate each programme with `overdue`, its number of overdue milestones."""
    return programmes.annotate(overdue=Count("milestones", filter=overdue_filter(on)))
