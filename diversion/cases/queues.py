"""The two queues of work waiting for someone, and how long each has waited: referrals
awaiting a manager's authorisation, and open cases awaiting a caseworker.

Each item waits from the moment it joined its queue. That moment is stated once per queue,
as the field that records it (`Queue.since`): the queue's list sorts by it, its summary
reads its oldest item by it, and every wait shown is measured from it.

- Authorisation: a referral that needs a manager's authorisation is made awaiting it (one of
  Referral.INITIAL) and no move leads back there (Referral.TRANSITIONS), so it has waited
  since it was made, when the officer submitted it (`created_at`), not since the arrest.
  The dashboard's authorisation wait (reporting.refresh) starts there too.
- Unassigned: a case joins the queue when it is opened on the person's acceptance
  (`Programme.created_at`: when the acceptance was recorded, which is when caseworkers
  could first see it). No service takes a caseworker off an open case, and a case reopened
  after being closed in error has been waiting all along.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from diversion.accounts.models import User
from diversion.cases.access import cases_visible_to
from diversion.cases.models import OPEN, Programme, Referral, ReferralStatus
from diversion.lib.dates import duration_in_words
from diversion.lib.lists import COUNT_CAP, Sort, count_text


@dataclass(frozen=True)
class Queue:
    """One queue: its name, its items for a user, and the field saying when each joined it."""

    name: str
    title: str
    # What people call it ("the unassigned queue"), for its links.
    called: str
    noun: tuple[str, str]
    since: str
    # The wait rule in words, for the pages that show a wait.
    rule: str
    items: Callable[[User], QuerySet[Any]]
    url_name: str
    query: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name) + self.query

    @property
    def sort(self) -> Sort:
        """Sorting by wait: ascending is the shortest wait, so the latest to join."""
        return Sort(self.since, inverted=True)

    def waiting_since(self, item: Any) -> datetime.datetime:
        return getattr(item, self.since)

    def summary(self, user: User, cap: int = COUNT_CAP) -> "Summary":
        """How many items wait (counted up to `cap`) and since when the oldest has: one
        query, reading at most `cap` + 1 entries of the queue's index."""
        joined = list(
            self.items(user)
            .order_by(self.since, "pk")
            .values_list(self.since, flat=True)[: cap + 1]
        )
        return Summary(self, len(joined), joined[0] if joined else None, cap)


@dataclass(frozen=True)
class Summary:
    queue: Queue
    count: int
    oldest: datetime.datetime | None
    cap: int = COUNT_CAP

    def count_text(self) -> str:
        return count_text(self.count, self.queue.noun, self.cap)

    def oldest_wait(self) -> str:
        return wait_in_words(self.oldest) if self.oldest else ""


def wait_in_words(since: datetime.datetime) -> str:
    """How long something has waited since `since`, as people say it ("3 hours 12 minutes")."""
    return duration_in_words(timezone.now() - since)


def awaiting_authorisation(user: User) -> QuerySet[Referral]:
    """Every referral awaiting a manager's authorisation (the queue is the managers')."""
    return Referral.objects.filter(status=ReferralStatus.AWAITING_AUTHORISATION)


def unassigned(user: User) -> QuerySet[Programme]:
    """The open cases with no caseworker that `user` may see."""
    return cases_visible_to(user).filter(caseworker__isnull=True, status__in=OPEN)


AUTHORISATIONS = Queue(
    name="authorisations",
    title="Referrals awaiting authorisation",
    called="the authorisation queue",
    noun=("referral", "referrals"),
    since="created_at",
    rule="Each referral waits from when the custody officer submitted it.",
    items=awaiting_authorisation,
    url_name="referrals:authorisations",
)
UNASSIGNED = Queue(
    name="unassigned",
    title="Cases awaiting a caseworker",
    called="the unassigned queue",
    noun=("case", "cases"),
    since="created_at",
    rule="Each case waits from when the person's acceptance was recorded.",
    items=unassigned,
    url_name="cases:home",
    query="?tab=unassigned",
)
