"""Helpers shared by the case page tests: assigning a case and filling in its forms."""

import datetime

from django.utils import timezone

from diversion.cases.models import Pathway, Programme
from tests.factories import date_fields, sign


def assign(programme, user):
    """Give the case to `user` directly, as the allocation pages would."""
    Programme.objects.filter(pk=programme.pk).update(caseworker=user)
    programme.refresh_from_db()
    return programme


def version_of(programme):
    return Programme.objects.values_list("version", flat=True).get(pk=programme.pk)


def form(programme, **fields):
    """A casework form as the page would send it: the case's current version, then the
    fields."""
    return {"version": version_of(programme), **fields}


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def needs_fields(scores=None, notes=None, *, on=None):
    """Every pathway scored (2 unless given), as the needs form sends it."""
    scores, notes = scores or {}, notes or {}
    data = {}
    for pathway in Pathway:
        data[f"{pathway}_score"] = str(scores.get(pathway, 2))
        data[f"{pathway}_notes"] = notes.get(pathway, "")
    return data | date_fields("assessed_on", on or timezone.localdate())


def all_scores(score=2, **overrides):
    """Scores for casework.record_assessment: every pathway at `score`, with overrides."""
    return {p.value: (overrides.get(p.value, score), "") for p in Pathway}


def make_signed_case(make_referral, caseworker, *, days=20, conditions=None, **referral):
    """A case accepted and signed `days` ago and assigned to `caseworker`, so that
    appointments and milestones can be in the past."""
    import time_machine

    with time_machine.travel(timezone.now() - datetime.timedelta(days=days)):
        programme = make_referral(decision="accepted", **referral).programme
    assign(programme, caseworker)
    sign(
        programme,
        actor=caseworker,
        signed_on=days_ago(days),
        conditions=(
            [{"kind": "intervention", "description": "Drug treatment sessions"}]
            if conditions is None
            else conditions
        ),
    )
    programme.refresh_from_db()
    return programme


def checked(html, name):
    """The values of the radios named `name` that the page shows checked."""
    import re

    return re.findall(
        rf'name="{name}"\s+class="govuk-radios__input"\s+id="[^"]*"\s+value="([^"]*)"\s+checked',
        html,
    )
