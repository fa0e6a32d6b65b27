"""Overdue work: a milestone still due after its due date, on a programme that is running.

One definition, used by the caseload, the case page and the overdue digest.
"""

from django.db.models import Count, Q

from diversion.cases.models import Milestone, MilestoneStatus, ProgrammeStatus
from diversion.lib.dates import today


def overdue_milestones(on=None):
    return Milestone.objects.filter(
        status=MilestoneStatus.DUE,
        due_on__lt=on or today(),
        programme__status=ProgrammeStatus.ACTIVE,
    )


def overdue_filter(on=None, prefix="milestones__"):
    """A Q for a programme's overdue milestones, for Count(filter=...) or Exists."""
    return Q(
        **{
            f"{prefix}status": MilestoneStatus.DUE,
            f"{prefix}due_on__lt": on or today(),
            "status": ProgrammeStatus.ACTIVE,
        }
    )


def with_overdue_count(programmes, on=None):
    """Annotate each programme with `overdue`, its number of overdue milestones."""
    return programmes.annotate(overdue=Count("milestones", filter=overdue_filter(on)))
