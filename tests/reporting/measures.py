"""A small fixed set of cases for the dashboard's measures tests (test_*_measures.py): built
through the services, each step on the day it happened, then read back through the
dashboard as a manager sees it.

Each module builds its cases once (`dataset`), in a transaction rolled back when they have
been read, so a dozen tests on fifty referrals cost one set of fifty referrals. The modules
still mark their tests for the database, so that pytest-django runs them among the database
tests, before any transactional test has emptied the tables.
"""

import datetime
import zoneinfo
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings

from diversion.accounts.roles import Role
from diversion.cases.models import (
    ConditionStatus,
    DeclineReason,
    MilestoneStatus,
    OfficerDecision,
    PersonDecision,
    Programme,
    ProgrammeStatus,
    Referral,
)
from diversion.cases.services import allocation, casework
from diversion.cases.services import programme as programme_services
from diversion.cases.services import referral as referral_services
from diversion.people.services import record_later_offence
from diversion.policy.models import MilestoneKind, OffenceType
from diversion.reporting import queries, refresh
from diversion.reporting.forms import Filters
from diversion.reporting.views.dashboard import Dashboard, build
from tests.factories import PersonFactory, UserFactory, refer, sign

LONDON = zoneinfo.ZoneInfo("Europe/London")


def moment(day: datetime.date, hour: float) -> datetime.datetime:
    """`hour` o'clock (London) on `day`; past 24, on a later day."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=LONDON) + datetime.timedelta(
        hours=hour
    )


@contextmanager
def on(day: datetime.date, hour: float = 10, *, at: datetime.datetime | None = None):
    """Stand still at `hour` o'clock (London) on `day`, or `at` a moment."""
    with time_machine.travel(at or moment(day, hour), tick=False):
        yield


def offence(code: str) -> OffenceType:
    return OffenceType.objects.get(code=code)


def transaction_start() -> datetime.datetime:
    """When the transaction began: PostgreSQL's now(), which stamps every change the history
    triggers record in it (an authorisation refused, say), whatever the clock says."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


class Cases:
    """Referrals and their contracts, made through the services as the custody desk, the
    managers and the caseworkers would make them (as tests.conftest.make_referral does)."""

    def __init__(self) -> None:
        self.officer = UserFactory(roles=[Role.CUSTODY_OFFICER])
        self.manager = UserFactory(roles=[Role.MANAGER])
        self.caseworker = UserFactory(roles=[Role.CASEWORKER])

    def refer(
        self,
        day: datetime.date,
        *,
        hour: float = 10,
        at: datetime.datetime | None = None,
        person=None,
        officer_decision: str = OfficerDecision.OFFER,
        answer: str | None = None,
        decline_reason: str = DeclineReason.PREFERS_COURT,
        **details: Any,
    ) -> Referral:
        """A referral made at `hour` on `day` (or `at` a moment; the arrest two hours before,
        unless given), and the person's answer to an offer made then, if `answer` is given."""
        with on(day, hour, at=at):
            referral = refer(
                person or PersonFactory(),
                self.officer,
                officer_decision,
                rationale="Admitted possession; first arrest.",
                **details,
            )
            if answer:
                referral_services.record_person_decision(
                    referral, actor=self.officer, decision=answer, decline_reason=decline_reason
                )
        return referral

    def accepted(self, day: datetime.date, **details: Any) -> Programme:
        return self.refer(day, answer=PersonDecision.ACCEPTED, **details).programme

    def declined(self, day: datetime.date, **details: Any) -> Referral:
        return self.refer(day, answer=PersonDecision.DECLINED, **details)

    def considering(self, day: datetime.date, **details: Any) -> Referral:
        """Offered on `day`; the person asked for a week to think about it."""
        referral = self.refer(day, **details)
        with on(day, 11):
            return referral_services.record_person_decision(
                referral,
                actor=self.officer,
                decision=PersonDecision.CONSIDERING,
                decide_by=day + datetime.timedelta(days=7),
            )

    def exception(self, day: datetime.date, **details: Any) -> Referral:
        """An offer asked for as an exception, for someone the policy does not make eligible
        (a gravity score of 4, above the policy's 3)."""
        details.setdefault("gravity_score", 4)
        return self.refer(day, officer_decision=OfficerDecision.EXCEPTION, **details)

    def authorise(self, referral: Referral, day: datetime.date, hour: float = 12) -> Referral:
        with on(day, hour):
            return referral_services.authorise(
                referral, actor=self.manager, reason="Linked to own use; first arrest."
            )

    def refuse(self, referral: Referral) -> Referral:
        return referral_services.refuse(
            referral, actor=self.manager, reason="Too many previous warnings."
        )

    def answer(
        self, referral: Referral, day: datetime.date, decision: str, *, hour: float = 16
    ) -> Referral:
        """The person's answer to an offer made earlier (after an authorisation, say)."""
        with on(day, hour):
            return referral_services.record_person_decision(
                referral, actor=self.officer, decision=decision
            )

    def signed(
        self,
        day: datetime.date,
        *,
        signed_on: datetime.date | None = None,
        conditions: Sequence[dict] = (),
        caseworker=None,
        **details: Any,
    ) -> Programme:
        """Offered and accepted on `day`, the contract signed on `signed_on` (the same day
        unless given)."""
        return self.sign(
            self.accepted(day, **details),
            signed_on or day,
            conditions=conditions,
            caseworker=caseworker,
        )

    def sign(
        self,
        programme: Programme,
        signed_on: datetime.date,
        *,
        conditions: Sequence[dict] = (),
        caseworker=None,
    ) -> Programme:
        sign(
            programme,
            actor=caseworker or self.caseworker,
            signed_on=signed_on,
            conditions=conditions,
        )
        programme.refresh_from_db()
        return programme

    def assign(self, programme: Programme, caseworker) -> Programme:
        return allocation.assign(programme, actor=self.manager, caseworker=caseworker)

    def complete(self, programme: Programme, day: datetime.date) -> Programme:
        """Every condition met and the final review done on `day`, then completed that day."""
        for condition in programme.conditions.all():
            casework.update_condition(
                programme, condition.number, actor=self.caseworker, status=ConditionStatus.MET
            )
        self.milestone_done(programme, MilestoneKind.FINAL_REVIEW, day)
        programme_services.complete(programme, actor=self.caseworker, outcome_on=day)
        programme.refresh_from_db()
        return programme

    def milestone_done(self, programme: Programme, kind: str, day: datetime.date) -> None:
        casework.record_milestone(
            programme,
            programme.milestones.get(code=kind),
            actor=self.caseworker,
            status=MilestoneStatus.DONE,
            completed_on=day,
        )

    def end(
        self,
        programme: Programme,
        status: ProgrammeStatus,
        reason: str,
        day: datetime.date,
        **more: Any,
    ) -> Programme:
        """Breached or withdrawn on `day` for `reason`."""
        programme_services.end(
            programme, status, actor=self.caseworker, outcome_on=day, reason=reason, **more
        )
        programme.refresh_from_db()
        return programme

    def later_offence(self, person, day: datetime.date, code: str = "theft") -> None:
        record_later_offence(
            person,
            actor=self.caseworker,
            offence_date=day,
            offence_type=offence(code),
            source="pnc",
        )


@dataclass
class Figures:
    """One read of the dashboard under some filters: its panels and the tallies behind them."""

    dashboard: Dashboard
    counts: queries.Counts

    def table(self, caption: str) -> dict[str, list[str]]:
        """The one table whose caption starts with `caption`: each row's cells' text by the
        row's heading."""
        rows = self._table(caption).rows
        return {row[0].text: [cell.text for cell in row[1:]] for row in rows}

    def head(self, caption: str) -> list[str]:
        return self._table(caption).head

    def caption(self, start: str) -> str:
        return self._table(start).caption

    def _table(self, caption: str):
        found = [
            t
            for panel in self.dashboard.panels
            for t in panel.tables
            if t.caption.startswith(caption)
        ]
        assert len(found) == 1, f"{len(found)} tables start {caption!r}"
        return found[0]


def work_out() -> None:
    """Work the figures out again from the cases, as the dashboard's refresh does."""
    assert refresh.refresh().ran


def read(**filters: Any) -> Figures:
    """Every panel under `filters`, and the tallies behind them, from the latest figures."""
    latest = queries.latest_refresh()
    assert latest is not None
    return Figures(build(Filters(**filters)), queries.counts(latest, Filters(**filters)))


def dataset(make: Callable[[Cases], Any]):
    """Decorates a function that builds cases and reads figures from them: a module-scoped
    fixture, of the same name, of what it reads. The cases are made once for the module and
    rolled back when read, so the tests that share them read plain figures and touch no
    database."""

    @pytest.fixture(scope="module", name=make.__name__)
    def fixture(django_db_setup, django_db_blocker):
        # As tests.conftest.fast_password_hashing does for each test.
        fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
        with django_db_blocker.unblock(), fast, transaction.atomic():
            figures = make(Cases())
            transaction.set_rollback(True)
        return figures

    fixture.__doc__ = make.__doc__
    return fixture
